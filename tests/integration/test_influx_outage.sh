#!/bin/bash
# Metrics through InfluxDB outages, in real time (speed 1):
#  A. InfluxDB stopped for a while and started again: every point from the
#     outage arrives, none twice (counted), the spool empties;
#  B. pumpd killed with SIGKILL while spooling and started again: the spooled
#     points still arrive;
#  C. a full spool drops the oldest first and says how many.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/influx_lib.sh"

start_influx || { finish; exit 1; }
district_conf "$WORK/district.conf"
spawn "$BIN/plcsim" -c "$WORK/district.conf" -s 1 -r const:20:600 >"$WORK/plcsim.log" 2>&1
wait_port $(( $(port_base) + 32 )) || { fail "plcsim" ""; finish; exit 1; }

# start_pumpd LOG [CONF]
start_pumpd() {
	"$BIN/pumpd" -c "${2:-$WORK/district.conf}" --state-dir "$WORK/state" \
	    --log-every 1 >"$1" 2>&1 &
	PD=$!; PIDS="$PIDS $PD"
}

# A: outage
start_pumpd "$WORK/a.log"
sleep 4
stop_influx
wait_for "InfluxDB unavailable" "$WORK/a.log" 15 && ok "A: pumpd noticed the outage" || fail "A: outage noticed" ""
sleep 6
w=$(metric waiting "$WORK/a.log")
[ "${w:-0}" -gt 0 ] && ok "A: $w points spooled during the outage" || fail "A: spooled" "$w"
start_influx
wait_drained "$WORK/a.log" 60 && ok "A: spool emptied after InfluxDB came back" || fail "A: drained" "$(tail -2 "$WORK/a.log")"
kill -TERM $PD; wait $PD
made=$(metric made "$WORK/a.log"); sent=$(metric sent "$WORK/a.log"); total=$(total_points)
[ "$sent" = "$made" ] && [ "$total" = "$made" ] && ok "A: $made made, $sent acknowledged, $total in InfluxDB: none lost, none twice" ||
    fail "A: counts" "made $made sent $sent db $total"
grep -q "InfluxDB takes data again" "$WORK/a.log" && ok "A: recovery logged" || fail "A: recovery logged" ""
base=$total

# B: SIGKILL while spooling
start_pumpd "$WORK/b1.log"
sleep 3
stop_influx
wait_for "InfluxDB unavailable" "$WORK/b1.log" 15
sleep 4
sent1=$(metric sent "$WORK/b1.log"); w1=$(metric waiting "$WORK/b1.log")
kill -KILL $PD; wait $PD 2>/dev/null
[ "${w1:-0}" -gt 0 ] && ok "B: killed with $w1 points in the spool" || fail "B: spooled before kill" "$w1"
start_influx
start_pumpd "$WORK/b2.log"
wait_for "points from an earlier run to replay" "$WORK/b2.log" 10 &&
    ok "B: $(grep -o 'spool: [0-9]* points from an earlier run' "$WORK/b2.log")" || fail "B: replay at start" ""
replay=$(grep -o 'spool: [0-9]* points' "$WORK/b2.log" | awk '{ print $2 }')
wait_drained "$WORK/b2.log" 60 && ok "B: spool emptied" || fail "B: drained" "$(tail -2 "$WORK/b2.log")"
kill -TERM $PD; wait $PD
made2=$(metric made "$WORK/b2.log"); sent2=$(metric sent "$WORK/b2.log"); total=$(total_points)
[ "${replay:-0}" -ge "$w1" ] && [ "$sent2" = $((made2 + replay)) ] &&
    ok "B: the second pumpd sent its $made2 points and the $replay spooled ones" ||
    fail "B: replayed" "replay $replay (>= $w1?) made2 $made2 sent2 $sent2"
[ "$total" = $((base + sent1 + sent2)) ] && ok "B: InfluxDB holds exactly what was acknowledged ($total)" ||
    fail "B: counts" "db $total, want $base + $sent1 + $sent2"

# C: a full spool (64 KiB, about three batches) drops the oldest first
district_conf "$WORK/small.conf" 64
rm -rf "$WORK/state"
start_pumpd "$WORK/c.log" "$WORK/small.conf"
sleep 3
stop_influx
wait_for "InfluxDB unavailable" "$WORK/c.log" 15
tstart=$(date +%s%3N)
wait_for "spool full" "$WORK/c.log" 30 && ok "C: $(grep -m1 -o 'spool full.*' "$WORK/c.log")" || fail "C: spool full logged" ""
sleep 3
tend=$(date +%s%3N)
start_influx
wait_drained "$WORK/c.log" 60 && ok "C: spool emptied" || fail "C: drained" "$(tail -2 "$WORK/c.log")"
sleep 4	# live data after the recovery too
kill -TERM $PD; wait $PD
made=$(metric made "$WORK/c.log"); sent=$(metric sent "$WORK/c.log"); dropped=$(metric dropped "$WORK/c.log")
waiting=$(metric waiting "$WORK/c.log")
[ "${dropped:-0}" -gt 0 ] && [ "$made" = $((sent + dropped + waiting)) ] &&
    ok "C: $made made = $sent sent + $dropped dropped + $waiting waiting, all counted" ||
    fail "C: counts" "made $made sent $sent dropped $dropped waiting $waiting"
# the oldest went: nothing from the outage's first second; what was kept is
# the newest, without a hole up to the end of the run
old=$(q "SELECT count(\"comms\") FROM \"station\" WHERE time >= ${tstart}ms AND time < $((tstart + 1000))ms" | jq '[.results[0].series[]?.values[0][1]] | add // 0')
resume=$(q "SELECT first(\"comms\") FROM \"station\" WHERE time >= ${tstart}ms AND \"station\" = 'gegu-east'" | jq '.results[0].series[0].values[0][0]')
# gegu-east's points from the first kept one to the end: one a poll, no gap
times=$(q "SELECT \"comms\" FROM \"station\" WHERE time >= ${resume}ms AND \"station\" = 'gegu-east'" |
    jq -c '[.results[0].series[0].values[]?[0]]')
gap=$(echo "$times" | jq '[range(1; length) as $i | .[$i] - .[$i - 1]] | max // 0')
n=$(echo "$times" | jq 'length')
[ "$old" = 0 ] && [ "$resume" -gt $((tstart + 1000)) ] && [ "$n" -ge 5 ] && [ "$gap" -le 2500 ] &&
    ok "C: the oldest points went first: none kept from the outage's first second, then $n polls without a gap (longest $gap ms)" ||
    fail "C: oldest first" "first second $old, resume $resume (start $tstart), $n points after, longest gap $gap ms: $times; $(grep "metrics: made" "$WORK/c.log" | tail -1 | grep -o "loop overruns.*")"
finish
