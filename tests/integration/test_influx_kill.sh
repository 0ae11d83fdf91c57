#!/bin/bash
# A SIGKILL loses at most the poll in progress: every cycle's points are in
# the spool (the kernel's page cache) before they are sent.  The first
# pumpd batches for a minute (batch_ms 60000), so that all its points are
# still unsent when it is killed; the second replays them.  Per station and
# poll, InfluxDB must then hold every poll of the first run up to the one
# before the kill, none twice.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/influx_lib.sh"

start_influx || { finish; exit 1; }
district_conf "$WORK/district.conf"
sed -e 's/batch_ms = [0-9]*/batch_ms = 60000/' -e 's/batch_points = [0-9]*/batch_points = 1000000/' \
    "$WORK/district.conf" >"$WORK/slow.conf"
spawn "$BIN/plcsim" -c "$WORK/district.conf" -s 1 -r const:20:600 >"$WORK/plcsim.log" 2>&1
wait_port $(( $(port_base) + 32 )) || { fail "plcsim" ""; finish; exit 1; }

# start_pumpd LOG CONF
start_pumpd() {
	"$BIN/pumpd" -c "$2" --state-dir "$WORK/state" --log-every 1 >"$1" 2>&1 &
	PD=$!; PIDS="$PIDS $PD"
}

t1=$(date +%s%3N)
start_pumpd "$WORK/run1.log" "$WORK/slow.conf"
sleep 7
tkill=$(date +%s%3N)
kill -KILL $PD; wait $PD 2>/dev/null
made1=$(metric made "$WORK/run1.log")
t2=$(date +%s%3N)
start_pumpd "$WORK/run2.log" "$WORK/district.conf"
wait_for "points from an earlier run to replay" "$WORK/run2.log" 10 &&
    ok "run 2: $(grep -o 'spool: [0-9]* points from an earlier run' "$WORK/run2.log")" ||
    fail "run 2: replay at start" "$(head -3 "$WORK/run2.log")"
replay=$(grep -o 'spool: [0-9]* points' "$WORK/run2.log" | awk '{ print $2 }')
wait_drained "$WORK/run2.log" 60 && ok "run 2: spool emptied" || fail "run 2: drained" "$(tail -2 "$WORK/run2.log")"
kill -TERM $PD; wait $PD
made2=$(metric made "$WORK/run2.log"); sent2=$(metric sent "$WORK/run2.log")

# what run 1 made: each station's polls, from its first to its last point
# before the kill, one a second without a hole; the last no more than one
# poll (and the time to decide it) before the kill
q "SELECT \"comms\" FROM \"station\" WHERE time >= $((t1 - 5000))ms AND time < ${t2}ms GROUP BY \"station\"" |
    jq -r '.results[0].series[]? | [.tags.station, (.values | length),
        ([.values[][0]] | [range(1; length) as $i | .[$i] - .[$i - 1]] | max // 0),
        .values[0][0], .values[-1][0]] | @tsv' >"$WORK/run1.tsv"
nst=$(wc -l <"$WORK/run1.tsv")
bad=$(awk -v k="$tkill" -v t1="$t1" '$3 > 1900 || $5 < k - 1600 || $4 > t1 + 4000 { print }' "$WORK/run1.tsv")
polls=$(awk '{ s += $2 } END { print s + 0 }' "$WORK/run1.tsv")
[ "$nst" = 33 ] && [ -z "$bad" ] &&
    ok "run 1, killed: all 33 stations' polls stored ($polls), none missing, the last at most one poll before the kill" ||
    fail "run 1: polls stored" "$nst stations; short: $bad"
[ "${made1:-0}" -gt 0 ] && [ "${replay:-0}" -ge "$made1" ] &&
    ok "run 1 reported $made1 points made a moment before the kill; the spool held $replay" ||
    fail "run 1: made vs spooled" "made $made1 (last report), replayed $replay"
total=$(total_points)
[ "$sent2" = $((made2 + replay)) ] && [ "$total" = "$sent2" ] &&
    ok "none twice: run 2 sent its $made2 points and the $replay replayed; InfluxDB holds $total" ||
    fail "none twice" "run 2 made $made2, replayed $replay, sent $sent2; InfluxDB $total"
finish
