#!/bin/bash
# plcsim serves a map L1 station (../shared/plc-legacy.md) on loopback, and
# independent clients read it as the contract says: mbpoll (Debian's) reads
# the discrete inputs, the coils, the input registers (raw 4-20 mA level,
# CDAB counters) and the set-points as CDAB floats (mbpoll's default word
# order is low word first; -B, high word first, must read nonsense); a few
# lines of python3 ask function 17 (not in mbpoll) for the identity and time
# the answers (20-50 ms).  A bad set-point is refused with exception 3 and
# changes nothing, a reserved coil with exception 3, and with REMOTE off
# every write gets exception 4.  The L1 PLC's slow answers never hold up
# another station's: a v1 station answering 5 ms late, asked just after the
# L1 station, answers first.
. "$(dirname "$0")/lib.sh"

CONF=$TOP/config/jinnan.conf
PB=$(port_base)
V1=$PB		# shuangqiaohe, map v1 (first in the file)
P=$((PB + 1))	# gegu-old
CTL=$((PB + 50))
ID=gegu-old	# transducer zero 0.2 m, span 5 m; panel 1.8 / 1.1 / 0.7 / 3.5
spawn "$BIN/plcsim" -c "$CONF" --only shuangqiaohe,$ID --port-base "$PB" -p $CTL >"$WORK/plcsim.log" 2>&1
wait_port $P && wait_port $V1 && wait_port $CTL || { fail "plcsim listens" "ports $P, $CTL"; finish; exit 1; }

mb() { mbpoll -m tcp -0 -1 -o 2 "$@" 2>&1; }
vals() { awk '/^\[[0-9]+\]:/ { printf "%s%s", s, $2; s = " " }'; }
ctl() { exec 3<>/dev/tcp/127.0.0.1/$CTL; echo "$1" >&3; read -r -t 5 reply <&3; exec 3>&-; echo "$reply"; }

"$BIN/plcsim" -c "$CONF" --only $ID --list | grep -q " L1$" && ok "--list names the map: L1" ||
    fail "--list names the map" "$("$BIN/plcsim" -c "$CONF" --only $ID --list)"

# Another station's delayed answer is not queued behind the L1 PLC's.
ctl "fault shuangqiaohe:slow:5" >/dev/null
python3 - $P $V1 >"$WORK/order" <<'PY'
import socket, struct, sys, time
l1 = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
v1 = socket.create_connection(("127.0.0.1", int(sys.argv[2])))
req = struct.pack(">HHHBBHH", 1, 0, 6, 1, 4, 0, 1)
t = []
for i in range(10):
    l1.sendall(req)
    time.sleep(0.002)
    v1.sendall(req)
    t0 = time.monotonic()
    v1.recv(64)
    t.append((time.monotonic() - t0) * 1000)
    l1.recv(64)
t.sort()
print("%.0f" % t[5])
PY
med=$(cat "$WORK/order")
[ "${med:-99}" -le 15 ] && ok "a v1 station 5 ms slow answers in $med ms (median) while the L1 PLC takes 20-50 ms" ||
    fail "answers queued by due time" "v1 station answered in $med ms (median), want 5 ms"
ctl "fault shuangqiaohe:answer" >/dev/null

# Function 17, and the time each answer takes.
python3 - $P >"$WORK/ident" <<'PY'
import socket, struct, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(2)
def ask(tid, pdu):
    s.sendall(struct.pack(">HHHB", tid, 0, len(pdu) + 1, 1) + pdu)
    t = time.monotonic()
    h = s.recv(7)
    body = s.recv(struct.unpack(">H", h[4:6])[0] - 1)
    return h, body, (time.monotonic() - t) * 1000
h, b, ms = ask(0x1717, b"\x11")
print("tid=%04x fc=%d count=%d id=%02x run=%02x text=%s" % (
    struct.unpack(">H", h[:2])[0], b[0], b[1], b[2], b[3], b[4:].decode()))
t = sorted(ask(i, struct.pack(">BHH", 4, 0, 28))[2] for i in range(20))
print("ms min=%.0f p90=%.0f max=%.0f" % (t[0], t[17], t[-1]))
PY
grep -q "^tid=1717 fc=17 count=14 id=4c run=ff text=JNPS-L1 2.07$" "$WORK/ident" &&
    ok "function 17: server id 0x4C, run indicator 0xFF, \"JNPS-L1 2.07\"" ||
    fail "function 17 identity" "$(cat "$WORK/ident")"
# (the slowest answers are left out: a loaded machine delays a few)
read -r lo hi <<<"$(sed -n 's/^ms min=\([0-9]*\) p90=\([0-9]*\) .*$/\1 \2/p' "$WORK/ident")"
[ "${lo:-0}" -ge 19 ] && [ "${hi:-999}" -le 60 ] && ok "20 reads: 18 answered in $lo..$hi ms (20-50 ms a request)" ||
    fail "20-50 ms a request" "$(tail -1 "$WORK/ident")"

# Discrete inputs: AUTO, REMOTE, MAINS_OK; 3 pumps available, none running.
di=$(mb -t 1 -r 0 -c 24 -p $P 127.0.0.1 | vals)
[ "$di" = "1 1 1 0 0 0 0 0 0 0 1 0 0 0 1 0 0 0 1 0 0 0 0 0" ] &&
    ok "discrete inputs 0..23: AUTO REMOTE MAINS_OK, pumps 1-3 AVAILABLE" || fail "discrete inputs" "$di"
out=$(mb -t 1 -r 24 -c 1 -p $P 127.0.0.1)
echo "$out" | grep -q "Illegal data address" && ok "discrete input 24: exception 2" || fail "discrete input 24" "$out"

# Input registers: the level at 1.0 m is (1.0 - 0.2) / 5 * 27648 = 4424
# counts; starts of pump 1 are 70000 = 0x00011170, low word first.
ir=$(mb -t 3 -r 0 -c 28 -p $P 127.0.0.1 | vals)
set -- $ir
[ "$1" = 4424 ] && ok "level_raw 4424 counts (1.0 m, zero 0.2 m, span 5 m)" || fail "level_raw" "$ir"
[ "${21}" = 4464 ] && [ "${22}" = 1 ] && ok "starts of pump 1: 4464, 1 (CDAB for 70000)" || fail "starts CDAB" "$ir"
[ "$#" = 28 ] && ok "28 input registers" || fail "28 input registers" "$#"
st=$(mb -t 3:int -r 20 -c 1 -p $P 127.0.0.1 | vals)
[ "$st" = 70000 ] && ok "mbpoll -t 3:int reads starts 70000" || fail "starts as int" "$st"
ctl "fault $ID:level-wire-break" >/dev/null
sleep 1
raw=$(mb -t 3 -r 0 -c 1 -p $P 127.0.0.1 | vals)
[ "$raw" = 32767 ] && ok "wire break: level_raw 32767" || fail "wire break" "$raw"
ctl "fault $ID:level-under" >/dev/null
sleep 1
raw=$(mb -t 3 -r 0 -c 1 -p $P 127.0.0.1 | vals)
[ "$raw" = 60536 ] && ok "under range: level_raw 60536 (-5000 as int16, below -4864)" || fail "under range" "$raw"
ctl "fault $ID:level-ok" >/dev/null

# Holding registers: the panel's set-points as CDAB floats.
hr=$(mb -t 4:float -r 0 -c 4 -p $P 127.0.0.1 | vals)
[ "$hr" = "1.8 1.1 0.7 3.5" ] && ok "set-points 1.8 1.1 0.7 3.5 m (float32, low word first)" || fail "set-points" "$hr"
hr=$(mb -t 4:float -B -r 0 -c 4 -p $P 127.0.0.1 | vals)
[ "$hr" != "1.8 1.1 0.7 3.5" ] && ok "high word first reads other numbers ($hr)" || fail "word order" "$hr"

# Writes: set-points in one function-16 request, refused when wrong.
out=$(mb -t 4:float -r 0 -p $P 127.0.0.1 2.0 2.5 0.5 3.0)
echo "$out" | grep -q "Illegal data value" && ok "stop 2.5 above start 2.0: exception 3" || fail "stop above start" "$out"
out=$(mb -t 4:float -r 0 -p $P 127.0.0.1 2.0 1.0 0.5 21.0)
echo "$out" | grep -q "Illegal data value" && ok "all-on 21 m: exception 3" || fail "all-on 21 m" "$out"
out=$(mb -t 4:float -r 0 -p $P 127.0.0.1 2.0 1.0 0.5 nan)
echo "$out" | grep -q "Illegal data value" && ok "NaN: exception 3" || fail "NaN" "$out"
out=$(mb -t 4:float -r 0 -p $P 127.0.0.1 -- 2.0 -1.0 0.5 3.0)
echo "$out" | grep -q "Illegal data value" && ok "stop -1 m: exception 3" || fail "stop -1 m" "$out"
hr=$(mb -t 4:float -r 0 -c 4 -p $P 127.0.0.1 | vals)
[ "$hr" = "1.8 1.1 0.7 3.5" ] && ok "refused writes changed nothing" || fail "refused writes changed nothing" "$hr"
mb -t 4:float -r 0 -p $P 127.0.0.1 2.0 1.2 0.5 3.0 >/dev/null
hr=$(mb -t 4:float -r 0 -c 4 -p $P 127.0.0.1 | vals)
[ "$hr" = "2 1.2 0.5 3" ] && ok "set-points 2.0 1.2 0.5 3.0 written and read back" || fail "write read back" "$hr"
out=$(mb -t 4 -r 0 -p $P 127.0.0.1 0)
echo "$out" | grep -q "Illegal function" && ok "function 06 on a set-point (half a float): exception 1" || fail "function 06" "$out"

# Coils: REMOTE_SETPOINTS and an inhibit; a reserved coil; ALARM_RESET reads 0.
out=$(mb -t 0 -r 3 -p $P 127.0.0.1 1)
echo "$out" | grep -q "Illegal data value" && ok "reserved coil 3 := 1: exception 3" || fail "reserved coil" "$out"
mb -t 0 -r 0 -p $P 127.0.0.1 1 1 >/dev/null
mb -t 0 -r 9 -p $P 127.0.0.1 1 >/dev/null
co=$(mb -t 0 -r 0 -c 12 -p $P 127.0.0.1 | vals)
[ "$co" = "1 0 0 0 0 0 0 0 0 1 0 0" ] && ok "coils: REMOTE_SETPOINTS 1, ALARM_RESET reads 0, inhibit of pump 2" ||
    fail "coils" "$co"
di=$(mb -t 1 -r 15 -c 1 -p $P 127.0.0.1 | vals)
[ "$di" = 1 ] && ok "INHIBITED 2 echoes the coil" || fail "INHIBITED 2" "$di"

# REMOTE off: every write gets exception 4 and changes nothing.
[ "$(ctl "fault $ID:remote-off")" = ok ] || fail "remote-off" "control port"
o1=$(mb -t 4:float -r 0 -p $P 127.0.0.1 2.2 1.2 0.5 3.0)
o2=$(mb -t 0 -r 0 -p $P 127.0.0.1 0)
o3=$(mb -t 0 -r 8 -p $P 127.0.0.1 1 1)
nf=$(printf '%s\n%s\n%s\n' "$o1" "$o2" "$o3" | grep -c "failed")
[ "$nf" = 3 ] && printf '%s\n%s\n%s\n' "$o1" "$o2" "$o3" | grep -q "Slave device or server failure" &&
    ok "REMOTE off: functions 16, 05 and 15 get exception 4" || fail "exception 4" "$o1 / $o2 / $o3"
di=$(mb -t 1 -r 1 -c 1 -p $P 127.0.0.1 | vals)
co=$(mb -t 0 -r 0 -c 12 -p $P 127.0.0.1 | vals)
hr=$(mb -t 4:float -r 0 -c 4 -p $P 127.0.0.1 | vals)
[ "$di" = 0 ] && [ "$co" = "1 0 0 0 0 0 0 0 0 1 0 0" ] && [ "$hr" = "2 1.2 0.5 3" ] &&
    ok "REMOTE reads 0 and nothing changed" || fail "nothing changed with REMOTE off" "REMOTE=$di coils=$co sp=$hr"

# A restart clears REMOTE_SETPOINTS and the inhibits; counters are kept.
ctl "fault $ID:remote-on" >/dev/null
ctl "fault $ID:restart" >/dev/null
co=$(mb -t 0 -r 0 -c 12 -p $P 127.0.0.1 | vals)
st=$(mb -t 3:int -r 20 -c 1 -p $P 127.0.0.1 | vals)
[ "$co" = "0 0 0 0 0 0 0 0 0 0 0 0" ] && [ "$st" = 70000 ] &&
    ok "restart: REMOTE_SETPOINTS and inhibits 0, starts kept" || fail "restart" "coils=$co starts=$st"
finish
