#!/usr/bin/env bash
# mlsec probe speed and quality on loopback against a real scikit-learn
# model (examples/sklearn-server/serve.py, Debian's /usr/bin/python3 with
# python3-sklearn).
#
#  1. mlsec probe robustness, HopSkipJump, ROWS rows of breast_cancer.csv,
#     5,000 queries per input, over KServe v2: queries/s, request latency,
#     and the median found/exact L2 distance (the exact optimum of the
#     linear model, |w.x+b|/||w||, in range units).
#  2. mlsec probe explain over KServe v2 (permutation importance, 5
#     repeats, 569 rows; reason labels for 5 rows): queries/s.
#  3. Go benchmarks of the attack loop: in process (mlsec's own cost per
#     query) and over HTTP against the Go model server.
#  4. With ART=DIR (ART's source, e.g. /tmp/art), ART's HopSkipJump on the
#     same inputs (bench/probe_art.py).
#
# Usage: bench/probe.sh [ROWS=20]   Env: ART=/tmp/art
# The figures are in README (Performance) and docs/probe.md.
set -euo pipefail
ROWS=${1:-20}
cd "$(dirname "$0")/.."
WORK=$(mktemp -d)
PY_PID=
stop() {
	if [ -n "$PY_PID" ]; then
		kill "$PY_PID" 2>/dev/null || true
		wait "$PY_PID" 2>/dev/null || true
	fi
	rm -rf "$WORK"
}
trap stop EXIT

go build -o "$WORK/mlsec" ./cmd/mlsec
/usr/bin/python3 examples/sklearn-server/serve.py --port 0 --port-file "$WORK/port" 2>"$WORK/serve.log" &
PY_PID=$!
for _ in $(seq 1 300); do [ -s "$WORK/port" ] && break; sleep 0.2; done
URL="http://127.0.0.1:$(cat "$WORK/port")"
echo "== scikit-learn models served at $URL"

echo "== 1. robustness: HopSkipJump, $ROWS rows, 5000 queries per input (kserve-v2)"
"$WORK/mlsec" probe robustness --endpoint "$URL" --protocol kserve-v2 --served-model breast-cancer \
	--data examples/sklearn-server/data/breast_cancer.csv --label benign --rows "$ROWS" --seed 1 \
	--attack hsj --no-progress --format json -o "$WORK/hsj.json"
curl -s "$URL/mlsec-test/linear/breast-cancer" >"$WORK/linear.json"
/usr/bin/python3 - "$WORK/hsj.json" "$WORK/linear.json" <<'PY'
import json, sys
import numpy as np
r, lin = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
lo = np.array([f["min"] for f in r["sample"]["features"]]); wd = np.array([f["max"] for f in r["sample"]["features"]]) - lo
wu, bu = np.array(lin["w"]) * wd, lin["b"] + np.array(lin["w"]) @ lo
a = r["attacks"][0]
ratios = [e["l2_range"] / (abs(wu @ ((np.array(e["original"]) - lo) / wd) + bu) / np.linalg.norm(wu)) for e in a["examples"] if e["status"] == "adversarial"]
t = r["traffic"]
print("fooled %d/%d; median found/exact L2 %.4f (min %.4f, max %.4f)" % (a["succeeded"], a["attempted"], np.median(ratios), min(ratios), max(ratios)))
print("%d queries in %.1f s: %.0f queries/s over %d requests, latency p50 %.1f ms p99 %.1f ms"
      % (r["queries"], r["seconds"], r["queries_per_second"], t["requests"], t["latency_p50_ms"], t["latency_p99_ms"]))
PY

echo "== 2. explain: permutation importance (5 repeats, 569 rows) and 5 reason labels (kserve-v2)"
"$WORK/mlsec" probe explain --endpoint "$URL" --protocol kserve-v2 --served-model breast-cancer \
	--data examples/sklearn-server/data/breast_cancer.csv --label benign --batch 600 --format json -o "$WORK/explain.json"
/usr/bin/python3 -c '
import json, sys
r = json.load(open(sys.argv[1])); t = r["traffic"]
print("%d queries in %.1f s: %.0f queries/s over %d requests, latency p50 %.1f ms p99 %.1f ms" % (r["queries"], r["seconds"], r["queries_per_second"], t["requests"], t["latency_p50_ms"], t["latency_p99_ms"]))
' "$WORK/explain.json"

echo "== 3. Go benchmarks of the attack loop (HopSkipJump, 20 inputs x 5000 queries)"
go test ./probe/ -run '^$' -bench AttackLoop -benchtime 3x | grep -E '^Benchmark'

if [ -n "${ART:-}" ]; then
	echo "== 4. ART's HopSkipJump on the same inputs (PYTHONPATH=$ART)"
	PYTHONPATH="$ART" /usr/bin/python3 bench/probe_art.py "$WORK/hsj.json" 2>/dev/null
fi
