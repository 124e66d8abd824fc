#!/usr/bin/env bash
# Guard quality and speed: prints the injection scanner's detection and
# false-alarm rates per source and split on the labelled set
# (guard/testdata/injection, the totals TestInjectionQuality pins), the
# per-request latency of InspectRequest over the same prompts (p50, p99,
# max), then the InspectRequest benchmark on one core.
#
# Usage: bench/guard.sh [COUNT]   (COUNT benchmark repetitions, default 3)
# The machine may be shared: latency figures move with competing work.
set -euo pipefail
COUNT=${1:-3}
cd "$(dirname "$0")/.."
go test ./guard -count=1 -run '^TestInjectionQuality$' -v | grep -E 'detection'
echo
go test ./guard -count=1 -run '^TestQualityTable$' -latency -v | grep -v -E '^(ok|PASS|=== |--- )'
echo
GOMAXPROCS=1 go test ./guard -count=1 -run '^TestLatencyReport$' -latency -v | grep requests
echo
GOMAXPROCS=1 go test ./guard -run '^$' -bench 'InspectRequest' -benchtime 2000x -count "$COUNT" | grep -E '^Benchmark'
