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
	[ -n "${KEEP_WORK:-}" ] && echo "kept $WORK" >&2 || rm -rf "$WORK"
	[ -n "${PORT_BASE:-}" ] && rm -rf "$PORT_RES/$PORT_BASE"
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

# ours PID: whether PID is this test's shell or one of its descendants.
ours() {
	_p=$1
	while [ -n "$_p" ] && [ "$_p" -gt 1 ]; do
		[ "$_p" = "$$" ] && return 0
		_p=$(sed 's/.*) //' "/proc/$_p/stat" 2>/dev/null | awk '{ print $2 }')
	done
	return 1
}

# listeners PORT: the PIDs of the processes listening on TCP PORT.
listeners() {
	ss -Htlnp "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u
}

# wait_port PORT [SECONDS]: wait until one of this test's own processes
# listens on PORT.  Fails at once, saying so, when another process holds
# the port: a test on a busy machine must never talk to a stranger.  It
# makes no connection (some tests count them).
wait_port() {
	i=0
	while [ $i -lt $((${2:-10} * 10)) ]; do
		for _l in $(listeners "$1"); do
			ours "$_l" && return 0
			echo "wait_port: port $1 is held by another process (pid $_l, $(cat "/proc/$_l/comm" 2>/dev/null))" >&2
			return 1
		done
		sleep 0.1
		i=$((i + 1))
	done
	echo "wait_port: nothing of this test listens on port $1 after ${2:-10} s" >&2
	return 1
}

# Ports: each test takes a block of 100 (its servers sit at offsets inside
# it), below the ephemeral range (32768-) so that no outgoing connection
# can hold one.  The block is chosen at start-up: the first from the hint
# (PORT_BASE) on where no TCP socket of any process uses a port, reserved
# with a directory so that tests running side by side never take the same
# block; a reservation whose test has died is taken over.
PORT_RES=${TMPDIR:-/tmp}/pumpd-test-ports
mkdir -p "$PORT_RES" 2>/dev/null

# block_busy B: whether any TCP socket uses a port in B..B+99.
block_busy() {
	ss -Htan 2>/dev/null | awk -v lo="$1" -v hi=$(($1 + 99)) '
	    { n = split($4, a, ":"); p = a[n] + 0; if (p >= lo && p <= hi) f = 1 }
	    END { exit !f }'
}

# pick_ports HINT: choose and reserve a free block; prints its first port.
pick_ports() {
	_b=$1; _n=0
	while [ $_n -lt 127 ]; do
		{ [ "$_b" -lt 20000 ] || [ "$_b" -gt 32600 ]; } && _b=20000
		if ! block_busy "$_b"; then
			if mkdir "$PORT_RES/$_b" 2>/dev/null; then
				echo $$ >"$PORT_RES/$_b/pid"
				echo "$_b"
				return 0
			fi
			_o=$(cat "$PORT_RES/$_b/pid" 2>/dev/null)
			if [ -n "$_o" ] && ! kill -0 "$_o" 2>/dev/null; then
				rm -rf "$PORT_RES/$_b"
				continue
			fi
		fi
		_b=$((_b + 100)); _n=$((_n + 1))
	done
	echo "lib.sh: no free block of 100 ports in 20000-32699" >&2
	return 1
}

PORT_BASE=$(pick_ports "${PORT_BASE:-$((20000 + ($$ % 127) * 100))}") || exit 1

# port_base: the first port of this test's block.
port_base() {
	echo "$PORT_BASE"
}

# finish: print the totals and exit non-zero on any failure.
finish() {
	echo "$(basename "$0" .sh): $npass passed, $nfail failed"
	[ "$nfail" -eq 0 ]
}
