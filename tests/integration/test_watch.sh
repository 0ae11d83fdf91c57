#!/bin/bash
# Issue 9: pumpctl watch, driven in tmux against a real pumpd and plcsim.
# A district of five stations: beishilin under 200 mm/h (its own plcsim at
# x30, its well set to 3.9 m, above its high-alarm level, its four pumps
# tripped), four dry, sandaogou among them with its REMOTE switch off (an
# alarm of a station at no risk, before beishilin in pumpd's own order).
#  1. In an 80x24 pane: the header (warning, REMOTE/FALLBACK/DOWN counts,
#     WATCHING 1), beishilin's alarms on top, unacknowledged, its high
#     level among them; the alarms by priority, then unacknowledged, then
#     the station's risk; at most a third of the rows for them, the rest
#     counted, so that the five stations stay on the screen; beishilin
#     the first station, its many alarms cut to the first and "+N"; no
#     line over 80 columns; each frame new (pumpd's clock advances).
#     A manual stop at xiaozhan-sewage shows on its line and is counted.
#  2. Resized to 132 columns: the wide columns (BAR, INFLOW, EACH, LIM,
#     OVERRIDES); to 180: the stations' Chinese names, each character two
#     columns wide, the columns after them aligned.
#  3. pumpd killed: "pumpd unreachable", watch goes on; pumpd back: frames
#     again.
#  4. C-c: pumpctl exits 0 and the pane shows the shell again (the primary
#     screen restored, no frame left on it, the cursor shown); the same
#     for SIGTERM.  C-z gives the primary screen and the cursor back
#     before watch stops; fg takes the alternate screen again and redraws
#     at once.
#  5. Not a terminal: plain frames separated by a blank line (--count 2),
#     every alarm listed in that order (two priorities, one at two
#     stations, the riskier first); a
#     pumpd that accepts and never answers: "pumpd unreachable: no reply",
#     and SIGTERM meanwhile ends watch at once, without that frame.
. "$(dirname "$0")/lib.sh"

PB=$(port_base); SPEED=30
mkdir -p "$WORK/run"; SOCK=$WORK/run/ctl.sock
FLOOD=beishilin
IDS="shuangqiaohe sandaogou beishilin xiaozhan-sewage gegu-old"
DRY=shuangqiaohe,sandaogou,xiaozhan-sewage,gegu-old
# the district with these stations alone, their PLCs on PB+1.., no influx
awk -v ids="$IDS" -v pb="$PB" '
    BEGIN { n = split(ids, a, " "); for (i = 1; i <= n; i++) want[a[i]] = 1 }
    /^influx = \{/ { skip = 1 } skip { if ($0 ~ /^\};/) skip = 0; next }
    /^stations = \(/ { print; st = 1; next }
    !st { print; next }
    /^\t\{$/ { buf = $0 "\n"; inb = 1; keep = 0; next }
    inb {
	line = $0
	if (match(line, /id = "[^"]*";/)) { id = substr(line, RSTART + 6, RLENGTH - 8); keep = (id in want) }
	if (line ~ /^\t\},?$/) { if (keep) { printf "%s%s\t}\n", sep, buf; sep = ",\n" } inb = 0; next }
	buf = buf line "\n"; next
    }
    END { print ");" }' "$TOP/config/jinnan.conf" |
    awk -v pb="$PB" '/port = 150[0-9][0-9]/ { sub(/port = 150[0-9][0-9]/, "port = " pb + (++n)) } { print }' \
    >"$WORK/district.conf"
"$BIN/pumpd" --check-config "$WORK/district.conf" >"$WORK/check.txt" 2>&1 ||
    { fail "the test's district" "$(cat "$WORK/check.txt")"; finish; exit 1; }
SIMCTL=$((PB + 50)); DRYCTL=$((PB + 51))
T="tmux -L pumpd-watch-$$ -f /dev/null"
trap '$T kill-server 2>/dev/null; cleanup' EXIT INT TERM
pane() { $T capture-pane -p -t w; }
# alarm_order FILE: "sorted P S" when the alarm lines of the frame in FILE
# go by priority, then unacknowledged first, then the station's place in
# the frame's station list (its risk); P the priorities seen, S the
# priorities with more than one station; else the first line out of order
alarm_order() {
	awk 'BEGIN { r["CRIT"] = 0; r["HIGH"] = 1; r["MEDI"] = 2; r["LOW"] = 3 }
	    /^$/ { if (f) exit } /^ALARMS/ { a = 1; next } /^STATION/ { a = 0; s = 1; next }
	    a && /^[* ] [A-Z]+ / { n++; p[n] = r[$2]; u[n] = ($1 == "*"); st[n] = $3; line[n] = $0; f = 1 }
	    s && NF { rank[$1] = ++k }
	    END {
		for (i = 1; i <= n; i++) {
			rk = (st[i] in rank) ? rank[st[i]] : 999
			key = sprintf("%d %d %04d", p[i], 1 - u[i], rk)
			if (i > 1 && key < last) { print "out of order: " line[i]; exit }
			last = key; pr[p[i]] = 1
			if ((p[i], st[i]) in seen) continue
			seen[p[i], st[i]] = 1; ns[p[i]]++
		}
		for (q in pr) np++; for (q in ns) if (ns[q] > 1) nm++
		printf "sorted %d %d\n", np, nm
	    }' "$1"
}
# wait_pane PATTERN [TENTHS]: until the pane shows PATTERN (grep -E)
wait_pane() {
	_i=0; while [ $_i -lt "${2:-50}" ]; do pane | grep -qE "$1" && return 0; sleep 0.1; _i=$((_i + 1)); done
	return 1
}
start_pumpd() {
	"$BIN/pumpd" -c "$WORK/district.conf" --sim-speed $SPEED --state-dir "$WORK/state" \
	    --ctl-socket "$SOCK" --log-every 600 >>"$WORK/pumpd.log" 2>&1 &
	PD=$!; PIDS="$PIDS $PD"
}

spawn "$BIN/plcsim" -c "$WORK/district.conf" --only $FLOOD -s $SPEED -r const:200:600@0 -p $SIMCTL \
    >"$WORK/plcsim1.log" 2>&1
spawn "$BIN/plcsim" -c "$WORK/district.conf" --only $DRY -s $SPEED -p $DRYCTL >"$WORK/plcsim2.log" 2>&1
wait_port $SIMCTL || { fail "plcsim" "$(cat "$WORK/plcsim1.log")"; finish; exit 1; }
wait_port $DRYCTL || { fail "plcsim" "$(cat "$WORK/plcsim2.log")"; finish; exit 1; }
simctl() { exec 3<>/dev/tcp/127.0.0.1/"$1"; echo "$2" >&3; read -r -t 5 _ <&3; exec 3>&-; }
# its four pumps tripped: nothing holds the rising water
for f in level:3.9 trip:1 trip:2 trip:3 trip:4; do simctl $SIMCTL "fault $FLOOD:$f"; done
simctl $DRYCTL "fault sandaogou:remote-off"
start_pumpd

# 1. 80x24
$T new-session -d -s w -x 80 -y 24 "env PS1='shell\$ ' bash --norc --noprofile"
$T set-option -t w window-size manual >/dev/null 2>&1
i=0; while [ ! -S "$SOCK" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
"$BIN/pumpctl" -S "$SOCK" pump xiaozhan-sewage 2 stop --for 2h --reason drill >/dev/null ||
    fail "an override" "$(tail -3 "$WORK/pumpd.log")"
$T send-keys -t w "$BIN/pumpctl -S $SOCK watch --interval 0.5 2>>$WORK/watch.err; echo watch-exit=\$?" Enter
wait_pane "^ALARMS: [0-9]+ standing, [0-9]+ unacknowledged \(\*\); 1 override in force" 100 && ok "watch draws in the 80x24 pane" ||
    { fail "watch draws" "$(pane)"; finish; exit 1; }
wait_pane "REMOTE off" 100; wait_pane "high level" 100
pane >"$WORK/p1.txt"
# (at x30 a busy machine may see a station STALE, or an L1 one fall back)
head -1 "$WORK/p1.txt" | grep -qE "^[0-9:]{8} warning none  REMOTE [0-9] SUPERVISED [01] FALLBACK [0-9] DOWN [0-9] WATCHING 1( STALE [0-9])?$" &&
    ok "header: $(head -1 "$WORK/p1.txt")" || fail "header" "$(head -1 "$WORK/p1.txt")"
sed -n 3p "$WORK/p1.txt" | grep -qE "^\* .* $FLOOD +[0-9:]{8} " &&
    awk '/^ALARMS/ { a = 1; next } /^STATION/ { a = 0 } a' "$WORK/p1.txt" | grep -qE "^\* .* $FLOOD +[0-9:]{8} high level" &&
    ok "its alarms on top, unacknowledged: $(sed -n 3p "$WORK/p1.txt")" || fail "alarm on top" "$(cat "$WORK/p1.txt")"
out=$(alarm_order "$WORK/p1.txt")
[ "${out%% *}" = sorted ] && ok "the alarms by priority, unacknowledged, station risk: $out" || fail "alarm order" "$out: $(cat "$WORK/p1.txt")"
first=$(awk '/^STATION/ { getline; print $1; exit }' "$WORK/p1.txt")
[ "$first" = $FLOOD ] && ok "$FLOOD the first station: $(grep "^$FLOOD " "$WORK/p1.txt")" ||
    fail "first station" "$(cat "$WORK/p1.txt")"
grep -qE "^xiaozhan-sewage .* REMOTE +\[p2 stop 1h[0-9]{2}\]( .*)?$" "$WORK/p1.txt" &&
    ok "the override on its station's line: $(grep "^xiaozhan-sewage " "$WORK/p1.txt")" || fail "override shown" "$(cat "$WORK/p1.txt")"
n=$(awk '/^STATION/ { s = 1; next } s && NF' "$WORK/p1.txt" | wc -l)
[ "$n" = 5 ] && ok "the five stations listed" || fail "five stations" "$n: $(cat "$WORK/p1.txt")"
w=$(awk '{ print length($0) }' "$WORK/p1.txt" | sort -n | tail -1)
[ "$w" -le 80 ] && ok "no line over 80 columns (widest $w)" || fail "80 columns" "$w"
grep -qE "^$FLOOD .* [a-z_]+\*? \+[0-9]+$" "$WORK/p1.txt" &&
    ok "its many alarms cut to the first and +N: $(grep "^$FLOOD " "$WORK/p1.txt" | cut -c 60-)" ||
    fail "alarms cell" "$(grep "^$FLOOD " "$WORK/p1.txt")"
n=$(awk '/^ALARMS/ { a = 1; next } /^STATION/ { a = 0 } a' "$WORK/p1.txt" | wc -l)
grep -q "^  +[0-9]* more alarms: pumpctl alarms$" "$WORK/p1.txt" && [ "$n" -le 7 ] &&
    ok "$n alarm lines at most a third of the rows, the rest counted, the stations shown" || fail "alarm rows" "$n: $(cat "$WORK/p1.txt")"
# (beishilin's level stops at its flood level: the clock of pumpd shows
# that every frame is new)
t1=$(head -1 "$WORK/p1.txt" | cut -c 1-8); t2=$t1; i=0
while [ "$t2" = "$t1" ] && [ $i -lt 50 ]; do sleep 0.2; t2=$(pane | head -1 | cut -c 1-8); i=$((i + 1)); done
[ "$t2" != "$t1" ] && echo "$t2" | grep -qE "^[0-9:]{8}$" &&
    ok "the frame follows pumpd: its clock $t1, then $t2 ($((i * 2))00 ms later)" || fail "changes" "'$t1' then '$t2'"

# 2. 132 columns
$T resize-window -t w -x 132 -y 30
wait_pane "^STATION +LEVEL +FLOOD +BAR +TTF +RAIN +INFLOW +PUMPS +EACH" 50 &&
    ok "at 132 columns: $(pane | grep '^STATION')" || fail "wide" "$(pane)"
pane >"$WORK/p2.txt"
grep -qE "^$FLOOD +[0-9.]+ +[0-9]+%! \[#+" "$WORK/p2.txt" && ok "the level bar: $(grep "^$FLOOD " "$WORK/p2.txt" | cut -c1-60)" ||
    fail "bar" "$(cat "$WORK/p2.txt")"
grep -qE "^xiaozhan-sewage .* [01]{3} .* p2 stop 1h[0-9]{2} *([a-z_]+\*?( \+[0-9]+)?|[0-9]+ al[a-z]*)?$" "$WORK/p2.txt" &&
    ok "its pumps and its override in their columns: $(grep "^xiaozhan-sewage " "$WORK/p2.txt" | cut -c 80-)" ||
    fail "wide override" "$(cat "$WORK/p2.txt")"
w=$(awk '{ print length($0) }' "$WORK/p2.txt" | sort -n | tail -1)
[ "$w" -gt 80 ] && [ "$w" -le 132 ] && ok "wider lines, none over 132 columns (widest $w)" || fail "132 columns" "$w"

# 2b. 180 columns: the stations' names (CJK, two columns a character)
$T resize-window -t w -x 180 -y 30
wait_pane "^STATION +NAME +LEVEL" 50 && ok "at 180 columns: the NAME column" || fail "widest" "$(pane)"
pane >"$WORK/p2b.txt"
out=$(python3 - "$WORK/p2b.txt" <<'PY'
import re, sys, unicodedata
def cols(s): return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
st = lines[[i for i, l in enumerate(lines) if l.startswith("STATION")][0] + 1:]
ends = set()
for l in st:
    m = re.match(r"(\S+ +.*?) +(\d+\.\d\d) ", l)
    if m: ends.add(cols(l[:m.end(2)]))
names = sum(1 for l in st if re.search("[\u4e00-\u9fff]", l))
print(max(cols(l) for l in lines), len(ends), min(ends) if ends else 0, names)
PY
)
set -- $out
[ "$1" -le 180 ] && [ "$2" = 1 ] && [ "$3" = 43 ] && [ "$4" = 5 ] &&
    ok "five Chinese names, the LEVEL column aligned after them, none over 180 columns (widest $1)" ||
    fail "names" "$out: $(cat "$WORK/p2b.txt")"

# 3. pumpd away and back
kill -TERM $PD; wait $PD 2>/dev/null
wait_pane "^pumpd unreachable: " 50 && ok "pumpd stopped: $(pane | head -1)" || fail "unreachable" "$(pane)"
pane | grep -q "^retrying every 0.5 s; last answer [0-9:]\{8\}" && ok "$(pane | sed -n 2p)" || fail "retrying" "$(pane)"
start_pumpd
wait_pane "^ALARMS: " 100 && ok "pumpd back: frames again" || fail "back" "$(pane)"

# 4. C-c, at another size than watch started at (tmux 3.3 brings lines of
# an alternate screen left uncleared back into the primary one then)
$T send-keys -t w C-c
wait_pane "^watch-exit=" 50
$T capture-pane -p -J -t w >"$WORK/p3.txt"
grep -q "^watch-exit=0" "$WORK/p3.txt" && ok "C-c: pumpctl exited 0" || fail "exit" "$(cat "$WORK/p3.txt")"
grep -q "^shell\$ .*pumpctl -S .* watch --interval 0.5" "$WORK/p3.txt" && ! grep -q "^ALARMS\|^STATION" "$WORK/p3.txt" &&
    ok "the primary screen is back: the shell's command line, no frame" || fail "screen" "$(cat "$WORK/p3.txt")"
[ "$($T display-message -p -t w '#{alternate_on} #{cursor_flag}')" = "0 1" ] &&
    ok "tmux: alternate screen off, cursor shown" || fail "modes" "$($T display-message -p -t w '#{alternate_on} #{cursor_flag}')"

$T send-keys -t w "clear; $BIN/pumpctl -S $SOCK watch 2>>$WORK/watch.err; echo watch-exit=\$?" Enter
wait_pane "^ALARMS: " 100
wpid=$(pgrep -P "$($T display-message -p -t w '#{pane_pid}')" pumpctl)
[ -n "$wpid" ] && kill -TERM "$wpid"
wait_pane "^watch-exit=" 50
$T capture-pane -p -J -t w >"$WORK/p4.txt"
grep -q "^watch-exit=0" "$WORK/p4.txt" && ! grep -q "^ALARMS\|^STATION" "$WORK/p4.txt" &&
    [ "$($T display-message -p -t w '#{alternate_on} #{cursor_flag}')" = "0 1" ] &&
    ok "SIGTERM: exit 0, the primary screen and the cursor back" || fail "SIGTERM" "pid '$wpid': $(cat "$WORK/p4.txt")"

# 4b. C-z: the terminal given back before watch stops; fg takes it again
# and redraws at once (the interval is a minute: no frame is due)
$T send-keys -t w "clear; $BIN/pumpctl -S $SOCK watch --interval 60 2>>$WORK/watch.err" Enter
wait_pane "^ALARMS: " 100
$T send-keys -t w C-z
wait_pane "Stopped" 50
$T capture-pane -p -J -t w >"$WORK/p5.txt"
modes=$($T display-message -p -t w '#{alternate_on} #{cursor_flag}')
[ "$modes" = "0 1" ] && grep -q "Stopped" "$WORK/p5.txt" && ! grep -q "^ALARMS\|^STATION" "$WORK/p5.txt" &&
    ok "C-z: the primary screen and the cursor back before watch stops" || fail "C-z" "modes $modes: $(cat "$WORK/p5.txt")"
$T send-keys -t w "fg" Enter
wait_pane "^ALARMS: " 100 && [ "$($T display-message -p -t w '#{alternate_on} #{cursor_flag}')" = "1 0" ] &&
    ! pane | grep -q "Stopped\|^shell\\$" &&
    ok "fg: the alternate screen again, redrawn at once" || fail "fg" "$($T display-message -p -t w '#{alternate_on} #{cursor_flag}'): $(pane)"
$T send-keys -t w C-c
wait_pane "^shell\$ $" 50
$T send-keys -t w "echo fg-exit=\$?" Enter
wait_pane "^fg-exit=" 50
pane | grep -q "^fg-exit=0" && [ "$($T display-message -p -t w '#{alternate_on} #{cursor_flag}')" = "0 1" ] &&
    ok "C-c after fg: exit 0, the primary screen back" || fail "exit after fg" "$(pane)"

# 5. plain frames
TERM=dumb "$BIN/pumpctl" -S "$SOCK" watch --interval 0.2 --count 2 >"$WORK/plain.txt"; rc=$?
if [ $rc = 0 ] && [ "$(grep -c '^ALARMS: ' "$WORK/plain.txt")" = 2 ] && ! grep -q "$(printf '\033')" "$WORK/plain.txt" &&
    [ "$(awk '/^$/ { b++ } END { print b }' "$WORK/plain.txt")" = 2 ]; then
	ok "TERM=dumb: two plain frames, each followed by a blank line, no escapes"
else
	fail "plain" "rc $rc: $(cat -v "$WORK/plain.txt")"
fi
# the whole alarm list off a terminal: two priorities at least, one of
# them at two stations, the riskier first
out=$(alarm_order "$WORK/plain.txt"); set -- $out
[ "$1" = sorted ] && [ "$2" -ge 2 ] && [ "$3" -ge 1 ] &&
    ok "all alarms: a higher priority above a lower, within one the riskier station first ($out)" ||
    fail "full alarm order" "$out: $(cat "$WORK/plain.txt")"
# a pumpd that takes the connection and never answers
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(8); held = []
while True:
    held.append(s.accept()[0])
    with open(sys.argv[2], "a") as f: f.write("accepted\n")' "$WORK/hang.sock" "$WORK/accepted" &
PIDS="$PIDS $!"
i=0; while [ ! -S "$WORK/hang.sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
out=$(timeout 30 "$BIN/pumpctl" -S "$WORK/hang.sock" watch --count 1); rc=$?
[ $rc = 0 ] && echo "$out" | grep -q "^pumpd unreachable: no reply in 3000 ms" &&
    ok "a pumpd that never answers: $(echo "$out" | head -1)" || fail "hang" "rc $rc: $out"
: >"$WORK/accepted"
"$BIN/pumpctl" -S "$WORK/hang.sock" watch >"$WORK/hang2.txt" 2>&1 &
hp=$!
i=0; while [ ! -s "$WORK/accepted" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
kill -TERM $hp; wait $hp; rc=$?
[ $rc = 0 ] && [ ! -s "$WORK/hang2.txt" ] && ok "SIGTERM while waiting for that pumpd: exit 0 at once, no frame" ||
    fail "stop while waiting" "rc $rc: $(cat "$WORK/hang2.txt")"
[ ! -s "$WORK/watch.err" ] && ok "watch in tmux wrote nothing on stderr (under make asan: no sanitizer report)" ||
    fail "stderr" "$(head -20 "$WORK/watch.err")"
out=$("$BIN/pumpctl" -S "$SOCK" watch --interval 0 2>&1); rc=$?
[ $rc = 2 ] && echo "$out" | grep -q 'bad interval "0"' && ok "--interval 0: exit 2, bad interval" || fail "interval" "rc $rc: $out"
finish
