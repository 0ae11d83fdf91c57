#!/bin/sh
# The running demonstration (make run): the whole Jinnan district simulated
# under a Tianjin 3-year, 2-hour design storm played 30 times faster than
# real time, a local InfluxDB on 127.0.0.1:18086, and pumpd controlling the
# 33 stations and writing their metrics: the 30 map v1 stations REMOTE, the
# 3 rebuilt L1 stations SUPERVISED (on the centre's set-points) in its
# district lines.  Ctrl-C stops all of it.
#   SPEED=60 RAIN=storm:10:120@10 scripts/run-demo.sh
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
conf=${CONF:-$top/config/jinnan.conf}
speed=${SPEED:-30}
rain=${RAIN:-storm:3:120@10}
state=${STATE:-/tmp/pumpd-demo}
influx_port=${INFLUX_PORT:-18086}
pids=""

stopping=0
# stop STATUS: stop everything started, exit with STATUS.
stop() {
	rc=${1:-0}
	[ $stopping = 1 ] && exit "$rc"
	stopping=1
	trap - INT TERM EXIT
	# one after the other, pumpd first: it hands every station over to
	# its (simulated) PLC, which must still be there to take it
	for p in $pids; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	[ -n "$pids" ] && echo "demo: stopped; InfluxDB data kept in $state/influxdb"
	exit "$rc"
}
trap 'stop 0' INT TERM
trap 'stop $?' EXIT

mkdir -p "$state"
"$B/pumpd" --check-config "$conf" ||
    { echo "demo: $conf has errors: nothing started" >&2; exit 1; }
echo "demo: InfluxDB on 127.0.0.1:$influx_port (data in $state/influxdb)"
# the servers in sessions of their own, so that Ctrl-C reaches pumpd (and
# this script) only; stop() ends them after pumpd has handed over
setsid "$top/scripts/influxd-local.sh" "$state/influxdb" "$influx_port" \
    >"$state/influxd.log" 2>&1 &
pids="$pids $!"
i=0
until curl -sf "http://127.0.0.1:$influx_port/ping" >/dev/null; do
	i=$((i + 1))
	[ $i -gt 100 ] && { echo "demo: InfluxDB did not start, see $state/influxd.log"; break; }
	sleep 0.1
done
curl -sf -XPOST "http://127.0.0.1:$influx_port/query" \
    --data-urlencode "q=CREATE DATABASE pumpd" >/dev/null || true

echo "demo: plcsim, $rain at speed x$speed (Ctrl-C to stop); pumpd controls" \
    "$("$B/plcsim" -c "$conf" --list | wc -l) stations," \
    "$("$B/plcsim" -c "$conf" --list | awk '$5 == "L1"' | wc -l) of them L1 (SUPERVISED)"
setsid "$B/plcsim" -c "$conf" -s "$speed" -r "$rain" --status 0 \
    -S "$state/summary.txt" &
sim=$!
pids="$sim $pids"
sleep 1
"$B/pumpd" -c "$conf" --sim-speed "$speed" --log-every 300 \
    --state-dir "$state/pumpd" --ctl-socket "$state/ctl.sock" &
pd=$!
pids="$pd $pids"
echo "demo: follow the storm in another terminal:" \
    "$B/pumpctl -S $state/ctl.sock watch"
# until plcsim ends or pumpd stops by itself (refused to start, failed)
while kill -0 $sim 2>/dev/null && kill -0 $pd 2>/dev/null; do sleep 1; done
if ! kill -0 $pd 2>/dev/null; then
	wait $pd; rc=$?
	echo "demo: pumpd stopped with status $rc" >&2
	[ $rc = 0 ] && rc=1
	stop $rc
fi
stop 0
