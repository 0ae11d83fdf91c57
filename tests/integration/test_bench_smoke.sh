#!/bin/bash
# make bench's scripts still work (issue 13): scripts/bench/run.sh with
# BENCH_QUICK=1 (tiny counts, no InfluxDB) runs each part once and writes
# its key=value results: the machine, the polling cost of map v1 stations
# against the bare libmodbus client (transactions counted on both
# sides), a 33-PLC scale run (pumpd alive, polls seen by plcsim, RSS and
# threads read), the metrics writer next to curl into a real influxd (both
# stored the same points) and the hot paths (encoder rate).  No figure is judged:
# benchmarks are not tests.  Its ports are the benchmark's (10000-19999,
# the first free run), outside the tests' blocks.
. "$(dirname "$0")/lib.sh"

BENCH_QUICK=1 BENCH_RESULTS=$WORK/res B=$B "$TOP/scripts/bench/run.sh" >"$WORK/out" 2>&1
R=$WORK/res/latest.txt
[ -f "$R" ] && ok "results written" || { fail "results written" "$(tail -5 "$WORK/out")"; finish; exit 1; }
grep -q '^machine cores=[0-9]' "$R" && ok "machine stated" || fail "machine stated" "$(head -2 "$R")"
for m in v1; do
	grep -Eq "^cost map=$m .*pumpd_tx=[1-9][0-9]* .*bare_tx=[1-9][0-9]* .*ratio=[0-9]" "$R" &&
	    ok "polling cost of map $m: both sides made transactions, a ratio" ||
	    fail "polling cost of map $m" "$(grep "map=$m" "$R") $(tail -3 "$WORK/out")"
done
grep -Eq '^scale n=33 .*polls=[1-9][0-9]* .*rss_kb=[1-9][0-9]* threads=[1-9][0-9]* alive=1' "$R" &&
    ok "scale run at 33 PLCs: polls seen, RSS and threads read, pumpd alive" ||
    fail "scale run at 33" "$(grep '^scale' "$R")"
grep -Eq '^scale n=33 .*pss_kb=[1-9][0-9]* uss_kb=[1-9][0-9]* .*reload_ms=[0-9.]+ ' "$R" &&
    ok "scale run at 33: PSS and private memory read, a reload timed from SIGHUP to READY=1" ||
    fail "scale run at 33: memory and reload" "$(grep '^scale' "$R")"
if command -v influxd >/dev/null; then
	grep -Eq '^metrics rep=1 points=[1-9][0-9]* .*mtr_points_s=[1-9][0-9]* curl_points_s=[1-9][0-9]* ratio=[0-9.]+ .*pumps_stored_mtr=([1-9][0-9]*) pumps_stored_curl=\1$' "$R" &&
	    ok "metrics throughput: the writer and curl stored the same points into influxd, a ratio" ||
	    fail "metrics throughput" "$(grep '^metrics' "$R") $(tail -3 "$WORK/out")"
fi
grep -Eq '^micro .*lp_mpts=[0-9.]+' "$R" && ok "hot paths measured" ||
    fail "hot paths" "$(tail -3 "$WORK/out")"
grep -q '== 2. scale' "$WORK/out" && grep -q 'ratio min/med/max' "$WORK/out" &&
    ok "tables printed" || fail "tables printed" "$(head -20 "$WORK/out")"
finish
