#!/usr/bin/env bash
# Benchmark OMS hashing: sha256sum vs `mlsec sign` (files and shard mode),
# and the peak RSS of signing: the binary's own baseline (`mlsec --help`),
# one 1.5 GB file, and 20,000 small files.
# Creates the files at run time (warm page cache, so this measures CPU
# throughput, not the disk). Usage: bench/hash.sh [SIZE_MB] [CORES] [NFILES]
set -euo pipefail
SIZE_MB=${1:-1500}
CORES=${2:-2}
NFILES=${3:-20000}
cd "$(dirname "$0")/.."
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
go build -o "$WORK/mlsec" ./cmd/mlsec
mkdir "$WORK/model"
head -c "$((SIZE_MB * 1000000))" /dev/urandom >"$WORK/model/weights.bin"
"$WORK/mlsec" keygen -o "$WORK/key" >/dev/null
cat "$WORK/model/weights.bin" >/dev/null # warm the page cache
BYTES=$(stat -c %s "$WORK/model/weights.bin")

measure() { # label, command...
	local label=$1; shift
	/usr/bin/time -v "$@" >/dev/null 2>"$WORK/time.txt"
	local secs rss
	secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$WORK/time.txt")
	rss=$(awk -F': ' '/Maximum resident/ {print $2}' "$WORK/time.txt")
	awk -v l="$label" -v b="$BYTES" -v s="$secs" -v r="$rss" \
		'BEGIN { printf "%-34s %7.2f s  %7.0f MB/s  peak RSS %6.1f MB\n", l, s, (s > 0 ? b/s/1e6 : 0), r/1024 }'
}
echo "file: $BYTES bytes, cores: $CORES, CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
grep -qw sha_ni /proc/cpuinfo && echo "SHA-NI: yes (Go crypto/sha256 uses it)" || echo "SHA-NI: no"
measure "sha256sum (1 core)" taskset -c 0 sha256sum "$WORK/model/weights.bin"
measure "mlsec sign files mode (1 core)" taskset -c 0 "$WORK/mlsec" sign "$WORK/model" --key "$WORK/key.pem" --signature "$WORK/a.sig"
CPUS=$(seq -s, 0 $((CORES - 1)))
measure "mlsec sign files mode ($CORES cores)" taskset -c "$CPUS" "$WORK/mlsec" sign "$WORK/model" --key "$WORK/key.pem" --signature "$WORK/b.sig"
measure "mlsec sign shards 100MB ($CORES cores)" taskset -c "$CPUS" "$WORK/mlsec" sign "$WORK/model" --key "$WORK/key.pem" --signature "$WORK/c.sig" --shard-size 100000000
measure "mlsec verify shards ($CORES cores)" taskset -c "$CPUS" "$WORK/mlsec" verify "$WORK/model" --key "$WORK/key.pub.pem" --signature "$WORK/c.sig"
measure "mlsec --help (baseline RSS)" "$WORK/mlsec" --help
mkdir "$WORK/many"
for d in $(seq 0 $(((NFILES - 1) / 500))); do mkdir "$WORK/many/d$d"; done
for i in $(seq 0 $((NFILES - 1))); do head -c 1000 /dev/urandom >"$WORK/many/d$((i / 500))/f$i.bin"; done
BYTES=$((NFILES * 1000))
measure "mlsec sign $NFILES files of 1 KB" "$WORK/mlsec" sign "$WORK/many" --key "$WORK/key.pem" --signature "$WORK/d.sig"
measure "mlsec verify $NFILES files of 1 KB" "$WORK/mlsec" verify "$WORK/many" --key "$WORK/key.pub.pem" --signature "$WORK/d.sig"
