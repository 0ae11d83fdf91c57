#!/bin/bash
# The shipped units, as make generates them from systemd/*.in, with their
# paths pointed at this build (offline: no systemd as PID 1 here):
# systemd-analyze verify is clean, also with the IPAddressAllow= drop-in
# that unit-ipallow.sh writes; systemd-analyze security rates each 2.0 or
# better (--threshold=20: its scale is 0-100 inside); the unit has what
# the service needs (notify, watchdog, reload, state, socket, credential).
# Then the credential itself: influx.credential is read from
# $CREDENTIALS_DIRECTORY as systemd's LoadCredential= leaves it, and
# without it pumpd refuses to start, saying why; and under the unit's
# umask the control socket keeps its mode 0660 (pumpd sets it).
. "$(dirname "$0")/lib.sh"

# The units with this build's paths: the binaries in $BIN, the
# configuration in $WORK/etc/pumpd, the man pages in $WORK/man.
mkdir -p "$WORK/etc/pumpd" "$WORK/man/man1" "$WORK/man/man5" "$WORK/man/man8" "$WORK/doc"
cp "$TOP/config/jinnan.conf" "$WORK/etc/pumpd/"
cp "$TOP/daemon/man/pumpd.8" "$WORK/man/man8/"
cp "$TOP/daemon/man/pumpd.conf.5" "$WORK/man/man5/"
cp "$TOP/daemon/man/pumpctl.1" "$TOP/plc/man/plcsim.1" "$WORK/man/man1/"
cp "$TOP/README.md" "$WORK/doc/"
make -s -C "$TOP" units B="$WORK/b" SBINDIR="$BIN" BINDIR="$BIN" \
    SYSCONFDIR="$WORK/etc" DOCDIR="$WORK/doc" PKGLIBDIR="$TOP/scripts" >"$WORK/make.log" 2>&1 ||
    { fail "make units" "$(cat "$WORK/make.log")"; finish; exit 1; }
U=$WORK/b/systemd
export MANPATH=$WORK/man

# verify NAME FILE: systemd-analyze verify says nothing about FILE.
verify() {
	out=$(systemd-analyze verify "$2" 2>&1 | grep -v "^$")
	[ -z "$out" ] && ok "systemd-analyze verify $1" || fail "systemd-analyze verify $1" "$out"
}
verify pumpd.service "$U/pumpd.service"
verify plcsim.service "$U/plcsim.service"
grep -q "^ExecStart=$BIN/pumpd -c $WORK/etc/pumpd/jinnan.conf$" "$U/pumpd.service" &&
    ok "ExecStart= from the make variables" || fail "ExecStart" "$(grep ^Exec "$U/pumpd.service")"

# The drop-in: its own section, appended (a unit file may repeat one).
sed "0,/host = \"127.0.0.1\"/s//host = \"10.20.1.8\"/" \
    "$WORK/etc/pumpd/jinnan.conf" >"$WORK/etc/pumpd/field.conf"
PUMPD=$BIN/pumpd sh "$TOP/scripts/unit-ipallow.sh" -o "$WORK/ipaddress.conf" "$WORK/etc/pumpd/field.conf" &&
    grep -qx "IPAddressAllow=10.20.1.8" "$WORK/ipaddress.conf" && grep -qx "IPAddressAllow=127.0.0.1" "$WORK/ipaddress.conf" &&
    [ "$(grep -c "^IPAddressAllow=" "$WORK/ipaddress.conf")" -eq 2 ] &&
    ok "unit-ipallow.sh: one IPAddressAllow= per host, the PLCs' and InfluxDB's" ||
    fail "unit-ipallow.sh" "$(cat "$WORK/ipaddress.conf" 2>&1)"
mkdir -p "$WORK/dropin"
cat "$U/pumpd.service" "$WORK/ipaddress.conf" >"$WORK/dropin/pumpd.service"
verify "pumpd.service with the IPAddressAllow= drop-in" "$WORK/dropin/pumpd.service"
printf 'stations = ( { id = "x"; } );\n' >"$WORK/bad.conf"
if PUMPD=$BIN/pumpd sh "$TOP/scripts/unit-ipallow.sh" -o "$WORK/ipaddress.conf" "$WORK/bad.conf" 2>"$WORK/ipallow.err"; then
	fail "unit-ipallow.sh on a bad file" "exit 0"
else
	grep -q "IPAddressAllow=10.20.1.8" "$WORK/ipaddress.conf" && grep -q "bad.conf: see pumpd --check-config" "$WORK/ipallow.err" &&
	    ok "unit-ipallow.sh on a bad file: fails, says so, leaves the drop-in as it was" ||
	    fail "unit-ipallow.sh on a bad file" "$(cat "$WORK/ipallow.err")"
fi

# security NAME [FILE]: systemd-analyze security's score for the unit, 2.0
# or better.
security() {
	out=$(systemd-analyze security --offline=true --threshold=20 "${2:-$U/$1}" 2>&1)
	rc=$?
	score=$(echo "$out" | sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p')
	if [ $rc -eq 0 ] && [ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }'; then
		ok "systemd-analyze security $1: $score (2.0 or better)"
	else
		fail "systemd-analyze security $1" "score ${score:-?}, exit $rc: $(echo "$out" | grep '✗' | head -20)"
	fi
}
security pumpd.service
security "pumpd.service with the drop-in" "$WORK/dropin/pumpd.service"
security plcsim.service

# What the service needs, each line as the unit must have it.
for want in "Type=notify" "NotifyAccess=main" "WatchdogSec=30s" "Restart=on-failure" \
    "ExecReload=/bin/kill -HUP \$MAINPID" "ExecStartPre=$BIN/pumpd --check-config $WORK/etc/pumpd/jinnan.conf" \
    "StateDirectory=pumpd" "RuntimeDirectory=pumpd" "ConfigurationDirectory=pumpd" \
    "LoadCredential=influx-token:$WORK/etc/pumpd/influx-token" "UMask=0077" \
    "User=pumpd" "Group=pumpd-operators" "IPAddressDeny=any" "CapabilityBoundingSet=" \
    "RestrictAddressFamilies=AF_INET AF_UNIX" "LimitNOFILE=8192"; do
	grep -qxF "$want" "$U/pumpd.service" || missing="${missing:-}$want; "
done
[ -z "${missing:-}" ] && ok "pumpd.service: notify, watchdog, reload, directories, credential, identity" ||
    fail "pumpd.service lines" "missing: $missing"

# The credential: InfluxDB 1.x, basic authentication with the user and the
# password systemd left in $CREDENTIALS_DIRECTORY; a listener captures the
# request.  No PLC answers: pumpd writes DOWN stations' points all the same.
PB=$(port_base)
IPORT=$((PB + 60))
awk -v pb="$PB" -v url="http://127.0.0.1:$IPORT" '
    /port = 150[0-9][0-9]/ { sub(/port = 150[0-9][0-9]/, "port = " pb + (n++)) }
    /url = "http/ { sub(/"http[^"]*"/, "\"" url "\""); print; print "\tuser = \"pumpd\";"
        print "\tcredential = \"influx-token\";"; next }
    /batch_ms = / { sub(/batch_ms = [0-9]+/, "batch_ms = 200") }
    { print }' "$TOP/config/jinnan.conf" >"$WORK/cred.conf"
"$BIN/pumpd" --check-config "$WORK/cred.conf" >/dev/null 2>&1 && ok "influx.credential accepted by --check-config" ||
    fail "influx.credential" "$("$BIN/pumpd" --check-config "$WORK/cred.conf" 2>&1 | head -3)"
mkdir -p "$WORK/creds"
printf 'pa55-w0rd\n' >"$WORK/creds/influx-token"
resp=$(printf 'HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n')
(printf '%s' "$resp" | nc -l 127.0.0.1 "$IPORT" >"$WORK/request" 2>/dev/null) &
NC=$!
PIDS="$PIDS $NC"
wait_port "$IPORT" || { fail "listener" "nc does not listen on $IPORT"; finish; exit 1; }
(umask 077; CREDENTIALS_DIRECTORY=$WORK/creds exec "$BIN/pumpd" -c "$WORK/cred.conf" --state-dir "$WORK/state" \
    --ctl-socket "$WORK/ctl.sock" --log-every 600 >"$WORK/pumpd.log" 2>&1) &
PD=$!
PIDS="$PIDS $PD"
i=0; while [ ! -s "$WORK/request" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
sleep 0.3
mode=$(stat -c %a "$WORK/ctl.sock" 2>&1)
kill -TERM $PD; wait $PD
[ "$mode" = 660 ] && ok "under the unit's UMask=0077 the control socket is still mode 0660" ||
    fail "socket mode under umask 077" "$mode"
auth=$(printf 'pumpd:pa55-w0rd' | base64)
grep -q $'^Authorization: Basic '"$auth"$'\r$' "$WORK/request" &&
    ok "the password from \$CREDENTIALS_DIRECTORY/influx-token, as basic authentication" ||
    fail "credential used" "$(grep -i '^authorization' "$WORK/request"; tail -3 "$WORK/pumpd.log")"
env -u CREDENTIALS_DIRECTORY "$BIN/pumpd" -c "$WORK/cred.conf" --state-dir "$WORK/state2" \
    --ctl-socket "$WORK/ctl2.sock" >"$WORK/nocred.log" 2>&1 &
PD=$!
PIDS="$PIDS $PD"
i=0; while kill -0 $PD 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
if kill -0 $PD 2>/dev/null; then
	kill -TERM $PD; wait $PD
	fail "no \$CREDENTIALS_DIRECTORY" "pumpd runs: $(tail -3 "$WORK/nocred.log")"
else
	wait $PD; rc=$?
	[ $rc -ne 0 ] && grep -q 'influx.credential "influx-token": no \$CREDENTIALS_DIRECTORY' "$WORK/nocred.log" &&
	    ok "no \$CREDENTIALS_DIRECTORY: pumpd refuses to start, exit $rc, and says why" ||
	    fail "no \$CREDENTIALS_DIRECTORY" "exit $rc: $(tail -3 "$WORK/nocred.log")"
fi
finish
