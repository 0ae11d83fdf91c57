#!/bin/bash
# pumpd's life cycle (issue 7, items 2, 3 and 4; issue 12's exit codes):
#  1. SIGHUP with an unchanged file reloads it ("reload: no change"):
#     pumpd keeps polling and commanding.
#  2. A second pumpd on the same state directory refuses to start, at once (within 10 s on a loaded machine, never waiting on the lock),
#     naming the first one's PID, and exits 75; the first keeps
#     controlling and the heartbeat it writes never goes backwards.
#  3. An unwritable state directory is refused at start, before any thread
#     starts, with a clear message and exit status 73, never a crash:
#     a 0555 directory for the user nobody, and a read-only tmpfs (an
#     existing directory with a lock file in it, and one that is missing).
#  5. Issue 12's other refusals: an invalid configuration exits 78 with
#     its file:line errors; a second pumpd on another state directory but
#     the same control socket exits 69 naming the socket, and the first
#     keeps serving it; bad options exit 2; --help lists the codes.  The
#     first pumpd runs with PUMPD_TEST_BLOCK_AFTER_S set but no --test-hooks:
#     its loop never blocks (the heartbeat checks above).
#  4. Smaller defects (item 11): a station whose REMOTE switch is off shows
#     WATCHING in the mode column; a restart that takes no saved state says
#     why (from the future, no record); the demonstration with a broken
#     configuration exits non-zero with the errors.
. "$(dirname "$0")/lib.sh"

PB=$(port_base)
ID=shuangqiaohe
PORT=$PB; CTL=$((PB + 40))
ctl() { exec 3<>/dev/tcp/127.0.0.1/$CTL; echo "$1" >&3; read -r -t 5 reply <&3; exec 3>&-; echo "$reply"; }
chmod 755 "$WORK"	# nobody reads the configuration below
# the district cut down to one station, on our port, without metrics
python3 - "$TOP/config/jinnan.conf" "$WORK/one.conf" "$ID" "$PORT" <<'PY'
import re, sys
src, dst, sid, port = sys.argv[1:]
t = open(src).read()
t = re.sub(r'\ninflux = \{.*?\n\};\n', '\n', t, flags=re.S)
b = re.findall(r'\n\t\{\n.*?\n\t\}', t, flags=re.S)
k = [x for x in b if re.search(r'id = "%s"' % re.escape(sid), x)][0]
k = re.sub(r'port = \d+', 'port = %s' % port, k)
open(dst, 'w').write(t[:t.index(b[0])] + k + t[t.index(b[-1]) + len(b[-1]):])
PY
chmod 644 "$WORK/one.conf"
# hb: the heartbeat pumpd last wrote (holding register 0)
hb() { mbpoll -m tcp -0 -1 -t 4 -r 0 -c 1 -p "$PORT" 127.0.0.1 2>/dev/null | awk '$1 == "[0]:" { print $2 }'; }
# since_ms T0: milliseconds since date +%s%N gave T0
since_ms() { echo $((($(date +%s%N) - $1) / 1000000)); }
# refused: RC LOG WHAT [WANT]: status WANT, 73 by default (no crash, no
# hang, no sanitizer report under make asan, whose failures exit 1), a
# clear message, and nothing started (no station line, no PLC contacted)
refused() {
	if [ "$1" = "${4:-73}" ] && grep -q "$3" "$2" && ! grep -q "started: [0-9]* stations" "$2" &&
	    ! grep -q "Sanitizer\|runtime error" "$2"; then
		ok "refused with status $1: $(grep "$3" "$2" | head -1)"
	else fail "refused ($3)" "status $1, want ${4:-73}: $(head -3 "$2")"; fi
}


# 4. the demonstration with a broken configuration (nothing is started)
(cd "$TOP" && CONF=$TOP/tests/data/broken.conf STATE=$WORK/demo B=$B sh scripts/run-demo.sh) >"$WORK/demo.log" 2>&1
rc=$?
[ $rc != 0 ] && grep -q "broken.conf: [0-9]* errors" "$WORK/demo.log" &&
    ok "the demonstration refuses a broken configuration: status $rc, $(grep -c 'broken.conf:[0-9]' "$WORK/demo.log") errors shown" ||
    fail "demo with a broken configuration" "status $rc: $(tail -2 "$WORK/demo.log")"

spawn "$BIN/plcsim" -c "$WORK/one.conf" -s 5 -r const:20:600@0 -p $CTL >"$WORK/plcsim.log" 2>&1
wait_port $CTL && wait_port "$PORT" || { fail "plcsim" "$(tail -3 "$WORK/plcsim.log")"; finish; exit 1; }
mkdir "$WORK/state"
# (the test hook's variable means nothing without --test-hooks: were it
# read, the loop would stop for 60 s after 1 s and the heartbeat with it)
PUMPD_TEST_BLOCK_AFTER_S=1:60 "$BIN/pumpd" -c "$WORK/one.conf" --sim-speed 5 --state-dir "$WORK/state" \
    --ctl-socket "$WORK/ctl.sock" --log-every 5 >"$WORK/a.log" 2>&1 &
A=$!
PIDS="$PIDS $A"
sleep 2
h0=$(hb)
[ -n "$h0" ] && [ "$h0" -gt 0 ] && ok "pumpd commands the PLC (heartbeat $h0)" ||
    { fail "pumpd runs" "heartbeat '$h0'; $(tail -3 "$WORK/a.log")"; finish; exit 1; }

# 1. SIGHUP
kill -HUP $A
sleep 1
if kill -0 $A 2>/dev/null; then ok "pumpd survives SIGHUP"
else wait $A; fail "SIGHUP" "pumpd exited with status $?"; fi
grep -q "reload: no change" "$WORK/a.log" && ok "SIGHUP reloads: $(grep 'reload: ' "$WORK/a.log" | cut -d' ' -f2- | tr '\n' ' ')" ||
    fail "SIGHUP logged" "$(tail -3 "$WORK/a.log")"
h1=$(hb)
[ -n "$h1" ] && [ "$h1" -gt "$h0" ] && ok "still polling and commanding after SIGHUP (heartbeat $h0 -> $h1)" ||
    fail "polling after SIGHUP" "heartbeat $h0 -> $h1"

# 2. a second pumpd on the same state directory, three times, while the
# heartbeat at the PLC is sampled every 50 ms
python3 - "$PORT" 6 >"$WORK/hb" <<'PY' &
import socket, struct, sys, time
port, secs = int(sys.argv[1]), float(sys.argv[2])
end = time.time() + secs
while time.time() < end:
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=0.5)
        s.sendall(struct.pack(">HHHBBHH", 1, 0, 6, 1, 3, 0, 1))
        r = s.recv(64)
        s.close()
        if len(r) == 11 and r[7] == 3:
            print(struct.unpack(">H", r[9:11])[0], flush=True)
    except OSError:
        pass
    time.sleep(0.05)
PY
SAMPLER=$!
sleep 0.5
for n in 1 2 3; do
	t0=$(date +%s%N)
	timeout 10 "$BIN/pumpd" -c "$WORK/one.conf" --sim-speed 5 --state-dir "$WORK/state" \
	    --log-every 0 >"$WORK/b$n.log" 2>&1
	rc=$?; el=$(since_ms "$t0")
	sleep 1
done
wait $SAMPLER
# at once: not after waiting on the lock (a loaded machine may take seconds
# to start a process; the lock would make it wait for good)
if [ $rc = 75 ] && [ $el -lt 10000 ] &&
    ! grep -q "Sanitizer\|runtime error" "$WORK/b3.log"; then
	ok "the second pumpd exits with status $rc after $el ms"
else fail "second pumpd refused" "status $rc after $el ms"; fi
grep -q "PID $A\b" "$WORK/b3.log" && ok "its message names the holder: $(head -1 "$WORK/b3.log")" ||
    fail "holder's PID in the message" "$(cat "$WORK/b3.log")"
grep -q "started: [0-9]* stations" "$WORK/b3.log" && fail "nothing started" "$(head -3 "$WORK/b3.log")"
back=$(awk 'NR > 1 && $1 < last { n++ } { last = $1 } END { print n + 0 }' "$WORK/hb")
ns=$(wc -l <"$WORK/hb"); first=$(head -1 "$WORK/hb"); last=$(tail -1 "$WORK/hb")
[ "$back" = 0 ] && [ "$ns" -gt 20 ] && [ "$last" -gt "$first" ] &&
    ok "the first pumpd kept controlling: heartbeat $first -> $last over $ns samples, never backwards" ||
    fail "heartbeat" "$back steps backwards in $ns samples ($first -> $last)"
kill -0 $A 2>/dev/null && ok "the first pumpd still runs" || fail "first pumpd" "gone"
grep -q "test hook" "$WORK/a.log" && fail "PUMPD_TEST_BLOCK_AFTER_S without --test-hooks" "$(grep 'test hook' "$WORK/a.log")"
[ "$(cat "$WORK/state/lock" 2>/dev/null | tr -d '\n')" = "$A" ] && ok "the lock file holds the first one's PID" ||
    fail "lock file" "$(cat "$WORK/state/lock")"
# 5. the same control socket, another state directory: 69, the first one
# still serves it; an invalid configuration: 78 with its file:line errors;
# bad options: 2; --help says so
timeout 10 "$BIN/pumpd" -c "$WORK/one.conf" --sim-speed 5 --state-dir "$WORK/state2" \
    --ctl-socket "$WORK/ctl.sock" --log-every 0 >"$WORK/s.log" 2>&1
refused $? "$WORK/s.log" "control socket $WORK/ctl.sock: another process (another pumpd?) serves it" 69
"$BIN/pumpctl" -S "$WORK/ctl.sock" status >"$WORK/pc.out" 2>&1 && grep -q "$ID" "$WORK/pc.out" &&
    ok "the first pumpd still serves its control socket" || fail "first pumpd's socket" "$(head -3 "$WORK/pc.out")"
timeout 10 "$BIN/pumpd" -c "$TOP/tests/data/broken.conf" --state-dir "$WORK/state3" \
    --ctl-socket "$WORK/ctl3.sock" --log-every 0 >"$WORK/i.log" 2>&1
refused $? "$WORK/i.log" "broken.conf:[0-9]*: " 78
grep -q "invalid configuration ([0-9]* errors); refusing to start" "$WORK/i.log" &&
    ok "$(grep -m1 'invalid configuration' "$WORK/i.log" | cut -d' ' -f2-)" || fail "invalid configuration" "$(tail -2 "$WORK/i.log")"
[ ! -e "$WORK/state3" ] && ok "nothing was created for the invalid configuration" || fail "state3" "created"
"$BIN/pumpd" --no-such-option >/dev/null 2>&1; rc=$?
[ $rc = 2 ] && ok "bad options exit 2" || fail "bad options" "status $rc"
"$BIN/pumpd" --help | tr -s ' \n' ' ' >"$WORK/help"
grep -q "69 the control socket is served by another pumpd; 73 the state directory cannot be created or written; 75 another pumpd holds the state directory; 78 invalid configuration" "$WORK/help" &&
    ok "pumpd --help lists the exit codes" || fail "--help" "$(cat "$WORK/help")"

# 4. REMOTE off: watched only
[ "$(ctl "fault $ID:remote-off")" = ok ] || fail "fault remote-off" ""
i=0; while ! grep -q "station $ID: .*OK WATCHING" "$WORK/a.log" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
grep -q "station $ID: .*OK WATCHING" "$WORK/a.log" && ok "REMOTE off shows WATCHING: $(grep "station $ID: .*WATCHING" "$WORK/a.log" | tail -1)" ||
    fail "WATCHING" "$(grep "station $ID: .*level" "$WORK/a.log" | tail -1)"
ctl "fault $ID:remote-on" >/dev/null
sleep 1
kill -TERM $A; wait $A; rc=$?
[ $rc = 0 ] && ok "the first pumpd stops with status 0 on SIGTERM" || fail "SIGTERM" "status $rc"

# 4. saved state not taken, and why: from the future (the first pumpd ran
# its clock 5 times faster), then no record for a station of another id
"$BIN/pumpd" -c "$WORK/one.conf" --state-dir "$WORK/state" --log-every 0 >"$WORK/f.log" 2>&1 &
F=$!; sleep 1; kill -TERM $F; wait $F
grep -q "of 1 stations taken from .*; not taken: 1 from the future (saved [0-9]* s ahead of this clock: it went back)" "$WORK/f.log" &&
    ok "$(grep 'state:' "$WORK/f.log" | cut -d' ' -f2-)" || fail "state from the future" "$(grep 'state' "$WORK/f.log")"
# the station's own id line only: a river of the same name keeps its id
sed "s/^\t\tid = \"$ID\";/\t\tid = \"renamed\";/" "$WORK/one.conf" >"$WORK/renamed.conf"
"$BIN/pumpd" -c "$WORK/renamed.conf" --state-dir "$WORK/state" --log-every 0 >"$WORK/g.log" 2>&1 &
G=$!; sleep 1; kill -TERM $G; wait $G
grep -q "0 of 1 stations taken from .*; not taken: 1 without a record" "$WORK/g.log" &&
    ok "$(grep 'state:' "$WORK/g.log" | cut -d' ' -f2-)" || fail "no record" "$(grep 'state' "$WORK/g.log")"

# 3a. a 0555 directory, as nobody
mkdir -m 555 "$WORK/ro"
timeout 10 setpriv --reuid=nobody --regid=nogroup --clear-groups "$BIN/pumpd" -c "$WORK/one.conf" \
    --state-dir "$WORK/ro" --log-every 0 >"$WORK/c.log" 2>&1
refused $? "$WORK/c.log" "state directory $WORK/ro: cannot create its lock file: Permission denied"
# 3b. a read-only file system, with the state of an earlier run in it
mkdir "$WORK/tmpfs"
if mount -t tmpfs -o size=64k tmpfs "$WORK/tmpfs" 2>"$WORK/mount.err"; then
	trap 'umount "$WORK/tmpfs" 2>/dev/null; cleanup' EXIT
	mkdir "$WORK/tmpfs/state" && echo 1 >"$WORK/tmpfs/state/lock"
	mount -o remount,ro "$WORK/tmpfs"
	timeout 10 "$BIN/pumpd" -c "$WORK/one.conf" --state-dir "$WORK/tmpfs/state" \
	    --log-every 0 >"$WORK/d.log" 2>&1
	refused $? "$WORK/d.log" "cannot create its lock file: Read-only file system"
	timeout 10 "$BIN/pumpd" -c "$WORK/one.conf" --state-dir "$WORK/tmpfs/missing" \
	    --log-every 0 >"$WORK/e.log" 2>&1
	refused $? "$WORK/e.log" "state directory $WORK/tmpfs/missing: cannot create it: Read-only file system"
	umount "$WORK/tmpfs"
else
	fail "tmpfs" "cannot mount one (root is needed): $(cat "$WORK/mount.err")"
fi
finish
