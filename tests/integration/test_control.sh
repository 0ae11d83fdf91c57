#!/bin/bash
# Issue 11, end to end on one station (shuangqiaohe: 280 m2, three pumps of
# 1.5 m3/s) under 25 mm/h of constant rain at x60 for 20 simulated
# minutes, with pump 2 worn to 60 % of its rated flow (plcsim's
# degrade:2:0.6) and the shipped control group (feed-forward and drawdown
# on):
#  1. the rising rain starts the drawdown, in pumpd's log;
#  2. pumpctl show gives the inflow estimate with its confidence, and pump
#     2's estimated flow near 0.9 m3/s (measured from the level when it
#     started alone), pump 1 near its rated 1.5 m3/s, printed in words too;
#  3. no flood.
# (Each part switched off, and the numbers behind them, are the unit
# tests' test_estim and test_core.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/core_lib.sh"

ID=shuangqiaohe
PB=$(port_base); SPEED=60
SOCK=$WORK/ctl.sock

one_station $ID "$PB" >"$WORK/one.conf"
spawn "$BIN/plcsim" -c "$WORK/one.conf" --only $ID -s $SPEED \
    -r const:25:60@1 -f $ID:degrade:2:0.6@0 -d 20 \
    -S "$WORK/summary" >"$WORK/plcsim.log" 2>&1
SIM=$!
wait_port "$PB" || { fail "plcsim" "$(cat "$WORK/plcsim.log")"; finish; exit 1; }
"$BIN/pumpd" -c "$WORK/one.conf" --sim-speed $SPEED --state-dir "$WORK/state" \
    --ctl-socket "$SOCK" --log-every 300 >"$WORK/pumpd.log" 2>&1 &
PD=$!
PIDS="$PIDS $PD"

# jq-free reads of a show's JSON
jnum() { python3 -c "import json,sys; d=json.load(open(sys.argv[1]))['data']; print($2)" "$1"; }
# pump 2 measured: its estimate moved off the rated 1.5 m3/s
measured() { jnum "$1" "1 if d['pump_list'][1]['flow_est_m3s'] < 1.4 else 0" 2>/dev/null; }

# shows while it runs, until pump 2 has been measured (or the run ends)
while kill -0 $SIM 2>/dev/null; do
	"$BIN/pumpctl" -S "$SOCK" show $ID --json >"$WORK/show.new" 2>/dev/null &&
	    mv "$WORK/show.new" "$WORK/show"
	[ -s "$WORK/show" ] && [ "$(measured "$WORK/show")" = 1 ] && break
	sleep 0.5
done
"$BIN/pumpctl" -S "$SOCK" show $ID >"$WORK/text" 2>&1
wait $SIM
kill -TERM $PD; wait $PD 2>/dev/null

grep -q "station $ID: drawdown on (rain rising here)" "$WORK/pumpd.log" &&
    ok "drawdown started by the rising rain" ||
    fail "drawdown" "$(grep "$ID" "$WORK/pumpd.log" | head -5)"
conf=$(jnum "$WORK/show" "d['control']['inflow_conf']")
inflow=$(jnum "$WORK/show" "d['inflow_m3s']")
awk -v c="$conf" -v q="$inflow" 'BEGIN { exit !(c >= 0.5 && q > 0.3) }' &&
    ok "show: inflow $inflow m3/s, confidence $conf" ||
    fail "inflow estimate" "confidence $conf, inflow $inflow"
q2=$(jnum "$WORK/show" "d['pump_list'][1]['flow_est_m3s']")
q1=$(jnum "$WORK/show" "d['pump_list'][0]['flow_est_m3s']")
awk -v a="$q2" -v b="$q1" 'BEGIN { exit !(a > 0.8 && a < 1.0 && b > 1.35 && b < 1.65) }' &&
    ok "the worn pump 2 measured at $q2 m3/s (0.9 real, 1.5 rated); pump 1 at $q1" ||
    fail "pump flows" "pump 1 $q1, pump 2 $q2"
grep -q "estimate confidence" "$WORK/text" && grep -q "(estimated 0\.[89]" "$WORK/text" &&
    ok "pumpctl show prints the estimates" || fail "show text" "$(cat "$WORK/text")"
flood=$(sfield "$WORK/summary" $ID flood_m3)
[ "$flood" = "0.000" ] && ok "no flood" || fail "flood" "$flood m3"
finish
