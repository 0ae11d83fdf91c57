#!/bin/bash
# A PLC that drips its replies a byte at a time and one that never answers
# share a poller thread with six good stations (pumpd drives up to 256
# PLCs per poller, so these eight share one): the good stations are polled
# all along (plcsim counts the requests each one answers), while the drip is given up at
# its response timeout (1 s) and the silent one times out, both over and
# over (a v1 PLC's backoff starts again at 0.5 s with each connection).  A
# poller that waited for one PLC's reply would leave the good stations
# about a third of their polls; they must get at least half (they get
# nearly all).  Also: pumpd has one poller thread for the eight PLCs, not
# one thread each.
. "$(dirname "$0")/lib.sh"

PB=$(port_base); HPORT=$((PB + 1)); CTL=$((PB + 2)); SP0=$((PB + 10))
SPEED=10	# a poll every 100 real ms
HLOG=$WORK/hostile.log; MODE=$WORK/mode
GOOD="n1 n2 n3 n4 n5 n6"
station() {	# station ID PORT
	cat <<EOF
	{
		id = "$1"; name = "$1"; kind = "stormwater";
		plc = { host = "127.0.0.1"; port = $2; unit = 1; };
		well = { area_m2 = 280.0; depth_m = 6.0; flood_m = 4.8;
			lowlow_m = 0.5; highhigh_m = 4.2; };
		pumps = ( { capacity_m3s = 1.5; vfd = true; },
			{ capacity_m3s = 1.5; vfd = false; } );
		setpoints = { stop_m = 1.0; duty_start_m = 1.6;
			assist_start_m = [ 2.40 ]; high_alarm_m = 3.8; };
		rain = { tip_mm = 0.1; };
		head_m = 7.0;
		outfall = { base_m = 2.2; warn_m = 4.0; };
		catchment = { area_ha = 20.0; runoff = 0.6; tc_min = 15.0; dwf_m3s = 0.0; };
	}
EOF
}
{
	echo 'district = "poller"; control = { poll_ms = 1000; response_timeout_ms = 1000; };'
	echo 'stations = ('
	station drip $HPORT; echo ,
	station silent $SP0
	k=1
	for s in $GOOD; do echo ,; station $s $((SP0 + k)); k=$((k + 1)); done
	echo ');'
} >"$WORK/d.conf"
"$BIN/pumpd" --check-config "$WORK/d.conf" >/dev/null ||
    { fail "configuration" "$("$BIN/pumpd" --check-config "$WORK/d.conf" 2>&1)"; finish; exit 1; }

echo drip >"$MODE"
spawn python3 "$(dirname "$0")/hostile_plc.py" $HPORT "$MODE" "$HLOG" 2 0.05
spawn "$BIN/plcsim" -c "$WORK/d.conf" --only "silent,${GOOD// /,}" -s $SPEED \
    -r none -p $CTL --summary "$WORK/sum" -f silent:silent@0 >"$WORK/plcsim.log" 2>&1
wait_port $HPORT && wait_port $CTL && wait_port $((SP0 + 6)) ||
    { fail "servers" "not listening"; finish; exit 1; }
mkdir -p "$WORK/state"
spawn "$BIN/pumpd" -c "$WORK/d.conf" --sim-speed $SPEED --state-dir "$WORK/state" \
    --log-every 600 >"$WORK/pumpd.log" 2>&1
PD=${PIDS##* }

# requests: "ID N" for each station plcsim serves, as counted so far
requests() {
	exec 3<>/dev/tcp/127.0.0.1/$CTL; echo summary >&3
	read -r -t 5 _ <&3; exec 3>&-
	sed -n 's/^station=\([^ ]*\) .* requests=\([0-9]*\) .*/\1 \2/p' "$WORK/sum"
}
sleep 3
requests >"$WORK/r0"; t0=$(date +%s.%N)
sleep 8
requests >"$WORK/r1"; t1=$(date +%s.%N)
thr=$(awk '/^Threads/ { print $2 }' /proc/$PD/status)
kill -0 $PD 2>/dev/null && ok "pumpd alive" || fail "pumpd alive" "$(tail -3 "$WORK/pumpd.log")"

# each good station: at least half the requests of a 100 ms period (a
# v1 poll is two reads, the input block and the read-back, and most
# periods also write the command block with its heartbeat)
for s in $GOOD; do
	a=$(awk -v s=$s '$1 == s { print $2 }' "$WORK/r0")
	b=$(awk -v s=$s '$1 == s { print $2 }' "$WORK/r1")
	n=$(( ${b:-0} - ${a:-0} ))
	awk -v n=$n -v t0=$t0 -v t1=$t1 \
	    'BEGIN { exit !(n >= (t1 - t0) * 10 * 2 / 2) }' &&
	    ok "$s answered $n requests in 8 s beside a drip and a silent PLC (poll every 100 ms)" ||
	    fail "$s polled" "$n requests in 8 s"
done
# the neighbours were really there: the drip was given up at its timeout
# again and again, and the silent PLC timed out
drips=$(grep "drip-end" "$HLOG" | sed 's/.*elapsed=\([0-9.]*\).*/\1/')
ndrip=$(echo "$drips" | grep -c .)
worst=$(echo "$drips" | sort -n | tail -1)
[ "$ndrip" -ge 3 ] && awk -v w="${worst:-99}" 'BEGIN { exit !(w >= 0.9 && w < 2.5) }' &&
    ok "drip given up $ndrip times, at most ${worst} s after the request (timeout 1 s)" ||
    fail "drip timeout" "$ndrip drips, worst ${worst:-none} s"
grep -q "plc silent: .*no whole reply within 1000 ms (0 bytes came) (timeout)" "$WORK/pumpd.log" &&
    ok "silent PLC timed out: $(grep -m1 "plc silent: " "$WORK/pumpd.log" | cut -d' ' -f2-)" ||
    fail "silent PLC" "$(grep -m2 "plc silent" "$WORK/pumpd.log")"
# the loop, the metrics writer and one poller: far fewer than 8 + 1
[ -n "$thr" ] && [ "$thr" -le 5 ] && ok "pumpd runs $thr threads for 8 PLCs" ||
    fail "threads" "${thr:-?} threads for 8 PLCs"
finish
