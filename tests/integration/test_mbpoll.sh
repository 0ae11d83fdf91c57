#!/bin/bash
# plcsim serves the 33-station district on loopback; mbpoll (Debian's, an
# independent Modbus client) reads every map v1 station (30; the three L1
# stations are test_mbpoll_l1.sh's): map version 1, the pump
# count from the configuration, exception 2 outside the map, exception 3 for
# an out-of-range write, and a good write read back.
. "$(dirname "$0")/lib.sh"

CONF=$TOP/config/jinnan.conf
PB=$(port_base)
"$BIN/plcsim" -c "$CONF" --port-base "$PB" --list >"$WORK/stations"
spawn "$BIN/plcsim" -c "$CONF" --port-base "$PB" -s 10 >"$WORK/plcsim.log" 2>&1
wait_port $((PB + 32)) || { fail "plcsim listens" "no port $((PB + 32))"; finish; exit 1; }

mb() { mbpoll -m tcp -0 -1 -o 2 "$@" 2>&1; }

n=0
nl1=0
while read -r id port pumps kind map; do
	[ "$map" = L1 ] && { nl1=$((nl1 + 1)); continue; }
	n=$((n + 1))
	out=$(mb -t 3 -r 0 -c 80 -p "$port" 127.0.0.1)
	ver=$(echo "$out" | awk '$1 == "[0]:" { print $2 }')
	cnt=$(echo "$out" | awk '$1 == "[10]:" { print $2 }')
	lines=$(echo "$out" | grep -c '^\[[0-9]*\]:')
	if [ "$ver" = 1 ] && [ "$cnt" = "$pumps" ] && [ "$lines" = 80 ]; then
		ok "$id ($kind): map version 1, $pumps pumps, 80 registers"
	else
		fail "$id" "map_version=$ver pump_count=$cnt (want $pumps) registers=$lines"
	fi
done <"$WORK/stations"
[ "$n" = 30 ] && [ "$nl1" = 3 ] && ok "33 stations listed, 30 on map v1, 3 on L1" ||
    fail "33 stations listed" "got $n on v1, $nl1 on L1"

P=$PB
out=$(mb -t 3 -r 80 -c 1 -p $P 127.0.0.1)
echo "$out" | grep -q "Illegal data address" && ok "input register 80: exception 2" ||
    fail "input register 80: exception 2" "$out"
out=$(mb -t 3 -r 70 -c 20 -p $P 127.0.0.1)
echo "$out" | grep -q "Illegal data address" && ok "input registers 70..89: exception 2" ||
    fail "input registers 70..89: exception 2" "$out"
out=$(mb -t 4 -r 16 -p $P 127.0.0.1)
echo "$out" | grep -q "Illegal data address" && ok "holding register 16: exception 2" ||
    fail "holding register 16: exception 2" "$out"
out=$(mb -t 4 -r 1 -p $P 127.0.0.1 5)
echo "$out" | grep -q "Illegal data value" && ok "mode_request 5: exception 3" ||
    fail "mode_request 5: exception 3" "$out"
out=$(mb -t 4 -r 4 -p $P 127.0.0.1 1 2>&1)
out2=$(mb -t 4 -r 4 -p $P 127.0.0.1 601)
echo "$out $out2" | grep -c "Illegal data value" | grep -q 2 &&
    ok "watchdog_s 1 and 601: exception 3" || fail "watchdog_s 1 and 601: exception 3" "$out $out2"
out=$(mb -t 4 -r 5 -p $P 127.0.0.1 20001 1000 3000)
echo "$out" | grep -q "Illegal data value" && ok "fb_start_mm 20001 (function 16): exception 3" ||
    fail "fb_start_mm 20001: exception 3" "$out"
wd=$(mb -t 4 -r 4 -p $P 127.0.0.1 | awk '$1 == "[4]:" { print $2 }')
[ "$wd" = 10 ] && ok "refused writes changed nothing (watchdog_s 10)" ||
    fail "refused writes changed nothing" "watchdog_s=$wd"
mb -t 4 -r 0 -p $P 127.0.0.1 1234 0 0 0 30 >/dev/null
out=$(mb -t 4 -r 0 -c 5 -p $P 127.0.0.1)
[ "$(echo "$out" | awk '$1 == "[0]:" || $1 == "[4]:" { printf "%s ", $2 }')" = "1234 30 " ] &&
    ok "function 16 write read back" || fail "function 16 write read back" "$out"
sleep 1
echo=$(mb -t 3 -r 7 -p $P 127.0.0.1 | awk '$1 == "[7]:" { print $2 }')
[ "$echo" = 1234 ] && ok "heartbeat_echo follows the heartbeat" || fail "heartbeat_echo" "$echo"
out=$(mb -t 0 -r 0 -p $P 127.0.0.1)
echo "$out" | grep -qi "illegal" && ok "coils: refused with an exception" || fail "coils refused" "$out"
out=$(mb -a 7 -t 3 -r 0 -p $P 127.0.0.1)
echo "$out" | grep -qi "gateway\|failed" && ok "wrong unit id: refused" || fail "wrong unit id" "$out"
finish
