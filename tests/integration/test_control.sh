#!/bin/bash
# Issue 11, end to end on one station (shuangqiaohe: 280 m2, three pumps of
# 1.5 m3/s) under 25 mm/h of constant rain at x60, with pump 2 worn to 60 %
# of its rated flow (plcsim's degrade:2:0.6) and the shipped control group
# (feed-forward and drawdown on):
#  1. the rising rain starts the drawdown, in pumpd's log;
#  2. pumpctl show gives the inflow estimate with its confidence, and pump
#     2's estimated flow near 0.9 m3/s (measured from the level when it
#     started alone), the others near their rated 1.5 m3/s;
#  3. the same with feedforward and drawdown off: no drawdown, and the
#     estimates are still shown (they are always made).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/core_lib.sh"

ID=shuangqiaohe
PB=$(port_base); SPEED=60
SOCK=$WORK/ctl.sock

# run NAME [KEY=VALUE ...]: plcsim and pumpd for 30 simulated minutes; the
# show taken while it runs (from minute 24 or so) goes to NAME.show.
run() {
	name=$1; shift
	one_station $ID "$PB" "$@" >"$WORK/$name.conf"
	spawn "$BIN/plcsim" -c "$WORK/$name.conf" --only $ID -s $SPEED \
	    -r const:25:60@1 -f $ID:degrade:2:0.6@0 -d 30 \
	    -S "$WORK/$name.summary" >"$WORK/$name.plcsim.log" 2>&1
	SIM=$!
	wait_port "$PB" || { fail "plcsim" "$(cat "$WORK/$name.plcsim.log")"; finish; exit 1; }
	"$BIN/pumpd" -c "$WORK/$name.conf" --sim-speed $SPEED \
	    --state-dir "$WORK/$name.state" --ctl-socket "$SOCK" \
	    --log-every 300 >"$WORK/$name.pumpd.log" 2>&1 &
	PD=$!
	PIDS="$PIDS $PD"
	sleep 24
	"$BIN/pumpctl" -S "$SOCK" show $ID --json >"$WORK/$name.show" 2>&1
	"$BIN/pumpctl" -S "$SOCK" show $ID >"$WORK/$name.text" 2>&1
	wait $SIM
	kill -TERM $PD; wait $PD 2>/dev/null
}

# jq-free reads of the show's JSON
jnum() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

run on
grep -q "station $ID: drawdown on (rain rising here)" "$WORK/on.pumpd.log" &&
    ok "drawdown started by the rising rain" ||
    fail "drawdown" "$(grep "$ID" "$WORK/on.pumpd.log" | head -5)"
conf=$(jnum "$WORK/on.show" "d['control']['inflow_conf']")
inflow=$(jnum "$WORK/on.show" "d['inflow_m3s']")
awk -v c="$conf" -v q="$inflow" 'BEGIN { exit !(c >= 0.5 && q > 0.3) }' &&
    ok "show: inflow $inflow m3/s, confidence $conf" ||
    fail "inflow estimate" "$(cat "$WORK/on.show")"
q2=$(jnum "$WORK/on.show" "d['pump_list'][1]['flow_est_m3s']")
q1=$(jnum "$WORK/on.show" "d['pump_list'][0]['flow_est_m3s']")
awk -v a="$q2" -v b="$q1" 'BEGIN { exit !(a > 0.8 && a < 1.0 && b > 1.35 && b < 1.65) }' &&
    ok "the worn pump 2 measured at $q2 m3/s (0.9 real, 1.5 rated); pump 1 at $q1" ||
    fail "pump flows" "pump 1 $q1, pump 2 $q2: $(grep -i 'estimated' "$WORK/on.text")"
grep -q "estimate confidence" "$WORK/on.text" && grep -q "(estimated 0\.[89]" "$WORK/on.text" &&
    ok "pumpctl show prints the estimates" || fail "show text" "$(cat "$WORK/on.text")"
flood=$(sfield "$WORK/on.summary" $ID flood_m3)
[ "$flood" = "0.000" ] && ok "no flood" || fail "flood" "$flood m3"

run off feedforward=false drawdown=false
if grep -q "drawdown on" "$WORK/off.pumpd.log"; then
	fail "drawdown off" "$(grep "drawdown" "$WORK/off.pumpd.log" | head -2)"
else
	ok "switched off: no drawdown"
fi
ff=$(jnum "$WORK/off.show" "d['control']['ff_pumps']")
conf=$(jnum "$WORK/off.show" "d['control']['inflow_conf']")
[ "$ff" = 0 ] && awk -v c="$conf" 'BEGIN { exit !(c > 0) }' &&
    ok "switched off: feed-forward asks nothing, the estimate is still made (confidence $conf)" ||
    fail "off" "$(cat "$WORK/off.show")"
finish
