#!/bin/bash
# pumpd --check-config: accepts every shipped file with a one-line summary,
# rejects a broken one with every problem as file:line: key: problem.
. "$(dirname "$0")/lib.sh"

for f in "$TOP"/config/*.conf; do
	out=$("$BIN/pumpd" --check-config "$f" 2>&1)
	[ $? = 0 ] && echo "$out" | grep -q ": ok: " && ok "accepts $(basename "$f"): $out" ||
	    fail "accepts $(basename "$f")" "$out"
done

F=$TOP/tests/data/broken.conf
out=$("$BIN/pumpd" --check-config "$F" 2>&1); rc=$?
[ $rc = 1 ] && ok "broken.conf: exit status 1" || fail "broken.conf exit status" "$rc"
for want in \
    "$F:14: xiaozhan-north.setpoints.stop_m: 1.8 m must be below setpoints.duty_start_m (1.6 m)" \
    "$F:17: xiaozhan-north.colour: unknown key" \
    "$F:24: xiaozhan-north.well.area_m2: expected a number" \
    "$F:26: xiaozhan-north.pumps: 0 pumps: a station has 1 to 8" \
    "$F:19: xiaozhan-north.id: duplicate id (first at line 5)" \
    "$F:19: xiaozhan-north.plc: address 127.0.0.1:15008 is already station xiaozhan-north's (line 5)" \
    "$F: 6 errors"; do
	echo "$out" | grep -qxF "$want" && ok "reports: ${want#$F}" || fail "reports: ${want#$F}" "$out"
done
out=$("$BIN/pumpd" --check-config /nonexistent.conf 2>&1); rc=$?
[ $rc = 1 ] && echo "$out" | grep -qF "/nonexistent.conf:0: file: cannot open: No such file or directory" &&
    ok "missing file" || fail "missing file" "$rc $out"
"$BIN/pumpd" --bogus >/dev/null 2>&1; rc=$?
[ $rc = 2 ] && ok "unknown option: usage, exit 2" || fail "unknown option" "$rc"
out=$("$BIN/pumpd" --sim-speed fast 2>&1); rc=$?
[ $rc = 2 ] && [ "$out" = 'pumpd: --sim-speed "fast": expected a number from 0.001 to 1000' ] &&
    ok "bad option value: $out" || fail "bad option value" "$rc $out"
out=$("$BIN/plcsim" --speed 0 2>&1); rc=$?
[ $rc = 2 ] && [ "$out" = 'plcsim: --speed "0": expected a number from 0.001 to 10000' ] &&
    ok "plcsim bad option value: $out" || fail "plcsim bad option value" "$rc $out"
out=$("$BIN/plcsim" -c "$TOP/config/jinnan.conf" -r drizzle 2>&1); rc=$?
[ $rc = 2 ] && echo "$out" | grep -q 'rain "drizzle": expected none, const:MM_H:MIN' &&
    ok "plcsim bad rain: says what is valid" || fail "plcsim bad rain" "$rc $out"
out=$("$BIN/plcsim" -c "$TOP/config/jinnan.conf" -f nowhere:silent@1 -d 0.01 2>&1); rc=$?
echo "$out" | grep -q 'fault "nowhere:silent": expected STATION:FAULT' &&
    ok "plcsim unknown station in a fault: says so" || fail "plcsim bad fault" "$rc $out"
finish
