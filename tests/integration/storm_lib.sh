# Shared by the storm runs: start plcsim on a copy of the district with its
# own ports and pumpd on the same clock, wait for the end, then judge each
# station's summary line.
CONF=$TOP/config/jinnan.conf
SPEED=${STORM_SPEED:-60}

# storm_run MINUTES [plcsim options...]: play the storm, pumpd controlling.
storm_run() {
	minutes=$1; shift
	PB=$(port_base)
	awk -v pb="$PB" '/port = 150[0-9][0-9]/ { sub(/port = 150[0-9][0-9]/, "port = " pb + (n++)) } { print }' \
	    "$CONF" >"$WORK/district.conf"
	spawn "$BIN/plcsim" -c "$WORK/district.conf" -s "$SPEED" -r storm:3:120@10 \
	    -d "$minutes" -S "$WORK/summary" "$@" >"$WORK/plcsim.log" 2>&1
	SIM=$!
	wait_port $((PB + 32)) || { fail "plcsim listens" ""; finish; exit 1; }
	spawn "$BIN/pumpd" -c "$WORK/district.conf" --sim-speed "$SPEED" --log-every 600 \
	    --state-dir "$WORK/state" \
	    >"$WORK/pumpd.log" 2>&1
	wait $SIM
	[ -s "$WORK/summary" ] && ok "storm played: $(head -1 "$WORK/summary")" ||
	    { fail "summary" "$(tail "$WORK/plcsim.log")"; finish; exit 1; }
}

# field LINE KEY: a key=value field of a summary line.
field() { echo "$1" | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k { print $2 }'; }

# judge_stations: no flood, starts per hour within the limit, pumped back
# down (stormwater: to the duty start level; sewage, which never stops
# flowing: below the first assist level).
judge_stations() {
	while read -r line; do
		case $line in station=*) ;; *) continue;; esac
		st=$(field "$line" station); kind=$(field "$line" kind)
		flood=$(field "$line" flood_m3); end=$(field "$line" end_level_m)
		lim=12; top=$(field "$line" duty_m)
		[ "$kind" = sewage ] && { lim=6; top=$(field "$line" assist1_m); }
		worst=$(echo "$line" | tr ' ' '\n' | awk -F= '/_max_per_hour=/ { if ($2 > m) m = $2 } END { print m + 0 }')
		if awk -v f="$flood" -v e="$end" -v t="$top" 'BEGIN { exit !(f == 0 && e <= t) }' &&
		    [ "$worst" -le $lim ]; then
			ok "$st: no flood (max $(field "$line" max_level_m) m), $worst starts/h at most (limit $lim), ends at $end m"
		else
			fail "$st" "flood $flood m3, worst $worst starts/h (limit $lim), end $end m (want <= $top)"
		fi
	done <"$WORK/summary"
}
