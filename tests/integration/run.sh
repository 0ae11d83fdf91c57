#!/bin/sh
# Run every integration test; fail when any fails.
cd "$(dirname "$0")" || exit 1
rc=0
for t in test_*.sh; do
	echo "== integration: $t"
	bash "$t" || rc=1
done
exit $rc
