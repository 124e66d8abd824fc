#!/usr/bin/env bash
# Benchmark `mlsec drift` against the scipy reference procedure on the same
# files: ROWS rows x 20 columns (8 floats, 4 integers, 8 categories),
# reference and current. Reports wall and CPU time, peak RSS and the ratio
# (CPU time is the steadier figure on a machine shared with other builds).
# Usage: bench/drift.sh [ROWS] [CORES]
set -euo pipefail
ROWS=${1:-1000000}
CORES=${2:-2}
cd "$(dirname "$0")/.."
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
go build -o "$WORK/mlsec" ./cmd/mlsec
/usr/bin/python3 bench/driftgen/gen.py "$ROWS" "$WORK"
cat "$WORK"/*.csv >/dev/null # warm the page cache
CPUS=$(seq -s, 0 $((CORES - 1)))

measure() { # label, command...
	local label=$1; shift
	/usr/bin/time -v taskset -c "$CPUS" "$@" >"$WORK/out.txt" 2>"$WORK/time.txt" || true
	local secs rss cpu
	secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$WORK/time.txt")
	rss=$(awk -F': ' '/Maximum resident/ {print $2}' "$WORK/time.txt")
	cpu=$(awk -F': ' '/User time|System time/ {s+=$2} END {print s}' "$WORK/time.txt")
	printf "%-8s wall %7.2f s  cpu (user+sys) %7.2f s  peak RSS %7.1f MB\n" "$label" "$secs" "$cpu" "$(awk -v r="$rss" 'BEGIN{print r/1024}')"
	echo "$secs" >"$WORK/$label.secs"
	echo "$cpu" >"$WORK/$label.cpu"
}
echo "rows: $ROWS x 20 columns per table ($(du -m "$WORK/reference.csv" | cut -f1) MB CSV each), cores: $CORES, load: $(cut -d' ' -f1-3 /proc/loadavg)"
measure mlsec "$WORK/mlsec" drift "$WORK/reference.csv" "$WORK/current.csv" --format json
grep -o '"number_of_drifted_columns": [0-9]*' "$WORK/out.txt" || true
measure scipy /usr/bin/python3 bench/driftgen/scipy_drift.py "$WORK/reference.csv" "$WORK/current.csv"
cat "$WORK/out.txt"
awk -v a="$(cat "$WORK/mlsec.secs")" -v b="$(cat "$WORK/scipy.secs")" -v c="$(cat "$WORK/mlsec.cpu")" -v d="$(cat "$WORK/scipy.cpu")" \
	'BEGIN { printf "mlsec is %.1fx faster than the scipy procedure (wall), %.1fx (CPU time)\n", b/a, d/c }'
