#!/bin/bash
# Metrics when the spool's disk fails, with real file-system failures (a
# small tmpfs on STATE_DIR/spool, as root), in real time (speed 1):
#  A. the disk fills during an InfluxDB outage: the oldest points go first,
#     the newest are kept without a hole, all are counted, and once the
#     spool drained nothing is left behind (no torn segment, no ack.tmp);
#  B. the directory is read-only from the start: pumpd starts and controls,
#     says so once, sends live data straight to InfluxDB, notices when it
#     comes back after an outage (with nothing in the spool to replay), and
#     counts what it really lost;
#  C. the disk is full from the start: live data goes straight to InfluxDB,
#     none lost; once space is freed the spool works again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/influx_lib.sh"

MOUNTS=""
trap 'for d in $MOUNTS; do umount -l "$d" 2>/dev/null; done; cleanup' EXIT INT TERM

# small_fs DIR KB: a tmpfs of KB KiB on DIR, unmounted at exit.
small_fs() {
	mkdir -p "$1"
	mount -t tmpfs -o size="$2"k,mode=0700 tmpfs "$1" 2>"$WORK/mount.err" || return 1
	MOUNTS="$1 $MOUNTS"
}

if ! small_fs "$WORK/probe" 64; then
	echo "SKIP - $(basename "$0" .sh): cannot mount a tmpfs ($(cat "$WORK/mount.err")); these tests need root"
	exit 0
fi

start_influx || { finish; exit 1; }
district_conf "$WORK/district.conf"
spawn "$BIN/plcsim" -c "$WORK/district.conf" -s 1 -r const:20:600 >"$WORK/plcsim.log" 2>&1
wait_port $(( $(port_base) + 32 )) || { fail "plcsim" ""; finish; exit 1; }

# start_pumpd LOG STATE_DIR
start_pumpd() {
	"$BIN/pumpd" -c "$WORK/district.conf" --state-dir "$2" \
	    --log-every 1 >"$1" 2>&1 &
	PD=$!; PIDS="$PIDS $PD"
}

# series STATION FROM_MS: the station's point times from FROM_MS on (JSON).
series() {
	q "SELECT \"comms\" FROM \"station\" WHERE time >= ${2}ms AND time < now() + 7d AND \"station\" = '$1'" |
	    jq -c '[.results[0].series[0].values[]?[0]]'
}

# counts NAME LOG: made = sent + dropped + waiting, and InfluxDB holds what
# was acknowledged, given the base already in it.
counts() {
	made=$(metric made "$2"); sent=$(metric sent "$2"); dropped=$(metric dropped "$2")
	waiting=$(metric waiting "$2"); total=$(total_points)
	[ "$made" = $((sent + dropped + waiting)) ] && [ "$total" = $((base + sent)) ] &&
	    ok "$1: $made made = $sent sent + $dropped dropped + $waiting waiting; InfluxDB holds the $sent sent" ||
	    fail "$1: counts" "made $made sent $sent dropped $dropped waiting $waiting; in InfluxDB $total - $base"
}

# A: a full disk during an outage
base=0
small_fs "$WORK/a/spool" 256
dd if=/dev/zero of="$WORK/a/spool/other" bs=1k count=192 2>/dev/null	# leaves 64 KiB
start_pumpd "$WORK/a.log" "$WORK/a"
sleep 3
tstart=$(date +%s%3N)
stop_influx
wait_for "InfluxDB unavailable" "$WORK/a.log" 15 || fail "A: outage noticed" ""
wait_for "spool full" "$WORK/a.log" 30 && ok "A: $(grep -m1 -o 'spool full.*' "$WORK/a.log")" ||
    fail "A: disk full noticed" "$(grep metrics "$WORK/a.log" | tail -3)"
sleep 3
start_influx
wait_drained "$WORK/a.log" 60 && ok "A: spool emptied after InfluxDB came back" || fail "A: drained" "$(tail -2 "$WORK/a.log")"
sleep 3	# live data after the recovery too
tstop=$(date +%s%3N)
kill -TERM $PD; wait $PD
counts A "$WORK/a.log"
[ "$dropped" -gt 0 ] && ok "A: $dropped points lost to the full disk, counted" || fail "A: dropped" "$dropped"
old=$(q "SELECT count(\"comms\") FROM \"station\" WHERE time >= ${tstart}ms AND time < $((tstart + 1000))ms" | jq '[.results[0].series[]?.values[0][1]] | add // 0')
resume=$(q "SELECT first(\"comms\") FROM \"station\" WHERE time >= ${tstart}ms AND \"station\" = 'gegu-east'" | jq '.results[0].series[0].values[0][0]')
times=$(series gegu-east "$resume")
gap=$(echo "$times" | jq '[range(1; length) as $i | .[$i] - .[$i - 1]] | max // 0')
n=$(echo "$times" | jq 'length'); last=$(echo "$times" | jq '.[-1] // 0')
[ "$old" = 0 ] && [ "$resume" -gt $((tstart + 1000)) ] && [ "$n" -ge 4 ] && [ "$gap" -le 1900 ] &&
    [ "$last" -ge $((tstop - 1500)) ] &&
    ok "A: the oldest went first: nothing kept from the outage's first second, then $n polls to the end without a gap (longest $gap ms)" ||
    fail "A: oldest first" "first second $old, resume $resume (outage $tstart), $n points after, longest gap $gap ms, last $last (stop $tstop)"
left=$(ls -A "$WORK/a/spool" | grep -v -x -e other -e ack | tr '\n' ' ')
used=$(df -k --output=used "$WORK/a/spool" | tail -1)
[ -z "$left" ] && [ "$used" -le 200 ] && ok "A: nothing left behind once drained (${used} KiB used, 192 of them not ours)" ||
    fail "A: leftovers" "files: $left; $used KiB used"

# B: a read-only spool directory from the start, then an outage
base=$(total_points)
small_fs "$WORK/b/spool" 256
mount -o remount,ro "$WORK/b/spool"
start_pumpd "$WORK/b.log" "$WORK/b"
sleep 3
grep -q "started: 33 stations" "$WORK/b.log" && kill -0 $PD 2>/dev/null &&
    ok "B: pumpd runs with a read-only spool" || fail "B: started" "$(tail -3 "$WORK/b.log")"
stop_influx
wait_for "InfluxDB unavailable" "$WORK/b.log" 15 || fail "B: outage noticed" ""
sleep 4
start_influx
tback=$(date +%s%3N)
wait_for "InfluxDB takes data again" "$WORK/b.log" 15 &&
    ok "B: recovery noticed within $(( ($(date +%s%3N) - tback) / 1000 )) s with nothing in the spool" ||
    fail "B: recovery noticed" "$(grep metrics "$WORK/b.log" | tail -2)"
# live polls from 2 s after InfluxDB came back: at least 4 (up to 15 s)
i=0
while [ "$(series gegu-east $((tback + 2000)) | jq 'length')" -lt 4 ] && [ $i -lt 30 ]; do
	sleep 0.5; i=$((i + 1))
done
sleep 1
kill -TERM $PD; wait $PD && ok "B: pumpd stopped cleanly" || fail "B: exit status" "$(tail -3 "$WORK/b.log")"
n=$(grep -c "points go straight to InfluxDB" "$WORK/b.log")
[ "$n" = 1 ] && ok "B: $(grep -m1 -o 'spool .*: Read-only file system' "$WORK/b.log"), said once" ||
    fail "B: logged once" "$n times"
counts B "$WORK/b.log"
errs=$(metric spool-errors "$WORK/b.log")
[ "$dropped" -gt 0 ] && [ "$waiting" = 0 ] && [ "${errs:-0}" -gt 0 ] &&
    ok "B: $dropped points lost in the outage, counted ($errs appends refused)" ||
    fail "B: lost counted" "dropped $dropped waiting $waiting spool-errors $errs"
times=$(series gegu-east $((tback + 2000)))
gap=$(echo "$times" | jq '[range(1; length) as $i | .[$i] - .[$i - 1]] | max // 0')
n=$(echo "$times" | jq 'length')
[ "$n" -ge 4 ] && [ "$gap" -le 1900 ] && ok "B: live data reaches InfluxDB after it came back: $n polls, no gap" ||
    fail "B: live data after recovery" "$n points, longest gap $gap ms"

# C: a disk full from the start, freed while running
base=$(total_points)
small_fs "$WORK/c/spool" 256
dd if=/dev/zero of="$WORK/c/spool/other" bs=1k count=512 2>/dev/null	# fills it
start_pumpd "$WORK/c.log" "$WORK/c"
sleep 3
n=$(grep -c "No space left on device: points go straight to InfluxDB" "$WORK/c.log")
[ "$n" = 1 ] && kill -0 $PD 2>/dev/null && ok "C: pumpd runs on a full disk and says so once" ||
    fail "C: full disk at start" "$n times; $(tail -2 "$WORK/c.log")"
rm "$WORK/c/spool/other"
wait_for "spool: writable again" "$WORK/c.log" 5 && ok "C: $(grep -m1 -o 'spool: writable again.*' "$WORK/c.log")" ||
    fail "C: spool usable again" ""
stop_influx
sleep 3
w=$(metric waiting "$WORK/c.log")
[ "${w:-0}" -gt 0 ] && ok "C: the spool keeps the outage's points ($w)" || fail "C: spooled" "$w"
start_influx
wait_drained "$WORK/c.log" 60 || fail "C: drained" "$(tail -2 "$WORK/c.log")"
kill -TERM $PD; wait $PD
counts C "$WORK/c.log"
# while the disk was full, points could go only straight to InfluxDB: on a
# busy machine a batch made while the live one was still out is dropped,
# counted.  Once the spool is writable again nothing more is lost: the
# count on the first metrics line after "writable again" is the final one.
d_at=$(awk '/spool: writable again/ { w = 1; next }
    w && /metrics: made/ { for (i = 1; i < NF; i++) if ($i == "dropped") { print $(i + 1); exit } }' "$WORK/c.log")
[ -n "$d_at" ] && [ "$dropped" = "$d_at" ] &&
    ok "C: nothing lost once the spool was writable again ($dropped dropped while the disk was full)" ||
    fail "C: dropped" "$dropped in all, $d_at when the spool was writable again"
finish
