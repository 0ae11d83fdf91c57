#!/bin/bash
# The state file across an upgrade (issue 8): pumpd reads what an older
# pumpd left, and sets aside what it cannot read, never refusing to start.
#  1. tests/data/state-pumpdst1.bin is a state file in the old binary format
#     (PUMPDST1), written by the pumpd of commit e486d8a at its SIGTERM after
#     a storm run at x20 (shuangqiaohe in storm mode with pump 1 tripped and
#     pump 2 started; gegu-sewage in storm mode with pump 1 started).  Its
#     times are shifted to one minute ago (the record layout is the old
#     struct core_persist).  A new pumpd takes both stations from it and
#     says it converted it; with no rain at all, both stations show STORM
#     (taken from the file); the pump fault (bit 13 of the old file, taken
#     by its name) stands until the first reply shows the pump healthy and
#     clears it; the next save is a JSON document that holds storm mode
#     and the starts.
#  2. A corrupt file: pumpd starts, says why the state was not taken and
#     where the file was set aside (state.bad-<time>, its bytes intact),
#     and saves JSON afresh.
#  3. A file of a future major version: the same, and the message says so.
. "$(dirname "$0")/lib.sh"

PB=$(port_base)
CONF=$WORK/two.conf
# the district cut down to two stations on our ports, without metrics
python3 - "$TOP/config/jinnan.conf" "$CONF" "$PB" <<'PY'
import re, sys
src, dst, port = sys.argv[1:]
port = int(port)
t = open(src).read()
t = re.sub(r'\ninflux = \{.*?\n\};\n', '\n', t, flags=re.S)
b = re.findall(r'\n\t\{\n.*?\n\t\}', t, flags=re.S)
keep = []
for sid in ("shuangqiaohe", "gegu-sewage"):
    k = [x for x in b if re.search(r'id = "%s"' % re.escape(sid), x)][0]
    keep.append(re.sub(r'port = \d+', 'port = %d' % port, k))
    port += 1
open(dst, 'w').write(t[:t.index(b[0])] + ",".join(keep) +
                     t[t.index(b[-1]) + len(b[-1]):])
PY
spawn "$BIN/plcsim" -c "$CONF" -r none >"$WORK/plcsim.log" 2>&1
wait_port "$PB" && wait_port $((PB + 1)) || { fail "plcsim" "$(tail -3 "$WORK/plcsim.log")"; finish; exit 1; }

# wait_for TEXT FILE SECONDS: until FILE has a line with TEXT.
wait_for() {
	_i=0
	while ! grep -q "$1" "$2" 2>/dev/null && [ $_i -lt $(($3 * 10)) ]; do sleep 0.1; _i=$((_i + 1)); done
	grep -q "$1" "$2" 2>/dev/null
}
# json_saved DIR: wait (up to 10 s) for DIR/state to be a JSON document.
json_saved() {
	_i=0
	while ! jq -e '.format == "pumpd state"' "$1/state" >/dev/null 2>&1 && [ $_i -lt 100 ]; do
		sleep 0.1; _i=$((_i + 1))
	done
	jq -e '.format == "pumpd state"' "$1/state" >/dev/null 2>&1
}
# run_pumpd NAME: start pumpd on state directory $WORK/NAME, log NAME.log.
run_pumpd() {
	"$BIN/pumpd" -c "$CONF" --state-dir "$WORK/$1" --log-every 1 >"$WORK/$1.log" 2>&1 &
	P=$!
	PIDS="$PIDS $P"
}
# stop_pumpd: SIGTERM, and its exit status must be 0.
stop_pumpd() {
	kill -TERM $P; wait $P; _rc=$?
	[ $_rc = 0 ] && ok "pumpd stops with status 0" || fail "pumpd stops" "status $_rc"
}

# 1. the old binary format, its times moved to a minute ago
mkdir -m 750 "$WORK/old"
python3 - "$TOP/tests/data/state-pumpdst1.bin" "$WORK/old/state" <<'PY'
import struct, sys, time
src, dst = sys.argv[1:]
d = bytearray(open(src, 'rb').read())
magic, ver, recsize, count, _ = struct.unpack_from('<8sIIII', d, 0)
assert magic == b'PUMPDST1' and ver == 1 and recsize == 2192, (magic, ver, recsize)
now = int(time.time() * 1000) - 60000
def shift(off, delta):
    v, = struct.unpack_from('<q', d, off)
    if v:
        struct.pack_into('<q', d, off, v + delta)
for i in range(count):
    r = 24 + i * recsize
    saved, = struct.unpack_from('<q', d, r + 32)
    delta = now - saved
    for off in (32, 48):			# saved_ms, last_rain_ms
        shift(r + off, delta)
    for j in range(61):			# bucket_min, in minutes
        shift(r + 552 + 8 * j, delta // 60000)
    for k in range(8):			# each pump: start_ms[16], off_ms
        p = r + 1040 + 144 * k
        for j in range(16):
            shift(p + 8 * j, delta)
        shift(p + 136, delta)
open(dst, 'wb').write(d)
PY
run_pumpd old
wait_for "state: .*taken" "$WORK/old.log" 10
grep -q "state: alarms, storm mode, rain and start history of 2 of 2 stations taken" "$WORK/old.log" &&
    ok "the old binary file is taken: $(grep -m1 'stations taken' "$WORK/old.log" | cut -d' ' -f2-)" ||
    fail "old file taken" "$(grep 'state' "$WORK/old.log")"
grep -q "state: converted from the old binary format (PUMPDST1)" "$WORK/old.log" &&
    ok "pumpd says it converted it" || fail "conversion said" "$(grep 'state' "$WORK/old.log")"
wait_for "shuangqiaohe: .*OK REMOTE STORM" "$WORK/old.log" 10 &&
    wait_for "gegu-sewage: .*OK REMOTE STORM" "$WORK/old.log" 5 &&
    ok "storm mode taken from the old file, with no rain: $(grep -m1 'shuangqiaohe: .*STORM' "$WORK/old.log" | cut -d' ' -f2-)" ||
    fail "storm mode taken" "$(grep 'level' "$WORK/old.log" | tail -2)"
grep -q "shuangqiaohe: pump fault cleared" "$WORK/old.log" &&
    ok "the pump fault was taken from the old file (and cleared by the healthy pump)" ||
    fail "pump fault taken" "$(grep 'shuangqiaohe: ' "$WORK/old.log" | grep -v level | head -3)"
if json_saved "$WORK/old"; then
	ok "the next save is JSON ($(jq -c .version "$WORK/old/state"))"
	s=$(jq -c '.stations["shuangqiaohe"] | [.storm, (.pumps[1].starts_ms | length)]' "$WORK/old/state")
	g=$(jq -c '.stations["gegu-sewage"] | [.storm, (.pumps[0].starts_ms | length)]' "$WORK/old/state")
	[ "$s" = '[true,1]' ] && ok "shuangqiaohe: storm, pump 2's start: $s" || fail "shuangqiaohe in JSON" "$s"
	[ "$g" = '[true,1]' ] && ok "gegu-sewage: storm, pump 1's start: $g" || fail "gegu-sewage in JSON" "$g"
else
	fail "JSON saved" "$(head -c 80 "$WORK/old/state" | od -c | head -2)"
fi
stop_pumpd
grep -q '"format": "pumpd state"' "$WORK/old/state" && ok "the final save is JSON too" ||
    fail "final save" "$(head -c 40 "$WORK/old/state")"

# 2. a corrupt file
mkdir -m 750 "$WORK/bad"
printf '{"format": "pumpd state", "version": {"major": 1, "mi' >"$WORK/bad/state"
run_pumpd bad
wait_for "started: 2 stations" "$WORK/bad.log" 10 && ok "pumpd starts on a corrupt state file" ||
    fail "started" "$(tail -3 "$WORK/bad.log")"
msg=$(grep -m1 "state: 0 of 2 stations taken" "$WORK/bad.log")
bad=$(ls "$WORK/bad" | grep '^state\.bad-')
case $msg in *"not JSON"*"set aside as $WORK/bad/$bad"*) ok "it says why and where: ${msg#* }";;
*) fail "why and where" "$msg; $(ls "$WORK/bad")";; esac
[ -n "$bad" ] && cmp -s "$WORK/bad/$bad" <(printf '{"format": "pumpd state", "version": {"major": 1, "mi') &&
    ok "the corrupt file is kept, intact, as $bad" || fail "set aside" "$(ls -l "$WORK/bad")"
json_saved "$WORK/bad" && ok "a fresh JSON state is saved" || fail "fresh save" "$(ls -l "$WORK/bad")"
stop_pumpd

# 3. a future major version
mkdir -m 750 "$WORK/future"
echo '{"format": "pumpd state", "version": {"major": 2, "minor": 0}, "stations": {}}' >"$WORK/future/state"
run_pumpd future
wait_for "started: 2 stations" "$WORK/future.log" 10
msg=$(grep -m1 "state: 0 of 2 stations taken" "$WORK/future.log")
case $msg in *"version 2.0, this pumpd reads 1.x; set aside as"*) ok "a newer major version: ${msg#* }";;
*) fail "future version" "$msg";; esac
kill -0 $P 2>/dev/null && ok "and pumpd runs" || fail "runs" "$(tail -3 "$WORK/future.log")"
stop_pumpd
finish
