#!/bin/bash
# Storm run: plcsim with the 33-station district under a Tianjin 3-year,
# 2-hour design storm (starting at minute 10), played 60 times faster, and
# pumpd controlling it with the same clock factor.  From the simulator's
# summary, 70 minutes after the rain: no flood volume at any station, no pump
# over its starts-per-hour limit, every station pumped back down.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/storm_lib.sh"

storm_run 200
grep -q " REMOTE" "$WORK/pumpd.log" && ok "pumpd controlled the stations" ||
    fail "pumpd log" "$(tail -5 "$WORK/pumpd.log")"
judge_stations
finish
