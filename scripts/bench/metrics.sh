#!/bin/bash
# Metrics throughput against its limit (make bench, part 3):
#   scripts/bench/metrics.sh POINTS REPS OUT
# A real local InfluxDB (scripts/influxd-local.sh, a free port in
# 10000-19999).  Each repeat: build/bench-metrics fills a spool with POINTS
# points (33 stations a cycle: the append rate), reads a copy of it out in
# the writer's batches (the replay's read rate, no network) and gzips
# them; then, in turn, pumpd's writer (mtr.c) replays the spool into one
# fresh database and curl posts the same gzipped batches, one after the
# other over one connection, into another (the limit).  Wall time, both
# into the same influxd in the same minute.  key=value lines in OUT.
set -u
N=${1:?usage: metrics.sh POINTS REPS OUT}
REPS=${2:?}
OUT=${3:?}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BIN=$TOP/${B:-build}
W=$(mktemp -d /tmp/pumpd-bench-mtr.XXXXXX)
PID=""
trap '[ -n "$PID" ] && kill $PID 2>/dev/null; wait 2>/dev/null; rm -rf "$W"' EXIT
: >"$OUT"
command -v influxd >/dev/null || { echo "metrics: no influxd" >&2; exit 0; }

# free_run COUNT: the first port of COUNT free ports in
# $BENCH_PORT_MIN (default 10000) to 19999
free_run() {
	ss -Htan | awk -v n="$1" -v lo="${BENCH_PORT_MIN:-10000}" '{ k = split($4, a, ":"); u[a[k] + 0] = 1 }
	    END { for (b = lo; b + n <= 19990; b += 100) { ok = 1
		for (p = b; p < b + n; p++) if (p in u) { ok = 0; break }
		if (ok) { print b; exit } } exit 1 }'
}
now() { date +%s.%N; }

PORT=$(free_run 4) || { echo "metrics: no free ports" >&2; exit 1; }
URL=http://127.0.0.1:$PORT
"$TOP/scripts/influxd-local.sh" "$W/influx" $PORT >"$W/influx.log" 2>&1 &
PID=$!
for i in $(seq 200); do curl -s "$URL/ping" >/dev/null && break; sleep 0.1; done
q() { curl -s -XPOST "$URL/query" --data-urlencode "q=$1"; }

for r in $(seq "$REPS"); do
	rm -rf "$W/a" "$W/b" "$W/gz"; mkdir -p "$W/gz"
	fill=$("$BIN/bench-metrics" fill "$W/a" "$N") || exit 1
	cp -a "$W/a" "$W/b"
	rd=$("$BIN/bench-metrics" bodies "$W/b" "$W/gz") || exit 1
	q "CREATE DATABASE m$r" >/dev/null; q "CREATE DATABASE c$r" >/dev/null
	# curl's config: every batch a request of its own, one connection
	for f in "$W"/gz/*.gz; do
		printf 'url = "%s/write?db=c%s&precision=ms"\ndata-binary = "@%s"\nheader = "Content-Encoding: gzip"\nheader = "Content-Type: text/plain; charset=utf-8"\nfail\nsilent\nshow-error\noutput = "/dev/null"\n' \
		    "$URL" "$r" "$f"
	done | sed '$!s/^output = .*/&\nnext/' >"$W/curl.cfg"
	# in turn, the first alternating, so that neither always goes first
	for who in $( [ $((r % 2)) = 1 ] && echo "mtr curl" || echo "curl mtr"); do
		if [ $who = mtr ]; then
			snd=$("$BIN/bench-metrics" send "$URL" "m$r" "$W/a") || { echo "metrics: writer failed: $snd" >&2; exit 1; }
		else
			t0=$(now)
			curl -K "$W/curl.cfg" || { echo "metrics: curl failed" >&2; exit 1; }
			tc=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { print b - a }')
		fi
	done
	# what InfluxDB holds of each, the same number of points in both
	cm=$(q "SELECT count(run_s) FROM m$r..pump" | sed -n 's/.*,\([0-9]*\)\]\]}.*/\1/p')
	cc=$(q "SELECT count(run_s) FROM c$r..pump" | sed -n 's/.*,\([0-9]*\)\]\]}.*/\1/p')
	q "DROP DATABASE m$r" >/dev/null; q "DROP DATABASE c$r" >/dev/null
	echo "$fill $rd $snd" | awk -v tc="$tc" -v cm="${cm:-0}" -v cc="${cc:-0}" -v r="$r" '
	    { for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
	    END { cps = v["points"] / tc
		printf "rep=%d points=%d batches=%d append_points_s=%.0f append_us_record=%.1f replay_read_points_s=%.0f mtr_points_s=%.0f curl_points_s=%.0f ratio=%.3f mtr_s=%.3f curl_s=%.3f pumps_stored_mtr=%d pumps_stored_curl=%d\n",
		    r, v["points"], v["batches"], v["append_points_s"], v["append_us_record"], v["replay_read_points_s"], v["send_points_s"], cps, v["send_points_s"] / cps, v["send_s"], tc, cm, cc }' >>"$OUT"
done
cat "$OUT"
