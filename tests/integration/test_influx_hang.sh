#!/bin/bash
# InfluxDB hangs (a listener that accepts the connection and never answers):
# the control loop keeps its cycle.  No PLC watchdog expires once pumpd has
# taken a station (the watchdog is 10 simulated s, 1 real s at x10), every
# station stays polled, and what cannot be written waits in the spool.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/influx_lib.sh"

district_conf "$WORK/district.conf"
nc -lk 127.0.0.1 "$IPORT" >/dev/null 2>&1 &
PIDS="$PIDS $!"
wait_port "$IPORT" || { fail "hanging listener" ""; finish; exit 1; }
spawn "$BIN/plcsim" -c "$WORK/district.conf" -s 10 -r storm:3:30@1 -d 8 \
    -S "$WORK/summary" >"$WORK/plcsim.log" 2>&1
SIM=$!
wait_port $(( $(port_base) + 32 )) || { fail "plcsim" ""; finish; exit 1; }
"$BIN/pumpd" -c "$WORK/district.conf" --sim-speed 10 --state-dir "$WORK/state" \
    --log-every 30 >"$WORK/pumpd.log" 2>&1 &
PD=$!; PIDS="$PIDS $PD"
wait $SIM
kill -TERM $PD
wait $PD && ok "pumpd stopped cleanly on SIGTERM" || fail "pumpd exit status" "$(tail -5 "$WORK/pumpd.log")"
grep -q "InfluxDB unavailable" "$WORK/pumpd.log" && ok "pumpd: $(grep -m1 -o 'InfluxDB unavailable.*' "$WORK/pumpd.log")" ||
    fail "timeout noticed" "$(grep metrics "$WORK/pumpd.log" | tail -3)"
trips=$(tr ' ' '\n' <"$WORK/summary" | awk -F= '$1 == "wd_trips" { s += $2 } END { print s + 0 }')
[ "$trips" = 0 ] && ok "no PLC watchdog expired while InfluxDB hung (33 stations)" ||
    fail "watchdog trips" "$trips"
# after the first district block (printed before the first polls)
down=$(awk 'seen && /comms (DOWN|STALE)/ { n++ } /metrics: made/ { seen = 1 } END { print n + 0 }' "$WORK/pumpd.log")
[ "$down" = 0 ] && ok "every station stayed polled" || fail "stations polled" "$down lines STALE or DOWN"
w=$(metric waiting "$WORK/pumpd.log"); sent=$(metric sent "$WORK/pumpd.log")
[ "${w:-0}" -gt 0 ] && [ "$sent" = 0 ] && ok "$w points wait in the spool, none claimed sent" ||
    fail "spool" "waiting $w sent $sent"
grep "metrics: made" "$WORK/pumpd.log" | tail -1 | sed 's/^/    /'
finish
