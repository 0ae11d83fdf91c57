#!/bin/bash
# plcsim fault injection through its control port, seen from mbpoll: a silent
# PLC never answers while its neighbours do; a slow one answers late; ESTOP
# and a pump trip show in the registers; a restart resets the uptime; the
# summary comes out on SIGTERM.
. "$(dirname "$0")/lib.sh"

CONF=$TOP/config/jinnan.conf
PB=$(port_base); CTL=$((PB + 40))
spawn "$BIN/plcsim" -c "$CONF" --port-base "$PB" -s 20 -p $CTL \
    -r storm:3:60 -S "$WORK/summary" >"$WORK/plcsim.log" 2>&1
SIM=$!
wait_port $CTL || { fail "control port" "not listening"; finish; exit 1; }

ctl() { exec 3<>/dev/tcp/127.0.0.1/$CTL; echo "$1" >&3; read -r -t 5 reply <&3; exec 3>&-; echo "$reply"; }
mb() { mbpoll -m tcp -0 -1 "$@" 2>&1; }
reg() { mb -t 3 -r "$2" -p "$1" 127.0.0.1 | awk -v r="[$2]:" '$1 == r { print $2 }'; }

[ "$(ctl "fault sandaogou:silent")" = ok ] && ok "control: fault accepted" || fail "control" "no ok"
case "$(ctl "fault nowhere:silent")" in error:*) ok "control: unknown station refused";;
    *) fail "control: unknown station" "accepted";; esac
case "$(ctl "fault sandaogou:melt")" in error:*) ok "control: unknown fault refused";;
    *) fail "control: unknown fault" "accepted";; esac
out=$(mb -o 0.5 -t 3 -r 0 -p $((PB + 1)) 127.0.0.1)
echo "$out" | grep -qi "timed out\|timeout" && ok "silent PLC: no answer" || fail "silent PLC" "$out"
start=$(date +%s%N)
v=$(reg $PB 0)
el=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$v" = 1 ] && ok "neighbour answers while one PLC is silent (${el} ms)" || fail "neighbour" "$v"
ctl "fault sandaogou:answer" >/dev/null
[ "$(reg $((PB + 1)) 0)" = 1 ] && ok "PLC answers again" || fail "answers again" ""
ctl "fault beishilin:slow:700" >/dev/null
out=$(mb -o 0.3 -t 3 -r 0 -p $((PB + 2)) 127.0.0.1)
echo "$out" | grep -qi "timed out\|timeout" && ok "slow PLC: late for a 300 ms timeout" || fail "slow PLC" "$out"
out=$(mb -o 2 -t 3 -r 0 -p $((PB + 2)) 127.0.0.1)
echo "$out" | grep -q '^\[0\]:' && ok "slow PLC: answers within 2 s" || fail "slow PLC answers" "$out"
ctl "fault shuangqiaohe:estop" >/dev/null
st=$(reg $PB 1)
[ $((st & 128)) = 128 ] && ok "ESTOP bit set" || fail "ESTOP bit" "$st"
ctl "fault shuangqiaohe:trip:2" >/dev/null
ps=$(reg $PB 24)
[ $((ps & 2)) = 2 ] && [ $((ps & 4)) = 0 ] && ok "pump 2 tripped: FAULT on, AVAILABLE off" || fail "trip" "$ps"
ctl "fault shuangqiaohe:level-a-fail" >/dev/null
[ "$(reg $PB 2)" = 65535 ] && ok "failed level sensor reads 0xFFFF" || fail "level fail" "$(reg $PB 2)"
sleep 1
up=$(mb -t 3:int -B -r 8 -p $PB 127.0.0.1 | awk '$1 == "[8]:" { print $2 }')
ctl "fault shuangqiaohe:restart" >/dev/null
up2=$(mb -t 3:int -B -r 8 -p $PB 127.0.0.1 | awk '$1 == "[8]:" { print $2 }')
[ "${up:-0}" -gt 10 ] && [ "${up2:-99}" -lt "$up" ] && ok "restart: uptime $up -> $up2" || fail "restart" "$up -> $up2"
kill -TERM $SIM; wait $SIM 2>/dev/null
grep -q "^station=shuangqiaohe .*flood_m3=" "$WORK/summary" && ok "summary written on SIGTERM" ||
    fail "summary" "$(head -3 "$WORK/summary" 2>&1)"
grep -q "plcsim summary after" "$WORK/plcsim.log" && ok "summary table printed" || fail "summary table" ""
line=$(grep "^station=shuangqiaohe " "$WORK/summary")
ex=$(echo "$line" | tr ' ' '\n' | awk -F= '$1 == "exceptions" { print $2 }')
rq=$(echo "$line" | tr ' ' '\n' | awk -F= '$1 == "requests" { print $2 }')
[ "${rq:-0}" -gt 0 ] && [ "${ex:-x}" = 0 ] && ok "summary counts requests ($rq) and refused ones ($ex)" ||
    fail "request counters" "requests $rq exceptions $ex"
finish
