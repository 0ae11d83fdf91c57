#!/bin/bash
# A district needs a descriptor per PLC, two per poller thread (of 256
# PLCs) and 64 for the rest.  Under a limit of 1000 (ulimit -n in a
# subshell): --check-config refuses 3000 stations with a message naming
# the numbers, and so does start-up (exit 78, before any PLC is
# contacted); 900 stations (972 descriptors) pass.  With a soft limit of
# 256 under a hard 4096, pumpd raises its soft limit to the hard one and
# serves 900 stations (their PLCs absent: refused connections, all to
# this test's own block).
. "$(dirname "$0")/lib.sh"

PB=$(port_base)
GEN=$TOP/scripts/bench/gen-conf.py
python3 "$GEN" --base 10000 "$TOP/config/jinnan.conf" 3000 >"$WORK/big.conf"
# 900 PLCs that nobody serves, all on this test's port PB + 1, each at its
# own loopback address (127.0.K.J), so that no connection reaches a port
# outside this test's block
python3 "$GEN" --base 10000 "$TOP/config/jinnan.conf" 900 |
    awk -v p=$((PB + 1)) '/plc = \{ host = "127.0.0.1"; port = [0-9]+;/ {
	k++; sub(/"127.0.0.1"; port = [0-9]+;/, sprintf("\"127.0.%d.%d\"; port = %d;", int(k / 200), k % 200 + 2, p)) } { print }' >"$WORK/mid.conf"
mkdir -p "$WORK/s1" "$WORK/s2"

out=$( (ulimit -n 1000; "$BIN/pumpd" --check-config "$WORK/big.conf") 2>&1); rc=$?
[ $rc = 1 ] && echo "$out" | grep -q "3000 PLCs need 3088 file descriptors .* is 1000" &&
    ok "--check-config refuses 3000 PLCs under 1000 descriptors: $(echo "$out" | head -1 | cut -c1-160)" ||
    fail "--check-config under the limit" "status $rc: $out"
out=$( (ulimit -n 1000; "$BIN/pumpd" --check-config "$WORK/mid.conf") 2>&1); rc=$?
[ $rc = 0 ] && ok "--check-config accepts 900 PLCs (972 descriptors) under 1000" ||
    fail "--check-config of 900" "status $rc: $out"

(ulimit -n 1000; exec "$BIN/pumpd" -c "$WORK/big.conf" --state-dir "$WORK/s1" \
    --ctl-socket "$WORK/c1.sock") >"$WORK/p1.log" 2>&1 & pid=$!
for i in $(seq 100); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
kill -0 $pid 2>/dev/null && { kill $pid; wait $pid; rc=running; } || { wait $pid; rc=$?; }
[ "$rc" = 78 ] && grep -q "3000 PLCs need 3088 file descriptors.*refusing to start" "$WORK/p1.log" &&
    ok "start-up refused (exit 78): $(grep -m1 "need" "$WORK/p1.log" | cut -c1-120)..." ||
    fail "start-up under the limit" "status $rc: $(tail -3 "$WORK/p1.log")"
[ ! -e "$WORK/c1.sock" ] && ok "nothing was started" || fail "nothing started" "control socket made"

(ulimit -Sn 256; ulimit -Hn 4096; exec "$BIN/pumpd" -c "$WORK/mid.conf" \
    --state-dir "$WORK/s2" --ctl-socket "$WORK/c2.sock" --log-every 600) \
    >"$WORK/p2.log" 2>&1 & pid=$!
PIDS="$PIDS $pid"
for i in $(seq 300); do [ -S "$WORK/c2.sock" ] && break; kill -0 $pid 2>/dev/null || break; sleep 0.1; done
soft=$(awk '/Max open files/ { print $4 }' /proc/$pid/limits 2>/dev/null)
[ -S "$WORK/c2.sock" ] && kill -0 $pid 2>/dev/null && [ "$soft" = 4096 ] &&
    ok "soft limit 256 raised to the hard 4096: 900 stations served" ||
    fail "soft limit raised" "soft ${soft:-?}: $(tail -3 "$WORK/p2.log")"
finish
