#!/bin/bash
# The tests on a busy machine: other processes hold ports where a test
# would put its servers.  A test takes a block where nothing listens, and
# wait_port refuses a port that a stranger holds instead of talking to it.
HINT=${PORT_BASE:-31500}
# a stranger holds ports in the block the hint names, before lib.sh chooses
python3 "$(dirname "$0")/hog_ports.py" 120 "$((HINT + 29))" "$((HINT + 60))" >/tmp/hog.$$ 2>&1 &
HOG=$!
for _ in $(seq 50); do grep -q holding /tmp/hog.$$ 2>/dev/null && break; sleep 0.1; done
rm -f /tmp/hog.$$
PORT_BASE=$HINT
. "$(dirname "$0")/lib.sh"
PIDS="$PIDS $HOG"

PB=$(port_base)
[ "$PB" != "$HINT" ] && ok "a block held by another process is passed over ($HINT busy, took $PB)" ||
    fail "busy block" "took $PB"
# wait_port: a stranger's listener is refused at once
stranger=$(mktemp -d)
(cd "$stranger" && exec setsid python3 "$TOP/tests/integration/hog_ports.py" 30 "$((PB + 5))" >/dev/null 2>&1 &)
for _ in $(seq 50); do [ -n "$(listeners $((PB + 5)))" ] && break; sleep 0.1; done
t0=$(date +%s)
if wait_port $((PB + 5)) 5 2>"$WORK/err"; then
	fail "stranger refused" "wait_port accepted a port held by another process"
else
	grep -q "held by another process" "$WORK/err" && [ $(( $(date +%s) - t0 )) -le 2 ] &&
	    ok "wait_port refuses a port a stranger holds: $(cat "$WORK/err")" ||
	    fail "stranger refused" "$(cat "$WORK/err")"
fi
kill $(listeners $((PB + 5))) 2>/dev/null; rm -rf "$stranger"
# and accepts its own server
"$BIN/plcsim" -c "$TOP/config/jinnan.conf" --only "$("$BIN/plcsim" -c "$TOP/config/jinnan.conf" --list | awk 'NR == 1 { print $1 }')" \
    --port-base $((PB + 10)) >"$WORK/sim.log" 2>&1 &
PIDS="$PIDS $!"
wait_port $((PB + 10)) && ok "wait_port accepts the test's own plcsim" || fail "own plcsim" "$(cat "$WORK/sim.log")"
# two tests side by side never share a block
b=$(PORT_BASE=$PB bash -c ". $TOP/tests/integration/lib.sh; port_base")
[ "$b" != "$PB" ] && ok "a block reserved by a running test is not taken again (took $b)" || fail "reservation" "$b"
finish
