#!/usr/bin/env bash
# Hostile-input limits through the binary (issue 9, R2 to R4): generates a
# 42.zip-style nested bomb (16 x 16 x 1 GiB of zeros), a 4 GiB member of
# zeros named data.pkl at about 200:1, and a million-deep nested-list
# pickle, then reports wall time, peak RSS and the findings of
# `mlsec scan` on each, RUNS times (the machine is shared: take the best).
#
# Usage: bench/limits.sh [RUNS]      Needs: go, jq, GNU time (/usr/bin/time).
set -euo pipefail
RUNS=${1:-3}
cd "$(dirname "$0")/.."
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
go build -o "$WORK/mlsec" ./cmd/mlsec
mkdir "$WORK/samples" "$WORK/tmp"
go run ./bench/limitsgen "$WORK/samples" | while IFS=$'\t' read -r name size; do
	printf 'sample %-18s %10d bytes\n' "$name" "$size"
done
for f in bomb42.zip zeros_datapkl.zip deep_list.pkl; do
	for run in $(seq "$RUNS"); do
		rc=0
		TMPDIR="$WORK/tmp" /usr/bin/time -f '%e %M' "$WORK/mlsec" scan --format json --no-progress "$WORK/samples/$f" \
			>"$WORK/out.json" 2>"$WORK/time.txt" || rc=$?
		read -r secs kb < <(tail -n 1 "$WORK/time.txt")
		printf '%-18s run %d: %5.2f s  peak RSS %6.1f MB  exit %d  spool files left %d\n' \
			"$f" "$run" "$secs" "$(echo "$kb/1024" | bc -l)" "$rc" "$(find "$WORK/tmp" -type f | wc -l)"
	done
	jq -r '.findings[] | "    \(.severity) \(.rule_id) \(.member // "") \(.message[0:110])"' "$WORK/out.json"
done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) on $(nproc) CPUs"
