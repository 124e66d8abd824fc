#!/usr/bin/env bash
# Registry benchmarks on loopback (mlsec serve with its embedded defaults:
# SQLite + blob folder in a temp dir).
#
#  1. Reads: push a small model, then GET /api/v1/models/bench/versions/1
#     with a token from CONNS keep-alive connections for DURATION, with the
#     Go load generator in bench/registry: requests/s, p50/p90/p99/max.
#     Target: >= 5,000 req/s at p99 < 20 ms on 2 cores.
#  2. Mixed load: the same, with a fraction WRITES (default 0.25) of the
#     requests writing (a new lineage edge each: one transaction, one audit
#     event and Merkle log entry), reads and writes reported apart.
#  3. Upload: a fresh server; generate a SIZE_MB artifact at run time, time
#     `mlsec push` of it, and read the server's peak RSS (VmHWM) after the
#     upload and after the server's own analysis job of the version.
#     Target: server peak RSS < 100 MB.
#
# Usage: bench/registry.sh [DURATION=10s] [CONNS=32] [SIZE_MB=1024]
# Env: SKIP_UPLOAD=1 skips part 3, SKIP_MIXED=1 part 2, SKIP_READS=1 part 1;
# WRITES=F sets the write fraction of part 2; SERVE_FLAGS adds flags to
# mlsec serve (e.g. --audit-sign-every 0 to sign in every transaction).
# Needs: go, curl.
set -euo pipefail
DURATION=${1:-10s}
CONNS=${2:-32}
SIZE_MB=${3:-1024}
cd "$(dirname "$0")/.."
WORK=$(mktemp -d)
SERVER_PID=
stop_server() {
	if [ -n "$SERVER_PID" ]; then
		kill "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
		SERVER_PID=
	fi
}
trap 'stop_server; rm -rf "$WORK"' EXIT

go build -o "$WORK/mlsec" ./cmd/mlsec
go build -o "$WORK/loadgen" ./bench/registry

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
		echo $((20000 + RANDOM % 20000))
}

# start_server DIR: runs mlsec serve on a free loopback port with its data
# in DIR; sets SERVER_PID, MLSEC_SERVER and MLSEC_TOKEN.
start_server() {
	local dir=$1 port i
	port=$(free_port)
	# shellcheck disable=SC2086 # SERVE_FLAGS is a list of flags
	"$WORK/mlsec" serve --addr "127.0.0.1:$port" --data-dir "$dir" ${SERVE_FLAGS:-} 2>"$dir.log" &
	SERVER_PID=$!
	export MLSEC_SERVER="http://127.0.0.1:$port"
	for i in $(seq 1 200); do
		curl -sf "$MLSEC_SERVER/healthz" >/dev/null 2>&1 && break
		kill -0 "$SERVER_PID" 2>/dev/null || { cat "$dir.log" >&2; exit 1; }
		sleep 0.05
	done
	MLSEC_TOKEN=$(grep -o 'mlsec_[0-9a-f]\{64\}' "$dir.log" | head -n 1)
	export MLSEC_TOKEN
	[ -n "$MLSEC_TOKEN" ] || { echo "no bootstrap token in $dir.log" >&2; exit 1; }
}

hwm_kb() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status"; }
# cpu_ticks PID: user+system CPU time of a process in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

echo "== machine: $(nproc) cores, $(go version | cut -d' ' -f3)"

echo "== 1. model-version lookups (SQLite, $CONNS connections, $DURATION)"
start_server "$WORK/data1"
mkdir -p "$WORK/small/tok"
head -c 100000 /dev/urandom >"$WORK/small/weights.bin"
echo '{"model_type": "bench"}' >"$WORK/small/config.json"
printf 'a\nb\n' >"$WORK/small/tok/vocab.txt"
"$WORK/mlsec" push "$WORK/small" --model bench --tag bench >/dev/null
if [ "${SKIP_READS:-}" != 1 ]; then
	"$WORK/loadgen" -url "$MLSEC_SERVER/api/v1/models/bench/versions/1" -c "$CONNS" -d "$DURATION"
	echo "server peak RSS after the read benchmark: $(( $(hwm_kb "$SERVER_PID") / 1024 )) MiB"
fi
if [ "${SKIP_MIXED:-}" != 1 ]; then
	echo "== 2. mixed load: ${WRITES:-0.25} of the requests write (SQLite, $CONNS connections, $DURATION)"
	# Server CPU per request: less sensitive than throughput to other
	# programs sharing the cores (the load generator's warm-up included).
	t0=$(cpu_ticks "$SERVER_PID")
	"$WORK/loadgen" -url "$MLSEC_SERVER/api/v1/models/bench/versions/1" -c "$CONNS" -d "$DURATION" -writes "${WRITES:-0.25}" | tee "$WORK/mixed.txt"
	t1=$(cpu_ticks "$SERVER_PID")
	total=$(awk '$1 == "all:" { print $2 }' "$WORK/mixed.txt")
	awk -v t="$((t1 - t0))" -v hz="$(getconf CLK_TCK)" -v n="$total" 'BEGIN { printf "server CPU: %.3f ms per request (warm-up included)\n", t * 1000 / hz / n }'
	echo "server peak RSS after the mixed load: $(( $(hwm_kb "$SERVER_PID") / 1024 )) MiB"
fi
stop_server

if [ "${SKIP_UPLOAD:-}" = 1 ]; then
	exit 0
fi
echo "== 3. upload of a ${SIZE_MB} MiB artifact with mlsec push"
start_server "$WORK/data2"
mkdir -p "$WORK/big"
head -c "$((SIZE_MB << 20))" /dev/urandom >"$WORK/big/weights.bin"
echo '{"model_type": "bench"}' >"$WORK/big/config.json"
cat "$WORK/big/weights.bin" >/dev/null # warm the page cache
# Reference: the same bytes copied on the same disk, fsynced.
start=$(date +%s.%N)
dd if="$WORK/big/weights.bin" of="$WORK/ddcopy" bs=4M conv=fsync status=none
end=$(date +%s.%N)
rm -f "$WORK/ddcopy"
awk -v s="$start" -v e="$end" -v mb="$SIZE_MB" 'BEGIN { printf "disk reference (dd conv=fsync): %.1f s = %.0f MiB/s\n", e - s, mb / (e - s) }'
echo "server RSS before: $(( $(hwm_kb "$SERVER_PID") / 1024 )) MiB"
timer=()
if [ -x /usr/bin/time ]; then
	timer=(/usr/bin/time -f "client: %e s wall, %M KiB peak RSS")
fi
start=$(date +%s.%N)
"${timer[@]}" "$WORK/mlsec" push "$WORK/big" --model big
end=$(date +%s.%N)
hwm_upload=$(hwm_kb "$SERVER_PID")
awk -v s="$start" -v e="$end" -v mb="$SIZE_MB" 'BEGIN { printf "push: %.1f s for %d MiB = %.0f MiB/s (client hashes the folder, then streams it; the server hashes while writing)\n", e - s, mb, mb / (e - s) }'
echo "server peak RSS after the upload: $((hwm_upload / 1024)) MiB"
for i in $(seq 1 600); do
	state=$(curl -sf -H "Authorization: Bearer $MLSEC_TOKEN" "$MLSEC_SERVER/api/v1/models/big/versions/1/jobs" |
		grep -o '"state":"[a-z]*"' | head -n 1 | cut -d'"' -f4 || true)
	[ "$state" = done ] || [ "$state" = failed ] && break
	sleep 0.5
done
echo "server analysis job: ${state:-?}; server peak RSS after it: $(( $(hwm_kb "$SERVER_PID") / 1024 )) MiB"
du -sh "$WORK/data2/blobs" | sed 's/^/blob folder: /'
