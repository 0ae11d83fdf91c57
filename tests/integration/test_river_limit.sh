#!/bin/bash
# The rivers reach pumpd's PLCs: plcsim plays a 50-year storm on the four
# stations of the Shuangqiao He (双桥河) at x600; mbpoll reads input
# register 6 (outfall level) of shuangqiaohe rising with the river, equal
# to the river's rise over the station's base at the same simulated instant
# (plcsim frozen), and when the river reaches its warning level the control
# port publishes the discharge limit (limits: STATION:PUMPS for each of its
# stations) and plcsim's log says so.
. "$(dirname "$0")/lib.sh"

CONF=$TOP/config/jinnan.conf
PB=$(port_base)
CTL=$((PB + 50))
spawn "$BIN/plcsim" -c "$CONF" --port-base "$PB" -p "$CTL" -s 600 \
    --only shuangqiaohe,shuangqiaohe-east,xinzhuang-east,xinzhuang-west \
    -r storm:50:120@1 -d 180 >"$WORK/plcsim.log" 2>&1
wait_port "$CTL" || { fail "plcsim listens" "no control port"; finish; exit 1; }

ctl() { exec 3<>/dev/tcp/127.0.0.1/$CTL; echo "$1" >&3; read -r -t 5 reply <&3; exec 3>&-; echo "$reply"; }
ir6() { mbpoll -m tcp -0 -1 -o 2 -t 3 -r 6 -c 1 -p "$PB" 127.0.0.1 2>&1 | awk '$1 == "[6]:" { print $2 }'; }

# outfall_mm RIVERS_REPLY: what shuangqiaohe's gauge must read (base 2.2 m
# over the river's base 1.5 m).
want_mm() { echo "$1" | tr ' ' '\n' | awk -F= '$1 == "shuangqiaohe" { sub(/!/, "", $2); printf "%d\n", (2.2 + $2 - 1.5) * 1000 + 0.5 }'; }

# at_once: freeze, read the river and the register, thaw; prints "want got".
at_once() {
	ctl freeze >/dev/null
	r=$(ctl rivers); g=$(ir6)
	ctl thaw >/dev/null
	echo "$(want_mm "$r") $g"
}

read -r want got <<<"$(at_once)"
[ "$got" = 2200 ] && [ "$want" = 2200 ] && ok "outfall level at the start: 2200 mm (the river at its base)" ||
    fail "outfall at the start" "register 6 = $got, the river says $want, want 2200"

lim=""
i=0
while [ $i -lt 300 ]; do
	lim=$(ctl limits)
	case $lim in "ok "*" "*) break;; esac
	sleep 0.1; i=$((i + 1))
done
read -r want got <<<"$(at_once)"
if [ -n "$got" ] && [ -n "$want" ] && [ "$got" -ge 3200 ] && [ $((got - want)) -le 1 ] && [ $((want - got)) -le 1 ]; then
	ok "outfall level rose with the river: register 6 = $got mm = its rise over the base ($want mm)"
else
	fail "outfall level follows the river" "register 6 = $got mm, river says $want mm"
fi
case $lim in
"ok "*" shuangqiaohe:2 xinzhuang-east:2 xinzhuang-west:3 shuangqiaohe-east:2")
	ok "discharge limit published at the warning level: $lim";;
*)	fail "discharge limit published" "limits: \"$lim\"";;
esac
grep -q "river shuangqiaohe at 2.5[0-9] m reached its warning level: discharge limit ordered" "$WORK/plcsim.log" &&
    ok "plcsim says the limit was ordered at the warning level (2.50 m)" ||
    fail "plcsim log" "$(grep river "$WORK/plcsim.log")"
finish
