#!/bin/bash
# Issue 9, alarm management (ISA-18.2), with two stations of plcsim at x20
# and the district's other 31 stations unanswered:
#  A. an emergency stop in plcsim raises a critical alarm, UNACK, with the
#     id (station index + 1) * 1000 + kind * 10 + pump; status marks it.
#  B. ack ID acknowledges it (ACKED), audited and in the journal, its SINCE
#     still the raise time; bad ids, a second ack and a shelf without a
#     reason get exact messages.
#  C. shelve hides a "comms lost" alarm from alarms, not from alarms --all.
#  D. the "event" measurement (here the metrics spool: InfluxDB is away)
#     carries the changes with priority, state, station and operator.
#  E. after kill -9 and a restart the alarm is still ACKED while the stop
#     stands, and the shelf is still there with its reason.
#  F. comms loss at a station with a pump fault standing: one "station
#     comms lost" alarm is listed, the pump fault SUPPRESSED (--all only);
#     when it answers again the fault shows again.
#  G. events --alarms-only shows alarm changes alone, never the core's
#     events (pump starts and stops, adoption, faults as news).
. "$(dirname "$0")/lib.sh"

PB=$(port_base); CTL=$((PB + 90)); SPEED=20
SOCK=$WORK/ctl.sock
STA=gegu-east; STB=beishilin
awk -v pb="$PB" '/port = 150[0-9][0-9]/ { sub(/port = 150[0-9][0-9]/, "port = " pb + (n++)) }
    /url = "http:\/\/127.0.0.1:18086"/ { sub(/18086/, pb + 99) }
    /down_s = 30;/ { sub(/30/, "10") } { print }' \
    "$TOP/config/jinnan.conf" >"$WORK/district.conf"
IDXA=$("$BIN/plcsim" -c "$WORK/district.conf" --list | awk -v s=$STA '$1 == s { print NR }')
ESTOP_ID=$((IDXA * 1000 + 90))
pc() { "$BIN/pumpctl" -S "$SOCK" "$@"; }
sim() { exec 3<>/dev/tcp/127.0.0.1/$CTL && echo "fault $1" >&3 && read -r -t 5 _ <&3; exec 3>&-; }
# al STATION KIND [--all]: "ID STATE" of that alarm in pumpctl alarms --json
al() { pc alarms ${3:-} --json | jq -r --arg s "$1" --arg k "$2" \
    '.data.alarms[] | select(.station == $s and .alarm == $k) | "\(.id) \(.state)"'; }
# until SECONDS CMD...: retry CMD every 0.2 s until it succeeds
until_() { t=$(($1 * 5)); shift; while [ $t -gt 0 ]; do "$@" && return 0; sleep 0.2; t=$((t - 1)); done; return 1; }
is() { [ "$(al "$1" "$2" "${4:-}" | awk '{ print $2 }')" = "$3" ]; }
start_pumpd() {	# LOG
	"$BIN/pumpd" -c "$WORK/district.conf" --sim-speed $SPEED --state-dir "$WORK/state" \
	    --ctl-socket "$SOCK" --log-every 600 >"$1" 2>&1 &
	PD=$!; PIDS="$PIDS $PD"
	i=0; while [ ! -S "$SOCK" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
}
comms() { pc show "$1" --json | jq -r .data.comms; }
comms_is() { [ "$(comms "$1")" = "$2" ]; }

spawn "$BIN/plcsim" -c "$WORK/district.conf" --only $STA,$STB -s $SPEED -p $CTL >"$WORK/plcsim.log" 2>&1
wait_port $CTL || { fail "plcsim" "$(cat "$WORK/plcsim.log")"; finish; exit 1; }
start_pumpd "$WORK/pumpd1.log"
until_ 10 comms_is $STA OK && until_ 10 comms_is $STB OK || { fail "comms" "$(tail -3 "$WORK/pumpd1.log")"; finish; exit 1; }

# A. raise
sim "$STA:estop"
until_ 10 is $STA estop UNACK && [ "$(al $STA estop | awk '{ print $1 }')" = $ESTOP_ID ] &&
    ok "A: estop at $STA raises alarm $ESTOP_ID, UNACK" || fail "A: raise" "$(pc alarms | head -3)"
line=$(pc alarms | awk -v id=$ESTOP_ID '$1 == id')
echo "$line" | grep -q "critical UNACK .*$STA .*emergency stop" && ok "A: alarms: $line" || fail "A: alarms line" "$line"
pc status | grep -q "^$STA .*estop\*" && ok "A: status marks it unacknowledged (estop*)" ||
    fail "A: status" "$(pc status | grep "^$STA")"

# B. ack
since0=$(pc alarms --json | jq -r ".data.alarms[] | select(.id == $ESTOP_ID) | .since_ms")
sleep 0.5	# ten seconds of pumpd's clock at x20
out=$(pc ack $ESTOP_ID); rc=$?
[ $rc = 0 ] && echo "$out" | grep -q "alarm $ESTOP_ID at $STA: ACKED (was UNACK)" && is $STA estop ACKED &&
    ok "B: ack $ESTOP_ID: $out" || fail "B: ack" "rc $rc: $out"
since=$(pc alarms --json | jq -r ".data.alarms[] | select(.id == $ESTOP_ID) | \"\(.since_ms) \(.state_since_ms)\"")
line1=$(pc alarms | awk -v id=$ESTOP_ID '$1 == id')
[ "${since% *}" = "$since0" ] && [ "${since#* }" -gt "$since0" ] && [ "$(echo "$line1" | awk '{ print $5 }')" = "$(echo "$line" | awk '{ print $5 }')" ] &&
    ok "B: SINCE stays the raise time after the ack; the ack's time apart (state_since_ms)" ||
    fail "B: SINCE after ack" "raised $since0, now $since; before: $line; after: $line1"
grep -q "station $STA: alarm $ESTOP_ID emergency stop: ACKED (critical; was UNACK) by" "$WORK/pumpd1.log" &&
    ok "B: the journal has the acknowledgement and who made it" || fail "B: journal" "$(grep "alarm $ESTOP_ID" "$WORK/pumpd1.log")"
pc log | grep -q " ack \[\"$ESTOP_ID\"\]: ok" && ok "B: the audit trail has the ack" || fail "B: audit" "$(pc log | tail -2)"
pc status | grep -q "^$STA .*estop\( \|,\|$\)" && ok "B: status shows it acknowledged (no *)" ||
    fail "B: status" "$(pc status | grep "^$STA")"
out=$(pc ack $ESTOP_ID 2>&1); rc=$?
[ $rc = 1 ] && echo "$out" | grep -q "alarm $ESTOP_ID: it is acknowledged already" &&
    ok "B: a second ack: exit 1, acknowledged already" || fail "B: second ack" "rc $rc: $out"
out=$(pc ack 99990 2>&1); rc=$?
[ $rc = 1 ] && echo "$out" | grep -q 'bad alarm id "99990"' && ok "B: ack 99990: exit 1, bad alarm id" || fail "B: bad id" "rc $rc: $out"
out=$(pc ack bogus 2>&1); rc=$?
[ $rc = 2 ] && echo "$out" | grep -q 'bad alarm id' && ok "B: ack bogus: exit 2" || fail "B: ack bogus" "rc $rc: $out"
out=$(pc shelve 1000 --for 2h --reason "" 2>&1); rc=$?
[ $rc = 2 ] && echo "$out" | grep -q "a shelf needs --for DURATION and --reason TEXT" &&
    ok "B: shelve without a reason: exit 2" || fail "B: shelve no reason" "rc $rc: $out"
out=$(pc shelve 1000 --for forever --reason x 2>&1); rc=$?
[ $rc = 2 ] && echo "$out" | grep -q "at most 24h, never forever" && ok "B: shelve forever: exit 2" || fail "B: forever" "rc $rc: $out"

# C. shelve
SQ=$("$BIN/plcsim" -c "$WORK/district.conf" --list | awk 'NR == 1 { print $1 }')
until_ 10 is $SQ comms_down UNACK || fail "C: comms lost at $SQ" "$(al $SQ comms_down)"
out=$(pc shelve 1000 --for 2h --reason "PLC being replaced"); rc=$?
[ $rc = 0 ] && ! pc alarms | grep -q "^1000 " && pc alarms --all | grep -q "^1000 .*SHELVED .*PLC being replaced" &&
    ok "C: shelve 1000: gone from alarms, SHELVED in alarms --all" || fail "C: shelve" "rc $rc: $out; $(pc alarms --all | grep '^1000 ')"

# D. the event measurement, as spooled
sleep 1.5
pt() { grep -aq "$1" "$WORK"/state/spool/*.seg 2>/dev/null; }
pt "event,station=$STA,type=alarm_state,id=$ESTOP_ID alarm=\"estop\",pump=0i,priority=\"critical\",state=\"UNACK\"" &&
    pt "event,station=$STA,type=alarm_state,id=$ESTOP_ID .*state=\"ACKED\",was=\"UNACK\".*operator=" &&
    ok "D: event points: station tag, priority, state, was, operator" ||
    fail "D: event points" "$(grep -ah "alarm_state" "$WORK"/state/spool/*.seg | head -3)"

# E. kill -9 and restart
kill -9 $PD; wait $PD 2>/dev/null
rm -f "$SOCK"	# left by the killed pumpd
start_pumpd "$WORK/pumpd2.log"
until_ 10 comms_is $STA OK && sleep 2
is $STA estop ACKED && ok "E: after kill -9 and a restart, $ESTOP_ID is still ACKED while the stop stands" ||
    fail "E: ack survives" "$(al $STA estop); $(grep 'alarm' "$WORK/pumpd2.log" | head -3)"
pc alarms --all | grep -q "^1000 .*SHELVED .*PLC being replaced" && ok "E: the shelf of 1000 survives with its reason" ||
    fail "E: shelf survives" "$(pc alarms --all | grep '^1000 ')"

# F. comms loss: one alarm, the pump fault suppressed, then back
sim "$STB:trip:2"
until_ 10 is $STB pump_fault UNACK || fail "F: pump fault" "$(pc alarms | grep $STB)"
sim "$STB:silent"
until_ 15 comms_is $STB DOWN && until_ 5 is $STB comms_down UNACK
n=$(pc alarms | grep -c " $STB ")
[ "$n" = 1 ] && pc alarms | grep -q "UNACK .*$STB .*station comms lost" && is $STB pump_fault SUPPRESSED --all &&
    ok "F: comms lost at $STB: one alarm listed, its pump fault SUPPRESSED" ||
    fail "F: suppression" "$n lines: $(pc alarms --all | grep " $STB ")"
sim "$STB:answer"
until_ 15 comms_is $STB OK && until_ 5 is $STB pump_fault UNACK && is $STB comms_down RTN_UNACK &&
    ok "F: answering again: the pump fault shows again, comms lost returned unacknowledged" ||
    fail "F: release" "$(pc alarms --all | grep " $STB ")"

# G. events
pc events --station $STB --limit 200 >"$WORK/ev_all"
pc events --alarms-only --limit 1000 >"$WORK/ev_al"
grep -vq " alarm [0-9]* " "$WORK/ev_all" && ! grep -vq " alarm [0-9]* " "$WORK/ev_al" &&
    grep -q "$STB .*alarm [0-9]* pump 2 fault: SUPPRESSED" "$WORK/ev_al" &&
    ok "G: events has the core's events ($(grep -vc " alarm [0-9]* " "$WORK/ev_all") at $STB); --alarms-only none of them" ||
    fail "G: events" "$(head -3 "$WORK/ev_all"); $(grep -v " alarm [0-9]* " "$WORK/ev_al" | head -3)"
out=$(pc events --limit 0 2>&1); rc=$?
[ $rc = 2 ] && echo "$out" | grep -q "bad --limit" && ok "G: events --limit 0: exit 2" || fail "G: limit" "rc $rc: $out"
finish
