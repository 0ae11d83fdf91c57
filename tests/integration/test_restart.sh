#!/bin/bash
# A restart of pumpd never starts or stops a pump by itself.
#  1. Mid-storm, with the simulated plant frozen (no level moves), pumpd is
#     killed with SIGKILL and started again: at every station its first
#     commands are exactly the pumps that run (bumpless adoption).
#  2. In real time, a pumpd killed and restarted within the watchdog never
#     lets a PLC fall back, and takes back the state it had saved.
. "$(dirname "$0")/lib.sh"

PB=$(port_base); CTL=$((PB + 40))
awk -v pb="$PB" '/port = 150[0-9][0-9]/ { sub(/port = 150[0-9][0-9]/, "port = " pb + (n++)) }
    /^influx = \{/ { skip = 1 } skip && /^\};/ { skip = 0; next } !skip { print }' \
    "$TOP/config/jinnan.conf" >"$WORK/district.conf"
ctl() { exec 3<>/dev/tcp/127.0.0.1/$CTL; echo "$1" >&3; read -r -t 5 reply <&3; exec 3>&-; echo "$reply"; }
mb() { mbpoll -m tcp -0 -1 -o 2 "$@" 2>&1; }
# running PORT NPUMPS: the RUNNING bits of the pumps, as a pump_cmd mask
running() {
	mb -t 3 -r 16 -c $((8 * $2)) -p "$1" 127.0.0.1 | awk -v n="$2" '
	    /^\[[0-9]+\]:/ { r = substr($1, 2) + 0; if ((r - 16) % 8 == 0 && $2 % 2 == 1) m += 2 ^ ((r - 16) / 8) }
	    END { print m + 0 }'
}
pump_cmd() { mb -t 4 -r 2 -p "$1" 127.0.0.1 | awk '$1 == "[2]:" { print $2 }'; }
# the map v1 stations (30 of 33): these checks read v1 registers
"$BIN/plcsim" -c "$WORK/district.conf" --list | awk '$5 == "v1"' >"$WORK/stations"

# 1. frozen plant
spawn "$BIN/plcsim" -c "$WORK/district.conf" -s 20 -r const:60:600@0 -p $CTL \
    >"$WORK/plcsim1.log" 2>&1
SIM=$!
wait_port $CTL || { fail "plcsim" ""; finish; exit 1; }
"$BIN/pumpd" -c "$WORK/district.conf" --sim-speed 20 --state-dir "$WORK/state1" \
    --log-every 600 >"$WORK/p1.log" 2>&1 &
PD=$!
sleep 12
[ "$(ctl freeze)" = ok ] && ok "plant frozen mid-storm" || fail "freeze" ""
sleep 1
while read -r id port n kind; do
	echo "$id $port $n $(running "$port" "$n")"
done <"$WORK/stations" >"$WORK/before"
kill -KILL $PD; wait $PD 2>/dev/null
nrun=$(awk '$4 > 0' "$WORK/before" | wc -l)
[ "$nrun" -ge 10 ] && ok "pumpd killed with pumps running at $nrun stations" || fail "pumps running" "$nrun stations"
"$BIN/pumpd" -c "$WORK/district.conf" --state-dir "$WORK/state1" --log-every 600 \
    >"$WORK/p2.log" 2>&1 &
PD=$!
i=0
while [ "$(grep -c 'adopted:' "$WORK/p2.log")" -lt 33 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
sleep 1.5	# several cycles, well inside one stagger (10 s)
bad=0
while read -r id port n mask; do
	cmd=$(pump_cmd "$port")
	adopted=$(grep -m1 "station $id: adopted:" "$WORK/p2.log" | sed "s/.*adopted: \([0-9]*\).*/\1/")
	want=0; m=$mask; while [ "$m" -gt 0 ]; do want=$((want + m % 2)); m=$((m / 2)); done
	if [ "$cmd" != "$mask" ] || [ "$adopted" != "$want" ]; then
		bad=$((bad + 1)); fail "$id bumpless" "running $mask, pumpd commands $cmd, adopted $adopted"
	fi
done <"$WORK/before"
[ $bad = 0 ] && ok "at all 30 map v1 stations the restarted pumpd commands exactly the pumps that run"
n=$(grep -c -- "-old: adopted:" "$WORK/p2.log")
[ "$n" = 3 ] && ok "the 3 L1 stations adopted too" || fail "L1 adopted" "$n"
starts=$(grep -c "start pump\|stop pump" "$WORK/p2.log")
[ "$starts" = 0 ] && ok "the restarted pumpd started and stopped nothing" || fail "starts after restart" "$(grep 'start pump\|stop pump' "$WORK/p2.log" | head -3)"
kill -TERM $PD; wait $PD
kill -TERM $SIM; wait $SIM

# 2. real time: restart within the watchdog
spawn "$BIN/plcsim" -c "$WORK/district.conf" -s 1 -r const:60:600@0 -S "$WORK/summary" \
    >"$WORK/plcsim2.log" 2>&1
SIM=$!
wait_port $((PB + 32))
"$BIN/pumpd" -c "$WORK/district.conf" --state-dir "$WORK/state" --log-every 600 \
    >"$WORK/p3.log" 2>&1 &
PD=$!
sleep 4
i=0	# the first save of the state file (every 5 s; fsync may take a while)
while [ ! -s "$WORK/state/state" ] && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
kill -KILL $PD; wait $PD 2>/dev/null
"$BIN/pumpd" -c "$WORK/district.conf" --state-dir "$WORK/state" --log-every 600 \
    >"$WORK/p4.log" 2>&1 &
PD=$!
sleep 4
grep -q "state: alarms, storm mode, rain and start history of 33 of 33 stations taken" "$WORK/p4.log" &&
    ok "the state a killed pumpd saved was taken back for all 33 stations" ||
    fail "state taken back" "$(grep state "$WORK/p4.log")"
kill -TERM $PD; wait $PD
kill -TERM $SIM; wait $SIM
trips=$(tr ' ' '\n' <"$WORK/summary" | awk -F= '$1 == "wd_trips" { s += $2 } END { print s + 0 }')
[ "$trips" = 0 ] && ok "killed and restarted within the watchdog: no PLC fell back" || fail "watchdog trips" "$trips"
finish
