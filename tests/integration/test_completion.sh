#!/bin/bash
# Issue 9: pumpctl's bash completion (scripts/pumpctl.bash-completion),
# sourced in a plain bash (no bash-completion package, no _init_completion)
# and driven through COMP_WORDS and COMP_CWORD.
#  1. Without pumpd: commands (from pumpctl --help, watch and the alarm
#     commands included), their
#     options, warning names, pump verbs; station ids and pump numbers from
#     the configuration ($PUMPD_CONF).
#  2. With a pumpd on a two-station district and $PUMPD_CONF pointing
#     nowhere: station ids and pump numbers from pumpd (pumpctl complete),
#     found through -S SOCKET on the command line; alarm ids for ack (the
#     unacknowledged ones, and all), shelve (the shown) and unshelve (the
#     shelved: none, then the one shelved).
. "$(dirname "$0")/lib.sh"

PB=$(port_base)
mkdir -p "$WORK/run"; SOCK=$WORK/run/ctl.sock
COMPL=$TOP/scripts/pumpctl.bash-completion
# the district with two stations (their PLCs on ports nobody serves)
awk -v pb="$PB" '
    /^influx = \{/ { skip = 1 } skip { if ($0 ~ /^\};/) skip = 0; next }
    /^stations = \(/ { print; st = 1; next }
    !st { print; next }
    /^\t\{$/ { buf = $0 "\n"; inb = 1; keep = 0; next }
    inb {
	line = $0
	if (line ~ /id = "(xiaozhan-sewage|gegu-old)";/) keep = 1
	sub(/port = [0-9]+/, "port = " pb + (++n), line)
	if (line ~ /^\t\},?$/) { if (keep) { printf "%s%s\t}\n", sep, buf; sep = ",\n" } inb = 0; next }
	buf = buf line "\n"; next
    }
    END { print ");" }' "$TOP/config/jinnan.conf" >"$WORK/two.conf"

# comp LINE: the completions of LINE (the word under the cursor is its
# last, "" after a trailing space), sorted, on one line
comp() {
	PATH=/usr/bin:/bin bash --norc --noprofile -c '
	    . "$1"; type _init_completion >/dev/null 2>&1 && exit 9
	    read -r -a COMP_WORDS <<<"$2"
	    case $2 in *" ") COMP_WORDS+=("") ;; esac
	    COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMP_LINE=$2; COMP_POINT=${#2}
	    _pumpctl; printf "%s\n" "${COMPREPLY[@]}" | sort | xargs' _ "$COMPL" "$1"
}
# expect LINE WANT: a check that LINE completes to WANT
expect() {
	got=$(comp "$1")
	[ "$got" = "$2" ] && ok "'$1' -> $got" || fail "'$1'" "got '$got', want '$2'"
}

# 1. from the configuration
export PUMPD_CONF=$TOP/config/jinnan.conf
expect "$BIN/pumpctl st" "station status"
expect "$BIN/pumpctl w" "warning watch"
expect "$BIN/pumpctl a" "ack alarms"
expect "$BIN/pumpctl e" "events"
expect "$BIN/pumpctl s" "shelve show station status"
expect "$BIN/pumpctl u" "unlock unshelve"
expect "$BIN/pumpctl events --" "--alarms-only --help --json --limit --station"
expect "$BIN/pumpctl --js" "--json"
expect "$BIN/pumpctl -S $SOCK warning " "blue none orange red yellow"
expect "$BIN/pumpctl show shuangqiaohe-" "shuangqiaohe-east shuangqiaohe-sewage"
n=$(comp "$BIN/pumpctl show " | wc -w)
[ "$n" = 33 ] && ok "show: the 33 station ids of $(basename "$PUMPD_CONF")" || fail "33 ids" "$n"
expect "$BIN/pumpctl pump sandaogou " "1 2 3 4 5"
expect "$BIN/pumpctl lockout gegu-old " "1 2 3"
expect "$BIN/pumpctl pump sandaogou 2 " "auto run stop"
expect "$BIN/pumpctl pump sandaogou 2 run --" "--for --help --json --reason"
expect "$BIN/pumpctl pump sandaogou 2 run --for " "15m 1h 2h 30s 8h forever"
expect "$BIN/pumpctl pump sandaogou 2 run --for 1h --reason x " ""
expect "$BIN/pumpctl station xiaozhan-sewage " "auto local"
expect "$BIN/pumpctl limit xiaozhan-old " "0 1 2 3 4 none"
expect "$BIN/pumpctl watch --" "--count --help --interval"
PUMPD_CONF=/nonexistent expect "$BIN/pumpctl show " ""

# 2. from pumpd
"$BIN/pumpd" -c "$WORK/two.conf" --sim-speed 30 --state-dir "$WORK/state" --ctl-socket "$SOCK" >"$WORK/pumpd.log" 2>&1 &
PIDS="$PIDS $!"
i=0; while [ ! -S "$SOCK" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
export PUMPD_CONF=/nonexistent
expect "$BIN/pumpctl -S $SOCK show " "gegu-old xiaozhan-sewage"
expect "$BIN/pumpctl --socket $SOCK --json unlock gegu-old " "1 2 3"
expect "$BIN/pumpctl -S $SOCK limit " "all gegu-old xiaozhan-sewage"
expect "$BIN/pumpctl -S $SOCK pump nowhere " ""
# alarm ids: the unreachable PLCs raise comms alarms (down_s 30 s: 1 s at
# x30); once both are DOWN, "comms lost" stands for the others
i=0; while [ "$("$BIN/pumpctl" -S "$SOCK" alarms | grep -c 'comms lost')" != 2 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
"$BIN/pumpctl" -S "$SOCK" --json alarms >"$WORK/alarms.json"
ids() { python3 -c 'import json, sys
print(" ".join(sorted(str(a["id"]) for a in json.load(sys.stdin)["data"]["alarms"] if a["state"] in sys.argv[1:])))' "$@" <"$WORK/alarms.json"; }
ids=$(ids UNACK RTN_UNACK)
[ -n "$ids" ] && expect "$BIN/pumpctl -S $SOCK ack " "$(echo all $ids | xargs -n1 | sort | xargs)" || fail "alarm ids" "none standing"
expect "$BIN/pumpctl -S $SOCK shelve " "$(ids UNACK RTN_UNACK ACKED | xargs -n1 | sort | xargs)"
expect "$BIN/pumpctl -S $SOCK unshelve " ""
one=${ids%% *}
"$BIN/pumpctl" -S "$SOCK" shelve "$one" --for 1h --reason "completion test" >/dev/null ||
    fail "shelve $one" "$("$BIN/pumpctl" -S "$SOCK" shelve "$one" --for 1h --reason x 2>&1)"
expect "$BIN/pumpctl -S $SOCK unshelve " "$one"
expect "$BIN/pumpctl -S $SOCK shelve " "${ids#* }"
out=$("$BIN/pumpctl" -S "$SOCK" complete pumps nowhere 2>&1); rc=$?
[ $rc = 1 ] && [ -z "$out" ] && ok "complete pumps nowhere: exit 1, silent" || fail "complete unknown" "rc $rc: $out"
finish
