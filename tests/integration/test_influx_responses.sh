#!/bin/bash
# The writer's policy by InfluxDB's answer:
#   400 bad points (the real server: a field of another type): logged with
#       InfluxDB's error text once (then with a count: rate-limited),
#       counted, not retried;
#   404 (the real server without the database): logged loudly, once,
#       spooled, nothing dropped;
#   413 (the real server with a 2 kB body limit): batches split and sent
#       again;
#   429 with Retry-After, which InfluxDB 1.x never sends: a scripted
#       listener (nc) answers it; pumpd spools and waits as told.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/influx_lib.sh"

district_conf "$WORK/district.conf"
spawn "$BIN/plcsim" -c "$WORK/district.conf" -s 1 >"$WORK/plcsim.log" 2>&1
wait_port $(( $(port_base) + 32 )) || { fail "plcsim" ""; finish; exit 1; }

# run_pumpd SECONDS NAME: pumpd with a fresh spool for a while.
run_pumpd() {
	"$BIN/pumpd" -c "$WORK/district.conf" --state-dir "$WORK/state-$2" \
	    --log-every 1 >"$WORK/$2.log" 2>&1 &
	PD=$!
	sleep "$1"
	kill -TERM $PD; wait $PD
}

# 404: no database
IDIR=$WORK/influx-a
start_influx
curl -sf -XPOST "http://127.0.0.1:$IPORT/query" --data-urlencode "q=DROP DATABASE pumpd" >/dev/null
run_pumpd 4 r404
grep -q 'ERROR: InfluxDB answers 404 .*database not found.*check the credentials' "$WORK/r404.log" &&
    ok "404: logged loudly: $(grep -o 'answers 404.*not found[^,]*' "$WORK/r404.log" | head -1)" ||
    fail "404 logged" "$(grep metrics "$WORK/r404.log" | tail -2)"
[ "$(grep -c 'ERROR: InfluxDB answers 404' "$WORK/r404.log")" = 1 ] && ok "404: once per episode" || fail "404 once" ""
made=$(metric made "$WORK/r404.log"); w=$(metric waiting "$WORK/r404.log"); dr=$(metric dropped "$WORK/r404.log")
[ "$w" = "$made" ] && [ "$dr" = 0 ] && ok "404: all $made points kept in the spool, none dropped" ||
    fail "404 spooled" "made $made waiting $w dropped $dr"

# 400: level_m already exists as an integer
curl -sf -XPOST "http://127.0.0.1:$IPORT/query" --data-urlencode "q=CREATE DATABASE pumpd" >/dev/null
curl -sf -XPOST "http://127.0.0.1:$IPORT/write?db=pumpd" --data-binary 'station,station=gegu-east,kind=stormwater level_m=1i' >/dev/null
run_pumpd 4 r400
grep -q 'InfluxDB refused [0-9]* points (400): {"error":"partial write: field type conflict' "$WORK/r400.log" &&
    ok "400: logged with InfluxDB's error text" || fail "400 logged" "$(grep metrics "$WORK/r400.log" | tail -2)"
rej=$(metric rejected "$WORK/r400.log"); sp=$(metric spooled "$WORK/r400.log")
[ "$rej" -gt 0 ] && [ "$sp" = 0 ] && ok "400: $rej points counted as rejected, none spooled or retried" ||
    fail "400 counted" "rejected $rej spooled $sp"
n=$(grep 'InfluxDB refused' "$WORK/r400.log" | grep -vc 'repeated [0-9]* times')
sum=$(grep -o 'InfluxDB refused .*: repeated [0-9]* times' "$WORK/r400.log" | grep -o 'repeated [0-9]* times')
[ "$n" = 1 ] && [ -n "$sum" ] && ok "400: one line for the run of refusals, and at the stop: $sum" ||
    fail "400 once per episode" "$n lines, summary '$sum'"
stop_influx

# 413: a 2 kB body limit
IDIR=$WORK/influx-b
INFLUX_MAX_BODY=2000 start_influx
run_pumpd 5 r413
made=$(metric made "$WORK/r413.log"); sent=$(metric sent "$WORK/r413.log")
tot=$(total_points)
[ "$made" -gt 0 ] && [ "$sent" -gt 0 ] && [ "$tot" = "$sent" ] &&
    ok "413: batches split until InfluxDB took them ($sent of $made points so far, $tot stored)" ||
    fail "413" "made $made sent $sent stored $tot; $(grep metrics "$WORK/r413.log" | tail -2)"
stop_influx

# 429 with Retry-After: 30
resp=$(printf 'HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nRetry-After: 30\r\nContent-Length: 29\r\nConnection: close\r\n\r\n{"error":"too many requests"}')
(while :; do printf '%s' "$resp" | nc -l 127.0.0.1 "$IPORT" >/dev/null 2>&1 &&
    echo c >>"$WORK/conns" || sleep 0.05; done) &
SRV=$!
wait_port "$IPORT"; sleep 0.3; : >"$WORK/conns"	# not the probe's
run_pumpd 6 r429
kill $SRV 2>/dev/null; wait $SRV 2>/dev/null; pkill -f "nc -l 127.0.0.1 $IPORT"
grep -q 'InfluxDB unavailable ({"error":"too many requests"}' "$WORK/r429.log" &&
    ok "429: logged as unavailable" || fail "429 logged" "$(grep metrics "$WORK/r429.log" | head -3)"
w=$(metric waiting "$WORK/r429.log")
[ "${w:-0}" -gt 0 ] && ok "429: $w points spooled for later" || fail "429 spooled" "$w"
conns=$(grep -c . "$WORK/conns")
# backoff alone would have tried again after about 1, 2 and 4 s
[ "$conns" = 1 ] && ok "429: Retry-After 30 honoured (1 request in 6 s)" || fail "429 Retry-After" "$conns requests in 6 s"
finish
