#!/usr/bin/env bash
# Benchmark scanning a large PyTorch checkpoint ZIP through the binary.
# Generates a ~1.5 GB torch-style zip (data.pkl + STORAGES stored storages of
# STORAGE_MB each; the zeros are file holes, so it is fast and small on disk)
# and reports wall time and peak RSS of `mlsec scan`.
# Usage: bench/torchzip.sh [STORAGES] [STORAGE_MB]
set -euo pipefail
STORAGES=${1:-300}
STORAGE_MB=${2:-5}
cd "$(dirname "$0")/.."
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
go build -o "$WORK/mlsec" ./cmd/mlsec
go run ./bench/torchzipgen "$WORK/model.pt" "$STORAGES" "$STORAGE_MB" >"$WORK/size"
echo "file: $(cat "$WORK/size") bytes (apparent), $(du -k "$WORK/model.pt" | cut -f1) KB on disk"
cat "$WORK/model.pt" >/dev/null # warm the page cache
for run in 1 2 3; do
	rc=0
	/usr/bin/time -v "$WORK/mlsec" scan "$WORK/model.pt" >"$WORK/out.txt" 2>"$WORK/time.txt" || rc=$?
	secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$WORK/time.txt")
	rss=$(awk -F': ' '/Maximum resident/ {print $2}' "$WORK/time.txt")
	printf "run %d: %6.2f s  peak RSS %6.1f MB  exit %d\n" "$run" "$secs" "$(echo "$rss/1024" | bc -l)" "$rc"
done
tail -n 5 "$WORK/out.txt"
