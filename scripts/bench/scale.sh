#!/bin/bash
# One scale run: N simulated PLCs at a poll period, measured for S seconds
# after a warm-up.  Prints one key=value line (and writes it to OUT).
#   scripts/bench/scale.sh N SECONDS OUT [POLL_MS] [RAIN]
# plcsim runs as several processes of at most PER_SIM (500) stations, so
# that the simulator is not the bottleneck; PLC ports are taken in
# 10000-19999 where free; InfluxDB (Debian's influxd, scripts/
# influxd-local.sh) takes pumpd's metrics, among them its self-monitoring
# point (poll latency p50/p99 and loop lag every 10 s).  Figures:
#   on-time %   polls that began within 1.1 periods of the last one, as the
#               PLCs see them (plcsim's "timing": the gap between two polls'
#               first requests);
#   poll p50/p99  pumpd's own poll latencies (median of the 10 s p50s,
#               largest of the p99s); loop lag max;
#   react p50/p99  level past the duty start to the run command's arrival;
#   CPU % (of one core) and RSS of pumpd, threads; plcsim CPU % (all).
set -u
N=$1; SECS=$2; OUT=$3; POLL=${4:-1000}; RAIN=${5:-const:4:600}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BIN=$TOP/${B:-build}
PER_SIM=${PER_SIM:-500}
WARM=${WARM:-8}
W=$(mktemp -d /tmp/pumpd-bench.XXXXXX)
PIDS=""
trap 'for p in $PIDS; do kill $p 2>/dev/null; done; wait 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$W"' EXIT
ulimit -n 16384

# free_run COUNT: the first port of COUNT free ports in 10000-19999
free_run() {
	ss -Htan | awk -v n="$1" '{ k = split($4, a, ":"); u[a[k] + 0] = 1 }
	    END { for (b = 10000; b + n <= 19990; b += 100) { ok = 1
		for (p = b; p < b + n; p++) if (p in u) { ok = 0; break }
		if (ok) { print b; exit } } exit 1 }'
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
ctl() { python3 - "$@" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall((sys.argv[2] + "\n").encode())
buf = b""
while True:
    d = s.recv(65536)
    if not d:
        break
    buf += d
    if buf.startswith(b"ok\n") and (buf.endswith(b"end\n") or sys.argv[2] != "timing"):
        break
sys.stdout.write(buf.decode())
PY
}

BASE=$(free_run $((N + 3 * (N / PER_SIM + 1) + 4))) || { echo "scale: no free ports" >&2; exit 1; }
IPORT=$((BASE + N)); CTL0=$((IPORT + 4))
INFLUX=--influx=http://127.0.0.1:$IPORT
if [ -z "${NO_INFLUX:-}" ]; then	# NO_INFLUX=1: no metrics, no self point
	"$TOP/scripts/influxd-local.sh" "$W/influx" $IPORT >"$W/influx.log" 2>&1 &
	PIDS="$PIDS $!"
	for i in $(seq 100); do curl -s "http://127.0.0.1:$IPORT/ping" >/dev/null && break; sleep 0.1; done
	curl -s -XPOST "http://127.0.0.1:$IPORT/query" --data-urlencode "q=CREATE DATABASE pumpd" >/dev/null
else
	INFLUX=--poll-ms=$POLL
fi
python3 "$TOP/scripts/bench/gen-conf.py" --base $BASE --poll-ms $POLL $INFLUX \
    "$TOP/config/jinnan.conf" $N >"$W/all.conf"
# plcsim processes, each with its own control port
nsim=0; SIMS=""
for ((f = 0; f < N; f += PER_SIM)); do
	python3 "$TOP/scripts/bench/gen-conf.py" --base $BASE --from $f --count $PER_SIM \
	    "$TOP/config/jinnan.conf" $N >"$W/sim$nsim.conf"
	"$BIN/plcsim" -c "$W/sim$nsim.conf" -r "$RAIN" -p $((CTL0 + nsim)) >"$W/sim$nsim.log" 2>&1 &
	PIDS="$PIDS $!"; SIMS="$SIMS $!"
	nsim=$((nsim + 1))
done
for ((k = 0; k < nsim; k++)); do
	for i in $(seq 200); do ss -Htln "sport = :$((CTL0 + k))" | grep -q . && break; sleep 0.1; done
done
mkdir -p "$W/state"
# a notify socket (notify.py) times READY=1 and, at the end, a reload
python3 "$TOP/scripts/bench/notify.py" "$W/notify.sock" "$W/notify.log" "$W/hup" &
PIDS="$PIDS $!"
for i in $(seq 100); do [ -S "$W/notify.sock" ] && break; sleep 0.05; done
T0=$(date +%s.%N)
NOTIFY_SOCKET=$W/notify.sock "$BIN/pumpd" -c "$W/all.conf" --state-dir "$W/state" --ctl-socket "$W/ctl.sock" \
    --log-every 86400 >"$W/pumpd.log" 2>&1 &
PUMPD=$!; PIDS="$PIDS $PUMPD"
for i in $(seq 600); do [ -S "$W/ctl.sock" ] && break; sleep 0.05; done
T1=$(date +%s.%N)
sleep $WARM
for ((k = 0; k < nsim; k++)); do ctl $((CTL0 + k)) "timing reset" >/dev/null; done
c0=$(cpu_ticks $PUMPD); s0=0; for p in $SIMS; do s0=$((s0 + $(cpu_ticks $p))); done
t0=$(date +%s.%N); q0=$(date -u +%Y-%m-%dT%H:%M:%SZ)
RAMPS=""
if [ "${RAMP:-1}" = 1 ] && [ "$SECS" -ge 25 ]; then
	for ((k = 0; k < nsim; k++)); do
		python3 "$TOP/scripts/bench/ramp.py" "$W/sim$k.conf" $((CTL0 + k)) $((SECS - 22)) &
		RAMPS="$RAMPS $!"
	done
fi
sleep $SECS
for p in $RAMPS; do kill $p 2>/dev/null; done
c1=$(cpu_ticks $PUMPD); s1=0; for p in $SIMS; do s1=$((s1 + $(cpu_ticks $p))); done
t1=$(date +%s.%N)
rss=$(awk '/VmRSS/ { print $2 }' /proc/$PUMPD/status)
# RSS counts the shared libraries' pages (libcurl's tree: about 8 MB, shared
# with every process that maps them); PSS shares them out; private (USS) is
# pumpd's own: its heap, stacks and relocated data
mem=$(awk '/^Pss:/ { p = $2 } /^Private_(Clean|Dirty):/ { u += $2 } /^Anonymous:/ { a = $2 }
    END { printf "pss_kb=%d uss_kb=%d anon_kb=%d", p, u, a }' /proc/$PUMPD/smaps_rollup 2>/dev/null)
thr=$(awk '/Threads/ { print $2 }' /proc/$PUMPD/status)
alive=1; kill -0 $PUMPD 2>/dev/null || alive=0
# reload: one set-point changed, SIGHUP to READY=1 (RELOADING=1 between)
sed -i '0,/stop_m *= *[0-9.]*/s//&1/' "$W/all.conf"
echo $PUMPD >"$W/hup.new"; mv "$W/hup.new" "$W/hup"
for i in $(seq 300); do awk '/SIGHUP/ { h = 1 } h && /READY=1/ { r = 1 } END { exit !r }' "$W/notify.log" 2>/dev/null && break; sleep 0.1; done
reload=$(awk '/SIGHUP/ { h = $1 } h && /RELOADING=1/ && !g { g = $1 } h && /READY=1/ && !r { r = $1 }
    END { if (h && r) printf "reload_ms=%.1f reload_signal_ms=%.1f", (r - h) * 1000, (g - h) * 1000; else printf "reload_ms=nan" }' "$W/notify.log")
for ((k = 0; k < nsim; k++)); do ctl $((CTL0 + k)) timing; done >"$W/timing"
kill -TERM $PUMPD; wait $PUMPD 2>/dev/null
[ -z "${NO_INFLUX:-}" ] && sleep 1.5	# the last self point
curl -s -G "http://127.0.0.1:$IPORT/query" --data-urlencode "db=pumpd" \
    --data-urlencode "q=SELECT poll_p50_ms, poll_p99_ms, max_lag_ms, cycle_overruns, poll_failures FROM pumpd WHERE time >= '$q0'" \
    >"$W/self.json"
python3 - "$W/timing" "$W/self.json" "$POLL" <<PY >"$OUT"
import json, sys
gap, react = {}, {}
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) == 3 and f[0] in ("gap", "react"):
        d = gap if f[0] == "gap" else react
        d[int(f[1])] = d.get(int(f[1]), 0) + int(f[2])
def pct(h, q):
    n = sum(h.values()); acc = 0
    for k in sorted(h):
        acc += h[k]
        if acc >= q * n:
            return k
    return float("nan")
poll = int(sys.argv[3])
ng = sum(gap.values()); late = sum(c for k, c in gap.items() if k > 1.1 * poll)
rows = []
try:
    for s in json.load(open(sys.argv[2]))["results"][0]["series"][0]["values"]:
        rows.append(s)
except (KeyError, IndexError, ValueError):
    pass
p50 = sorted(r[1] for r in rows if r[1] is not None)
p99 = [r[2] for r in rows if r[2] is not None]
lag = [r[3] for r in rows if r[3] is not None]
wall = $t1 - $t0; hz = 100.0
print("n=$N poll_ms=%d secs=%.1f polls=%d on_time_pct=%.3f gap_p50_ms=%s gap_p99_ms=%s gap_max_ms=%s "
      "poll_p50_ms=%.1f poll_p99_ms=%.1f loop_lag_max_ms=%.1f react_n=%d react_p50_ms=%s react_p99_ms=%s "
      "pumpd_cpu_pct=%.1f plcsim_cpu_pct=%.1f nsim=$nsim rss_kb=$rss threads=$thr alive=$alive startup_s=%.3f $mem $reload"
      % (poll, wall, ng, 100.0 * (ng - late) / ng if ng else 0, pct(gap, .5), pct(gap, .99),
         max(gap) if gap else "nan",
         p50[len(p50) // 2] if p50 else float("nan"), max(p99) if p99 else float("nan"),
         max(lag) if lag else float("nan"), sum(react.values()), pct(react, .5) if react else "nan",
         pct(react, .99) if react else "nan",
         100.0 * ($c1 - $c0) / hz / wall, 100.0 * ($s1 - $s0) / hz / wall, $T1 - $T0))
PY
cat "$OUT"
