#!/bin/sh
# Run every integration test; fail when any fails.  The two storm runs take
# about 3.5 minutes each in simulated time x60, so they run side by side in
# the background while the quick tests run; each test's output is shown
# whole when it ends.
cd "$(dirname "$0")" || exit 1
rc=0
logs=$(mktemp -d)
# each test its own block of 100 ports, so that none collide
base=$((21000 + $$ % 10 * 1000))
for t in test_storm*.sh; do
	base=$((base + 100))
	PORT_BASE=$base bash "$t" >"$logs/$t.log" 2>&1 &
	echo "$!" >"$logs/$t.pid"
done
for t in test_*.sh; do
	case $t in test_storm*) continue;; esac
	echo "== integration: $t"
	base=$((base + 100))
	PORT_BASE=$base bash "$t" || rc=1
done
for t in test_storm*.sh; do
	wait "$(cat "$logs/$t.pid")" || rc=1
	echo "== integration: $t"
	cat "$logs/$t.log"
done
rm -rf "$logs"
exit $rc
