#!/bin/bash
# Issue 7, item 6: a restart of pumpd is bumpless and not blind.  The PLC's
# own control runs a pump at 1.05 m (stop level 1.0 m, dry-run float
# 0.5 m, no inflow), then pumpd starts:
#  1. with the plant frozen (a level between stop and start): pumpd adopts
#     the running pump and starts or stops nothing by itself;
#  2. thawed: pumpd stops the adopted pump at the stop level, not after its
#     minimum run (600 s here, long enough to empty the well): the well
#     never reaches the dry-run float, and no pump "failed to start".
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/core_lib.sh"

ID=shuangqiaohe
PB=$(port_base); CTL=$((PB + 1)); SPEED=20
one_station $ID "$PB" min_run_s=600 >"$WORK/one.conf"
spawn "$BIN/plcsim" -c "$WORK/one.conf" --only $ID -s $SPEED -r none -p $CTL \
    -S "$WORK/summary" >"$WORK/plcsim.log" 2>&1
SIM=$!
wait_port $CTL || { fail "plcsim" "$(cat "$WORK/plcsim.log")"; finish; exit 1; }
[ "$(ctl $CTL freeze)" = ok ] && [ "$(ctl $CTL "fault $ID:level:1.05")" = ok ] &&
    [ "$(ctl $CTL "fault $ID:plc-run:1")" = ok ] &&
    ok "plant frozen at 1.05 m with the PLC's own control running pump 1" ||
    fail "set-up" "$(ctl $CTL "fault $ID:plc-run:1")"
st=$(mb "$PB" 3 16 1)
[ $((st % 2)) = 1 ] && ok "pump 1 RUNNING before pumpd starts" || fail "pump 1 running" "status $st"

"$BIN/pumpd" -c "$WORK/one.conf" --sim-speed $SPEED --state-dir "$WORK/state" \
    --log-every 60 >"$WORK/pumpd.log" 2>&1 &
PD=$!
PIDS="$PIDS $PD"
i=0
while ! grep -q "$ID: adopted:" "$WORK/pumpd.log" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
sleep 1.5	# many cycles at a level between stop and start, still frozen
grep -q "$ID: adopted: 1 pump running" "$WORK/pumpd.log" && ok "pumpd adopted the running pump" ||
    fail "adopted" "$(grep $ID "$WORK/pumpd.log" | head -3)"
cmd=$(mb "$PB" 4 2 1)
[ "$cmd" = 1 ] && ok "pumpd commands pump 1, as it runs" || fail "pump_cmd" "$cmd"
n=$(grep -c "start pump\|stop pump" "$WORK/pumpd.log")
[ "$n" = 0 ] && ok "the restart itself started and stopped nothing" ||
    fail "toggles by the restart" "$(grep 'start pump\|stop pump' "$WORK/pumpd.log")"

[ "$(ctl $CTL thaw)" = ok ] || fail "thaw" ""
sleep 8		# 160 s simulated: 0.55 m at 0.0054 m/s would empty it to 0.5 m
lvl=$(mb "$PB" 3 2 1)
kill -TERM $PD; wait $PD 2>/dev/null
kill -TERM $SIM; wait $SIM 2>/dev/null
grep -q "$ID: stop pump 1" "$WORK/pumpd.log" && ok "pumpd stopped the adopted pump" ||
    fail "stop" "$(grep $ID: "$WORK/pumpd.log" | tail -5)"
min=$(sfield "$WORK/summary" $ID min_level_m); low=$(sfield "$WORK/summary" $ID lowlow_m)
awk -v m="$min" -v l="$lvl" 'BEGIN { exit !(m >= 0.95 && m <= 1.0 && l >= 950) }' &&
    ok "stopped at the stop level: lowest $min m, now $lvl mm (dry-run float $low m)" ||
    fail "pumped below the stop level" "lowest $min m, now $lvl mm, float $low m"
if grep -q "failed to start\|low-low float" "$WORK/pumpd.log"; then
	fail "no failure, no dry run" "$(grep 'failed to start\|low-low' "$WORK/pumpd.log" | head -3)"
else
	ok "no dry-run float, no \"failed to start\""
fi
finish
