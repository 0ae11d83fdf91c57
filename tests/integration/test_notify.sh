#!/bin/bash
# pumpd's notifications to systemd (issue 12), read from NOTIFY_SOCKET by a
# small Unix datagram reader (python3, inline) that stamps each message.
# Three stations: two answer, one (gegu-south) is silent from the start
# (plcsim fault "silent"), so that its first poll ends in a timeout after
# control.response_timeout_ms (1 s).
#  1. READY=1 comes only once every station has been polled once: after
#     "STATUS=starting: ..." lines, and not before the silent station's
#     first poll has timed out (at least 1 s after start: a machine slower
#     than that only makes it later); its STATUS counts 2 OK and 1 DOWN.
#  2. STATUS= lines say "N stations: N OK, N STALE, N DOWN; storm mode at
#     N; no metrics; warning none"; a change (pumpctl warning blue) is sent
#     within the second.
#  3. With WATCHDOG_USEC=2 s pumpd feeds WATCHDOG=1 from its loop.
#  4. SIGHUP: RELOADING=1 with MONOTONIC_USEC, then READY=1 with a STATUS.
#  5. The test hook (--test-hooks, PUMPD_TEST_BLOCK_AFTER_S=3:3) blocks the
#     loop for 4 s: no WATCHDOG=1 comes for longer than WATCHDOG_USEC
#     (systemd would kill and restart it); feeding resumes afterwards.
. "$(dirname "$0")/lib.sh"

PB=$(port_base); CTL=$((PB + 40))
python3 - "$TOP/config/jinnan.conf" "$PB" gegu-east gegu-west gegu-south >"$WORK/three.conf" <<'PY'
import re, sys
src, pb = sys.argv[1:3]
t = open(src).read()
t = re.sub(r'\ninflux = \{.*?\n\};\n', '\n', t, flags=re.S)
blocks = re.findall(r'\n\t\{\n.*?\n\t\}', t, flags=re.S)
keep = []
for n, sid in enumerate(sys.argv[3:]):
    k = [x for x in blocks if re.search(r'id = "%s"' % re.escape(sid), x)][0]
    keep.append(re.sub(r'port = \d+', 'port = %d' % (int(pb) + n), k))
sys.stdout.write(t[:t.index(blocks[0])] + ','.join(keep) + t[t.index(blocks[-1]) + len(blocks[-1]):])
PY

spawn "$BIN/plcsim" -c "$WORK/three.conf" -s 1 -r none -p $CTL -f gegu-south:silent@0 >"$WORK/plcsim.log" 2>&1
wait_port $CTL && wait_port $PB && wait_port $((PB + 2)) || { fail "plcsim" "$(tail -3 "$WORK/plcsim.log")"; finish; exit 1; }

# the reader: one line per datagram, "SECONDS<TAB>message" (newlines as |),
# seconds on the monotonic clock
python3 - "$WORK/notify.sock" >"$WORK/notify" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("%.3f\tbound" % time.monotonic(), flush=True)
while True:
    m = s.recv(4096).decode(errors="replace")
    print("%.3f\t%s" % (time.monotonic(), m.replace("\n", "|")), flush=True)
PY
READER=$!; PIDS="$PIDS $READER"
i=0; while [ ! -S "$WORK/notify.sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done

T0=$(python3 -c 'import time; print("%.3f" % time.monotonic())')
NOTIFY_SOCKET=$WORK/notify.sock WATCHDOG_USEC=2000000 PUMPD_TEST_BLOCK_AFTER_S=3:3 \
    "$BIN/pumpd" -c "$WORK/three.conf" --state-dir "$WORK/state" --ctl-socket "$WORK/ctl.sock" \
    --log-every 0 --test-hooks >"$WORK/pumpd.log" 2>&1 &
D=$!; PIDS="$PIDS $D"
# msgs PATTERN: the lines whose message matches PATTERN
msgs() { awk -F'\t' -v re="$1" '$2 ~ re' "$WORK/notify"; }
has() { [ -n "$(msgs "$1")" ]; }
wait_for() { _n=$(($1 * 10)); shift; while ! "$@" && [ $_n -gt 0 ]; do sleep 0.1; _n=$((_n - 1)); done; "$@"; }

# 1. READY after every first poll
if wait_for 10 has "READY=1"; then
	ready=$(msgs "READY=1" | head -1)
	tr=$(echo "$ready" | cut -f1)
	first=$(awk -F'\t' '$2 != "bound" { print; exit }' "$WORK/notify")
	echo "$first" | grep -q "STATUS=starting: 0 of 3 stations polled" &&
	    ok "the first message: $(echo "$first" | cut -f2)" || fail "first message" "$first"
	el=$(awk -v a="$T0" -v b="$tr" 'BEGIN { printf "%d", (b - a) * 1000 }')
	[ "$el" -ge 1000 ] && ok "READY=1 came $el ms after start, after the silent PLC's 1 s timeout" ||
	    fail "READY too early" "$el ms after start"
	echo "$ready" | grep -q "STATUS=3 stations: 2 OK, 0 STALE, 1 DOWN" &&
	    ok "with $(echo "$ready" | cut -f2 | tr '|' '\n' | grep STATUS)" || fail "READY's status" "$ready"
	grep -q "ready: every one of the 3 stations polled once" "$WORK/pumpd.log" && grep -q "plc gegu-south: " "$WORK/pumpd.log" &&
	    ok "logged: $(grep -m1 'ready:' "$WORK/pumpd.log" | cut -d' ' -f2-)" || fail "ready logged" "$(head -5 "$WORK/pumpd.log")"
	[ "$(msgs "READY=1" | wc -l)" = 1 ] && ok "READY=1 sent once" || fail "READY once" "$(msgs READY=1)"
else fail "READY=1" "$(cat "$WORK/notify")"; fi

# 5. the loop blocked by the test hook (after 3 s, for 3 s)
if wait_for 15 has "test hook: the loop is blocked"; then
	wait_for 10 grep -q "test hook: the loop runs again" "$WORK/pumpd.log"
	sleep 1.5
	tb=$(msgs "test hook: the loop is blocked" | head -1 | cut -f1)
	# by the order the messages came in, not their time stamps: a
	# WATCHDOG=1 sent just before the block can carry the same stamp
	gap=$(awk -F'\t' '!seen && $2 ~ /test hook: the loop is blocked/ { seen = 1; next }
	    $2 ~ /WATCHDOG=1/ { if (!seen) last = $1; else if (!next_) next_ = $1 }
	    END { printf "%d %d", (next_ - last) * 1000, (next_ > 0) }' "$WORK/notify")
	set -- $gap
	[ "$2" = 1 ] && [ "$1" -gt 2000 ] &&
	    ok "no WATCHDOG=1 for $1 ms while the loop was blocked (WATCHDOG_USEC 2000 ms: systemd restarts it)" ||
	    fail "watchdog while blocked" "gap $1 ms, fed again: $2"
	after=$(awk -F'\t' -v tb="$tb" '$1 > tb + 3 && $2 ~ /WATCHDOG=1/' "$WORK/notify" | wc -l)
	[ "$after" -ge 1 ] && ok "WATCHDOG=1 resumes with the loop ($after since)" || fail "watchdog resumes" "$after"
else fail "test hook" "$(tail -5 "$WORK/pumpd.log")"; fi


# 2. STATUS lines, one on a change: the rainstorm warning set by pumpctl
"$BIN/pumpctl" -S "$WORK/ctl.sock" warning blue >/dev/null 2>&1
wait_for 5 has "^STATUS=3 stations: .*; warning blue" &&
    ok "a change is sent at once: $(msgs "warning blue" | head -1 | cut -f2)" ||
    fail "STATUS on a change" "$(tail -3 "$WORK/notify")"
bad=$(msgs "STATUS=" | cut -f2 | tr '|' '\n' | grep "^STATUS=" | grep -v "^STATUS=starting: \|^STATUS=test hook\|^STATUS=reloading" |
    grep -Ev "^STATUS=3 stations: [0-3] OK, [0-3] STALE, [0-3] DOWN; storm mode at [0-3]; no metrics; warning (none|blue)( \(reloaded\))?$")
n=$(msgs "STATUS=3 stations" | wc -l)
[ -z "$bad" ] && [ "$n" -ge 2 ] && ok "$n STATUS= lines, such as: $(msgs "STATUS=3 stations" | tail -1 | cut -f2)" ||
    fail "STATUS lines" "$n; bad: $bad"

# 4. SIGHUP: RELOADING=1 ... READY=1
n0=$(wc -l <"$WORK/notify")
kill -HUP $D
wait_for 5 has "STATUS=.*\(reloaded\)"
tail -n +$((n0 + 1)) "$WORK/notify" | cut -f2 >"$WORK/reload"
r1=$(grep -n "RELOADING=1" "$WORK/reload" | head -1 | cut -d: -f1)
r2=$(grep -n "^READY=1" "$WORK/reload" | head -1 | cut -d: -f1)
[ -n "$r1" ] && [ -n "$r2" ] && [ "$r1" -lt "$r2" ] && grep -q "RELOADING=1.*MONOTONIC_USEC=[0-9]" "$WORK/reload" &&
    ok "SIGHUP: $(sed -n "${r1}p" "$WORK/reload" | cut -c1-60)... then $(sed -n "${r2}p" "$WORK/reload")" ||
    fail "RELOADING/READY" "$(cat "$WORK/reload")"

# 3. fed from the loop, at half the interval (about 10 s by now)
n=$(msgs "^WATCHDOG=1$" | wc -l)
[ "$n" -ge 4 ] && ok "WATCHDOG=1 fed $n times" || fail "WATCHDOG=1" "$n times"
grep -q "systemd watchdog: 2.0 s, fed every 1.0 s from the loop" "$WORK/pumpd.log" &&
    ok "$(grep -m1 'systemd watchdog' "$WORK/pumpd.log" | cut -d' ' -f2-)" || fail "watchdog logged" "$(head -3 "$WORK/pumpd.log")"

kill -TERM $D; wait $D; rc=$?
wait_for 3 has "STOPPING=1"
[ $rc = 0 ] && has "STOPPING=1" && ok "SIGTERM: STOPPING=1, status 0" || fail "stop" "status $rc; $(tail -2 "$WORK/notify")"
grep -q "Sanitizer\|runtime error" "$WORK/pumpd.log" && fail "sanitizer" "$(grep -m3 'Sanitizer\|runtime error' "$WORK/pumpd.log")"
finish
