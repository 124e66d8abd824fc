#!/usr/bin/env bash
# Detection evaluation through the binary: builds mlsec, writes the detection
# corpus (internal/corpus) to a temp folder, runs `mlsec scan --format json`
# on every sample and on every file of scan/testdata/benign/, and prints a
# table: technique, expected verdict, detected (exit code 1 with a finding
# of medium or above), whether an expected rule id fired, the rule ids, and
# the totals TP/FN on malicious samples and TN/FP on benign ones.
#
# Usage: bench/detect.sh [-v]     (-v also prints every finding's message)
# Needs: go, jq. Nothing in the corpus is ever executed.
set -euo pipefail
VERBOSE=${1:-}
cd "$(dirname "$0")/.."
command -v jq >/dev/null || { echo "bench/detect.sh needs jq" >&2; exit 2; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
go build -o "$WORK/mlsec" ./cmd/mlsec
go run ./bench/corpus -out "$WORK/corpus" >&2

# One line per sample: path, expected, expected rules, section, technique.
jq -r '.[] | [("corpus/" + .file), .expected, ((.expected_rules // ["-"]) | join(",")), .section, .technique] | @tsv' \
	"$WORK/corpus/manifest.json" >"$WORK/list.tsv"
while IFS= read -r f; do
	printf 'scan/testdata/benign/%s\tbenign\t-\tfix\tfixture %s\n' "$f" "$f" >>"$WORK/list.tsv"
done < <(cd scan/testdata/benign && find . -type f | sed 's|^\./||' | sort)

tp=0 fn=0 tn=0 fp=0 ruleok=0
misses=()
printf '%-4s %-54s %-9s %-8s %-6s %-4s %s\n' "sec" "technique" "expected" "detected" "result" "rule" "rule ids (>= medium)"
while IFS=$'\t' read -r file expected rules section technique; do
	if [[ $file == corpus/* ]]; then path="$WORK/$file"; else path="$file"; fi
	rc=0
	"$WORK/mlsec" scan --format json --no-progress "$path" >"$WORK/out.json" 2>"$WORK/err.txt" || rc=$?
	ids=$(jq -r '[.findings[] | select(.severity=="medium" or .severity=="high" or .severity=="critical") | .rule_id] | unique | join(",")' "$WORK/out.json" 2>/dev/null || echo "?")
	detected=no
	[[ $rc -eq 1 && -n $ids ]] && detected=yes
	hit=-
	if [[ $rules != - ]]; then
		hit=no
		for r in ${rules//,/ }; do [[ ",$ids," == *",$r,"* ]] && hit=yes; done
	fi
	if [[ $expected == malicious ]]; then
		if [[ $detected == yes ]]; then result=TP; tp=$((tp + 1)); else result=FN; fn=$((fn + 1)); misses+=("FN $file: exit $rc, rules [$ids], expected [$rules]"); fi
		[[ $hit == yes ]] && ruleok=$((ruleok + 1))
		[[ $detected == yes && $hit == no ]] && misses+=("RULE $file: detected by [$ids], expected one of [$rules]")
	else
		if [[ $detected == yes ]]; then result=FP; fp=$((fp + 1)); misses+=("FP $file: exit $rc, rules [$ids]"); else result=TN; tn=$((tn + 1)); fi
	fi
	printf '%-4s %-54.54s %-9s %-8s %-6s %-4s %s\n' "$section" "$technique" "$expected" "$detected" "$result" "$hit" "${ids:--}"
	if [[ -n $VERBOSE ]]; then
		jq -r '.findings[] | "        \(.severity) \(.rule_id) \(.member // "") \(.message)"' "$WORK/out.json" 2>/dev/null || cat "$WORK/err.txt"
	fi
done <"$WORK/list.tsv"

echo
echo "malicious: $((tp + fn))  TP $tp  FN $fn  (expected rule fired on $ruleok)"
echo "benign:    $((tn + fp))  TN $tn  FP $fp"
if ((${#misses[@]})); then
	echo
	printf '%s\n' "${misses[@]}"
fi
