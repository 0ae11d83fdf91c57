#!/bin/bash
# The state file is rewritten only when what survives a restart changed
# (issue 13: at 900 stations it was 2 MB rewritten and synced every 5 s):
# pumpd with one quiet station (no rain, the level steady at its stop
# level), once its first periodic save is done, rewrites the file at most
# once in 11 s (the rain record's minute turns over; every 5 s it would be
# rewritten at least twice), then the wet well rises past the duty
# start (plcsim fault level), pumpd starts a pump, and the start (kept for
# the starts-per-hour limit) is in the file within one save period.
. "$(dirname "$0")/lib.sh"

PB=$(port_base); PORT=$((PB + 1)); CTL=$((PB + 2))
python3 "$TOP/scripts/bench/gen-conf.py" --base "$PORT" --only-v1 "$TOP/config/jinnan.conf" 1 >"$WORK/one.conf"
ID=$(awk -F'"' '/^[[:space:]]*id = "/ { print $2; exit }' "$WORK/one.conf")
spawn "$BIN/plcsim" -c "$WORK/one.conf" -p "$CTL" >"$WORK/plcsim.log" 2>&1
wait_port "$CTL" || { fail "plcsim" "$(tail -3 "$WORK/plcsim.log")"; finish; exit 1; }
mkdir -p "$WORK/state"
spawn "$BIN/pumpd" -c "$WORK/one.conf" --state-dir "$WORK/state" --ctl-socket "$WORK/ctl.sock" \
    --log-every 3600
PUMPD=$!
F=$WORK/state/state
for i in $(seq 100); do [ -f "$F" ] && break; sleep 0.1; done
[ -f "$F" ] && ok "state file written at start-up" || { fail "state file" "$(ls "$WORK/state")"; finish; exit 1; }
sleep 6		# the first periodic save (after the start-up's)
ino() { stat -c %i "$F" 2>/dev/null; }
# writes: how often the file is replaced (each save renames a new one in)
n=0; last=$(ino)
for i in $(seq 55); do
	sleep 0.2; cur=$(ino)
	[ "$cur" != "$last" ] && { n=$((n + 1)); last=$cur; }
done
[ "$n" -le 1 ] && ok "quiet for 11 s: the state file rewritten $n times (at most once)" ||
    fail "quiet state not rewritten" "rewritten $n times in 11 s"
exec 3<>/dev/tcp/127.0.0.1/$CTL
echo "fault $ID:remote-off" >&3; read -r -t 5 r <&3; exec 3>&-
got=""
for i in $(seq 150); do
	[ "$(ino)" != "$last" ] && { got=1; break; }
	sleep 0.1
done
grep -q "$ID" "$F" && [ -n "$got" ] &&
    ok "an alarm stands: the state file rewritten within $((i / 10)) s" ||
    fail "state saved after a change" "$(tail -3 "$WORK/plcsim.log")"
finish
