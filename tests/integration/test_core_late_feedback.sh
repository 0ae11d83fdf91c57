#!/bin/bash
# Issue 7, item 7: RUNNING feedback judged on reads taken after the PLC had
# the command, not on the clock alone.  A PLC that answers each request
# 200 ms late (8 s simulated at x40: a read, then the write, so the first
# read after a start is taken about 16 s after the decision) and whose
# RUNNING feedback comes 12 s after its contactor closes: pumpd must count
# the pump running once the feedback comes, with no "failed to start"
# (fail_to_start_s is 15 s).  stale_s, down_s and watchdog_s are raised to
# suit the slow answers.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/core_lib.sh"

ID=shuangqiaohe
PB=$(port_base); CTL=$((PB + 1)); SPEED=40
one_station $ID "$PB" stale_s=60 down_s=120 watchdog_s=120 >"$WORK/one.conf"
spawn "$BIN/plcsim" -c "$WORK/one.conf" --only $ID -s $SPEED -r none -p $CTL \
    -f $ID:feedback-delay:12@0 -f $ID:slow:200@0 \
    -S "$WORK/summary" >"$WORK/plcsim.log" 2>&1
SIM=$!
wait_port $CTL || { fail "plcsim" "$(cat "$WORK/plcsim.log")"; finish; exit 1; }
"$BIN/pumpd" -c "$WORK/one.conf" --sim-speed $SPEED --state-dir "$WORK/state" \
    --log-every 30 >"$WORK/pumpd.log" 2>&1 &
PD=$!
PIDS="$PIDS $PD"
i=0
while ! grep -q "$ID: adopted: 0 pumps" "$WORK/pumpd.log" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
# above the duty start (a rise the rate rule takes over 16 s)
[ "$(ctl $CTL "fault $ID:level:1.75")" = ok ] && ok "pumpd adopted nothing; the well set to 1.75 m" ||
    fail "set-up" "$(grep $ID: "$WORK/pumpd.log" | head -3)"
sleep 5		# 200 s simulated: from 1.75 m down to the stop level
kill -TERM $PD; wait $PD 2>/dev/null
kill -TERM $SIM; wait $SIM 2>/dev/null
grep -q "$ID: start pump" "$WORK/pumpd.log" && ok "pumpd started a pump at 1.75 m" ||
    fail "start" "$(grep $ID: "$WORK/pumpd.log" | head -5)"
if grep -q "failed to start" "$WORK/pumpd.log"; then
	fail "late feedback taken for a failure" "$(grep 'failed to start' "$WORK/pumpd.log" | head -3)"
else
	ok "no \"failed to start\" with feedback 12 s late behind 8 s answers"
fi
grep -q "level  *1\.[0-9]* m .* pumps [01]*1" "$WORK/pumpd.log" &&
    ok "the pump counted running: $(grep -m1 "level  *1\.[0-9]* m .* pumps [01]*1" "$WORK/pumpd.log" | cut -c10-90)" ||
    fail "counted running" "$(grep level "$WORK/pumpd.log" | tail -3)"
n=$(grep -c "$ID: start pump" "$WORK/pumpd.log")
end=$(sfield "$WORK/summary" $ID end_level_m)
awk -v e="$end" 'BEGIN { exit !(e <= 1.05) }' && [ "$n" = 1 ] &&
    ok "one start pumped the well down to $end m" || fail "pumped down" "$n starts, end at $end m"
finish
