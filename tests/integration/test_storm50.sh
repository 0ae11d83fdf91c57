#!/bin/bash
# Issue 11's storm test: a 50-year, 1-hour Tianjin design storm (plcsim
# storm:50:60, from minute 2; the intensest of the design storms at its
# peak) on three stations of the district that it fills most (xiaozhan-east
# and xianshuigu-south on map v1, gegu-old on map L1), played 120 times
# faster, pumpd controlling with the shipped control group (feed-forward,
# drawdown, coordination as config/jinnan.conf says).  First plcsim --bound
# (every pump from the first drop) on the same stations and storm: where
# the bound floods nothing, pumpd must flood nothing either (plcsim's
# summary).  pumpd was in control (REMOTE or SUPERVISED in its log) at
# each station.  Polling and watchdog are slowed to simulated times that a
# busy machine keeps at x120 (poll 2 s, watchdog 30 s, stale 10 s); no
# timed assertion.
. "$(dirname "$0")/lib.sh"

IDS="xiaozhan-east xianshuigu-south gegu-old"
PB=$(port_base); SPEED=120; RAIN=storm:50:60@2; MIN=45

# the district with these stations alone, their PLCs at PB, PB+1, ...; no
# metrics; the control group's timing slowed for the speed
awk -v ids=" $IDS " -v pb="$PB" '
    BEGIN { set["poll_ms"] = 2000; set["watchdog_s"] = 30
	set["stale_s"] = 10; set["down_s"] = 60; set["response_timeout_ms"] = 2000 }
    /^influx = \{/ { skip = 1 } skip { if ($0 ~ /^\};/) skip = 0; next }
    /^control = \{/ { ctl = 1; print; next }
    ctl && /^\};/ { ctl = 0 }
    ctl && match($0, /^\t[a-z_0-9]+ = /) { k = substr($0, 2, RLENGTH - 4)
	if (k in set) { print "\t" k " = " set[k] ";"; next } }
    /^stations = \(/ { print; st = 1; next }
    !st { print; next }
    /^\t\{$/ { buf = $0 "\n"; inb = 1; keep = 0; next }
    inb {
	line = $0
	if (match(line, /id = "[^"]*";/)) {
		id = substr(line, RSTART + 6, RLENGTH - 8)
		if (index(ids, " " id " ")) keep = 1
	}
	if (keep && line ~ /port = [0-9]+/) sub(/port = [0-9]+/, "port = " pb + (n++), line)
	if (line ~ /^\t\},?$/) { if (keep) printf "%s\t},\n", buf; inb = 0; next }
	buf = buf line "\n"; next
    }
    END { print ");" }' "$TOP/config/jinnan.conf" | sed -z 's/},\n);/}\n);/' >"$WORK/three.conf"
ONLY=$(echo $IDS | tr ' ' ',')

# the bound, at full speed
"$BIN/plcsim" -c "$WORK/three.conf" --only "$ONLY" --port-base $((PB + 50)) \
    -s 10000 -r $RAIN -d $MIN --bound -S "$WORK/bound" >"$WORK/bound.log" 2>&1 ||
    { fail "bound run" "$(tail -3 "$WORK/bound.log")"; finish; exit 1; }

spawn "$BIN/plcsim" -c "$WORK/three.conf" --only "$ONLY" -s $SPEED -r $RAIN \
    -d $MIN -S "$WORK/summary" >"$WORK/plcsim.log" 2>&1
SIM=$!
wait_port "$PB" || { fail "plcsim" "$(tail -3 "$WORK/plcsim.log")"; finish; exit 1; }
spawn "$BIN/pumpd" -c "$WORK/three.conf" --sim-speed $SPEED --state-dir "$WORK/state" \
    --ctl-socket "$WORK/ctl.sock" --log-every 300 >"$WORK/pumpd.log" 2>&1
wait $SIM
[ -s "$WORK/summary" ] && ok "storm played: $(head -1 "$WORK/summary")" ||
    { fail "summary" "$(tail -3 "$WORK/plcsim.log")"; finish; exit 1; }

# sfield FILE STATION KEY: a key=value field of a station's summary line.
sfield() {
	awk -v st="station=$2" '$1 == st' "$1" | tr ' ' '\n' |
	    awk -F= -v k="$3" '$1 == k { print $2 }'
}
for id in $IDS; do
	bf=$(sfield "$WORK/bound" $id flood_m3)
	pf=$(sfield "$WORK/summary" $id flood_m3)
	mx=$(sfield "$WORK/summary" $id max_level_m)
	if [ -z "$bf" ] || [ -z "$pf" ]; then
		fail "$id" "no summary line (bound '$bf', pumpd '$pf')"
	elif awk -v b="$bf" 'BEGIN { exit !(b > 0) }'; then
		ok "$id: the bound floods $bf m3 here: not judged"
	elif awk -v f="$pf" 'BEGIN { exit !(f == 0) }'; then
		ok "$id: no flood, as the bound (max level $mx m)"
	else
		fail "$id" "pumpd flooded $pf m3 where the bound floods nothing"
	fi
	grep -Eq "station $id: .* (REMOTE|SUPERVISED)" "$WORK/pumpd.log" &&
	    ok "$id: pumpd in control" ||
	    fail "$id: pumpd in control" "$(grep "station $id" "$WORK/pumpd.log" | tail -3)"
done
finish
