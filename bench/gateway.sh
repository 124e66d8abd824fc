#!/usr/bin/env bash
# Gateway latency and throughput on loopback (docs/gateway.md, "Speed").
#
# Starts a loopback upstream (bench/gateway upstream: reads the body, answers
# ~130 bytes of KServe JSON), a plain httputil.ReverseProxy in front of it
# (bench/gateway plain) and `mlsec gateway` in front of it (SQLite log store,
# redaction of every body, one KServe route; DRIFT=1 adds a live drift
# profile). Then, with the open-loop load generator (bench/gateway load:
# latency measured from each request's due time):
#
#  1. RATE req/s (default 2000) of a 1 KB JSON body with personal data, for
#     DURATION (default 20s, whole seconds) per target: direct, plain proxy,
#     gateway, in ROUNDS (default 4) interleaved rounds of DURATION/ROUNDS
#     each after a 1 s warm-up, so that all three see the same background
#     load on a shared machine (run one after the other, a build starting
#     between two targets made the difference meaningless); p50/p90/p99/
#     p99.9/max over all rounds of a target. Added latency = gateway -
#     plain proxy. Goal: p50 < 1 ms and p99 < 5 ms added. ROUNDS=1 runs
#     each target once, after a 3 s warm-up.
#  2. Throughput: closed loop over 64 connections for 10 s: plain, gateway.
#  3. The gateway's peak RSS (VmHWM) after both, and its log row count.
# With the open loop it prints each proxy's CPU time per request (user +
# system from /proc/PID/stat over its rounds, warm-up requests counted).
#
# Usage: bench/gateway.sh [RATE=2000] [DURATION=20s]
# Env: DRIFT=1 adds a drift profile to the route; PPROF=FILE writes a 10 s
# CPU profile of the gateway from its first open-loop round; TRACE=FILE a
# 3 s runtime trace in that round (go tool trace FILE); GCTRACE=1 runs the gateway with
# GODEBUG=gctrace=1 and summarizes its collections during the open loop
# (the gateway idles during the other targets' rounds).
# After the open loop the script prints where the gateway's logging time
# went, from its /metrics: per record, Append to commit (the response waits
# for it), and per group commit, its size and duration.
# The machine is shared (2 cores, other builds running): load generator,
# proxies and upstream share the same cores; repeat runs and report spread.
set -euo pipefail
RATE=${1:-2000}
DURATION=${2:-20s}
ROUNDS=${ROUNDS:-4}
SLICE=$((${DURATION%s} / ROUNDS))
WARM=1s
if [ "$ROUNDS" = 1 ]; then WARM=3s; fi
cd "$(dirname "$0")/.."
. bench/loopback.sh

UP=$(free_port)
PLAIN=$(free_port)
GW=$(free_port)
"$WORK/bench" upstream -addr "127.0.0.1:$UP" &
UP_PID=$!
PIDS+=($UP_PID)
"$WORK/bench" plain -addr "127.0.0.1:$PLAIN" -upstream "http://127.0.0.1:$UP" &
PLAIN_PID=$!
PIDS+=($PLAIN_PID)
wait_port "$UP"
wait_port "$PLAIN"

KEY=mlsgw_bench_key_0123456789abcdef
KEY_SHA=$(printf '%s' "$KEY" | sha256sum | cut -d' ' -f1)
DRIFT_CFG=""
if [ "${DRIFT:-0}" = 1 ]; then
	/usr/bin/python3 examples/sklearn-server/serve.py --export-train "$WORK/train.csv"
	"$WORK/mlsec" drift profile "$WORK/train.csv" -o "$WORK/profile.json" 2>/dev/null
	DRIFT_CFG="    drift: {reference: $WORK/profile.json, prediction: species}"
fi
cat >"$WORK/gateway.yaml" <<EOF
listen: 127.0.0.1:$GW
log:
  database: $WORK/gateway.db
clients:
  - name: bench
    key_sha256: $KEY_SHA
routes:
  - name: iris
    protocol: kserve
    path: /v2/models/iris
    upstream: http://127.0.0.1:$UP/v2/models/iris
    model: iris
    version: "1"
    retention: 30d
$DRIFT_CFG
EOF
PPROF_FLAG=()
if [ -n "${PPROF:-}${TRACE:-}" ]; then PPROF_FLAG=(--pprof "127.0.0.1:$(free_port)"); fi
GODEBUG_GW=""
if [ "${GCTRACE:-0}" = 1 ]; then GODEBUG_GW=gctrace=1; fi
GODEBUG=$GODEBUG_GW "$WORK/mlsec" gateway --config "$WORK/gateway.yaml" "${PPROF_FLAG[@]}" 2>"$WORK/gateway.log" &
GW_PID=$!
PIDS+=($GW_PID)
wait_port "$GW"

# A 1 KB KServe request: 4 rows of 4 features and parameters holding a name,
# an e-mail address, a phone number and a card number (redacted in the log).
/usr/bin/python3 - "$WORK/body.json" <<'EOF'
import json, sys
body = {"inputs": [{"name": "x", "shape": [4, 4], "datatype": "FP64",
                    "data": [5.1, 3.5, 1.4, 0.2, 6.7, 3.0, 5.2, 2.3, 5.9, 3.0, 4.2, 1.5, 6.3, 2.8, 5.1, 1.5]}],
        "parameters": {"customer": "Maria Schmidt", "email": "maria.schmidt@example.com",
                       "phone": "+44 20 7946 0958", "card": "4111 1111 1111 1111",
                       "note": "Please call me back about my order, I was charged twice last week. " * 8}}
s = json.dumps(body)
s = s[:-1] + ', "pad": "' + "x" * max(0, 1024 - len(s) - 11) + '"}'
open(sys.argv[1], "w").write(s)
print("body bytes:", len(s), file=sys.stderr)
EOF

echo "== machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(go version | cut -d' ' -f3)"
run() { "$WORK/bench" load -name "$1" -url "$2" -body "$WORK/body.json" -key "$KEY" "${@:3}"; }
echo "== open loop, $RATE req/s, $DURATION per target in $ROUNDS interleaved rounds of ${SLICE}s, 1 KB bodies"
declare -A URL=([direct]="http://127.0.0.1:$UP/v2/models/iris/infer" [plain]="http://127.0.0.1:$PLAIN/v2/models/iris/infer"
	[gateway]="http://127.0.0.1:$GW/v2/models/iris/infer")
GC0=$(grep -c '^gc ' "$WORK/gateway.log" || true)
# cpu_ticks prints a process's user + system time in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
declare -A PID=([direct]=$UP_PID [plain]=$PLAIN_PID [gateway]=$GW_PID) CPU=([direct]=0 [plain]=0 [gateway]=0)
for r in $(seq 1 "$ROUNDS"); do
	for t in direct plain gateway; do
		if [ "$t$r" = gateway1 ] && [ -n "${PPROF:-}" ]; then
			curl -s -o "$PPROF" "http://${PPROF_FLAG[1]}/debug/pprof/profile?seconds=10" &
			PIDS+=($!)
		fi
		if [ "$t$r" = gateway1 ] && [ -n "${TRACE:-}" ]; then
			(sleep 1.5 && curl -s -o "$TRACE" "http://${PPROF_FLAG[1]}/debug/pprof/trace?seconds=3") &
			PIDS+=($!)
		fi
		c0=$(cpu_ticks "${PID[$t]}")
		run "$t" "${URL[$t]}" -rate "$RATE" -d "${SLICE}s" -warmup "$WARM" -raw "$WORK/$t.raw" >"$WORK/$t.$r.json"
		CPU[$t]=$((${CPU[$t]} + $(cpu_ticks "${PID[$t]}") - c0))
	done
done
# CPU per request of each proxy process (user + system, warm-up included):
# what the machine's load does not inflate as it does latency.
for t in plain gateway; do
	N=$(cat "$WORK/$t".*.json | /usr/bin/python3 -c 'import json,sys; print(sum(json.loads(l)["requests"] for l in sys.stdin))')
	awk -v t="$t" -v c="${CPU[$t]}" -v hz="$(getconf CLK_TCK)" -v n="$N" -v w="${WARM%s}" -v r="$RATE" -v k="$ROUNDS" \
		'BEGIN { printf "cpu      %-8s %6.1f us per request (%d ticks over %d requests and %d warm-up)\n", t, c / hz * 1e6 / (n + w * r * k), c, n, w * r * k }'
done
/usr/bin/python3 - "$WORK" <<'EOF'
import sys
# Percentiles over every round of a target (bench/gateway load -raw).
res = {}
for t in ("direct", "plain", "gateway"):
    v = sorted(int(l) for l in open("%s/%s.raw" % (sys.argv[1], t)))
    q = lambda p: v[int(p * (len(v) - 1))] / 1000
    res[t] = {p: q(p) for p in (.5, .9, .99, .999, 1)}
    print("%-8s n=%-6d p50 %7.3f  p90 %7.3f  p99 %7.3f  p99.9 %7.3f  max %7.3f ms" % ((t, len(v)) + tuple(res[t].values())))
for p, name in ((.5, "p50"), (.9, "p90"), (.99, "p99"), (.999, "p99.9")):
    print("added %-6s %7.3f ms   (plain %.3f, gateway %.3f)" % (name, res["gateway"][p] - res["plain"][p], res["plain"][p], res["gateway"][p]))
EOF
curl -s "http://127.0.0.1:$GW/metrics" >"$WORK/metrics.txt"
/usr/bin/python3 - "$WORK/metrics.txt" <<'EOF'
import re, sys
# Quantiles (bucket upper bounds) from the gateway's cumulative histograms.
h = {}
for line in open(sys.argv[1]):
    m = re.match(r'(mlsec_gateway_log_\w+|mlsec_gateway_request_duration_seconds)_bucket\{(?:route="[^"]*",)?le="([^"]+)"\} (\S+)', line)
    if m:
        h.setdefault(m[1], []).append((float(m[2]), float(m[3])))
for name, b in sorted(h.items()):
    n = b[-1][1]
    if n == 0:
        continue
    q = lambda p: next(le for le, c in b if c >= p * n)
    unit = 1 if name.endswith("records") else 1000
    print("%-42s n=%-7d p50<=%g p90<=%g p99<=%g p99.9<=%g %s" % (name, n, q(.5)*unit, q(.9)*unit, q(.99)*unit,
          q(.999)*unit, "records" if unit == 1 else "ms"))
EOF
if [ "${GCTRACE:-0}" = 1 ]; then
	# gctrace: "gc N @T s P%: A+B+C ms clock, ...": A and C are the
	# stop-the-world phases, B the concurrent mark.
	tail -n +"$((GC0 + 1))" "$WORK/gateway.log" | grep '^gc ' | /usr/bin/python3 -c '
import re, sys
stw, mark, n, heap = [], [], 0, []
for l in sys.stdin:
    m = re.search(r"([\d.]+)\+([\d.]+)\+([\d.]+) ms clock.*?(\d+)->(\d+)->(\d+) MB", l)
    if m:
        n += 1; stw.append(float(m[1]) + float(m[3])); mark.append(float(m[2])); heap.append(int(m[4]))
if n:
    print("gateway GC during the open loop: %d cycles, STW total %.1f ms (max %.2f), concurrent mark max %.1f ms, heap %d-%d MB" %
          (n, sum(stw), max(stw), max(mark), min(heap), max(heap)))'
fi
echo "== closed loop, 64 connections, 10s"
run plain "http://127.0.0.1:$PLAIN/v2/models/iris/infer" -rate 0 -c 64 -d 10s -warmup 2s
run gateway "http://127.0.0.1:$GW/v2/models/iris/infer" -rate 0 -c 64 -d 10s -warmup 2s
echo "== gateway peak RSS: $(sed -n 's/^VmHWM:[[:space:]]*//p' /proc/$GW_PID/status)"
kill "$GW_PID"
wait "$GW_PID" 2>/dev/null || true
echo "== log rows: $(/usr/bin/python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from gateway_logs').fetchone()[0])" "$WORK/gateway.db")"
echo "== a logged request (redacted):"
/usr/bin/python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select request from gateway_logs limit 1').fetchone()[0][:400])" "$WORK/gateway.db"
