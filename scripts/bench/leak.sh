#!/bin/bash
# Leaks and growth in a storm (make bench, part 4):
#   scripts/bench/leak.sh SECONDS OUT
# 33 PLCs (jinnan.conf's stations on free ports in 10000-19999) simulated
# by plcsim at 60 times real time (pumpd's clock too: --sim-speed 60)
# under a 50-year storm with faults (a trip, a silent PLC that comes back,
# a PLC restart), metrics into a real local influxd, a SIGHUP reload and
# pumpctl queries midway, then SIGTERM:
#   1. pumpd built with AddressSanitizer/LeakSanitizer (build-asan, made
#      here when missing or stale): the leaks LeakSanitizer reports at exit;
#   2. pumpd of $B (the normal build): RSS sampled every 5 s over SECONDS
#      (SECONDS minutes of simulated operation): first, half-way, last, the
#      largest, and the slope of a least-squares line over the second half
#      (after the warm-up and the reload), in KB per simulated hour.
# key=value lines in OUT.
set -u
SECS=${1:?usage: leak.sh SECONDS OUT}
OUT=${2:?}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BIN=$TOP/${B:-build}
ABIN=$TOP/build-asan
W=$(mktemp -d /tmp/pumpd-bench-leak.XXXXXX)
PIDS=""
trap 'for p in $PIDS; do kill $p 2>/dev/null; done; wait 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$W"' EXIT
: >"$OUT"

free_run() {
	ss -Htan | awk -v n="$1" '{ k = split($4, a, ":"); u[a[k] + 0] = 1 }
	    END { for (b = 10000; b + n <= 19990; b += 100) { ok = 1
		for (p = b; p < b + n; p++) if (p in u) { ok = 0; break }
		if (ok) { print b; exit } } exit 1 }'
}
make -s -C "$TOP" B=build-asan CFLAGS="-O1 -g" \
    SAN="-fsanitize=address,undefined -fno-omit-frame-pointer" \
    build-asan/pumpd build-asan/pumpctl >"$W/make.log" 2>&1 ||
    { echo "leak: asan build failed" >&2; cat "$W/make.log" >&2; exit 1; }

BASE=$(free_run 40) || { echo "leak: no free ports" >&2; exit 1; }
IPORT=$((BASE + 33)); CTL=$((BASE + 37))
INFLUX=""
if command -v influxd >/dev/null; then
	"$TOP/scripts/influxd-local.sh" "$W/influx" $IPORT >"$W/influx.log" 2>&1 &
	PIDS="$PIDS $!"
	for i in $(seq 200); do curl -s "http://127.0.0.1:$IPORT/ping" >/dev/null && break; sleep 0.1; done
	curl -s -XPOST "http://127.0.0.1:$IPORT/query" --data-urlencode "q=CREATE DATABASE pumpd" >/dev/null
	INFLUX=--influx=http://127.0.0.1:$IPORT
fi
python3 "$TOP/scripts/bench/gen-conf.py" --base $BASE --poll-ms 1000 $INFLUX \
    "$TOP/config/jinnan.conf" 33 >"$W/all.conf"
ids=($("$BIN/plcsim" -c "$W/all.conf" --list | awk '$5 == "v1" { print $1 }'))

# one run of pumpd binary $1 (tag $2) against a fresh storm
run() {
	local pumpd=$1 tag=$2 sim p t0 i
	rm -rf "$W/state" "$W/ctl.sock"; mkdir -p "$W/state"
	"$BIN/plcsim" -c "$W/all.conf" -s 60 -r storm:50:120@5 -p $CTL \
	    -f "${ids[0]}:trip:1@20" -f "${ids[1]}:silent@30" \
	    -f "${ids[2]}:restart@40" >"$W/sim-$tag.log" 2>&1 &
	sim=$!; PIDS="$PIDS $sim"
	for i in $(seq 200); do ss -Htln "sport = :$CTL" | grep -q . && break; sleep 0.1; done
	ASAN_OPTIONS=detect_leaks=1:log_path=$W/asan-$tag \
	    "$pumpd" -c "$W/all.conf" --sim-speed 60 --state-dir "$W/state" \
	    --ctl-socket "$W/ctl.sock" --log-every 86400 >"$W/pumpd-$tag.log" 2>&1 &
	p=$!; PIDS="$PIDS $p"
	t0=$(date +%s)
	: >"$W/rss-$tag"
	while [ $(($(date +%s) - t0)) -lt "$SECS" ] && kill -0 $p 2>/dev/null; do
		sleep 5
		echo "$(($(date +%s) - t0)) $(awk '/VmRSS/ { print $2 }' /proc/$p/status 2>/dev/null) $(awk '/^Anonymous/ { print $2 }' /proc/$p/smaps_rollup 2>/dev/null)" >>"$W/rss-$tag"
		if [ $(($(date +%s) - t0)) -ge $((SECS / 2)) ] && [ ! -f "$W/hup-$tag" ]; then
			touch "$W/hup-$tag"
			sed -i '0,/stop_m *= *[0-9.]*/s//&1/' "$W/all.conf"	# a set-point changes
			kill -HUP $p
			"$BIN/pumpctl" -S "$W/ctl.sock" status >/dev/null 2>&1
			echo "fault ${ids[1]} answer" | python3 -c "
import socket, sys
s = socket.create_connection(('127.0.0.1', $CTL)); s.sendall(sys.stdin.read().encode()); s.recv(100)" 2>/dev/null
		fi
	done
	alive=1; kill -0 $p 2>/dev/null || alive=0
	kill -TERM $p; wait $p 2>/dev/null
	kill $sim; wait $sim 2>/dev/null
}

if [ "${LEAK_ASAN:-1}" = 1 ]; then	# LEAK_ASAN=0: the growth run only
run "$ABIN/pumpd" asan
leaks=$(cat "$W"/asan-asan.* 2>/dev/null | grep -c '^Direct leak\|^Indirect leak')
errors=$(cat "$W"/asan-asan.* 2>/dev/null | grep -c 'ERROR: AddressSanitizer\|runtime error')
lbytes=$(cat "$W"/asan-asan.* 2>/dev/null | awk '/^SUMMARY: AddressSanitizer: [0-9]+ byte/ { print $3 }')
echo "asan alive=$alive leak_reports=$leaks leaked_bytes=${lbytes:-0} asan_errors=$errors reloaded=$(grep -c 'reload: ' "$W/pumpd-asan.log")" >>"$OUT"
[ "$leaks" = 0 ] || cat "$W"/asan-asan.* | head -60 >&2
fi

run "$BIN/pumpd" plain
awk -v alive=$alive -v secs="$SECS" '$2 > 0 { n++; x[n] = $1; y[n] = $2; if ($2 > mx) mx = $2 }
    END { h = int(n / 2) + 1	# the second half: past the warm-up and the reload
	for (i = h; i <= n; i++) { sx += x[i]; sy += y[i]; k++ } ax = sx / k; ay = sy / k
	for (i = h; i <= n; i++) { sxy += (x[i] - ax) * (y[i] - ay); sxx += (x[i] - ax) ^ 2 }
	printf "growth alive=%d sim_min=%d samples=%d rss_first_kb=%d rss_half_kb=%d rss_last_kb=%d rss_max_kb=%d second_half_slope_kb_per_sim_h=%.1f\n",
	    alive, secs, n, y[1], y[h], y[n], mx, (sxx > 0 ? sxy / sxx * 60 : 0) }' "$W/rss-plain" >>"$OUT"
cat "$OUT"
