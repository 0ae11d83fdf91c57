#!/bin/bash
# Storm run: plcsim with the 33-station district under a Tianjin 3-year,
# 2-hour design storm (starting at minute 10), played 60 times faster, and
# pumpd controlling it with the same clock factor.  From the simulator's
# summary, 70 minutes after the rain: no flood volume at any station, no pump
# over its starts-per-hour limit, every station pumped back down.  The 3 map
# L1 stations were supervised all along: plcsim's status every 20 simulated
# minutes shows each on the centre's set-points (REMOTE_SETPOINTS on, "L1
# SUPERVISED"), never on its panel's, and pumpd's district lines show them
# SUPERVISED.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/storm_lib.sh"

storm_run 200 --status 20
grep -q " REMOTE" "$WORK/pumpd.log" && ok "pumpd controlled the stations" ||
    fail "pumpd log" "$(tail -5 "$WORK/pumpd.log")"
for id in $("$BIN/plcsim" -c "$WORK/district.conf" --list | awk '$5 == "L1" { print $1 }'); do
	# after the first status block (minute 0, before pumpd connected)
	sup=$(awk -v s="$id" '/^plcsim t=/ { b++ } b > 1 && $1 == s && / L1 SUPERVISED/' "$WORK/plcsim.log" | wc -l)
	pan=$(awk -v s="$id" '/^plcsim t=/ { b++ } b > 1 && $1 == s && / L1 PANEL/' "$WORK/plcsim.log" | wc -l)
	pd=$(grep -c "station $id: .* OK SUPERVISED" "$WORK/pumpd.log")
	[ "$sup" -ge 8 ] && [ "$pan" = 0 ] && [ "$pd" -ge 15 ] &&
	    ok "$id supervised: on the centre's set-points at all $sup plcsim status lines, SUPERVISED in $pd pumpd lines" ||
	    fail "$id supervised" "plcsim: $sup SUPERVISED, $pan PANEL; pumpd: $pd SUPERVISED lines"
done
judge_stations
finish
