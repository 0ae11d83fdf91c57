#!/bin/bash
# make bench: the whole benchmark, about 22 minutes on 2 cores.
#   1. polling cost: pumpd vs a bare libmodbus client, CPU per transaction,
#      map v1 and L1 (scripts/bench/cost.sh), REPS pairs each;
#   2. scale: 33, 300, 1000 and 3000 PLCs at a 1 s poll, with reaction
#      times, start-up time, RSS and threads (scripts/bench/scale.sh);
#   3. metrics throughput: pumpd's writer replaying a spool into a real
#      influxd next to curl posting the same batches; spool append and
#      replay rates (scripts/bench/metrics.sh);
#   4. leaks and growth: a storm at 60x under LeakSanitizer, then RSS of
#      the normal build sampled (scripts/bench/leak.sh);
#   5. the hot paths alone: encoder, core, gzip, spool (build/bench).
# Tables on stdout; key=value lines in $RES/latest.txt; PNGs by gnuplot in
# $RES.  BENCH_QUICK=1: tiny counts, a few seconds each (the smoke test).
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
export B=${B:-build}
BIN=$TOP/$B
RES=${BENCH_RESULTS:-$TOP/tests/bench/results}
mkdir -p "$RES"
OUT=$RES/latest.txt.new
: >"$OUT"
if [ -n "${BENCH_QUICK:-}" ]; then
	REPS=1; COST_S=1; SCALE="33"; SCALE_S=${SCALE_S:-2}; export WARM=1 NO_INFLUX=1
	V1N=5	# and no L1 pair (its PLCs take 20-50 ms a request)
	MTR_N=10000; MTR_REPS=1; LEAK_S=0	# no asan build in the smoke
else
	REPS=${REPS:-3}; COST_S=20; SCALE=${SCALE:-"33 300 1000 3000"}; SCALE_S=${SCALE_S:-45}
	L1N=30; V1N=30
	MTR_N=${MTR_N:-500000}; MTR_REPS=${MTR_REPS:-7}; LEAK_S=${LEAK_S:-120}
fi
cpu=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
echo "machine cores=$(nproc) cpu=\"$cpu\" load_at_start=\"$(cut -d' ' -f1-3 /proc/loadavg)\" date=$(date -u +%Y-%m-%dT%H:%MZ) commit=$(git -C "$TOP" rev-parse --short HEAD 2>/dev/null)" | tee -a "$OUT"

echo; echo "== 1. polling cost: CPU per transaction, pumpd / bare libmodbus client"
"$TOP/scripts/bench/cost.sh" v1 $V1N $COST_S 100 $REPS "$OUT.cost" | sed 's/^/cost /' >>"$OUT"
[ -z "${BENCH_QUICK:-}" ] &&
    "$TOP/scripts/bench/cost.sh" L1 $L1N $COST_S 500 $REPS "$OUT.cost" | sed 's/^/cost /' >>"$OUT"
rm -f "$OUT.cost"
awk '$1 == "cost" { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    m = v["map"]; r[m] = r[m] " " v["ratio"]; a[m] = a[m] " " v["pumpd_us_tx"]; b[m] = b[m] " " v["bare_us_tx"] }
    function mmm(s,   n, x, i, j, t) { n = split(s, x, " "); for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (x[j] + 0 < x[i] + 0) { t = x[i]; x[i] = x[j]; x[j] = t }
	return sprintf("%s / %s / %s", x[1], x[int((n + 1) / 2)], x[n]) }
    END { printf "%-4s %-26s %-26s %-20s\n", "map", "pumpd us/tx min/med/max", "bare us/tx min/med/max", "ratio min/med/max"
	for (m in r) printf "%-4s %-26s %-26s %-20s\n", m, mmm(a[m]), mmm(b[m]), mmm(r[m]) }' "$OUT"

echo; echo "== 2. scale at a 1 s poll (on time: a poll within 1.1 periods of the last)"
for n in $SCALE; do
	"$TOP/scripts/bench/scale.sh" $n $SCALE_S "$OUT.one" 1000 >/dev/null 2>&1
	sed 's/^/scale /' "$OUT.one" >>"$OUT"
done
rm -f "$OUT.one"
awk '$1 == "scale" { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    if (!h++) printf "%5s %8s %9s %14s %12s %13s %8s %8s %11s %8s %7s %9s %9s\n", "PLCs", "on time", "polls", "poll p50/p99", "loop lag max", "react p50/p99", "pumpd %", "RSS MB", "PSS/USS MB", "threads", "sim %", "start s", "reload ms"
    printf "%5d %7.2f%% %9d %6.1f/%-7.1f %12.0f %6s/%-6s %8.1f %8.1f %5.1f/%-5.1f %8d %7.1f %9.2f %9s\n", v["n"], v["on_time_pct"], v["polls"], v["poll_p50_ms"], v["poll_p99_ms"], v["loop_lag_max_ms"], v["react_p50_ms"], v["react_p99_ms"], v["pumpd_cpu_pct"], v["rss_kb"] / 1024, v["pss_kb"] / 1024, v["uss_kb"] / 1024, v["threads"], v["plcsim_cpu_pct"], v["startup_s"], v["reload_ms"] }' "$OUT"

echo; echo "== 3. metrics throughput: pumpd's writer replaying a spool into influxd / curl posting the same gzipped batches"
"$TOP/scripts/bench/metrics.sh" $MTR_N $MTR_REPS "$OUT.mtr" >/dev/null 2>"$OUT.mtr.err" || cat "$OUT.mtr.err" >&2
sed 's/^/metrics /' "$OUT.mtr" >>"$OUT"; rm -f "$OUT.mtr" "$OUT.mtr.err"
awk '$1 == "metrics" { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    m = m " " v["mtr_points_s"]; c = c " " v["curl_points_s"]; r = r " " v["ratio"]; a = a " " v["append_points_s"]; p = p " " v["replay_read_points_s"]; n = v["points"]; b = v["batches"] }
    function mmm(s, d,   n, x, i, j, t) { n = split(s, x, " "); for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (x[j] + 0 < x[i] + 0) { t = x[i]; x[i] = x[j]; x[j] = t }
	return sprintf("%.*f / %.*f / %.*f", d, x[1] / (d ? 1 : 1000), d, x[int((n + 1) / 2)] / (d ? 1 : 1000), d, x[n] / (d ? 1 : 1000)) }
    END { if (n == "") { print "(no influxd: skipped)"; exit }
	printf "%d points in %d batches of 5000, 33 stations a spool record; min / median / max over repeats\n", n, b
	printf "%-40s %s\n", "writer into influxd, k points/s", mmm(m, 0)
	printf "%-40s %s\n", "curl, same gzipped batches, k points/s", mmm(c, 0)
	printf "%-40s %s\n", "ratio writer / curl", mmm(r, 3)
	printf "%-40s %s\n", "spool append, k points/s", mmm(a, 0)
	printf "%-40s %s\n", "spool replay read, k points/s", mmm(p, 0) }' "$OUT"

if [ "$LEAK_S" -gt 0 ]; then
	echo; echo "== 4. a storm at 60x for $LEAK_S simulated minutes: LeakSanitizer at SIGTERM; RSS of the normal build"
	"$TOP/scripts/bench/leak.sh" $LEAK_S "$OUT.leak" 2>&1 | sed 's/^/  /'
	sed 's/^asan /leak /; s/^growth /growth /' "$OUT.leak" >>"$OUT"; rm -f "$OUT.leak"
fi

echo; echo "== 5. hot paths alone (CPU time)"
"$BIN/bench" | tee "$OUT.micro" | grep -v '^micro'
grep '^micro' "$OUT.micro" >>"$OUT"; rm -f "$OUT.micro"
mv "$OUT" "$RES/latest.txt"

# plots
if command -v gnuplot >/dev/null && [ -z "${BENCH_QUICK:-}" ]; then
	awk '$1 == "scale" { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	    print v["n"], v["on_time_pct"], v["poll_p50_ms"], v["poll_p99_ms"], v["react_p50_ms"], v["react_p99_ms"], v["pumpd_cpu_pct"], v["rss_kb"] / 1024, v["plcsim_cpu_pct"] }' \
	    "$RES/latest.txt" >"$RES/scale.dat"
	gnuplot <<GP
set terminal pngcairo size 900,520 font ",10"
set output "$RES/scale.png"
set multiplot layout 1,2 title "pumpd at a 1 s poll, $(nproc) cores (shared, noisy)"
set logscale x; set xlabel "PLCs"; set grid
set ylabel "ms"; set key top left
plot "$RES/scale.dat" u 1:3 w lp t "poll p50", "" u 1:4 w lp t "poll p99", "" u 1:6 w lp t "reaction p99", 1020 w l dt 2 t "goal: poll + 20 ms"
set ylabel "%, MB"; set key top left
plot "$RES/scale.dat" u 1:2 w lp t "polls on time %", "" u 1:7 w lp t "pumpd CPU % of a core", "" u 1:9 w lp t "plcsim CPU %", "" u 1:8 w lp t "pumpd RSS MB"
unset multiplot
GP
	awk '$1 == "cost" { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } print (v["map"] == "v1" ? 0 : 1) + 0.1 * (n[v["map"]]++), v["ratio"] }' \
	    "$RES/latest.txt" >"$RES/cost.dat"
	gnuplot <<GP
set terminal pngcairo size 600,400 font ",10"
set output "$RES/cost.png"
set title "CPU per PLC transaction: pumpd / bare libmodbus client"
set xtics ("map v1" 0.1, "map L1" 1.1); set xrange [-0.5:1.7]; set yrange [0:2]; set grid y
set ylabel "ratio (each pair)"
plot "$RES/cost.dat" u 1:2 w p pt 7 ps 1.5 t "pair", 1.2 w l dt 2 t "goal 1.2", 1 w l lc rgb "gray" t ""
GP
	rm -f "$RES/scale.dat" "$RES/cost.dat"
fi
echo; echo "results: $RES/latest.txt"
