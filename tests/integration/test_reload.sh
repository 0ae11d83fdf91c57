#!/bin/bash
# Reload on SIGHUP (issue 12), with plcsim over loopback and mbpoll.
# Station A (gegu-east) sits between its stop and duty levels, pumps off;
# station B (gegu-west) above its duty start, its duty pump running.  A
# sampler reads every PLC's pump_cmd and heartbeat every 100 ms throughout.
#  1. A file with errors: pumpd logs each as file:line, refuses the reload
#     at LOG_ERR, audits it, keeps controlling (heartbeats advance, pump
#     commands stay) and keeps the configuration in use.
#  2. A's duty start lowered below its level: A's duty pump starts, and
#     B's pump_cmd never changes; the log and the audit trail say
#     "1 set-point changed at gegu-east".
#  3. B removed, C (gegu-south) added: B's PLC is handed over (mode_request
#     LOCAL, its fallback set-points written, LOCAL_CONTROL in its status)
#     and its heartbeat stops (its worker ended); C's heartbeat advances (it
#     is polled and supervised); the log and the audit name both.
#  4. A file changing the number of a kept station's pumps is refused with
#     its file:line; the influx group and the control socket are settings
#     only a restart changes: logged as such, the rest applied.
. "$(dirname "$0")/lib.sh"

PB=$(port_base); CTL=$((PB + 40))
A=gegu-east; B=gegu-west; C=gegu-south
PA=$PB; PB1=$((PB + 1)); PC=$((PB + 2))
# cut STATIONS... > FILE: the district with only these stations, on our
# ports (A PA, B PB1, C PC), without metrics
cutconf() {
	python3 - "$TOP/config/jinnan.conf" "$PA:$A" "$PB1:$B" "$PC:$C" "$@" <<'PY'
import re, sys
src, a, b, c = sys.argv[1:5]
want = sys.argv[5:]
port = {x.split(':')[1]: x.split(':')[0] for x in (a, b, c)}
t = open(src).read()
t = re.sub(r'\ninflux = \{.*?\n\};\n', '\n', t, flags=re.S)
blocks = re.findall(r'\n\t\{\n.*?\n\t\}', t, flags=re.S)
keep = []
for sid in want:
    k = [x for x in blocks if re.search(r'id = "%s"' % re.escape(sid), x)][0]
    keep.append(re.sub(r'port = \d+', 'port = %s' % port[sid], k))
sys.stdout.write(t[:t.index(blocks[0])] + ','.join(keep) + t[t.index(blocks[-1]) + len(blocks[-1]):])
PY
}
cutconf $A $B $C >"$WORK/sim.conf"
cutconf $A $B >"$WORK/ab.conf"
cp "$WORK/ab.conf" "$WORK/pumpd.conf"
"$BIN/pumpd" -n "$WORK/pumpd.conf" >/dev/null || { fail "config" "$("$BIN/pumpd" -n "$WORK/pumpd.conf" 2>&1)"; finish; exit 1; }

ctl() { exec 3<>/dev/tcp/127.0.0.1/$CTL; echo "$1" >&3; read -r -t 5 reply <&3; exec 3>&-; echo "$reply"; }
# hold PORT REG: holding register REG of the PLC on PORT
hold() { mbpoll -m tcp -0 -1 -o 2 -t 4 -r "$2" -c 1 -p "$1" 127.0.0.1 2>/dev/null | awk '$1 ~ /^\[/ { print $2 }'; }
# status PORT: the PLC's station_status (input register 1)
status() { mbpoll -m tcp -0 -1 -o 2 -t 3 -r 1 -c 1 -p "$1" 127.0.0.1 2>/dev/null | awk '$1 ~ /^\[/ { print $2 }'; }
# wait_for SECONDS COMMAND...: until the command succeeds
wait_for() { _n=$(($1 * 10)); shift; while ! "$@" && [ $_n -gt 0 ]; do sleep 0.1; _n=$((_n - 1)); done; "$@"; }
logged() { grep -q "$1" "$WORK/pumpd.log"; }
# moved PORT OLD: the heartbeat at PORT is no longer OLD
moved() { [ "$(hold $1 0)" != "$2" ]; }

spawn "$BIN/plcsim" -c "$WORK/sim.conf" -s 1 -r none -p $CTL >"$WORK/plcsim.log" 2>&1
wait_port $CTL && wait_port $PA && wait_port $PB1 && wait_port $PC ||
    { fail "plcsim" "$(tail -3 "$WORK/plcsim.log")"; finish; exit 1; }
# A between stop 1.0 and duty 1.6: off; B above duty 1.6, below the first
# assist start 2.13: its duty pump runs (it drains slowly: 2 m3/s, 180 m2)
ctl "fault $A:level:1.3" >/dev/null; ctl "fault $B:level:2.05" >/dev/null
mkdir "$WORK/state"
"$BIN/pumpd" -c "$WORK/pumpd.conf" --state-dir "$WORK/state" --ctl-socket "$WORK/ctl.sock" \
    --log-every 0 >"$WORK/pumpd.log" 2>&1 &
D=$!; PIDS="$PIDS $D"

# the sampler, every 100 ms until stopped: pump_cmd, heartbeat and
# mode_request of A, B and C: "Acmd Bcmd Ccmd Ahb Bhb Chb Amode Bmode Cmode"
python3 - $PA $PB1 $PC >"$WORK/samples" <<'PY' &
import socket, struct, sys, time
ports = [int(x) for x in sys.argv[1:]]
def hold(port):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=0.5)
        s.sendall(struct.pack(">HHHBBHH", 7, 0, 6, 1, 3, 0, 3))
        r = s.recv(64)
        s.close()
        if len(r) == 15 and r[7] == 3:
            return struct.unpack(">HHH", r[9:15])
    except OSError:
        pass
    return None
while True:
    v = [hold(p) for p in ports]
    print(" ".join(" ".join(str(x[i]) if x else "-" for x in v) for i in (2, 0, 1)), flush=True)
    time.sleep(0.1)
PY
SAMPLER=$!; PIDS="$PIDS $SAMPLER"

a_off() { [ "$(hold $PA 2)" = 0 ] && [ "$(hold $PA 1)" = 1 ]; }
b_on() { b=$(hold $PB1 2); [ -n "$b" ] && [ "$b" != 0 ] && [ "$(hold $PB1 1)" = 1 ]; }
if wait_for 15 logged "ready: every one" && wait_for 10 b_on && a_off; then
	ok "pumpd controls A (pumps off) and B (pump_cmd $(hold $PB1 2))"
else fail "control" "A cmd $(hold $PA 2) B cmd $(hold $PB1 2); $(tail -3 "$WORK/pumpd.log")"; finish; exit 1; fi
B_CMD=$(hold $PB1 2)

# 1. a broken file: a syntax error is one error; make it two checks' worth
#    with a semantic error (duty start below stop) in a well-formed file
sed "0,/duty_start_m = 1.6/s//duty_start_m = 0.5/" "$WORK/ab.conf" >"$WORK/pumpd.conf"
bad_line=$(grep -n "duty_start_m = 0.5" "$WORK/pumpd.conf" | head -1 | cut -d: -f1)
n0=$(wc -l <"$WORK/samples")
kill -HUP $D
if wait_for 5 logged "reload refused"; then
	grep -q "<3>\|pumpd.conf:[0-9]*: " "$WORK/pumpd.log" &&
	    ok "the broken file's problems are logged as file:line: $(grep -m1 'pumpd.conf:[0-9]*: ' "$WORK/pumpd.log" | cut -d' ' -f2-)" ||
	    fail "file:line" "$(grep reload "$WORK/pumpd.log")"
	ok "$(grep -m1 'reload refused' "$WORK/pumpd.log" | cut -d' ' -f2-)"
else fail "reload refused" "$(tail -5 "$WORK/pumpd.log")"; fi
grep -q "pumpd.conf:$((bad_line - 1)):\|pumpd.conf:$bad_line:" "$WORK/pumpd.log" &&
    ok "the error names the line of the bad set-point ($bad_line)" ||
    fail "line of the error" "want $bad_line: $(grep 'pumpd.conf:[0-9]' "$WORK/pumpd.log")"
ha=$(hold $PA 0); hb=$(hold $PB1 0)
wait_for 5 moved $PA "$ha"; wait_for 5 moved $PB1 "$hb"
kill -0 $D 2>/dev/null && [ "$(hold $PA 0)" != "$ha" ] && [ "$(hold $PB1 0)" != "$hb" ] && a_off &&
    [ "$(hold $PB1 2)" = "$B_CMD" ] &&
    ok "control goes on after the refused reload: heartbeats $ha -> $(hold $PA 0) and $hb -> $(hold $PB1 0), A off, B pump_cmd $B_CMD" ||
    fail "control after a refused reload" "alive $(kill -0 $D 2>/dev/null && echo yes), heartbeats $ha -> $(hold $PA 0), $hb -> $(hold $PB1 0), A $(hold $PA 2) B $(hold $PB1 2)"
sed -n "$((n0 + 1)),\$p" "$WORK/samples" | awk '$2 != "-" { print $2 }' | sort -u | grep -qvx "$B_CMD" &&
    fail "B's pump_cmd during the refused reload" "$(sed -n "$((n0 + 1)),\$p" "$WORK/samples" | awk '{ print $2 }' | sort -u | tr '\n' ' ')"
grep -q '"cmd":"reload".*"result":"error"' "$WORK/state/audit.log" &&
    ok "audited: $(grep '"cmd":"reload"' "$WORK/state/audit.log" | tail -1)" ||
    fail "audit of the refused reload" "$(cat "$WORK/state/audit.log" 2>&1)"

# 2. A's duty start below its level: only A's duty pump starts
sed "0,/duty_start_m = 1.6/s//duty_start_m = 1.2/" "$WORK/ab.conf" >"$WORK/pumpd.conf"
n0=$(wc -l <"$WORK/samples")
kill -HUP $D
a_on() { a=$(hold $PA 2); [ -n "$a" ] && [ "$a" != 0 ]; }
if wait_for 10 a_on; then ok "A's duty pump starts (pump_cmd $(hold $PA 2)) after the reload"
else fail "A starts" "pump_cmd $(hold $PA 2): $(grep reload "$WORK/pumpd.log")"; fi
sleep 1
n1=$(wc -l <"$WORK/samples")
bvals=$(sed -n "$((n0 + 1)),${n1}p" "$WORK/samples" | awk '$2 != "-" { print $2 }' | sort -u | tr '\n' ' ')
avals=$(sed -n "$((n0 + 1)),${n1}p" "$WORK/samples" | awk '$1 != "-" { print $1 }' | uniq | tr '\n' ' ')
bmodes=$(sed -n "$((n0 + 1)),${n1}p" "$WORK/samples" | awk '$8 != "-" { print $8 }' | sort -u | tr '\n' ' ')
[ "$bvals" = "$B_CMD " ] && [ "$bmodes" = "1 " ] && ok "B's pump_cmd never changed ($bvals over $((n1 - n0)) samples), nor its mode_request ($bmodes)" ||
    fail "B untouched" "B's pump_cmd took $bvals (was $B_CMD), mode_request $bmodes"
[ "$(echo $avals | wc -w)" = 2 ] && ok "A's pump_cmd changed once: $avals" || fail "A toggles" "$avals"
logged "reload: 1 set-point changed at $A" && ok "$(grep -m1 'reload: 1 set-point' "$WORK/pumpd.log" | cut -d' ' -f2-)" ||
    fail "reload logged" "$(grep reload "$WORK/pumpd.log")"
grep -q "\"reload\",\"args\":\[\"1 set-point changed at $A\"\],\"result\":\"ok\"" "$WORK/state/audit.log" &&
    ok "audited as applied" || fail "audit of the reload" "$(tail -1 "$WORK/state/audit.log")"

# 3. B removed, C added
sed "0,/duty_start_m = 1.6/s//duty_start_m = 1.2/" "$(cutconf $A $C >"$WORK/ac.conf"; echo "$WORK/ac.conf")" >"$WORK/pumpd.conf"
kill -HUP $D
if wait_for 10 logged "station $B: handed over to its PLC"; then
	ok "$(grep -m1 "station $B: handed over" "$WORK/pumpd.log" | cut -d' ' -f2-)"
else fail "B handed over" "$(grep "$B\|reload" "$WORK/pumpd.log" | tail -3)"; fi
b_local() { [ $(($(status $PB1) & 2)) = 2 ]; }
wait_for 3 b_local; st=$(status $PB1); mode=$(hold $PB1 1); fbs=$(hold $PB1 5)
[ "$mode" = 0 ] && [ $((st & 2)) = 2 ] && [ "$fbs" = 1600 ] &&
    ok "B's PLC is in LOCAL (mode_request 0, LOCAL_CONTROL set, fallback start $fbs mm)" ||
    fail "B in LOCAL" "mode_request $mode, status $st, fb_start $fbs"
h1=$(hold $PB1 0); sleep 1.5; h2=$(hold $PB1 0)
[ "$h1" = "$h2" ] && ok "B's heartbeat stopped at $h2: its worker ended" || fail "B's worker" "heartbeat $h1 -> $h2"
c1=$(hold $PC 0); wait_for 5 moved $PC "$c1"; c2=$(hold $PC 0)
[ -n "$c1" ] && [ "$c1" != "$c2" ] && [ "$(hold $PC 1)" = 1 ] &&
    ok "C is polled and supervised: heartbeat $c1 -> $c2, mode_request REMOTE" ||
    fail "C adopted" "heartbeat $c1 -> $c2, mode $(hold $PC 1)"
logged "reload: station $C added, station $B removed" &&
    ok "$(grep -m1 "reload: station $C added" "$WORK/pumpd.log" | cut -d' ' -f2-)" ||
    fail "reload logged" "$(grep 'reload:' "$WORK/pumpd.log" | tail -1)"

# 3b. A's PLC moves to another address (a second plcsim serving A on PA2):
#     pumpd reconnects there; the old address gets no hand-over block (it
#     may be another station's PLC now): its mode_request stays REMOTE and
#     its heartbeat stops, so its own watchdog takes over
PA2=$((PB + 3))
sed "s/port = $PA;/port = $PA2;/" "$WORK/sim.conf" >"$WORK/sim2.conf"
spawn "$BIN/plcsim" -c "$WORK/sim2.conf" --only $A -s 1 -r none >"$WORK/plcsim2.log" 2>&1
wait_port $PA2 || fail "plcsim 2" "$(tail -3 "$WORK/plcsim2.log")"
sed "s/port = $PA;/port = $PA2;/" "$WORK/pumpd.conf" >"$WORK/moved.conf"
cp "$WORK/moved.conf" "$WORK/pumpd.conf"
kill -HUP $D
n2=$(hold $PA2 0)
if wait_for 10 moved $PA2 "$n2" && [ "$(hold $PA2 1)" = 1 ]; then
	ok "A is supervised at its new address: heartbeat $n2 -> $(hold $PA2 0), mode_request REMOTE"
else fail "A reconnects" "heartbeat $n2 -> $(hold $PA2 0), mode $(hold $PA2 1); $(grep 'reload:' "$WORK/pumpd.log" | tail -1)"; fi
logged "reload: PLC of $A changed (reconnecting to 127.0.0.1:$PA2 unit 1, map v1)" &&
    ok "$(grep -m1 "reload: PLC of $A" "$WORK/pumpd.log" | cut -d' ' -f2-)" ||
    fail "reconnect logged" "$(grep 'reload:' "$WORK/pumpd.log" | tail -1)"
h1=$(hold $PA 0); sleep 1.5; h2=$(hold $PA 0)
[ "$h1" = "$h2" ] && [ "$(hold $PA 1)" = 1 ] && ! grep -q "station $A: handed over" "$WORK/pumpd.log" &&
    ok "the old address got no hand-over (mode_request $(hold $PA 1)) and its heartbeat stopped at $h2" ||
    fail "old address" "heartbeat $h1 -> $h2, mode $(hold $PA 1), $(grep "station $A: handed" "$WORK/pumpd.log")"

# 4. pumps of a kept station changed: refused; restart-only settings kept
python3 - "$WORK/moved.conf" "$C" >"$WORK/pumps.conf" <<'PY'
import sys
t = open(sys.argv[1]).read()
i = t.index('id = "%s"' % sys.argv[2])
h, b = t[:i], t[i:]
b = b.replace(',\n\t\t\t{ capacity_m3s = 1.80; vfd = false; } );', ' );', 1)
b = b.replace('[ 2.00, 2.40, 2.80, 3.20 ]', '[ 2.00, 2.40, 2.80 ]', 1)
print(h + b, end='')
PY
cp "$WORK/pumps.conf" "$WORK/pumpd.conf"
kill -HUP $D
if wait_for 5 grep -q "pumps: station $C has" "$WORK/pumpd.log"; then
	ok "$(grep -m1 "pumps: station $C has" "$WORK/pumpd.log" | cut -d' ' -f2- | cut -c1-120)..."
else fail "pumps changed" "$(grep 'reload' "$WORK/pumpd.log" | tail -2)"; fi
sed -e "s|^control_socket = {|influx = { url = \"http://127.0.0.1:1\"; database = \"x\"; };\ncontrol_socket = {|" \
    "$WORK/moved.conf" >"$WORK/pumpd.conf"
grep -q "^influx = " "$WORK/pumpd.conf" || printf 'influx = { url = "http://127.0.0.1:1"; database = "x"; };\n' >>"$WORK/pumpd.conf"
kill -HUP $D
if wait_for 5 grep -q "influx changed, but only a restart" "$WORK/pumpd.log"; then
	ok "$(grep -m1 "influx changed, but only a restart" "$WORK/pumpd.log" | cut -d' ' -f2-)"
else fail "restart-only setting" "$(grep 'reload' "$WORK/pumpd.log" | tail -2)"; fi
wait_for 3 grep -q "reload: influx kept (needs a restart)" "$WORK/pumpd.log" && ok "the rest applied: $(grep 'reload: influx kept' "$WORK/pumpd.log" | cut -d' ' -f2-)" ||
    fail "reload with a kept setting" "$(grep 'reload:' "$WORK/pumpd.log" | tail -1)"
! grep -q "InfluxDB\|metrics:" "$WORK/pumpd.log" && ok "no metrics writer was started by the reload" ||
    fail "metrics" "$(grep -m1 'InfluxDB\|metrics' "$WORK/pumpd.log")"

kill $SAMPLER 2>/dev/null
kill -TERM $D; wait $D; rc=$?
[ $rc = 0 ] && ok "pumpd stops with status 0" || fail "SIGTERM" "status $rc"
grep -q "Sanitizer\|runtime error" "$WORK/pumpd.log" && fail "sanitizer" "$(grep -m3 'Sanitizer\|runtime error' "$WORK/pumpd.log")"
finish
