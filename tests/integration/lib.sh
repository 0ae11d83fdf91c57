# Shared helpers for the integration tests (sourced by each test_*.sh).
# Every server runs on 127.0.0.1 in a throwaway directory and is stopped on
# exit.  Results are counted and printed as "N passed, N failed".

set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
B=${B:-build}
BIN=$TOP/$B
WORK=$(mktemp -d /tmp/pumpd-test.XXXXXX)
PIDS=""
npass=0
nfail=0

cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

# ok NAME: count a pass; fail NAME WHY: count a failure.
ok() { npass=$((npass + 1)); echo "ok - $1"; }
fail() { nfail=$((nfail + 1)); echo "FAIL - $1: $2"; }

# check NAME COMMAND...: pass when the command succeeds.
check() {
	name=$1; shift
	if "$@" >"$WORK/check.out" 2>&1; then ok "$name"
	else fail "$name" "$(tail -3 "$WORK/check.out")"; fi
}

# Start a background server and remember it.
spawn() {
	"$@" &
	PIDS="$PIDS $!"
}

# wait_port PORT [SECONDS]: wait until something listens on 127.0.0.1:PORT.
wait_port() {
	i=0
	while [ $i -lt $((${2:-10} * 10)) ]; do
		(exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# A block of ports for this test run, below the ephemeral range (32768-)
# so that no outgoing connection can hold a port a test wants to listen on.
port_base() {
	echo "${PORT_BASE:-$((20000 + ($$ % 200) * 50))}"
}

# finish: print the totals and exit non-zero on any failure.
finish() {
	echo "$(basename "$0" .sh): $npass passed, $nfail failed"
	[ "$nfail" -eq 0 ]
}
