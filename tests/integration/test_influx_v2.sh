#!/bin/bash
# InfluxDB 2.x (which Debian 12 does not ship): what pumpd sends, captured by
# a scripted listener that answers 204.  The request goes to /api/v2/write
# with org, bucket and ms precision, carries the token read from its file
# as "Authorization: Token ...", and a gzip body of valid line protocol.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/influx_lib.sh"

district_conf "$WORK/district.conf"
printf 's3cr3t-t0ken\n' >"$WORK/token"
chmod 600 "$WORK/token"
awk -v tok="$WORK/token" '
    /^\tversion = 1;/ { print "\tversion = 2;"; print "\torg = \"jinnan drainage\";";
        print "\tbucket = \"pumpd\";"; print "\ttoken_file = \"" tok "\";"; next }
    /^\tdatabase = / { next } { print }' "$WORK/district.conf" >"$WORK/v2.conf"
"$BIN/pumpd" --check-config "$WORK/v2.conf" >/dev/null && ok "2.x configuration accepted" ||
    fail "2.x configuration" "$("$BIN/pumpd" --check-config "$WORK/v2.conf" 2>&1)"
spawn "$BIN/plcsim" -c "$WORK/v2.conf" -s 1 >"$WORK/plcsim.log" 2>&1
wait_port $(( $(port_base) + 32 )) || { fail "plcsim" ""; finish; exit 1; }
resp=$(printf 'HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n')
(printf '%s' "$resp" | nc -l 127.0.0.1 "$IPORT" >"$WORK/request" 2>/dev/null) &
NC=$!
wait_port "$IPORT" || { fail "listener" "nc does not listen on $IPORT"; finish; exit 1; }
"$BIN/pumpd" -c "$WORK/v2.conf" --state-dir "$WORK/state" --log-every 600 >"$WORK/pumpd.log" 2>&1 &
PD=$!
i=0; while [ ! -s "$WORK/request" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
sleep 0.5
kill -TERM $PD; wait $PD
kill $NC 2>/dev/null
head -1 "$WORK/request" | grep -q '^POST /api/v2/write?org=jinnan%20drainage&bucket=pumpd&precision=ms HTTP/1.1' &&
    ok "POST /api/v2/write with org, bucket and ms precision" || fail "request line" "$(head -1 "$WORK/request")"
grep -q $'^Authorization: Token s3cr3t-t0ken\r$' "$WORK/request" && ok "token from token_file in the Authorization header" ||
    fail "token" "$(grep -i authorization "$WORK/request")"
grep -qi $'^Content-Encoding: gzip\r$' "$WORK/request" && ok "gzip body" || fail "gzip" "$(head -8 "$WORK/request")"
# the body: after the blank line, gunzip, line protocol
body=$(awk 'BEGIN { RS = "\r\n\r\n" } NR > 1 { printf "%s", $0 }' "$WORK/request" | gzip -dc 2>/dev/null | head -3)
echo "$body" | grep -q '^station,station=[a-z0-9-]*,kind=[a-z]* .*comms=[0-9]i.* [0-9]\{13\}$\|^event,station=' &&
    ok "body is line protocol: $(echo "$body" | head -1 | cut -c1-70)..." || fail "body" "$body"
finish
