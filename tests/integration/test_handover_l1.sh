#!/bin/bash
# pumpd supervises the three map L1 stations (../shared/plc-legacy.md)
# served by plcsim, end to end, as independent clients see them:
#  1. each PLC answers function 17 as an L1 PLC and pumpd takes it: it
#     writes the centre's set-points (stop, start, assist step, all-on from
#     the configuration, read back as CDAB floats with mbpoll) and turns
#     REMOTE_SETPOINTS (coil 0) on; plcsim shows the station SUPERVISED;
#  2. storm mode lowers them by the storm drawdown (0.3 m): read back;
#  3. comms loss (plcsim fault "silent") at gegu-old: pumpd raises the
#     comms alarm and writes nothing; the PLC keeps controlling on the
#     set-points it had (its own pumps start when the level rises), and
#     when it answers again coil 0 was never seen off (no hand-back);
#  4. SIGTERM: pumpd hands every L1 station back to its panel: coil 0 and
#     every inhibit read 0 after pumpd exits, and plcsim shows "L1 PANEL".
. "$(dirname "$0")/lib.sh"

PB=$(port_base); CTL=$((PB + 50))
awk -v pb="$PB" '/port = 150[0-9][0-9]/ { sub(/port = 150[0-9][0-9]/, "port = " pb + (n++)) }
    /^influx = \{/ { skip = 1 } skip && /^\};/ { skip = 0; next } !skip { print }' \
    "$TOP/config/jinnan.conf" >"$WORK/district.conf"
ctl() { exec 3<>/dev/tcp/127.0.0.1/$CTL; echo "$1" >&3; read -r -t 5 reply <&3; exec 3>&-; echo "$reply"; }
mb() { mbpoll -m tcp -0 -1 -o 2 "$@" 2>&1; }
vals() { awk '/^\[[0-9]+\]:/ { printf "%s%s", s, $2; s = " " }'; }
"$BIN/plcsim" -c "$WORK/district.conf" --list | awk '$5 == "L1" { print $1, $2 }' >"$WORK/l1"
[ "$(wc -l <"$WORK/l1")" = 3 ] && ok "3 stations on map L1: $(cut -d' ' -f1 "$WORK/l1" | tr '\n' ' ')" ||
    { fail "3 L1 stations" "$(cat "$WORK/l1")"; finish; exit 1; }
GEGU=$(awk '$1 == "gegu-old" { print $2 }' "$WORK/l1")

# x20: rain of 40 mm/h from minute 3 (storm mode soon after), status lines
# every simulated minute
spawn "$BIN/plcsim" -c "$WORK/district.conf" --only "$(cut -d' ' -f1 "$WORK/l1" | paste -sd,)" \
    -s 20 -r const:40:60@3 -p $CTL --status 1 >"$WORK/plcsim.log" 2>&1
for port in $(cut -d' ' -f2 "$WORK/l1") $CTL; do
	wait_port "$port" || { fail "plcsim listens" "$(tail -3 "$WORK/plcsim.log")"; finish; exit 1; }
done
"$BIN/pumpd" -c "$WORK/district.conf" --sim-speed 20 --state-dir "$WORK/state" \
    --log-every 60 >"$WORK/pumpd.log" 2>&1 &
PD=$!
PIDS="$PIDS $PD"

# coils PORT: coils 0..11 as mbpoll reads them
coils() { mb -t 0 -r 0 -c 12 -p "$1" 127.0.0.1 | vals; }
# sp PORT: the set-points held, start stop assist_step all_on (CDAB floats)
sp() { mb -t 4:float -r 0 -c 4 -p "$1" 127.0.0.1 | vals; }
# sp_until PORT WANT: the set-points, read until they are WANT (5 s at most)
sp_until() {
	_i=0
	while _got=$(sp "$1") && [ "$_got" != "$2" ] && [ $_i -lt 25 ]; do sleep 0.2; _i=$((_i + 1)); done
	echo "$_got"
}
# the centre's set-points from the configuration, lowered by DROP m:
# id "start stop step all_on", as mbpoll prints floats
want_sp() {
	python3 - "$WORK/district.conf" "$1" <<'PY'
import re, struct, sys
t = open(sys.argv[1]).read()
drop = float(sys.argv[2])
f = lambda x: "%g" % struct.unpack("<f", struct.pack("<f", x))[0]
for b in re.findall(r'\n\t\{\n.*?\n\t\}', t, flags=re.S):
    if not re.search(r'map = "L1"', b):
        continue
    sid = re.search(r'id = "([^"]+)"', b).group(1)
    stop = float(re.search(r'\sstop_m = ([0-9.]+)', b).group(1)) - drop
    duty = float(re.search(r'duty_start_m = ([0-9.]+)', b).group(1)) - drop
    assist = [float(x) - drop for x in re.search(r'assist_start_m = \[([^\]]*)\]', b).group(1).split(',')]
    allon = assist[-1]
    print(sid, f(duty), f(stop), f((allon - duty) / len(assist)), f(allon))
PY
}
want_sp 0 >"$WORK/sp_normal"
want_sp 0.3 >"$WORK/sp_storm"

# 1. supervised: REMOTE_SETPOINTS on, the centre's set-points held
i=0
while [ $i -lt 50 ]; do
	n=0
	while read -r id port; do
		[ "$(coils "$port" | cut -d' ' -f1)" = 1 ] && n=$((n + 1))
	done <"$WORK/l1"
	[ $n = 3 ] && break
	sleep 0.2; i=$((i + 1))
done
[ $n = 3 ] && ok "REMOTE_SETPOINTS on at the 3 L1 PLCs within $((i / 5)) s" ||
    fail "supervised" "$n of 3 with coil 0 on; $(grep -- '-old' "$WORK/pumpd.log" | tail -5)"
while read -r id port; do
	want=$(awk -v i="$id" '$1 == i { print $2, $3, $4, $5 }' "$WORK/sp_normal"); got=$(sp_until "$port" "$want")
	[ "$got" = "$want" ] && ok "$id holds the centre's set-points $got (start stop step all-on)" ||
	    fail "$id set-points" "got $got, want $want"
done <"$WORK/l1"

# 2. storm mode lowers them
i=0
until [ "$(grep -c -- "-old: storm mode on" "$WORK/pumpd.log")" = 3 ] || [ $i -ge 150 ]; do sleep 0.2; i=$((i + 1)); done
while read -r id port; do
	want=$(awk -v i="$id" '$1 == i { print $2, $3, $4, $5 }' "$WORK/sp_storm"); got=$(sp_until "$port" "$want")
	[ "$got" = "$want" ] && ok "storm mode: $id holds set-points lowered by 0.3 m: $got" ||
	    fail "$id storm set-points" "got $got, want $want; $(grep "$id: storm" "$WORK/pumpd.log")"
done <"$WORK/l1"
grep -E "SUPERVISED" "$WORK/plcsim.log" | grep -q gegu-old &&
    grep -E "station gegu-old: .* SUPERVISED" "$WORK/pumpd.log" >/dev/null &&
    ok "plcsim and pumpd show gegu-old SUPERVISED" ||
    fail "SUPERVISED shown" "$(grep gegu-old "$WORK/plcsim.log" | tail -1); $(grep 'station gegu-old' "$WORK/pumpd.log" | tail -1)"

# 3. comms loss at gegu-old: a watcher reads coil 0 all along
python3 - "$GEGU" >"$WORK/watch" 2>&1 <<'PY' &
import socket, struct, sys, time
port = int(sys.argv[1]); seen = {}; tid = 0; end = time.monotonic() + 14
while time.monotonic() < end:
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=0.5)
        s.settimeout(0.5)
        while time.monotonic() < end:
            tid = (tid + 1) & 0xffff
            s.sendall(struct.pack(">HHHBBHH", tid, 0, 6, 1, 1, 0, 1))
            r = s.recv(64)
            if len(r) == 10 and r[7] == 1:
                seen[r[9] & 1] = seen.get(r[9] & 1, 0) + 1
            time.sleep(0.02)
    except OSError:
        time.sleep(0.05)
print("on=%d off=%d" % (seen.get(1, 0), seen.get(0, 0)))
PY
WATCH=$!
sleep 1
ctl "fault gegu-old:silent" >/dev/null
i=0
until grep -q "gegu-old: ALARM comms" "$WORK/pumpd.log" || [ $i -ge 50 ]; do sleep 0.2; i=$((i + 1)); done
grep -q "gegu-old: ALARM comms" "$WORK/pumpd.log" && ok "silent PLC: pumpd raises the comms alarm" ||
    fail "comms alarm" "$(grep gegu-old "$WORK/pumpd.log" | tail -3)"
ctl "fault gegu-old:level:2.6" >/dev/null
sleep 6		# 2 simulated minutes: the PLC's own control starts pumps
line=$(grep "^  gegu-old " "$WORK/plcsim.log" | tail -1)
echo "$line" | grep -q "L1 SUPERVISED" && echo "$line" | grep -q "pumps [0-9]*1" &&
    ok "the PLC keeps controlling on the centre's set-points: $(echo "$line" | sed 's/  */ /g')" ||
    fail "PLC keeps control" "$line"
grep -E "plc gegu-old: write" "$WORK/pumpd.log" >"$WORK/writes"
[ ! -s "$WORK/writes" ] && ok "nothing written to the silent PLC" || fail "writes" "$(head -3 "$WORK/writes")"
ctl "fault gegu-old:answer" >/dev/null
wait $WATCH
read -r on off <<<"$(sed -n 's/^on=\([0-9]*\) off=\([0-9]*\)$/\1 \2/p' "$WORK/watch")"
[ "${on:-0}" -gt 10 ] && [ "${off:-1}" = 0 ] &&
    ok "coil 0 read $on times before, during and after the loss, never off" ||
    fail "coil 0 during comms loss" "$(cat "$WORK/watch")"
i=0
until [ "$(grep -c "gegu-old: comms cleared" "$WORK/pumpd.log")" -ge 2 ] || [ $i -ge 100 ]; do sleep 0.2; i=$((i + 1)); done

# 4. SIGTERM: every L1 station back on its panel set-points
sleep 1
kill -TERM $PD
wait $PD
rc=$?
[ $rc = 0 ] && ok "pumpd exits 0 on SIGTERM" || fail "pumpd exit" "status $rc; $(tail -3 "$WORK/pumpd.log")"
while read -r id port; do
	got=$(coils "$port")
	[ "$got" = "0 0 0 0 0 0 0 0 0 0 0 0" ] &&
	    ok "$id: REMOTE_SETPOINTS and every inhibit off after SIGTERM ($got)" ||
	    fail "$id coils after SIGTERM" "$got"
done <"$WORK/l1"
sleep 4		# one status line
for id in $(cut -d' ' -f1 "$WORK/l1"); do
	line=$(grep "^  $id " "$WORK/plcsim.log" | tail -1)
	echo "$line" | grep -q "L1 PANEL" && ok "plcsim: $id on its panel set-points" || fail "$id panel" "$line"
done
n=$(grep -c -- "-old: handed back to its PLC (panel set-points; inhibits cleared)" "$WORK/pumpd.log")
[ "$n" = 3 ] && ok "pumpd's log names the 3 as handed back to their panel set-points" ||
    fail "hand-back logged" "$n: $(grep -- '-old: ' "$WORK/pumpd.log" | tail -3)"
grep -q "hand-over: " "$WORK/pumpd.log" && ok "$(grep -m1 "hand-over: " "$WORK/pumpd.log" | sed 's/^.*hand-over/hand-over/')" ||
    fail "hand-over line" "$(tail -3 "$WORK/pumpd.log")"
finish
