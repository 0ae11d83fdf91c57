#!/bin/bash
# A hostile PLC (hostile_plc.py) beside a real simulated one (plcsim): its
# replies say 3.3 m with every pump available, which starts pumps when
# obeyed, and carry one defect at a time: wrong unit id, MBAP length not
# matching, a valid frame followed by junk, wrong transaction id, protocol
# id 1, an exception, a reply dripped one byte every 0.1 s.  For each,
# pumpd writes NO command to the hostile PLC (the server records writes),
# logs the cause (each one, all in one failure episode) and counts it in
# the "pumpd" self-monitoring point; the drip is given up at the response
# timeout (1 s), not after the 17 s a whole dripped reply takes, and the
# plcsim station's polls go on every 100 ms meanwhile.  Then valid
# replies: pumpd writes, and starts pumps (the control of the test).  Then
# good input blocks whose read-back of the holding registers gets an
# exception: the poll fails, nothing is written.
# Last, a SIGTERM while a reply drips: pumpd is out within 5 s.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/influx_lib.sh"

PB=$(port_base); HPORT=$((PB + 1)); RPORT=$((PB + 2))
SPEED=10
HLOG=$WORK/hostile.log; MODE=$WORK/mode
station() {	# station ID PORT
	cat <<EOF
	{
		id = "$1"; name = "$1"; kind = "stormwater";
		plc = { host = "127.0.0.1"; port = $2; unit = 1; };
		well = { area_m2 = 280.0; depth_m = 6.0; flood_m = 4.8;
			lowlow_m = 0.5; highhigh_m = 4.2; };
		pumps = ( { capacity_m3s = 1.5; vfd = true; },
			{ capacity_m3s = 1.5; vfd = false; },
			{ capacity_m3s = 1.5; vfd = false; } );
		setpoints = { stop_m = 1.0; duty_start_m = 1.6;
			assist_start_m = [ 2.40, 3.20 ]; high_alarm_m = 3.8; };
		rain = { tip_mm = 0.1; };
		head_m = 7.0;
		outfall = { base_m = 2.2; warn_m = 4.0; };
		catchment = { area_ha = 20.0; runoff = 0.6; tc_min = 15.0; dwf_m3s = 0.0; };
	}
EOF
}
cat >"$WORK/two.conf" <<EOF
district = "hostile";
control = { poll_ms = 1000; response_timeout_ms = 1000; };
influx = { url = "http://127.0.0.1:$IPORT"; version = 1; database = "pumpd";
	batch_ms = 500; };
stations = (
$(station hostile $HPORT),
$(station real $RPORT)
);
EOF
"$BIN/pumpd" --check-config "$WORK/two.conf" >/dev/null ||
    { fail "configuration" "$("$BIN/pumpd" --check-config "$WORK/two.conf" 2>&1)"; finish; exit 1; }

start_influx || { finish; exit 1; }
echo unit >"$MODE"
spawn python3 "$(dirname "$0")/hostile_plc.py" $HPORT "$MODE" "$HLOG" 3 0.1
spawn "$BIN/plcsim" -c "$WORK/two.conf" --only real -s $SPEED -r none \
    >"$WORK/plcsim.log" 2>&1
wait_port $HPORT && wait_port $RPORT || { fail "servers" "not listening"; finish; exit 1; }
"$BIN/pumpd" -c "$WORK/two.conf" --sim-speed $SPEED --state-dir "$WORK/state" \
    --log-every 600 >"$WORK/pumpd.log" 2>&1 &
PD=$!
PIDS="$PIDS $PD"
for m in unit length junk tid protocol exception; do
	echo $m >"$MODE"; sleep 2.5
done
echo drip >"$MODE"; sleep 4.5
echo valid >"$MODE"; sleep 3
echo hrexc >"$MODE"; sleep 2.5
echo drip >"$MODE"; sleep 1.5	# a reply dripping when the signal comes
t0=$(date +%s%N)
kill -TERM $PD; wait $PD; rc=$?
el=$(( ($(date +%s%N) - t0) / 1000000 ))
[ $rc = 0 ] && [ $el -lt 5000 ] &&
    ok "SIGTERM while a reply drips: pumpd exits 0 in $el ms" ||
    fail "stop while dripping" "status $rc after $el ms"
grep -q "runtime error\|AddressSanitizer" "$WORK/pumpd.log" &&
    fail "sanitizers" "$(grep -m3 "runtime error\|AddressSanitizer" "$WORK/pumpd.log")"

# cause MODE: the cause pumpd logs and counts for the defect of MODE
cause() {
	case $1 in junk) echo trailing;; drip) echo timeout;; *) echo "$1";; esac
}
for m in unit length junk tid protocol exception drip; do
	c=$(cause $m)
	nreq=$(grep -c "req $m " "$HLOG")
	nw=$(grep -c "WRITE $m " "$HLOG")
	[ "$nreq" -gt 0 ] && [ "$nw" = 0 ] &&
	    ok "$m: $nreq requests, no command written" ||
	    fail "$m: no command" "$nreq requests, $nw writes: $(grep -m2 "WRITE $m " "$HLOG")"
	line=$(grep -m1 "plc hostile: .*($c)$" "$WORK/pumpd.log")
	[ -n "$line" ] && ok "$m: logged: ${line#* plc hostile: }" ||
	    fail "$m: logged" "no ($c) line in the log"
	n=$(q "SELECT last(reply_$c) FROM pumpd WHERE $WIN" | jq '.results[0].series[0].values[0][1] // 0')
	[ "$n" -gt 0 ] && ok "$m: counted in reply_$c ($n)" || fail "$m: counted" "reply_$c is $n"
done
ep=$(grep -c "plc hostile: " "$WORK/pumpd.log")
grep -q "plc hostile: answering again" "$WORK/pumpd.log" &&
    [ "$(grep "plc hostile: " "$WORK/pumpd.log" | grep -vc "answering again")" -ge 7 ] &&
    ok "each of the 7 causes logged within one failure episode ($ep lines)" ||
    fail "one episode" "$(grep "plc hostile: " "$WORK/pumpd.log")"
# the dripping worker gives up at the response timeout
drips=$(grep "drip-end" "$HLOG" | sed 's/.*elapsed=\([0-9.]*\).*/\1/')
ndrip=$(echo "$drips" | grep -c .)
worst=$(echo "$drips" | sort -n | tail -1)
[ "$ndrip" -ge 2 ] && awk -v w="${worst:-99}" 'BEGIN { exit !(w >= 0.9 && w < 1.5) }' &&
    ok "drip given up $ndrip times, at most ${worst} s after the request (timeout 1 s)" ||
    fail "drip timeout" "$ndrip drips, worst ${worst:-none} s"
grep -q "no whole reply within 1000 ms" "$WORK/pumpd.log" &&
    ok "drip logged as no whole reply within 1000 ms" || fail "drip log" ""
# the plcsim station was polled all along
ts=$(q "SELECT level_m FROM station WHERE station = 'real' AND $WIN" | jq '.results[0].series[0].values[][0]')
n=$(echo "$ts" | grep -c .)
gap=$(echo "$ts" | awk -v s=$SPEED 'NR > 1 && $1 - p > g { g = $1 - p } { p = $1 } END { printf "%d", g / s }')
[ "$n" -gt 150 ] && [ "$gap" -lt 500 ] &&
    ok "plcsim station: $n fresh points, longest real gap ${gap} ms (poll 100 ms)" ||
    fail "plcsim station polled" "$n points, longest gap $gap ms"
p99=$(q "SELECT max(poll_p99_ms) FROM pumpd WHERE $WIN" | jq '.results[0].series[0].values[0][1] // 999')
awk -v p="$p99" 'BEGIN { exit !(p < 200) }' && ok "poll p99 at most $p99 ms in every period" ||
    fail "poll p99" "$p99 ms"
# the control: valid replies are obeyed
nw=$(grep -c "WRITE valid " "$HLOG")
run=$(grep "WRITE valid " "$HLOG" | grep -vc " hr2=0$")
[ "$nw" -gt 0 ] && [ "$run" -gt 0 ] &&
    ok "valid replies: $nw commands written, $run of them running pumps" ||
    fail "valid replies obeyed" "$nw writes, $run with pumps"
nw=$(grep -c "WRITE none " "$HLOG")
[ "$nw" = 0 ] && ok "no command written on a connection before a read on it" ||
    fail "write before read" "$nw writes"
nreq=$(grep -c "req hrexc fc=3" "$HLOG")
nw=$(grep -c "WRITE hrexc " "$HLOG")
[ "$nreq" -gt 0 ] && [ "$nw" = 0 ] &&
    ok "exception to the read-back: $nreq read-backs, no command written" ||
    fail "read-back exception" "$nreq read-backs, $nw writes"
line=$(grep -m1 "plc hostile: read holding registers: exception 2 " "$WORK/pumpd.log")
[ -n "$line" ] && ok "read-back exception logged: ${line#* plc hostile: }" ||
    fail "read-back exception logged" ""
age=$(q "SELECT max(cmd_age_max_ms), last(commands_acked) FROM pumpd WHERE $WIN" | jq -c '.results[0].series[0].values[0][1:]')
echo "$age" | jq -e '.[0] != null and .[0] < 100' >/dev/null &&
    ok "command age measured: max ${age} ms (max, acked in the last period)" ||
    fail "command age" "$age"
stop_influx
finish
