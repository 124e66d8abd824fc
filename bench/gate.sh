#!/usr/bin/env bash
# Benchmark what `mlsec gate` costs next to `mlsec verify` on a signed model
# of SIZE_MB (default 1500 MB: a config.json and one safetensors file of
# random weights, made at run time, warm page cache). The gate scans the
# model and hashes it once for its identity, its BOM and the signature check,
# so its cost should be one hash pass plus the scan (issue 10: it was 1.9x
# verify when it hashed twice).
# Usage: bench/gate.sh [SIZE_MB] [RUNS] [BASELINE_MLSEC]
# BASELINE_MLSEC, if given, is another mlsec binary measured the same way
# (e.g. one built from an older commit) for comparison.
set -euo pipefail
SIZE_MB=${1:-1500}
RUNS=${2:-3}
BASELINE=${3:-}
cd "$(dirname "$0")/.."
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
go build -o "$WORK/mlsec" ./cmd/mlsec
M="$WORK/model"
mkdir "$M"
echo '{"model_type": "bench", "architectures": ["BenchModel"]}' >"$M/config.json"
BYTES=$((SIZE_MB * 1000000 / 4 * 4))
# safetensors: 8-byte little-endian header length, the JSON header, the data.
HEADER=$(printf '{"w":{"dtype":"F32","shape":[%d],"data_offsets":[0,%d]}}' $((BYTES / 4)) "$BYTES")
/usr/bin/python3 -c 'import struct,sys; sys.stdout.buffer.write(struct.pack("<Q", int(sys.argv[1])))' "${#HEADER}" >"$M/model.safetensors"
printf '%s' "$HEADER" >>"$M/model.safetensors"
head -c "$BYTES" /dev/urandom >>"$M/model.safetensors"
"$WORK/mlsec" keygen -o "$WORK/key" >/dev/null
"$WORK/mlsec" sign "$M" --key "$WORK/key.pem" --signature "$M/model.sig" >/dev/null
cat "$M/model.safetensors" >/dev/null # warm the page cache

# measure LABEL CMD...: prints wall and CPU (user+sys) seconds and peak RSS
# of each run, and leaves the medians in WALL and CPU.
measure() {
	local label=$1; shift
	local walls=() cpus=()
	for _ in $(seq "$RUNS"); do
		/usr/bin/time -f '%e %U %S %M' -o "$WORK/t" "$@" >/dev/null 2>&1 || true
		read -r w u s rss < <(tail -n 1 "$WORK/t")
		walls+=("$w"); cpus+=("$(echo "$u + $s" | bc)")
		printf '  %-28s wall %6.2f s  cpu %6.2f s  peak RSS %5.1f MB\n' "$label" "$w" "$(echo "$u + $s" | bc)" "$(echo "$rss / 1024" | bc -l)"
	done
	WALL=$(printf '%s\n' "${walls[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p")
	CPU=$(printf '%s\n' "${cpus[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p")
}

ratio() { # BIN LABEL
	local bin=$1 label=$2
	echo "$label:"
	measure "verify" "$bin" verify "$M" --signature "$M/model.sig" --key "$WORK/key.pub.pem"
	local vw=$WALL vc=$CPU
	measure "gate" "$bin" gate "$M" --key "$WORK/key.pub.pem"
	local gw=$WALL gc=$CPU
	measure "scan" "$bin" scan "$M"
	printf '  median: verify %.2f s wall / %.2f s cpu; gate %.2f s / %.2f s; scan %.2f s / %.2f s\n' "$vw" "$vc" "$gw" "$gc" "$WALL" "$CPU"
	printf '  gate/verify ratio: wall %.2f, cpu %.2f\n' "$(echo "$gw / $vw" | bc -l)" "$(echo "$gc / $vc" | bc -l)"
}

echo "model: $(du -sh "$M" | cut -f1) ($BYTES bytes of weights), runs: $RUNS, cores: $(nproc), load: $(cut -d' ' -f1-3 /proc/loadavg)"
ratio "$WORK/mlsec" "this build"
if [ -n "$BASELINE" ]; then
	ratio "$BASELINE" "baseline $BASELINE"
fi
