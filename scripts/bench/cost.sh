#!/bin/bash
# Polling cost against the limit: pumpd's CPU time per PLC transaction next
# to a bare libmodbus client (build/bench-bare: the same reads, one thread
# per connection, nothing else), both against plcsim on loopback, in turn,
# REPS times.  Prints one key=value line per pair (and appends them to OUT).
#   scripts/bench/cost.sh v1|L1 STATIONS SECONDS POLL_MS REPS OUT
# CPU is the process's own (utime + stime: /proc for pumpd, getrusage for
# the client); pumpd's transactions are the requests plcsim counted
# (its reads and its writes), the client's its own.
set -u
MAP=$1; N=$2; SECS=$3; POLL=$4; REPS=$5; OUT=$6
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BIN=$TOP/${B:-build}
W=$(mktemp -d /tmp/pumpd-cost.XXXXXX)
PIDS=""
trap 'for p in $PIDS; do kill $p 2>/dev/null; done; wait 2>/dev/null; rm -rf "$W"' EXIT
free_run() {
	ss -Htan | awk -v n="$1" '{ k = split($4, a, ":"); u[a[k] + 0] = 1 }
	    END { for (b = 10000; b + n <= 19990; b += 100) { ok = 1
		for (p = b; p < b + n; p++) if (p in u) { ok = 0; break }
		if (ok) { print b; exit } } exit 1 }'
}
BASE=$(free_run $N) || { echo "cost: no free ports" >&2; exit 1; }
only=--only-v1; [ "$MAP" = L1 ] && only=--only-l1
python3 "$TOP/scripts/bench/gen-conf.py" $only --base $BASE --poll-ms $POLL \
    "$TOP/config/jinnan.conf" $N >"$W/c.conf"
sim() {	# start plcsim with a summary file $1
	"$BIN/plcsim" -c "$W/c.conf" -S "$1" >/dev/null 2>&1 &
	SIM=$!; PIDS="$PIDS $SIM"
	for i in $(seq 100); do ss -Htln "sport = :$((BASE + N - 1))" | grep -q . && return; sleep 0.05; done
}
sim_stop() { kill -TERM $SIM; wait $SIM 2>/dev/null; }
requests() { tr ' ' '\n' <"$1" | awk -F= '$1 == "requests" { s += $2 } END { print s + 0 }'; }
for r in $(seq $REPS); do
	sim "$W/a.sum"
	rm -rf "$W/state"; mkdir -p "$W/state"
	"$BIN/pumpd" -c "$W/c.conf" --state-dir "$W/state" --ctl-socket "$W/ctl.sock" \
	    --log-every 86400 >"$W/pumpd.log" 2>&1 &
	P=$!; PIDS="$PIDS $P"
	sleep $SECS
	pc=$(awk '{ printf "%.2f", ($14 + $15) / 100 }' /proc/$P/stat)
	kill -TERM $P; wait $P 2>/dev/null
	sim_stop
	pt=$(requests "$W/a.sum")
	sim "$W/b.sum"
	out=$("$BIN/bench-bare" "$W/c.conf" $SECS $POLL)
	sim_stop
	bt=$(echo "$out" | sed 's/.*transactions=\([0-9]*\).*/\1/')
	bc=$(echo "$out" | sed 's/.*cpu_s=\([0-9.]*\).*/\1/')
	awk -v m=$MAP -v n=$N -v pc=$pc -v pt=$pt -v bc=$bc -v bt=$bt 'BEGIN {
	    a = pc / pt * 1e6; b = bc / bt * 1e6
	    printf "map=%s n=%d pumpd_tx=%d pumpd_cpu_s=%.2f pumpd_us_tx=%.1f bare_tx=%d bare_cpu_s=%.2f bare_us_tx=%.1f ratio=%.2f\n",
		m, n, pt, pc, a, bt, bc, b, a / b }' | tee -a "$OUT"
done
