#!/bin/bash
# Issue 7, item 8: a flooding well is not a frozen level.  One station under
# 200 mm/h of constant rain (runoff 6.7 m3/s against 4.5 m3/s of pumps) at
# x60: the well rises to its flood level and stands there, and pumpd keeps
# it, with every pump on: no level rejected, no PLC fallback.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/core_lib.sh"

ID=shuangqiaohe
PB=$(port_base); SPEED=60
one_station $ID "$PB" >"$WORK/one.conf"
spawn "$BIN/plcsim" -c "$WORK/one.conf" --only $ID -s $SPEED -r const:200:60@0 \
    -d 36 -S "$WORK/summary" >"$WORK/plcsim.log" 2>&1
SIM=$!
wait_port "$PB" || { fail "plcsim" "$(cat "$WORK/plcsim.log")"; finish; exit 1; }
"$BIN/pumpd" -c "$WORK/one.conf" --sim-speed $SPEED --state-dir "$WORK/state" \
    --log-every 60 >"$WORK/pumpd.log" 2>&1 &
PD=$!
PIDS="$PIDS $PD"
wait $SIM	# 36 simulated minutes
kill -TERM $PD; wait $PD 2>/dev/null
flood=$(sfield "$WORK/summary" $ID flood_m3); max=$(sfield "$WORK/summary" $ID max_level_m)
awk -v f="$flood" -v m="$max" 'BEGIN { exit !(f > 100 && m >= 4.79) }' &&
    ok "the well flooded: $flood m3 over its flood level (max $max m)" ||
    fail "flooding" "flood $flood m3, max $max m"
# minutes at the flood level, from pumpd's district lines
at=$(grep -c "station $ID:  *level  4\.8[0-9] m" "$WORK/pumpd.log")
[ "$at" -ge 4 ] && ok "pumpd saw the level held at 4.8 m for $at minutes (level_frozen_s is 3)" ||
    fail "held at flood" "$(grep "station $ID:  *level" "$WORK/pumpd.log" | tail -3)"
if grep -q "level A rejected\|level B rejected\|no valid level\|PLC-FALLBACK\|pumps short" "$WORK/pumpd.log"; then
	fail "stays under pumpd's control" "$(grep "rejected\|no valid\|PLC-FALLBACK\|pumps short" "$WORK/pumpd.log" | head -3)"
else
	ok "no level rejected, never PLC-FALLBACK"
fi
last=$(grep "station $ID:  *level" "$WORK/pumpd.log" | tail -1)
case $last in *"pumps 111 "*"OK REMOTE"*) ok "every pump on under pumpd: ${last#* }";;
*) fail "every pump on" "$last";; esac
finish
