#!/bin/bash
# make bench-control in small: one 20-minute storm on two stations
# (xiaozhan-east on the Xingfu He, gegu-sewage on the Jingu plant) under
# the baseline, pumpd (x300, its limits relayed by the script) and the
# bound.  The table names the three, results.json holds their scores with
# an exact water balance, and gnuplot wrote both PNGs.
. "$(dirname "$0")/lib.sh"

OUT=$WORK/out
python3 "$TOP/scripts/bench/bench_control.py" --smoke --pumpd-speed 300 \
    --plcsim "$BIN/plcsim" --pumpd "$BIN/pumpd" --pumpctl "$BIN/pumpctl" \
    --out "$OUT" >"$WORK/table" 2>"$WORK/err"
rc=$?
[ $rc = 0 ] && ok "bench-control --smoke ran" || fail "bench-control --smoke" "exit $rc: $(tail -3 "$WORK/err")"
for c in baseline pumpd bound; do
	grep -q "^smoke-P20 *$c " "$WORK/table" && ok "table row: $c" ||
	    fail "table row $c" "$(cat "$WORK/table")"
done
python3 - "$OUT/results.json" <<'PY' >"$WORK/json" 2>&1 && ok "results.json: three controllers, balance exact, the pumps pumped ($(cat "$WORK/json"))" || fail "results.json" "$(cat "$WORK/json")"
import json, sys
r = json.load(open(sys.argv[1]))["results"]["smoke-P20"]
assert sorted(r) == ["baseline", "bound", "pumpd"], sorted(r)
for c, s in r.items():
    assert abs(s["balance_m3"]) < 0.01, (c, s["balance_m3"])
    assert s["energy_kwh"] > 0 and s["starts"] > 0, c
    assert s["pumped_m3"] > 0 and s["kwh_per_1000m3"] > 0, c
    assert sorted(s["stations"]) == ["gegu-sewage", "xiaozhan-east"], c
print(", ".join("%s %.0f kWh" % (c, r[c]["energy_kwh"]) for c in sorted(r)))
PY
for p in storm-smoke-P20.png flood-by-storm.png; do
	file "$OUT/$p" 2>/dev/null | grep -q "PNG image" && ok "$p written" ||
	    fail "$p" "$(ls "$OUT")"
done
[ -s "$OUT/results.csv" ] && ok "results.csv written" || fail "results.csv" "missing"
finish
