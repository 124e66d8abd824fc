#!/usr/bin/env bash
# PII quality and speed: prints the per-entity precision, recall and F2
# tables (exact and overlap matching) on presidio-research's synth set and on
# the generated inference-log set (the figures TestQuality pins), then runs
# the analyzer benchmarks on one core.
#
# Usage: bench/pii.sh [COUNT]   (COUNT benchmark repetitions, default 3)
# The machine may be shared: read MB/cpu-s (bytes over the CPU time the
# benchmark used), which competing work does not dilute, next to MB/s.
set -euo pipefail
COUNT=${1:-3}
cd "$(dirname "$0")/.."
go test ./pii -count=1 -run '^TestQuality$' -v | sed -n '/^presidio-research/,/^--- /p' | grep -v '^--- '
echo
GOMAXPROCS=1 go test ./pii -run '^$' -bench 'AnalyzePatterns|AnalyzeFull|Cells' -benchtime 40x -count "$COUNT" | grep -E '^Benchmark'
