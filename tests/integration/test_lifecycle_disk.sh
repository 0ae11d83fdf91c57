#!/bin/bash
# The state directory becomes unwritable under a running pumpd (issue 7,
# item 4): pumpd runs as nobody, and its state directory is made 0555 (a
# read-only remount is refused while pumpd holds its lock file open for
# writing).  pumpd keeps controlling, logs the
# failing state save once for the episode, counts the failures in its
# self-monitoring point (pumpd.state_save_failures, read back from a real
# InfluxDB), and logs the recovery once the directory is writable again.
# At the stop, the hand-over of the station is an event in InfluxDB.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/influx_lib.sh"

PB=$(port_base)
ID=shuangqiaohe
PORT=$PB
python3 - "$TOP/config/jinnan.conf" "$WORK/one.conf" "$ID" "$PORT" "$IPORT" <<'PY'
import re, sys
src, dst, sid, port, iport = sys.argv[1:]
t = open(src).read()
t = re.sub(r'url = "http[^"]*"', 'url = "http://127.0.0.1:%s"' % iport, t)
t = re.sub(r'batch_ms = \d+', 'batch_ms = 200', t)
b = re.findall(r'\n\t\{\n.*?\n\t\}', t, flags=re.S)
k = [x for x in b if re.search(r'id = "%s"' % re.escape(sid), x)][0]
k = re.sub(r'port = \d+', 'port = %s' % port, k)
open(dst, 'w').write(t[:t.index(b[0])] + k + t[t.index(b[-1]) + len(b[-1]):])
PY
hb() { mbpoll -m tcp -0 -1 -t 4 -r 0 -c 1 -p "$PORT" 127.0.0.1 2>/dev/null | awk '$1 == "[0]:" { print $2 }'; }
failures() {
	q "SELECT max(\"state_save_failures\") FROM \"pumpd\" WHERE $WIN" | jq '.results[0].series[0].values[0][1] // 0'
}

chmod 755 "$WORK"; chmod 644 "$WORK/one.conf"
mkdir "$WORK/state"; chown nobody:nogroup "$WORK/state"
start_influx || { finish; exit 1; }
spawn "$BIN/plcsim" -c "$WORK/one.conf" -s 10 -r const:20:600@0 >"$WORK/plcsim.log" 2>&1
wait_port "$PORT" || { fail "plcsim" "$(tail -3 "$WORK/plcsim.log")"; finish; exit 1; }
setpriv --reuid=nobody --regid=nogroup --clear-groups "$BIN/pumpd" -c "$WORK/one.conf" \
    --sim-speed 10 --state-dir "$WORK/state" --log-every 0 >"$WORK/p.log" 2>&1 &
PD=$!
PIDS="$PIDS $PD"
i=0; while [ ! -s "$WORK/state/state" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -s "$WORK/state/state" ] && ok "pumpd (as nobody) saved its state" || fail "first save" "$(tail -3 "$WORK/p.log")"

chmod 555 "$WORK/state"
h0=$(hb)
sleep 12	# two saves or more (every 5 s) fail
h1=$(hb)
kill -0 $PD 2>/dev/null && ok "pumpd runs on with its state directory 0555" || fail "pumpd runs" "$(tail -3 "$WORK/p.log")"
[ -n "$h1" ] && [ "$h1" -gt "$h0" ] && ok "and keeps controlling (heartbeat $h0 -> $h1)" || fail "controlling" "heartbeat $h0 -> $h1"
n=$(grep -c "state: cannot save" "$WORK/p.log")
[ "$n" = 1 ] && ok "the failure is logged once: $(grep 'state: cannot save' "$WORK/p.log")" ||
    fail "logged once" "$n lines: $(grep 'state:' "$WORK/p.log" | head -3)"
sleep 1.5	# the next self-monitoring point, sent
f=$(failures)
[ "$f" -ge 2 ] && ok "and counted: pumpd.state_save_failures = $f in InfluxDB" || fail "counted" "state_save_failures $f"

chmod 755 "$WORK/state"
wait_for "state: saved again" "$WORK/p.log" 8 && ok "recovery logged: $(grep 'state: saved again' "$WORK/p.log")" ||
    fail "recovery logged" "$(grep 'state:' "$WORK/p.log")"
[ "$(grep -c "state: cannot save" "$WORK/p.log")" = 1 ] && ok "still one failure line for the whole episode" ||
    fail "one line per episode" "$(grep -c 'state: cannot save' "$WORK/p.log")"
kill -TERM $PD; wait $PD; rc=$?
[ $rc = 0 ] && ok "pumpd stops with status 0" || fail "exit" "status $rc"
ev=$(q "SELECT \"text\" FROM \"event\" WHERE $WIN AND \"station\" = '$ID'" | jq -r '.results[0].series[0].values[][1]' | grep "handed over")
[ -n "$ev" ] && ok "the hand-over at the stop is an event in InfluxDB: $ev" || fail "hand-over event" "none"
finish
