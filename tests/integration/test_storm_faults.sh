#!/bin/bash
# Storm run with faults injected mid-storm: sandaogou's PLC goes silent,
# xiaozhan-north's level transducer A sticks, gegu-east's duty pump trips.
# The other stations are unaffected, the silent station's PLC ran its
# fallback control, the stuck sensor was detected, and the tripped pump's
# work was taken by another within one cycle plus the stagger.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/storm_lib.sh"

storm_run 200 -f sandaogou:silent@45 -f xiaozhan-north:level-a-stuck@45 \
    -f gegu-east:trip:duty@55
judge_stations

line=$(grep "^station=sandaogou " "$WORK/summary")
local_s=$(field "$line" local_s)
[ "${local_s%.*}" -gt 3000 ] && ok "sandaogou: its PLC ran fallback control for $local_s s" ||
    fail "sandaogou fallback" "local_s=$local_s"
grep -q "plc sandaogou: read" "$WORK/pumpd.log" && ok "pumpd logged the silent PLC" ||
    fail "silent PLC logged" "$(grep sandaogou "$WORK/pumpd.log" | tail -3)"
grep -q "sandaogou .*comms DOWN\|sandaogou: ALARM comms" "$WORK/pumpd.log" &&
    ok "sandaogou: comms alarm" || fail "sandaogou comms alarm" ""
grep -q "xiaozhan-north: ALARM level A rejected" "$WORK/pumpd.log" &&
    ok "xiaozhan-north: stuck transducer A detected" ||
    fail "stuck sensor" "$(grep xiaozhan-north "$WORK/pumpd.log" | tail -3)"

# seconds of the day from HH:MM:SS
sec() { IFS=: read -r h m s <<<"$1"; echo $((10#$h * 3600 + 10#$m * 60 + 10#$s)); }
# the daemon's (simulated) clock of an event line: "... [clock HH:MM:SS]"
clk() { sed -n 's/.*\[clock \([0-9:]*\)\]$/\1/p' <<<"$1"; }
trip=$(grep -m1 "gegu-east: pump [0-9] FAULT" "$WORK/pumpd.log")
if [ -z "$trip" ]; then
	fail "gegu-east trip seen" "$(grep gegu-east "$WORK/pumpd.log" | tail -5)"
else
	t1=$(sec "$(clk "$trip")")
	next=$(grep "gegu-east: start pump" "$WORK/pumpd.log" | while read -r l; do
		[ "$(sec "$(clk "$l")")" -ge "$t1" ] && { echo "$l"; break; }; done)
	t2=$(sec "$(clk "$next")")
	if [ -n "$next" ] && [ $((t2 - t1)) -le 12 ]; then
		ok "gegu-east: '$trip' taken over by '$next' after $((t2 - t1)) s (stagger 10 s + one 1 s cycle)"
	else
		fail "gegu-east takeover" "trip '$trip', next '$next'"
	fi
fi
finish
