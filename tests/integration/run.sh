#!/bin/sh
# Run every integration test; fail when any fails.  The two storm runs take
# about 3.5 minutes each in simulated time x60, so they run side by side in
# the background; the other tests run in two lanes beside them (each test
# has its own block of ports and its own directory), each test's output
# shown whole when it ends, with its wall time.  LANES=1 runs them one
# after the other.
cd "$(dirname "$0")" || exit 1
logs=$(mktemp -d)
lanes=${LANES:-2}
# each test its own block of 100 ports, so that none collide (lib.sh moves
# a block that another process holds)
base=$((21000 + $$ % 8 * 1000))
for t in test_storm*.sh; do
	base=$((base + 100))
	( s=$(date +%s); PORT_BASE=$base bash "$t" >"$logs/$t.log" 2>&1
	  echo $? >"$logs/$t.rc"; echo $(($(date +%s) - s)) >"$logs/$t.s" ) &
	echo "$!" >"$logs/$t.pid"
done
# lane L of the quick tests: every lanes-th one, starting at L
lane() {
	i=0
	for t in test_*.sh; do
		case $t in test_storm*) continue;; esac
		i=$((i + 1))
		[ $((i % lanes)) = "$1" ] || continue
		s=$(date +%s)
		PORT_BASE=$(($2 + i * 100)) bash "$t" >"$logs/$t.log" 2>&1
		echo $? >"$logs/$t.rc"
		echo "== integration: $t ($(($(date +%s) - s)) s)" >"$logs/$t.head"
		# shown whole as it ends: one write, so that lanes do not mix
		cat "$logs/$t.head" "$logs/$t.log" >"$logs/$t.out"
		cat "$logs/$t.out"
	done
}
l=0
while [ $l -lt "$lanes" ]; do
	lane $l "$base" &
	echo "$!" >>"$logs/lanes"
	l=$((l + 1))
done
for p in $(cat "$logs/lanes"); do wait "$p"; done
for t in test_storm*.sh; do
	wait "$(cat "$logs/$t.pid")"
	echo "== integration: $t ($(cat "$logs/$t.s") s)"
	cat "$logs/$t.log"
done
rc=0
failed=
for f in "$logs"/*.rc; do
	[ "$(cat "$f")" = 0 ] && continue
	rc=1
	failed="$failed $(basename "$f" .rc)"
done
[ $rc = 0 ] || echo "integration: failed:$failed"
rm -rf "$logs"
exit $rc
