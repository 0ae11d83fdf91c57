#!/bin/bash
# SIGTERM hands every station to its PLC (issue 7, item 1).
#  1. Mid-storm at all 33 stations (storm mode on, pumps running), the plant
#     is frozen so that nothing moves but the registers, and pumpd gets
#     SIGTERM: within 2 s every map v1 PLC reads mode_request 0 (LOCAL),
#     the fallback set-points are the ones in force (storm-lowered at
#     stormwater stations), each of the 3 L1 PLCs reads REMOTE_SETPOINTS
#     and every inhibit off (its panel set-points), pumpd's log names every
#     station as handed over or back, and once the plant runs again no pump
#     that ran has stopped.
#  2. One PLC hangs (plcsim fault "silent") just before SIGTERM: pumpd still
#     exits within the bound (handover_ms + one response timeout) and names
#     that station as left to its watchdog; the others are handed over.
#  3. All 30 map v1 PLCs hang: pumpd still exits within that bound, naming
#     all 30 (the 3 L1 PLCs, answering, are handed back).
. "$(dirname "$0")/lib.sh"

PB=$(port_base); CTL=$((PB + 40)); CTL2=$((PB + 41))
awk -v pb="$PB" '/port = 150[0-9][0-9]/ { sub(/port = 150[0-9][0-9]/, "port = " pb + (n++)) }
    /^influx = \{/ { skip = 1 } skip && /^\};/ { skip = 0; next } !skip { print }' \
    "$TOP/config/jinnan.conf" >"$WORK/district.conf"
ctl() { exec 3<>/dev/tcp/127.0.0.1/$1; echo "$2" >&3; read -r -t 5 reply <&3; exec 3>&-; echo "$reply"; }
mb() { mbpoll -m tcp -0 -1 -o 2 "$@" 2>&1; }
# running PORT NPUMPS: the RUNNING bits of the pumps, as a pump_cmd mask
running() {
	mb -t 3 -r 16 -c $((8 * $2)) -p "$1" 127.0.0.1 | awk '
	    /^\[[0-9]+\]:/ { r = substr($1, 2) + 0; if ((r - 16) % 8 == 0 && $2 % 2 == 1) m += 2 ^ ((r - 16) / 8) }
	    END { print m + 0 }'
}
# holding PORT: "mode fb_start fb_stop" as the PLC holds them
holding() {
	mb -t 4 -r 0 -c 8 -p "$1" 127.0.0.1 | awk '/^\[[0-9]+\]:/ { v[substr($1, 2) + 0] = $2 }
	    END { print v[1] + 0, v[5] + 0, v[6] + 0 }'
}
# the map v1 stations (30 of 33): these checks read v1 registers
"$BIN/plcsim" -c "$WORK/district.conf" --list | awk '$5 == "v1"' >"$WORK/stations"
# the fallback set-points in force in storm mode, mm: id start stop
python3 - "$WORK/district.conf" >"$WORK/storm_fb" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
m = re.search(r'storm_drawdown_m\s*=\s*([0-9.]+)', t)
dd = float(m.group(1)) if m else 0.3
for b in re.findall(r'\n\t\{\n.*?\n\t\}', t, flags=re.S):
    sid = re.search(r'id = "([^"]+)"', b).group(1)
    if re.search(r'map = "L1"', b):
        continue
    storm = re.search(r'kind = "stormwater"', b) is not None
    duty = float(re.search(r'duty_start_m = ([0-9.]+)', b).group(1))
    stop = float(re.search(r'stop_m = ([0-9.]+)', b).group(1))
    # the starts are lowered at every station, the stop at stormwater
    # stations only (sewage never runs dry), and kept 10 mm above it
    fstop = stop - dd if storm else stop
    print(sid, round(max(duty - dd, fstop + 0.01) * 1000), round(fstop * 1000))
PY

# 1. all 33 stations mid-storm
spawn "$BIN/plcsim" -c "$WORK/district.conf" -s 20 -r const:60:600@0 -p $CTL \
    >"$WORK/plcsim1.log" 2>&1
SIM=$!
wait_port $CTL || { fail "plcsim" "$(tail -3 "$WORK/plcsim1.log")"; finish; exit 1; }
"$BIN/pumpd" -c "$WORK/district.conf" --sim-speed 20 --state-dir "$WORK/state1" \
    --log-every 600 >"$WORK/p1.log" 2>&1 &
PD=$!
i=0	# storm mode at every stormwater station, a few minutes of pumping
while [ "$(grep -c 'storm mode on' "$WORK/p1.log")" -lt 22 ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
sleep 8
nstorm=$(grep -c 'storm mode on' "$WORK/p1.log")
[ "$nstorm" -ge 22 ] && ok "storm mode on at $nstorm stations" || fail "storm mode" "$nstorm stations"
[ "$(ctl $CTL freeze)" = ok ] && ok "plant frozen mid-storm" || fail "freeze" ""
sleep 0.3
# level PORT: the level the PLC reads (transducer A), mm
level() { mb -t 3 -r 2 -c 1 -p "$1" 127.0.0.1 | awk '$1 == "[2]:" { print $2 }'; }
while read -r id port n kind; do
	echo "$id $port $n $(running "$port" "$n") $(level "$port")"
done <"$WORK/stations" >"$WORK/before"
nrun=$(awk '$4 > 0' "$WORK/before" | wc -l)
[ "$nrun" -ge 10 ] && ok "pumps running at $nrun stations" || fail "pumps running" "$nrun stations"
# every PLC's mode_request (function 03), read in one process so that 30
# reads take milliseconds, again and again until all are 0 or 2 s passed;
# the watcher sends SIGTERM itself once it is ready, so that its own
# start-up is not counted; prints "N ELAPSED_MS" (elapsed when the last
# one was seen in LOCAL, or at the end)
python3 - "$WORK/stations" "$PD" >"$WORK/local" <<'PY'
import os, signal, socket, struct, sys, time
ports = [int(l.split()[1]) for l in open(sys.argv[1])]
t0 = time.time()
os.kill(int(sys.argv[2]), signal.SIGTERM)
def mode(port):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=0.5)
        s.sendall(struct.pack(">HHHBBHH", 7, 0, 6, 1, 3, 1, 1))
        r = b""
        while len(r) < 11:
            c = s.recv(11 - len(r))
            if not c:
                break
            r += c
        s.close()
        return struct.unpack(">H", r[9:11])[0] if len(r) == 11 and r[7] == 3 else -1
    except OSError:
        return -1
while True:
    n = sum(mode(p) == 0 for p in ports)
    el = (time.time() - t0) * 1000
    if n == len(ports) or el > 2000:
        break
print(n, int(el))
PY
read -r n el <"$WORK/local"
bad=0
[ "$n" = 30 ] && [ "$el" -le 2000 ] && ok "every PLC reads mode_request 0 (LOCAL) $el ms after SIGTERM" ||
    fail "mode_request 0 within 2 s" "$n of 30 PLCs in LOCAL after $el ms"
i=0; while kill -0 $PD 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
kill -0 $PD 2>/dev/null && fail "pumpd exits" "still running 10 s after SIGTERM"
wait $PD; rc=$?
[ $rc = 0 ] && ok "pumpd exited with status 0" || fail "exit status" "$rc"
while read -r id start stop; do
	port=$(awk -v s="$id" '$1 == s { print $2 }' "$WORK/stations")
	set -- $(holding "$port")
	if [ "$2" != "$start" ] || [ "$3" != "$stop" ]; then
		bad=$((bad + 1)); fail "$id fallback set-points" "start $2 stop $3 mm, want $start $stop (storm mode)"
	fi
done <"$WORK/storm_fb"
[ $bad = 0 ] && ok "fallback set-points at all 30 stations are those in force (storm-lowered at stormwater stations)"
nho=$(grep -c ': handed over to its PLC (LOCAL' "$WORK/p1.log")
[ "$nho" = 30 ] && ok "the log names all 30 map v1 stations as handed over" ||
    fail "log of the hand-over" "$nho handed over; $(grep 'hand-over:' "$WORK/p1.log")"
nhb=$(grep -c ': handed back to its PLC (panel set-points; inhibits cleared)' "$WORK/p1.log")
[ "$nhb" = 3 ] && ok "the log names the 3 L1 stations as handed back to their panel set-points" ||
    fail "log of the L1 hand-back" "$nhb handed back; $(grep -- '-old: hand' "$WORK/p1.log")"
nl1=0
for port in $("$BIN/plcsim" -c "$WORK/district.conf" --list | awk '$5 == "L1" { print $2 }'); do
	co=$(mb -t 0 -r 0 -c 12 -p "$port" 127.0.0.1 | awk '/^\[[0-9]+\]:/ { printf "%s", $2 }')
	[ "$co" = 000000000000 ] && nl1=$((nl1 + 1))
done
[ "$nl1" = 3 ] && ok "the 3 L1 PLCs read REMOTE_SETPOINTS and every inhibit off" ||
    fail "L1 coils after SIGTERM" "$nl1 of 3 with coils 0..11 off"
grep -q "hand-over: 33 of 33 stations handed over" "$WORK/p1.log" && ok "summary line: $(grep 'hand-over:' "$WORK/p1.log")" ||
    fail "summary" "$(grep 'hand-over:' "$WORK/p1.log")"
# Half a second (10 simulated) of the PLCs' own control, watched closely
# at the stations with pumps running: a pump that ran and stops is noted
# with the level last seen while it still ran.  The watcher connects
# first and thaws the plant itself, then reads each station about every
# millisecond (levels move some 50 mm a simulated second, 2.5 mm a real
# millisecond at x20), so the level last seen running is the level the
# pump stopped at.  The fallback stop rule may stop it at the fallback stop
# level, as pumpd would have; stopping it above that level is the
# hand-over's doing.
python3 - "$WORK/before" "$CTL" >"$WORK/after" <<'PY'
import socket, struct, sys, time
st = [l.split() for l in open(sys.argv[1])]
st = [s for s in st if int(s[3]) != 0]
conn = {s[0]: socket.create_connection(("127.0.0.1", int(s[1])), timeout=0.5) for s in st}
def ir(sid, n):
    c = conn[sid]
    c.sendall(struct.pack(">HHHBBHH", 1, 0, 6, 1, 4, 0, 16 + 8 * n))
    r = b""
    while len(r) < 9 + 2 * (16 + 8 * n):
        b = c.recv(400)
        if not b:
            raise OSError("closed")
        r += b
    return struct.unpack(">%dH" % (16 + 8 * n), r[9:9 + 2 * (16 + 8 * n)])
ctl = socket.create_connection(("127.0.0.1", int(sys.argv[2])), timeout=2)
ctl.sendall(b"thaw\n")
if not ctl.recv(100).startswith(b"ok"):
    sys.exit("thaw refused")
seen = {}
last = {s[0]: int(s[4]) for s in st}	# at the hand-over (plant frozen)
end = time.time() + 0.5
while time.time() < end:
    for sid, port, n, mask, mm in st:
        if sid in seen:
            continue
        try:
            v = ir(sid, int(n))
        except (OSError, struct.error):
            continue
        now = sum(1 << k for k in range(int(n)) if v[16 + 8 * k] & 1)
        if int(mask) & ~now:
            seen[sid] = (now, last[sid])
        else:
            last[sid] = v[2]
for sid, port, n, mask, mm in st:
    if sid in seen:
        print(sid, mask, seen[sid][0], seen[sid][1])
PY
stopped=0
while read -r id mask now mm; do
	stop=$(awk -v s="$id" '$1 == s { print $3 }' "$WORK/storm_fb")
	if [ "$mm" -le $((stop + 20)) ]; then
		echo "# $id: pumps $mask -> $now, last seen running at $mm mm, its fallback stop level ($stop mm): the PLC's stop rule"
	else
		stopped=$((stopped + 1)); fail "$id pumps kept" "running $mask before the hand-over, $now after, last seen running at $mm mm (fallback stop $stop mm)"
		grep "$id" "$WORK/p1.log" | tail -6 | sed 's/^/#   /'
	fi
done <"$WORK/after"
[ $stopped = 0 ] && ok "no pump that ran was stopped by the hand-over"

# 3. every PLC hangs at the stop: the workers are all told to stop before
# any is waited for, so the stop takes one response timeout, not thirty
"$BIN/pumpd" -c "$WORK/district.conf" --sim-speed 20 --state-dir "$WORK/state3" \
    --log-every 600 >"$WORK/p3.log" 2>&1 &
PD=$!
sleep 3
while read -r id port np kind; do ctl $CTL "fault $id:silent" >/dev/null; done <"$WORK/stations"
t0=$(date +%s%N)
kill -TERM $PD
i=0; while kill -0 $PD 2>/dev/null && [ $i -lt 400 ]; do sleep 0.05; i=$((i + 1)); done
el=$((($(date +%s%N) - t0) / 1000000))
wait $PD; rc=$?
[ $el -le 3500 ] && [ $rc = 0 ] && ok "with all 30 PLCs hanging pumpd exited in $el ms" ||
    fail "bounded stop with 30 hung PLCs" "exit after $el ms, status $rc"
n=$(grep -c ": left to its watchdog" "$WORK/p3.log")
[ "$n" = 30 ] && ok "all 30 named as left to their watchdog" || fail "30 left to their watchdog" "$n: $(grep 'hand-over:' "$WORK/p3.log")"
kill -TERM $SIM 2>/dev/null; wait $SIM 2>/dev/null

# 2. one PLC hangs at the stop
ids=$(awk 'NR <= 3 { printf "%s%s", s, $1; s = "," }' "$WORK/stations")
hang=$(awk 'NR == 2 { print $1 }' "$WORK/stations")
python3 - "$WORK/district.conf" "$WORK/three.conf" "$ids" <<'PY'
import re, sys
src, dst, ids = sys.argv[1], sys.argv[2], sys.argv[3].split(',')
t = open(src).read()
b = re.findall(r'\n\t\{\n.*?\n\t\}', t, flags=re.S)
keep = [x for x in b if re.search(r'id = "([^"]+)"', x).group(1) in ids]
open(dst, 'w').write(t[:t.index(b[0])] + ','.join(keep) + t[t.index(b[-1]) + len(b[-1]):])
PY
spawn "$BIN/plcsim" -c "$WORK/three.conf" -s 20 -r const:60:600@0 -p $CTL2 \
    >"$WORK/plcsim2.log" 2>&1
SIM=$!
wait_port $CTL2 || { fail "plcsim (3 stations)" "$(tail -3 "$WORK/plcsim2.log")"; finish; exit 1; }
"$BIN/pumpd" -c "$WORK/three.conf" --sim-speed 20 --state-dir "$WORK/state2" \
    --log-every 600 >"$WORK/p2.log" 2>&1 &
PD=$!
sleep 4
[ "$(ctl $CTL2 "fault $hang:silent")" = ok ] || fail "fault silent" ""
t0=$(date +%s%N)
kill -TERM $PD
i=0; while kill -0 $PD 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
el=$((($(date +%s%N) - t0) / 1000000))
wait $PD; rc=$?
[ $el -le 3500 ] && [ $rc = 0 ] && ok "with $hang hanging pumpd exited in $el ms (bound: 2000 ms hand-over + 1000 ms response timeout)" ||
    fail "bounded stop with a hung PLC" "exit after $el ms, status $rc"
grep -q "$hang: left to its watchdog" "$WORK/p2.log" && ok "$(grep "$hang: left to its watchdog" "$WORK/p2.log" | cut -d' ' -f2-)" ||
    fail "hung station named" "$(grep -i 'hand' "$WORK/p2.log")"
[ "$(grep -c ': handed over to its PLC' "$WORK/p2.log")" = 2 ] && ok "the two others handed over" ||
    fail "the others" "$(grep 'hand-over:' "$WORK/p2.log")"
finish
