#!/usr/bin/env bash
# False-alarm evaluation on real models: writes benign models with the real
# libraries (bench/benign/gen_models.py: torch, torchvision, torchaudio,
# scikit-learn, statsmodels, gensim, xgboost, pandas/numpy/scipy, the
# standard library), scans them with `mlsec scan --format json`, and prints
# per library how many files were tried and how many got findings at
# medium or above (the gate's default) and at low or above.
#
# Usage: bench/benign.sh [--quick] [OUT_DIR]   (OUT_DIR is kept when given)
# Needs: Debian's /usr/bin/python3 with python3-torch, -torchvision,
# -torchaudio, -sklearn, -statsmodels, -gensim, -xgboost; go; jq.
# Takes about ten minutes on two cores (model construction dominates).
set -euo pipefail
QUICK=
if [[ ${1:-} == --quick ]]; then QUICK=--quick; shift; fi
cd "$(dirname "$0")/.."
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
OUT=${1:-$WORK/models}
go build -o "$WORK/mlsec" ./cmd/mlsec
/usr/bin/python3 bench/benign/gen_models.py $QUICK "$OUT" 2> >(grep -v -i warn >&2)
rc=0
"$WORK/mlsec" scan --format json --no-progress --exclude manifest.json "$OUT" >"$WORK/report.json" || rc=$?
echo "mlsec scan exit code: $rc"
# Per-library counts ("models" from the generator's manifest; "files" as
# scanned, sidecars such as gensim's .npy arrays included).
printf '%-14s %6s %6s %17s %14s\n' library models files "files >=medium" "files >=low"
for lib in $(jq -r '.files[].library' "$OUT/manifest.json" | sort -u); do
	n=$(jq --arg l "$lib" '[.files[] | select(.library == $l)] | length' "$OUT/manifest.json")
	f=$(jq --arg d "$OUT/$lib/" '[.files[] | select(.path | startswith($d))] | length' "$WORK/report.json")
	med=$(jq -r --arg d "$OUT/$lib/" '[.findings[] | select((.path | startswith($d)) and (.severity | IN("medium", "high", "critical"))) | .path] | unique | length' "$WORK/report.json")
	low=$(jq -r --arg d "$OUT/$lib/" '[.findings[] | select((.path | startswith($d)) and (.severity != "info")) | .path] | unique | length' "$WORK/report.json")
	printf '%-14s %6d %6d %17d %14d\n' "$lib" "$n" "$f" "$med" "$low"
done
total=$(jq '.files | length' "$OUT/manifest.json")
echo "total files tried: $total (could not build: $(jq '.failed | length' "$OUT/manifest.json"))"
jq -r '.findings[] | select(.severity != "info") | "  \(.severity) \(.rule_id) \(.path) \(.callable // "")"' "$WORK/report.json"
