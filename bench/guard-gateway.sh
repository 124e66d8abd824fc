#!/usr/bin/env bash
# Latency the guard adds per chat request through the gateway
# (docs/guardrails.md, "Latency through the gateway").
#
# Starts the LLM stub (bench/gateway stub: internal/llmstub, a deterministic
# fake model; no LLM runs here) and `mlsec gateway` in front of it with two
# openai routes to the same stub: /plain (no guard) and /guarded (injection,
# prompt_pii, length, answer_pii and leakage with a canary). Then, open loop
# (bench/gateway load: latency from each request's due time), RATE req/s
# (default 300) of a ~1 KB benign chat request for DURATION (default 20s)
# after a 3 s warm-up: direct to the stub, gateway without guard, gateway
# with guard; p50/p90/p99/p99.9/max. Added by the guard = guarded - plain;
# added by the gateway = plain - direct.
#
# Usage: bench/guard-gateway.sh [RATE=300] [DURATION=20s]
# The machine may be shared (2 cores): load generator, gateway and stub
# share the cores; repeat runs and report the spread and the load average.
set -euo pipefail
RATE=${1:-300}
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
cat >"$WORK/gateway.yaml" <<EOF
listen: 127.0.0.1:$GW
log:
  database: $WORK/gateway.db
clients:
  - name: bench
    key_sha256: $KEY_SHA
routes:
  - name: plain
    protocol: openai
    path: /plain
    upstream: http://127.0.0.1:$STUB
    model: chat
    version: "1"
    retention: 30d
  - name: guarded
    protocol: openai
    path: /guarded
    upstream: http://127.0.0.1:$STUB
    model: chat
    version: "1"
    retention: 30d
    guard:
      injection: {action: block}
      prompt_pii: {action: redact}
      length: {max_prompt_tokens: 8000}
      answer_pii: {action: redact}
      leakage: {canary: true}
EOF
"$WORK/mlsec" gateway --config "$WORK/gateway.yaml" 2>"$WORK/gateway.log" &
PIDS+=($!)
wait_port "$GW"

# A benign ~1 KB chat request: a system prompt and an MT-Bench-style
# question (guard/testdata/injection's benign sources), no personal data.
/usr/bin/python3 - "$WORK/body.json" <<'EOF'
import json, sys
q = ("Compose an engaging travel blog post about a recent trip to Hawaii, highlighting cultural experiences "
     "and must-see attractions. ") * 6
body = {"model": "chat", "max_tokens": 256, "messages": [
    {"role": "system", "content": "You are a helpful travel writer. Answer in a friendly tone, in at most three paragraphs."},
    {"role": "user", "content": q.strip()}]}
s = json.dumps(body)
open(sys.argv[1], "w").write(s)
print("body bytes:", len(s), file=sys.stderr)
EOF
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
