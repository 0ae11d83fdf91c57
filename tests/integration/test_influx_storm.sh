#!/bin/bash
# Points written by pumpd during a simulated storm are in InfluxDB with the
# right tags, types and timestamps, none lost or doubled, and every query of
# the Grafana dashboard returns data.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/influx_lib.sh"

start_influx || { finish; exit 1; }
district_conf "$WORK/district.conf"
t0=$(date +%s%3N)
spawn "$BIN/plcsim" -c "$WORK/district.conf" -s 60 -r storm:3:60@5 -d 60 \
    -f gegu-east:level-a-fail@20 -f gegu-east:level-ok@40 \
    >"$WORK/plcsim.log" 2>&1
SIM=$!
wait_port $(( $(port_base) + 32 )) || { fail "plcsim" ""; finish; exit 1; }
"$BIN/pumpd" -c "$WORK/district.conf" --sim-speed 60 --state-dir "$WORK/state" \
    --log-every 300 >"$WORK/pumpd.log" 2>&1 &
PD=$!; PIDS="$PIDS $PD"
wait $SIM
kill -TERM $PD
wait $PD && ok "pumpd stopped cleanly on SIGTERM" || fail "pumpd exit status" "$(tail -5 "$WORK/pumpd.log")"
made=$(metric made "$WORK/pumpd.log"); sent=$(metric sent "$WORK/pumpd.log")
total=$(total_points)
[ "$made" -gt 10000 ] && [ "$sent" = "$made" ] && [ "$total" = "$made" ] &&
    ok "points: $made made, $sent acknowledged, $total in InfluxDB" ||
    fail "points" "made $made sent $sent in InfluxDB $total"

n=$(q "SELECT count(\"level_m\") FROM \"station\" WHERE $WIN GROUP BY \"station\", \"kind\"" | jq '.results[0].series | length')
[ "$n" = 33 ] && ok "station points for all 33 stations, tagged station and kind" || fail "33 station series" "$n"
kinds=$(q "SHOW TAG VALUES FROM \"station\" WITH KEY = \"kind\"" | jq -r '[.results[0].series[0].values[][1]] | join(",")')
[ "$kinds" = "sewage,stormwater" ] && ok "kind tag: $kinds" || fail "kind tag" "$kinds"
np=$(q "SELECT count(\"running\") FROM \"pump\" WHERE $WIN GROUP BY \"station\", \"pump\"" | jq '.results[0].series | length')
[ "$np" = 133 ] && ok "pump points for all 133 pumps, tagged station and pump" || fail "pump series" "$np"

types=$(q "SHOW FIELD KEYS" | jq -r '.results[0].series[] | .name as $m | .values[] | "\($m).\(.[0])=\(.[1])"' | sort | tr '\n' ' ')
for want in station.level_m=float station.level_a_m=float station.rain_mm_h=float \
    station.rain_mm=float station.outfall_m=float station.pumps_running=integer \
    station.storm=integer station.comms=integer station.mode=integer \
    pump.running=integer pump.fault=integer pump.available=integer \
    pump.current_a=float pump.speed_pct=float pump.run_s=integer pump.starts=integer \
    event.text=string pumpd.poll_p50_ms=float pumpd.poll_p99_ms=float \
    pumpd.cycle_overruns=integer pumpd.stations_down=integer pumpd.points_sent=integer \
    pumpd.points_spooled=integer pumpd.points_dropped=integer pumpd.spool_bytes=integer \
    pumpd.write_ms=float; do
	case " $types" in *" $want "*) ok "field $want";; *) fail "field $want" "$types";; esac
done
etypes=$(q "SHOW TAG VALUES FROM \"event\" WITH KEY = \"type\"" | jq -r '[.results[0].series[0].values[][1]] | join(",")')
# the core's events (alarm, alarm_cleared, info) and the alarm module's state changes (alarm_state)
[ "$etypes" = "alarm,alarm_cleared,alarm_state,info" ] && ok "event types: $etypes" || fail "event types" "$etypes"
# the injected fault's alarm among gegu-east's alarm events (a loaded
# machine may add others before it, such as a moment without fresh data)
txt=$(q "SELECT \"text\" FROM \"event\" WHERE $WIN AND \"station\" = 'gegu-east' AND \"type\" = 'alarm'" | jq -r '.results[0].series[0].values[][1]')
echo "$txt" | grep -qx "level A rejected" && ok "alarm event text: level A rejected" || fail "alarm event text" "$(echo "$txt" | head -3 | tr '\n' ';')"

# timestamps are the polls' (the simulated clock: 60 minutes in about one
# real minute), in ms, not the send time
first=$(q "SELECT first(\"comms\") FROM \"station\" WHERE $WIN" | jq '.results[0].series[0].values[0][0]')
last=$(q "SELECT last(\"comms\") FROM \"station\" WHERE $WIN" | jq '.results[0].series[0].values[0][0]')
span=$(( (last - first) / 1000 ))
[ "$first" -ge $((t0 - 5000)) ] && [ "$first" -le $((t0 + 10000)) ] && [ $span -ge 3000 ] && [ $span -le 3700 ] &&
    ok "timestamps from the polls: first at start, spanning $span simulated s" ||
    fail "timestamps" "t0 $t0 first $first last $last span $span"
odd=$(q "SELECT count(\"comms\") FROM \"station\" WHERE $WIN AND \"station\" = 'gegu-east'" | jq '.results[0].series[0].values[0][1]')
[ "$odd" -ge 3000 ] && ok "one station point a poll (gegu-east: $odd)" || fail "points per poll" "$odd"

# every query of the dashboard returns data
while IFS= read -r query; do
	qq=${query//\$timeFilter/$WIN}
	qq=${qq//\$__interval/1m}
	qq=${qq//\$station/gegu-east}
	n=$(q "$qq" | jq '[.results[0].series[]?.values | length] | add // 0')
	[ "$n" -gt 0 ] && ok "dashboard query returns $n rows: ${query:0:70}..." ||
	    fail "dashboard query" "$qq"
done < <(jq -r '.. | .query? // empty' "$TOP/config/grafana/pumpd-dashboard.json")
finish
