#!/bin/bash
# The service unit passes systemd-analyze verify (offline: no systemd as
# PID 1 here), with the binary and configuration paths pointed at this build.
. "$(dirname "$0")/lib.sh"

sed -e "s|/usr/local/sbin/pumpd|$BIN/pumpd|g" -e "s|/etc/pumpd/jinnan.conf|$TOP/config/jinnan.conf|g" \
    "$TOP/systemd/pumpd.service" >"$WORK/pumpd.service"
out=$(systemd-analyze verify "$WORK/pumpd.service" 2>&1 | grep -v "^$")
[ -z "$out" ] && ok "systemd-analyze verify pumpd.service" || fail "systemd-analyze verify" "$out"
grep -q "^Type=notify" "$TOP/systemd/pumpd.service" && ok "Type=notify (pumpd calls sd_notify READY=1)" ||
    fail "Type=notify" ""
finish
