#!/bin/bash
# A deadline that passes while pumpd is not running (stopped by SIGSTOP
# for 2 s, as a starved process would be) costs no poll whose reply came
# meanwhile: four plcsim stations answer after 250 ms (fault slow:250), so
# that a request is out three quarters of the time when pumpd stops;
# their replies arrive while it is stopped, and at SIGCONT the pollers
# take them instead of declaring the requests timed out (response timeout
# 1 s).  No timeout is logged, and the stations are polled again after
# the stall.  (A poller that failed every request past its deadline
# without looking failed this in 2 runs of 2.)
. "$(dirname "$0")/lib.sh"

PB=$(port_base); SP0=$((PB + 10))
SPEED=1	# a poll a second: read, read-back and write take 750 ms
IDS="s1 s2 s3 s4"
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
	echo 'district = "stall"; control = { poll_ms = 1000; response_timeout_ms = 1000; };'
	echo 'stations = ('
	k=0; sep=""
	for s in $IDS; do echo "$sep"; station $s $((SP0 + k)); k=$((k + 1)); sep=,; done
	echo ');'
} >"$WORK/d.conf"
faults=""
for s in $IDS; do faults="$faults -f $s:slow:250@0"; done
spawn "$BIN/plcsim" -c "$WORK/d.conf" -s $SPEED -r none $faults >"$WORK/plcsim.log" 2>&1
wait_port $((SP0 + 3)) || { fail "plcsim" "not listening"; finish; exit 1; }
mkdir -p "$WORK/state"
spawn "$BIN/pumpd" -c "$WORK/d.conf" --sim-speed $SPEED --state-dir "$WORK/state" \
    --ctl-socket "$WORK/ctl.sock" --log-every 600 >"$WORK/pumpd.log" 2>&1
PD=${PIDS##* }
# polled: each station comms OK, within 15 s
allok() {
	for s in $IDS; do
		"$BIN/pumpctl" -S "$WORK/ctl.sock" show $s --json 2>/dev/null |
		    grep -q '"comms": *"OK"' || return 1
	done
}
for i in $(seq 75); do allok && break; sleep 0.2; done
allok && ok "4 stations polled, each reply 250 ms late" ||
    { fail "polled" "$(tail -3 "$WORK/pumpd.log")"; finish; exit 1; }
sleep 1
n0=$(grep -c "(timeout)" "$WORK/pumpd.log")
kill -STOP $PD; sleep 2; kill -CONT $PD
sleep 2
for i in $(seq 50); do allok && break; sleep 0.2; done
allok && ok "polled again after the stall" || fail "polled after" "$(tail -3 "$WORK/pumpd.log")"
n1=$(grep -c "(timeout)" "$WORK/pumpd.log")
[ "$n0" = 0 ] && [ "$n1" = 0 ] &&
    ok "no request timed out over a 2 s stall (the replies that came meanwhile were taken)" ||
    fail "timeouts" "$n0 before, $n1 after: $(grep -m4 "(timeout)" "$WORK/pumpd.log")"
finish
