#!/bin/bash
# No descriptor number can abort pumpd or plcsim (issue 13): each is
# started with 1100 descriptors already open (the limit raised to 4096), so
# that every socket it opens is above FD_SETSIZE (1024), where select()
# aborts the process ("bit out of range"), as with about 1,008 PLCs in
# pumpd or 511 stations in one plcsim.  mbpoll reads the plcsim station,
# and pumpd polls it all the same: the station reads comms OK with a level, pumpd is still alive after
# a reconnect (the PLC restarted by a plcsim fault), and a --check-config
# of a 3000-station district is accepted (served, not refused).
. "$(dirname "$0")/lib.sh"

PB=$(port_base); PORT=$((PB + 1)); CTL=$((PB + 2))
GEN=$TOP/scripts/bench/gen-conf.py
python3 "$GEN" --base "$PORT" "$TOP/config/jinnan.conf" 1 >"$WORK/one.conf"
ID=$(awk -F'"' '/^[[:space:]]*id = "/ { print $2; exit }' "$WORK/one.conf")
# crowded CMD...: run CMD with descriptors 10..1109 taken (inherited, as
# a careless parent would leave them), so that its own are numbered from
# 1110 on
crowded() {
	ulimit -n 4096 || exit 1
	for i in $(seq 1100); do exec {fd}</dev/null; done
	exec "$@"
}
( crowded "$BIN/plcsim" -c "$WORK/one.conf" -s 10 -p "$CTL" ) >"$WORK/plcsim.log" 2>&1 &
SIM=$!
PIDS="$PIDS $SIM"
wait_port "$PORT" || { fail "plcsim listens" "$(tail -3 "$WORK/plcsim.log")"; finish; exit 1; }
out=$(mbpoll -m tcp -0 -1 -o 2 -t 3 -r 0 -c 11 -p "$PORT" 127.0.0.1 2>&1)
sfd=$(ls /proc/$SIM/fd 2>/dev/null | sort -n | tail -1)
echo "$out" | grep -q '^\[0\]:[[:space:]]*1$' && kill -0 $SIM 2>/dev/null &&
    ok "plcsim answers mbpoll with its sockets above descriptor 1024 (highest $sfd)" ||
    fail "plcsim answers above descriptor 1024" "$out $(tail -3 "$WORK/plcsim.log")"

mkdir -p "$WORK/state"
(
	crowded "$BIN/pumpd" -c "$WORK/one.conf" --sim-speed 10 --poll-ms 200 \
	    --state-dir "$WORK/state" --ctl-socket "$WORK/ctl.sock" --log-every 60
) >"$WORK/pumpd.log" 2>&1 &
PUMPD=$!
PIDS="$PIDS $PUMPD"

# the station polled: comms OK in pumpctl's view, within 10 s
got=""
for i in $(seq 50); do
	got=$("$BIN/pumpctl" -S "$WORK/ctl.sock" show "$ID" --json 2>/dev/null)
	echo "$got" | grep -q "\"comms\": *\"OK\"" && break
	kill -0 $PUMPD 2>/dev/null || break
	sleep 0.2
done
maxfd=$(ls /proc/$PUMPD/fd 2>/dev/null | sort -n | tail -1)
echo "$got" | grep -q "\"comms\": *\"OK\"" &&
    ok "station $ID polled with its socket above descriptor 1024 (highest $maxfd)" ||
    fail "station polled above descriptor 1024" "$(tail -5 "$WORK/pumpd.log")"
[ "${maxfd:-0}" -gt 1024 ] && ok "pumpd's descriptors reach $maxfd" ||
    fail "pumpd's descriptors above 1024" "highest ${maxfd:-none}"

# a reconnect (the PLC restarts and drops the connection): still alive,
# polling again
exec 3<>/dev/tcp/127.0.0.1/$CTL; echo "fault $ID:restart" >&3; exec 3>&-
sleep 2
got=""
for i in $(seq 50); do
	got=$("$BIN/pumpctl" -S "$WORK/ctl.sock" show "$ID" --json 2>/dev/null)
	echo "$got" | grep -q "\"comms\": *\"OK\"" && break
	kill -0 $PUMPD 2>/dev/null || break
	sleep 0.2
done
kill -0 $PUMPD 2>/dev/null && echo "$got" | grep -q "\"comms\": *\"OK\"" &&
    ok "alive and polling after the PLC restarted" ||
    fail "alive after a reconnect" "$(tail -5 "$WORK/pumpd.log")"
grep -q "out of range" "$WORK/pumpd.log" &&
    fail "no FD_SETSIZE abort" "$(grep "out of range" "$WORK/pumpd.log")" ||
    ok "no FD_SETSIZE abort in the log"

# a district past the old ceiling is served: 3000 stations check OK
python3 "$GEN" --base 10000 "$TOP/config/jinnan.conf" 3000 >"$WORK/big.conf"
check "3000-station district accepted by --check-config" \
    "$BIN/pumpd" --check-config -c "$WORK/big.conf"
finish
