# Shared by the InfluxDB tests: Debian's influxd started by the test on
# 127.0.0.1 with a throwaway data directory, queries over HTTP, and pumpd
# and plcsim on a copy of the district with the test's own ports.
IPORT=$(( $(port_base) + 60 ))
IDIR=$WORK/influxdb
INFLUX_PID=

start_influx() {
	"$TOP/scripts/influxd-local.sh" "$IDIR" "$IPORT" >>"$WORK/influxd.log" 2>&1 &
	INFLUX_PID=$!
	PIDS="$PIDS $INFLUX_PID"
	i=0
	until curl -sf "http://127.0.0.1:$IPORT/ping" >/dev/null; do
		i=$((i + 1)); [ $i -gt 300 ] && { fail "influxd starts" "$(tail -5 "$WORK/influxd.log")"; return 1; }
		sleep 0.1
	done
	curl -sf -XPOST "http://127.0.0.1:$IPORT/query" --data-urlencode "q=CREATE DATABASE pumpd" >/dev/null
}

stop_influx() {
	kill "$INFLUX_PID" 2>/dev/null; wait "$INFLUX_PID" 2>/dev/null
}

# q QUERY: the JSON answer of InfluxDB.
q() {
	curl -sf -G "http://127.0.0.1:$IPORT/query" --data-urlencode "db=pumpd" \
	    --data-urlencode "epoch=ms" --data-urlencode "q=$1"
}

# Every point of the test is inside this window (the simulated clock runs
# ahead of the real one).
WIN="time > now() - 7d AND time < now() + 7d"

# total_points: points in the database, all four measurements.
total_points() {
	n=0
	for mf in "station comms" "pump running" "event text" "pumpd stations_ok"; do
		set -- $mf
		c=$(q "SELECT count(\"$2\") FROM \"$1\" WHERE $WIN" | jq '[.results[0].series[]?.values[0][1]] | add // 0')
		n=$((n + c))
	done
	echo $n
}

# district_conf FILE [SPOOL_KB]: the district with the test's ports and
# InfluxDB, short batches.  With INFLUX_DELAY_MS set, pumpd reaches InfluxDB
# through slow_proxy.py, its answers that much late (InfluxDB has stored a
# batch long before pumpd knows: a loaded machine, made reproducible).
district_conf() {
	PB=$(port_base)
	MPORT=$IPORT
	if [ "${INFLUX_DELAY_MS:-0}" -gt 0 ]; then
		MPORT=$((PB + 61))
		python3 "$TOP/tests/integration/slow_proxy.py" "$MPORT" "$IPORT" \
		    "$INFLUX_DELAY_MS" >>"$WORK/proxy.log" 2>&1 &
		PIDS="$PIDS $!"
		wait_port "$MPORT"
	fi
	awk -v pb="$PB" -v url="http://127.0.0.1:$MPORT" -v kb="${2:-262144}" '
	    /port = 150[0-9][0-9]/ { sub(/port = 150[0-9][0-9]/, "port = " pb + (n++)) }
	    /url = "http/ { sub(/"http[^"]*"/, "\"" url "\"") }
	    /batch_ms = / { sub(/batch_ms = [0-9]+/, "batch_ms = 500") }
	    /spool_max_kb = / { sub(/spool_max_kb = [0-9]+/, "spool_max_kb = " kb) }
	    { print }' "$TOP/config/jinnan.conf" >"$1"
}

# metric KEY LOGFILE: the value after KEY in the last "metrics: made" line.
metric() {
	grep "metrics: made" "$2" | tail -1 | tr ' ' '\n' | awk -v k="$1" 'f { print; exit } $0 == k { f = 1 }'
}

# wait_for PATTERN FILE SECONDS: wait until a line matching PATTERN is there.
wait_for() {
	i=0
	until grep -q "$1" "$2" 2>/dev/null; do
		i=$((i + 1)); [ $i -gt $(($3 * 10)) ] && return 1
		sleep 0.1
	done
}

# wait_drained LOGFILE SECONDS: until pumpd reports nothing waiting.
wait_drained() {
	i=0
	while :; do
		sleep 1; i=$((i + 1))
		[ "$(metric waiting "$1")" = 0 ] && grep "metrics: made" "$1" | tail -1 | grep -q "InfluxDB OK" && return 0
		[ $i -gt "$2" ] && return 1
	done
}
