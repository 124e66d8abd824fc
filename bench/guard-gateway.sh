#!/usr/bin/env bash
# Latency the guard adds per chat request through the gateway
# (docs/guardrails.md, "Latency through the gateway").
#
# Starts the LLM stub (bench/gateway stub: internal/llmstub, a deterministic
# fake model; no LLM runs here) and `mlsec gateway` in front of it with two
# openai routes to the same stub (gateway/testdata/guard-bench.yaml): /plain
# (no guard) and /guarded (injection, prompt_pii, length, answer_pii and
# leakage with a canary). Then, open loop
# (bench/gateway load: latency from each request's due time), RATE req/s
# (default 100) of a 973-byte benign chat request for DURATION (default 20s)
# after a 3 s warm-up: direct to the stub, gateway without guard, gateway
# with guard; p50/p90/p99/p99.9/max. Added by the guard = guarded - plain;
# added by the gateway = plain - direct.
#
# Then BenchmarkChat (gateway/bench_test.go): the same requests through the
# gateway handler in process, CPU time per request without and with guard.
#
# Usage: bench/guard-gateway.sh [RATE=100] [DURATION=20s]   (env COUNT: benchmark runs, default 3)
# The machine may be shared (2 cores): load generator, gateway and stub
# share the cores; repeat runs and report the spread and the load average.
set -euo pipefail
RATE=${1:-100}
DURATION=${2:-20s}
cd "$(dirname "$0")/.."
. bench/loopback.sh

STUB=$(free_port)
GW=$(free_port)
"$WORK/bench" stub -addr "127.0.0.1:$STUB" &
PIDS+=($!)
wait_port "$STUB"

KEY=mlsgw_bench_key_0123456789abcdef
KEY_SHA=$(printf '%s' "$KEY" | sha256sum | cut -d' ' -f1)
sed -e "s|{{listen}}|127.0.0.1:$GW|" -e "s|{{dsn}}|$WORK/gateway.db|" -e "s|{{key_sha}}|$KEY_SHA|" \
	-e "s|{{upstream}}|http://127.0.0.1:$STUB|" gateway/testdata/guard-bench.yaml >"$WORK/gateway.yaml"
"$WORK/mlsec" gateway --config "$WORK/gateway.yaml" 2>"$WORK/gateway.log" &
PIDS+=($!)
wait_port "$GW"

# A benign 973-byte chat request (gateway/testdata/guard-bench-body.json): a
# system prompt and an MT-Bench-style question, no personal data.
cp gateway/testdata/guard-bench-body.json "$WORK/body.json"
curl -sf -H "Authorization: Bearer $KEY" -d @"$WORK/body.json" "http://127.0.0.1:$GW/guarded/v1/chat/completions" >/dev/null ||
	{ echo "the guarded route refused the benign body" >&2; exit 1; }

echo "== machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(go version | cut -d' ' -f3)"
run() { "$WORK/bench" load -name "$1" -url "$2" -body "$WORK/body.json" -key "$KEY" -rate "$RATE" -d "$DURATION"; }
echo "== open loop, $RATE req/s, $DURATION"
run direct "http://127.0.0.1:$STUB/v1/chat/completions" | tee "$WORK/direct.json"
run plain "http://127.0.0.1:$GW/plain/v1/chat/completions" | tee "$WORK/plain.json"
run guarded "http://127.0.0.1:$GW/guarded/v1/chat/completions" | tee "$WORK/guarded.json"
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/python3 - "$WORK/direct.json" "$WORK/plain.json" "$WORK/guarded.json" <<'EOF'
import json, sys
d, p, g = (json.load(open(f)) for f in sys.argv[1:4])
for r in (d, p, g):
    if r["errors"]:
        print("WARNING: %s had %d errors" % (r["target"], r["errors"]))
for k in ("p50_ms", "p90_ms", "p99_ms", "p999_ms"):
    print("%-5s direct %7.3f  gateway %7.3f  gateway+guard %7.3f  | added by gateway %7.3f, by guard %7.3f ms"
          % (k[:-3], d[k], p[k], g[k], p[k] - d[k], g[k] - p[k]))
EOF
echo "== CPU per request (BenchmarkChat: guarded - plain cpu-ns/op is the guard's CPU, steadier than wall time on a shared machine)"
go test ./gateway -run '^$' -bench 'BenchmarkChat' -benchtime 2000x -count "${COUNT:-3}" | grep -E '^Benchmark'
