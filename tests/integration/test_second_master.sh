#!/bin/bash
# Two masters must never fight over one pump.  While pumpd controls the
# district, another master (here mbpoll, as another control centre or a
# forgotten HMI would) writes one station's command registers.  pumpd sees
# writes that are not its own in the registers it reads back, raises
# "another master writes this PLC" for that station only, and stops writing
# to it; every other station stays under its control.
. "$(dirname "$0")/lib.sh"

PB=$(port_base)
awk -v pb="$PB" '/port = 150[0-9][0-9]/ { sub(/port = 150[0-9][0-9]/, "port = " pb + (n++)) }
    /^influx = \{/ { skip = 1 } skip && /^\};/ { skip = 0; next } !skip { print }' \
    "$TOP/config/jinnan.conf" >"$WORK/district.conf"
mb() { mbpoll -m tcp -0 -1 -o 2 "$@" 2>&1; }
hr() { mb -t 4 -r "$2" -c 1 -p "$1" 127.0.0.1 | awk -v r="[$2]:" '$1 == r { print $2 }'; }
ID=$("$BIN/plcsim" -c "$WORK/district.conf" --list | awk 'NR == 1 { print $1 }')
OTHER=$("$BIN/plcsim" -c "$WORK/district.conf" --list | awk 'NR == 2 { print $1 }')

spawn "$BIN/plcsim" -c "$WORK/district.conf" -s 1 -r const:30:600@0 >"$WORK/plcsim.log" 2>&1
wait_port $((PB + 32)) || { fail "plcsim" "$(tail -3 "$WORK/plcsim.log")"; finish; exit 1; }
spawn "$BIN/pumpd" -c "$WORK/district.conf" --state-dir "$WORK/state" --log-every 600 \
    >"$WORK/pumpd.log" 2>&1
sleep 4
[ "$(hr "$PB" 1)" = 1 ] && ok "pumpd controls $ID (mode_request 1)" ||
    fail "pumpd controls" "mode_request $(hr "$PB" 1)"

# the other master: its own heartbeat, REMOTE, all pumps off, every 0.3 s
for i in $(seq 1 20); do
	mb -t 4 -r 0 -p "$PB" 127.0.0.1 $((40000 + i)) 1 0 >/dev/null
	sleep 0.3
done
grep -q "$ID: .*another master writes this PLC" "$WORK/pumpd.log" &&
    ok "alarm: $(grep -m1 "another master" "$WORK/pumpd.log")" ||
    fail "another master alarm" "$(grep "$ID" "$WORK/pumpd.log" | tail -5)"
n=$(grep -c "another master writes this PLC" "$WORK/pumpd.log")
[ "$(grep "another master writes this PLC" "$WORK/pumpd.log" | grep -vc "$ID:")" = 0 ] &&
    ok "only $ID is accused ($n line(s))" || fail "only one station" "$(grep 'another master' "$WORK/pumpd.log")"

# pumpd writes nothing more to that station: the other master's last
# heartbeat stands (the PLC's watchdog will hand over), while the other
# stations' heartbeats keep changing
hb0=$(hr "$PB" 0); o0=$(hr $((PB + 1)) 0)
sleep 3
hb1=$(hr "$PB" 0); o1=$(hr $((PB + 1)) 0)
[ "$hb0" = 40020 ] && [ "$hb1" = 40020 ] && ok "pumpd stopped writing to $ID (heartbeat stays at the other master's 40020)" ||
    fail "pumpd stopped writing" "heartbeat $hb0 then $hb1"
[ "$o0" != "$o1" ] && ok "$OTHER still under pumpd's control (heartbeat $o0 -> $o1)" ||
    fail "$OTHER controlled" "heartbeat $o0 -> $o1"
kill -0 "$(echo $PIDS | awk '{ print $2 }')" 2>/dev/null && ok "pumpd still runs" || fail "pumpd runs" "$(tail -5 "$WORK/pumpd.log")"
finish
