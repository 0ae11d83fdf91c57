#!/bin/bash
# Issue 9 (the control socket and pumpctl's first commands), with the whole
# district in two plcsims at x30: shuangqiaohe alone under 200 mm/h, the
# other 32 stations dry.
#  1. status lists the 33 stations, shuangqiaohe (flooding) first, within
#     80 columns (its many alarms cut to the first and "+N", --json has
#     them all); show and alarms answer; bad requests get exact messages.
#  2. warning red puts every stormwater station in storm mode.
#  3. limit STATION 1 caps a dry station set to 3.5 m (3 pumps wanted) at
#     one pump in its PLC's pump_cmd; no other station gets a limit.
#  4. nobody (setpriv) reads the status but is refused warning, exit 3; the
#     refusal and the accepted changes are in the audit trail (pumpctl log;
#     log --since garbage is a usage error, exit 2).
#  4b. overrides: a forced run (--for 60s at x30) shows in a dry v1
#     station's pump_cmd and leaves it on time; a run is refused, exit 3 with
#     the core's reason, for a pump plcsim tripped and at an L1 station; a
#     lockout at an L1 station sets its inhibit coil 8+k; bad pump numbers,
#     durations and reasons get exact messages; station local --for and
#     auto are taken; overrides, status and show list them.
#  5. warning, limit and overrides survive kill -9 and a restart.
#  6. hostile clients (idle connections, a 1 MiB line, a client that never
#     reads) are closed or turned away while pumpctl is served, and the
#     loop is never late by a poll.
. "$(dirname "$0")/lib.sh"

PB=$(port_base); CTL=$((PB + 40)); SPEED=30
chmod 755 "$WORK"; mkdir -p "$WORK/run"; chmod 755 "$WORK/run"
SOCK=$WORK/run/ctl.sock
FLOOD=shuangqiaohe
awk -v pb="$PB" '/port = 150[0-9][0-9]/ { sub(/port = 150[0-9][0-9]/, "port = " pb + (n++)) }
    /^influx = \{/ { skip = 1 } skip && /^\};/ { skip = 0; next } !skip { print }
    END { print "control_socket = { group = \"nogroup\"; };" }' \
    "$TOP/config/jinnan.conf" >"$WORK/district.conf"
"$BIN/plcsim" -c "$WORK/district.conf" --list >"$WORK/stations"
# the configuration's keys, checked by --check-config
sed 's/^control_socket = .*/control_socket = { path = "ctl.sock"; group = "no-such-grp"; operator_group = "nor-this"; };/' \
    "$WORK/district.conf" >"$WORK/badctl.conf"
out=$("$BIN/pumpd" --check-config "$WORK/badctl.conf" 2>&1); rc=$?
[ $rc = 1 ] && echo "$out" | grep -q 'control_socket.path: "ctl.sock": expected an absolute path' &&
    echo "$out" | grep -q 'control_socket.group: "no-such-grp": no such group' &&
    echo "$out" | grep -q 'control_socket.operator_group: "nor-this": no such group' &&
    ok "--check-config: control_socket's path and groups checked" || fail "check-config" "rc $rc: $out"
DRY=$(awk -v f=$FLOOD '$1 != f { printf "%s%s", s, $1; s = "," }' "$WORK/stations")
LIM=$(awk -v f=$FLOOD '$1 != f && $4 == "stormwater" && $5 == "v1" && $3 == 3 { print $1; exit }' "$WORK/stations")
LIMPORT=$(awk -v s="$LIM" '$1 == s { print $2 }' "$WORK/stations")
RUNST=$(awk -v f=$FLOOD -v l="$LIM" '$1 != f && $1 != l && $4 == "stormwater" && $5 == "v1" && $3 == 4 { print $1; exit }' "$WORK/stations")
RUNPORT=$(awk -v s="$RUNST" '$1 == s { print $2 }' "$WORK/stations")
L1ST=$(awk -v f=$FLOOD '$1 != f && $5 == "L1" { print $1; exit }' "$WORK/stations")
L1PORT=$(awk -v s="$L1ST" '$1 == s { print $2 }' "$WORK/stations")
pc() { "$BIN/pumpctl" -S "$SOCK" "$@"; }
coil() { mbpoll -m tcp -0 -1 -t 0 -r "$2" -c 1 -p "$1" 127.0.0.1 2>&1 | awk -v r="[$2]:" '$1 == r { print $2 }'; }
sim() { echo "$1" | python3 -c "
import socket,sys; s=socket.create_connection(('127.0.0.1', $CTL)); s.sendall(sys.stdin.buffer.read()); print(s.recv(100))" >/dev/null; }
jq_() { python3 -c "import json,sys; d=json.load(sys.stdin); $1"; }
pump_cmd() { mbpoll -m tcp -0 -1 -o 2 -t 4 -r 2 -p "$1" 127.0.0.1 2>&1 | awk '$1 == "[2]:" { print $2 }'; }
bits() { n=0; m=$1; while [ "$m" -gt 0 ]; do n=$((n + m % 2)); m=$((m / 2)); done; echo $n; }
start_pumpd() {	# LOG SPEED
	"$BIN/pumpd" -c "$WORK/district.conf" --sim-speed "$2" --state-dir "$WORK/state" \
	    --ctl-socket "$SOCK" --log-every 600 >"$1" 2>&1 &
	PD=$!; PIDS="$PIDS $PD"
	i=0; while [ ! -S "$SOCK" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
}

spawn "$BIN/plcsim" -c "$WORK/district.conf" --only $FLOOD -s $SPEED -r const:200:600@0 \
    >"$WORK/plcsim1.log" 2>&1
spawn "$BIN/plcsim" -c "$WORK/district.conf" --only "$DRY" -s $SPEED -p $CTL \
    >"$WORK/plcsim2.log" 2>&1
wait_port $CTL || { fail "plcsim" "$(cat "$WORK/plcsim2.log")"; finish; exit 1; }
start_pumpd "$WORK/pumpd1.log" $SPEED
[ -S "$SOCK" ] && ok "the control socket is there" || { fail "socket" "$(tail -3 "$WORK/pumpd1.log")"; finish; exit 1; }
perm=$(stat -c '%a %G' "$SOCK")
[ "$perm" = "660 nogroup" ] && ok "socket mode 0660, group nogroup (control_socket.group)" || fail "socket mode" "$perm"

# 1. status, sorted by risk
i=0; lvl=0
while [ $i -lt 60 ]; do
	lvl=$(pc show $FLOOD --json | jq_ 'print(d["data"]["level_m"] or 0)')
	awk -v l="$lvl" 'BEGIN { exit !(l >= 4.3) }' && break
	sleep 1; i=$((i + 1))
done
pc status >"$WORK/status.txt"; rc=$?
n=$(tail -n +3 "$WORK/status.txt" | wc -l)
first=$(sed -n 3p "$WORK/status.txt" | awk '{ print $1 }')
[ $rc = 0 ] && [ "$n" = 33 ] && [ "$first" = $FLOOD ] &&
    ok "status lists 33 stations, $FLOOD (at $lvl m) first: $(sed -n 3p "$WORK/status.txt")" ||
    fail "status sorted" "rc $rc, $n lines, first $first; $(head -5 "$WORK/status.txt")"
w=$(awk '{ print length($0) }' "$WORK/status.txt" | sort -n | tail -1)
[ "$w" -le 80 ] && ok "status fits 80 columns (widest $w)" || fail "80 columns" "$w"
more=$(grep "^$FLOOD " "$WORK/status.txt" | sed -nE 's/.* [a-z_]+\*? \+([0-9]+)$/\1/p')
na=$(pc status --json | jq_ 'print([len(s["alarms"]) for s in d["data"]["stations"] if s["id"] == "'$FLOOD'"][0])')
[ -n "$more" ] && [ "$na" -gt "$more" ] &&
    ok "its alarms cut to the first and +$more, --json has all $na: $(grep "^$FLOOD " "$WORK/status.txt" | cut -c 55-)" ||
    fail "alarms column" "$na: $(grep "^$FLOOD " "$WORK/status.txt")"
pc status --json | jq_ 'print(len(d["data"]["stations"]))' | grep -qx 33 &&
    ok "status --json gives the 33 stations" || fail "status --json" ""
pc show $FLOOD | grep -q "^pump 3:" && ok "show $FLOOD lists its pumps" || fail "show" "$(pc show $FLOOD)"
pc alarms | grep -q " $FLOOD .*high" && ok "alarms: $FLOOD high level standing" ||
    fail "alarms" "$(pc alarms | head -3)"
out=$(pc show nowhere 2>&1); rc=$?
[ $rc = 1 ] && echo "$out" | grep -q 'unknown station "nowhere"' && ok "show nowhere: exit 1, unknown station" ||
    fail "unknown station" "rc $rc: $out"
out=$(pc warning purple 2>&1); rc=$?
[ $rc = 2 ] && echo "$out" | grep -q 'bad warning "purple"' && ok "warning purple: exit 2, bad warning" ||
    fail "bad warning" "rc $rc: $out"
out=$(pc frobnicate 2>&1); rc=$?
[ $rc = 2 ] && ok "unknown command: exit 2" || fail "unknown command" "rc $rc"
pc warning --help | grep -q "usage: pumpctl warning" && ok "warning --help" || fail "--help" ""
out=$(printf '{"v":7,"cmd":"status"}\n' | python3 -c "
import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect('$SOCK'); s.sendall(sys.stdin.buffer.read()); print(s.makefile().readline())")
echo "$out" | grep -q '"status":"version"' && ok "another protocol version: its own reply" || fail "version" "$out"

# 2. warning red
nstorm0=$(pc status --json | jq_ 'print(sum(1 for s in d["data"]["stations"] if s["storm"]))')
pc warning red >/dev/null && ok "warning red accepted" || fail "warning red" ""
sleep 2
pc status --json | jq_ '
st=[s for s in d["data"]["stations"] if s["kind"]=="stormwater"]
bad=[s["id"] for s in st if not s["storm"]]
print(len(st), len(bad), " ".join(bad))' >"$WORK/storm"
read -r nsw nbad rest <"$WORK/storm"
[ "$nbad" = 0 ] && [ "$nsw" -ge 20 ] && ok "warning red: all $nsw stormwater stations in storm mode (before: $nstorm0)" ||
    fail "storm mode" "$nbad of $nsw not: $rest"
n=$(grep -c "storm mode on (.*red warning)" "$WORK/pumpd1.log")
[ "$n" -ge 20 ] && ok "pumpd logged storm mode on by the red warning at $n stations" || fail "storm log" "$n"

# 3. limit
out=$(pc limit nowhere 1 2>&1); rc=$?
[ $rc = 1 ] && echo "$out" | grep -q 'unknown station "nowhere"' && ok "limit nowhere 1: exit 1, unknown station" ||
    fail "limit unknown" "rc $rc: $out"
out=$(pc limit $LIM 1) && ok "limit $LIM 1: $out" || fail "limit" "$out"
pc status --json | jq_ '
l={s["id"]: s["limit_pumps"] for s in d["data"]["stations"]}
print(sum(1 for v in l.values() if v >= 0), l["'$LIM'"])' | grep -qx "1 1" &&
    ok "status: a limit at $LIM only" || fail "one station" "$(pc status --json | head -5)"
echo "fault $LIM:level:3.5" | python3 -c "
import socket,sys; s=socket.create_connection(('127.0.0.1', $CTL)); s.sendall(sys.stdin.buffer.read()); print(s.recv(100))" >/dev/null
max=0; seen=0; i=0
while [ $i -lt 20 ]; do
	c=$(pump_cmd "$LIMPORT"); [ -n "$c" ] || c=0
	b=$(bits "$c"); [ "$b" -gt "$max" ] && max=$b; [ "$b" -ge 1 ] && seen=$((seen + 1))
	sleep 0.2; i=$((i + 1))
done
[ "$max" = 1 ] && [ "$seen" -ge 3 ] && ok "limit 1: $LIM at 3.5 m ran one pump (pump_cmd) in $seen of 20 reads, never more" ||
    fail "limit caps" "max $max pumps, one in $seen reads"

# 4. a user outside the operator group
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$BIN/pumpctl" -S "$SOCK" status 2>&1); rc=$?
[ $rc = 0 ] && ok "nobody reads the status" || fail "nobody status" "rc $rc: $out"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$BIN/pumpctl" -S "$SOCK" warning none 2>&1); rc=$?
[ $rc = 3 ] && echo "$out" | grep -q "not in the operator group" && ok "nobody: warning none refused, exit 3: $out" ||
    fail "refused" "rc $rc: $out"
pc status --json | jq_ 'print(d["data"]["warning"])' | grep -qx red && ok "the warning stays red" || fail "unchanged" ""
grep -q '"user":"nobody","cmd":"warning","args":\["none"\],"result":"refused"' "$WORK/state/audit.log" &&
    ok "the refusal is in the audit trail" || fail "audit refusal" "$(cat "$WORK/state/audit.log")"
pc log >"$WORK/log.txt"
grep -q "root(0) warning \[\"red\"\]: ok" "$WORK/log.txt" && grep -q "nobody(65534) warning \[\"none\"\]: refused" "$WORK/log.txt" &&
    ok "pumpctl log: $(wc -l <"$WORK/log.txt") entries, the change and the refusal" || fail "pumpctl log" "$(cat "$WORK/log.txt")"
pc log --since 2999 | grep -q . && fail "log --since" "entries from the future" || ok "log --since filters"
out=$(pc log --since garbage 2>&1); rc=$?
[ $rc = 2 ] && echo "$out" | grep -q 'bad time .*"garbage"' && ok "log --since garbage: exit 2, names the value" ||
    fail "log --since garbage" "rc $rc: $out"

# 4b. overrides
out=$(pc pump $RUNST 5 run 2>&1); rc=$?
[ $rc = 1 ] && echo "$out" | grep -q "bad pump \"5\": station $RUNST has pumps 1..4" &&
    ok "pump $RUNST 5 run: exit 1: $out" || fail "pump 5" "rc $rc: $out"
out=$(pc pump $RUNST 0 run 2>&1); rc=$?
[ $rc = 2 ] && echo "$out" | grep -q 'bad pump number' && ok "pump 0: exit 2 (1-based)" || fail "pump 0" "rc $rc: $out"
out=$(pc pump $RUNST 1 run --for 10 2>&1); rc=$?
[ $rc = 2 ] && echo "$out" | grep -q 'bad duration' && ok "--for 10: exit 2, bad duration" || fail "duration" "rc $rc: $out"
out=$(pc pump $RUNST 1 stop --reason "$(printf 'a\nb')" 2>&1); rc=$?
[ $rc = 2 ] && echo "$out" | grep -q 'control characters' && ok "a reason with a newline: exit 2" || fail "reason" "rc $rc: $out"
out=$(pc pump nowhere 1 run 2>&1); rc=$?
[ $rc = 1 ] && echo "$out" | grep -q 'unknown station "nowhere"' && ok "pump nowhere 1 run: exit 1" || fail "pump nowhere" "rc $rc: $out"
c0=$(pump_cmd "$RUNPORT")
out=$(pc pump $RUNST 2 run --for 60s --reason "drill test" 2>&1); rc=$?
t0=$(date +%s%N)
[ $rc = 0 ] && ok "pump $RUNST 2 run --for 60s (2 s at x30): $out" || fail "forced run" "rc $rc: $out"
on=""; off=""
for i in $(seq 1 60); do
	c=$(pump_cmd "$RUNPORT"); [ -n "$c" ] || c=0
	t=$((($(date +%s%N) - t0) / 1000000))
	if [ -z "$on" ] && [ $((c & 2)) != 0 ]; then on=$t; fi
	if [ -n "$on" ] && [ -z "$off" ] && [ $((c & 2)) = 0 ]; then off=$t; break; fi
	sleep 0.1
done
[ -n "$on" ] && [ "$on" -lt 1500 ] && ok "the forced run in $RUNST's pump_cmd after $on ms (was $c0)" ||
    fail "forced run shows" "on '$on' ms, pump_cmd $c"
[ -n "$off" ] && [ "$off" -ge 1500 ] && [ "$off" -le 4500 ] &&
    ok "the forced run ended on time: pump 2 off after $off ms (2000 ms asked)" || fail "expiry" "off '$off' ms"
grep -q "station $RUNST: pump 2: manual run for 60 s: drill test" "$WORK/pumpd1.log" &&
    ok "pumpd logged the manual run with its reason" || fail "run event" "$(grep "$RUNST" "$WORK/pumpd1.log" | tail -3)"
sim "fault $RUNST:trip:3"; sleep 1
out=$(pc pump $RUNST 3 run 2>&1); rc=$?
[ $rc = 3 ] && echo "$out" | grep -q "FAULT" && ok "pump $RUNST 3 (tripped) run: exit 3: $out" || fail "faulted" "rc $rc: $out"
out=$(pc pump $L1ST 1 run 2>&1); rc=$?
[ $rc = 3 ] && echo "$out" | grep -q "refused: " && ok "pump $L1ST (L1) 1 run: exit 3: $out" || fail "L1 run" "rc $rc: $out"
out=$(pc lockout $L1ST 2 2>&1); rc=$?
[ $rc = 2 ] && echo "$out" | grep -q "needs --reason" && ok "lockout without a reason: exit 2" || fail "lockout reason" "rc $rc: $out"
out=$(pc lockout $L1ST 2 --reason "" 2>&1); rc=$?
[ $rc = 2 ] && echo "$out" | grep -q "needs --reason" && ok "lockout with an empty reason: exit 2" || fail "lockout empty" "rc $rc: $out"
out=$(pc shelve 1010 --for 2h 2>&1); rc=$?
[ $rc = 2 ] && echo "$out" | grep -q "a shelf needs --for DURATION and --reason TEXT" &&
    ok "shelve without a reason: exit 2, says so" || fail "shelve reason" "rc $rc: $out"
out=$(pc pump $RUNST 1 run --for 1h --frob x 2>&1); rc=$?
[ $rc = 2 ] && echo "$out" | grep -q 'option: .*"--frob"' && ok "an unknown option named: $(echo "$out" | head -1)" ||
    fail "unknown option" "rc $rc: $out"
out=$(pc pump $RUNST 1 auto --for 1h 2>&1); rc=$?
[ $rc = 2 ] && echo "$out" | grep -q 'auto takes no --for' && ok "pump ... auto --for 1h: exit 2" || fail "auto --for" "rc $rc: $out"
out=$(pc shelve 1010 --for 2h --reason 2>&1); rc=$?
[ $rc = 2 ] && echo "$out" | grep -q 'without its value "--reason"' && ok "--reason without its value: named" ||
    fail "option value" "rc $rc: $out"
[ "$(coil "$L1PORT" 9)" = 0 ] || fail "inhibit before" "coil 9 is $(coil "$L1PORT" 9)"
pc lockout $L1ST 2 --reason "seal leak" >/dev/null && ok "lockout $L1ST 2 accepted" || fail "lockout" ""
i=0; while [ "$(coil "$L1PORT" 9)" != 1 ] && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
[ "$(coil "$L1PORT" 9)" = 1 ] && [ "$(coil "$L1PORT" 8)" = 0 ] &&
    ok "lockout at L1: $L1ST's inhibit coil 9 (pump 2) set in $((i * 100)) ms, coil 8 not" ||
    fail "inhibit coil" "coil 9 $(coil "$L1PORT" 9), coil 8 $(coil "$L1PORT" 8)"
out=$(pc lockout $L1ST 2 --reason again 2>&1); rc=$?
[ $rc = 3 ] && echo "$out" | grep -q "locked out already" && ok "a second lockout: exit 3: $out" || fail "relock" "rc $rc: $out"
out=$(pc station $LIM local --for 2h 2>&1); rc=$?
[ $rc = 0 ] && echo "$out" | grep -q "^$LIM .*station local .*until " &&
    ok "station $LIM local --for 2h: $out" || fail "station local" "rc $rc: $out"
out=$(pc station $LIM auto 2>&1); rc=$?
[ $rc = 0 ] && ! pc overrides | grep -q "^$LIM " && ok "station $LIM auto: back, no override left" ||
    fail "station auto" "rc $rc: $out"
out=$(pc station $LIM remote 2>&1); rc=$?
[ $rc = 2 ] && echo "$out" | grep -q 'bad station command' && ok "station $LIM remote: exit 2" || fail "station verb" "rc $rc: $out"
pc pump $RUNST 4 stop --for 2h --reason "valve work" >/dev/null && ok "pump $RUNST 4 stop --for 2h" || fail "stop 2h" ""
pc overrides >"$WORK/ovr.txt"
grep -q "^$L1ST .*pump 2 .*lockout .*no expiry: seal leak" "$WORK/ovr.txt" &&
    grep -q "^$RUNST .*pump 4 .*stop .*until .*: valve work" "$WORK/ovr.txt" && [ "$(wc -l <"$WORK/ovr.txt")" = 2 ] &&
    ok "overrides lists the two: $(tr '\n' ';' <"$WORK/ovr.txt")" || fail "overrides" "$(cat "$WORK/ovr.txt")"
pc status | grep -q "^$RUNST .* \[p4 stop 1h5[0-9]\]" && pc status | grep -q "^$L1ST .* \[p2 lockout\]" &&
    pc show $RUNST | grep -A1 '^overrides in force:' | grep -q "^$RUNST .*pump 4 .*stop .*until .*: valve work" &&
    ok "status and show give the overrides in force: $(pc status | grep "^$RUNST ")" ||
    fail "status/show overrides" "$(pc status | grep "^$RUNST "; pc show $RUNST)"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$BIN/pumpctl" -S "$SOCK" unlock $L1ST 2 2>&1); rc=$?
[ $rc = 3 ] && grep -q '"user":"nobody","cmd":"unlock".*"result":"refused"' "$WORK/state/audit.log" &&
    grep -q '"cmd":"lockout","args":\["'$L1ST'","2","--reason","seal leak"\],"result":"ok"' "$WORK/state/audit.log" &&
    ok "nobody's unlock refused (exit 3); lockout and refusal in the audit trail" || fail "audit ovr" "rc $rc: $out"

# 5. kill -9 and restart
sleep 1
kill -KILL $PD; wait $PD 2>/dev/null
start_pumpd "$WORK/pumpd2.log" 1
sleep 1
out=$(pc status --json | jq_ 'print(d["data"]["warning"], d["data"]["limits"])')
[ "$out" = "red {'$LIM': 1}" ] && ok "after kill -9 and restart: warning red, limit 1 at $LIM" ||
    fail "survives" "$out; $(grep ctl "$WORK/pumpd2.log")"
pc overrides --json | jq_ '
o=sorted((x["station"], x["pump"], x["kind"], x["until_ms"] is None, x["reason"]) for x in d["data"]["overrides"])
print(o)' >"$WORK/ovr2"
grep -qF "[('$RUNST', 4, 'stop', False, 'valve work'), ('$L1ST', 2, 'lockout', True, 'seal leak')]" "$WORK/ovr2" ||
    grep -qF "[('$L1ST', 2, 'lockout', True, 'seal leak'), ('$RUNST', 4, 'stop', False, 'valve work')]" "$WORK/ovr2" &&
    ok "after kill -9 and restart: the lockout and the stop with its expiry" || fail "overrides survive" "$(cat "$WORK/ovr2")"
i=0; while [ "$(coil "$L1PORT" 9)" != 1 ] && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
[ "$(coil "$L1PORT" 9)" = 1 ] && ok "the inhibit coil still set after the restart" || fail "inhibit after" ""
pc unlock $L1ST 2 >/dev/null && ! pc overrides | grep -q "$L1ST" && ok "unlock $L1ST 2: gone from overrides" ||
    fail "unlock" "$(pc overrides)"

# 6. hostile clients, on the x1 pumpd (poll 1000 ms)
sleep 3
ov0=$(pc status --json | jq_ 'print(d["data"]["loop"]["overruns"])')
# nobody runs its copy from $WORK: the checkout may be closed to others
cp "$TOP/tests/integration/hostile_ctl.py" "$WORK/hostile_ctl.py"; chmod 644 "$WORK/hostile_ctl.py"
HOLD=6 setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 "$WORK/hostile_ctl.py" "$SOCK" idle 12 >"$WORK/h-idle" 2>&1 &
H1=$!
HOLD=6 python3 "$TOP/tests/integration/hostile_ctl.py" "$SOCK" flood >"$WORK/h-flood" 2>&1 &
H2=$!
HOLD=6 python3 "$TOP/tests/integration/hostile_ctl.py" "$SOCK" stall >"$WORK/h-stall" 2>&1 &
H3=$!
sleep 1
worst=0; served=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	t0=$(date +%s%N)
	pc status >/dev/null && served=$((served + 1))
	t=$((($(date +%s%N) - t0) / 1000000)); [ $t -gt $worst ] && worst=$t
	sleep 0.3
done
wait $H1 $H2 $H3
# the bound is wall time of a whole pumpctl run, its start-up included, on
# a machine that may be busy (CI plays two storms meanwhile); the loop's own
# lag is judged below from pumpd's overrun count
[ $served = 10 ] && [ $worst -lt 3000 ] && ok "pumpctl served 10 of 10 during the attack, slowest $worst ms" ||
    fail "served" "$served of 10, slowest $worst ms"
idle=$(cat "$WORK/h-idle"); nopen=$(echo "$idle" | tr ' ' '\n' | grep -c open)
[ "$nopen" = 8 ] && ok "nobody's 12 idle connections: 8 kept, 4 turned away (8 a user)" || fail "per user" "$idle"
[ "$(cat "$WORK/h-flood")" = closed ] && ok "the 1 MiB line: that client closed" || fail "flood" "$(cat "$WORK/h-flood")"
[ "$(cat "$WORK/h-stall")" = closed ] && ok "the client that never reads: closed" || fail "stall" "$(cat "$WORK/h-stall")"
out=$(pc status --json | jq_ 'l=d["data"]["loop"]; print(l["overruns"], l["clients_dropped"])')
set -- $out
[ "$1" = "$ov0" ] && ok "the loop was never late by a poll (overruns $ov0 before and after; $2 clients dropped)" ||
    fail "loop lag" "overruns $ov0 -> $1"
grep -q "closing the client" "$WORK/pumpd2.log" && ok "pumpd logged the clients it closed" || fail "log" ""
kill -TERM $PD; wait $PD 2>/dev/null
[ ! -e "$SOCK" ] && ok "the socket removed at a stop" || fail "socket left" ""
out=$(pc status 2>&1); rc=$?
[ $rc = 4 ] && ok "no pumpd: exit 4: $out" || fail "unreachable" "rc $rc: $out"
# under make asan: nothing from the sanitizers
if grep -q "Sanitizer\|runtime error" "$WORK"/pumpd*.log; then
	fail "sanitizers" "$(grep -h -A5 "Sanitizer\|runtime error" "$WORK"/pumpd*.log | head -20)"
else
	ok "no sanitizer report in pumpd's logs"
fi
finish
