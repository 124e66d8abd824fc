#!/bin/sh
# Times `mlsec scan` on a generated 18 MB pickle of 2,000,000 floats (what
# pickle.dumps([float]*2_000_000, protocol=4) writes) and prints wall time
# and peak RSS. The survey's picklescan figure on the same input is 2.61 s,
# 289 MB (docs: /work/shared/reference/scanners.md §8).
set -eu
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/mlsec" ./cmd/mlsec
python3 - "$tmp/floats.pkl" <<'PY'
import pickle, sys
with open(sys.argv[1], "wb") as f:
    f.write(pickle.dumps([i + 0.5 for i in range(2_000_000)], protocol=4))
PY
ls -l "$tmp/floats.pkl" | awk '{printf "input: %d bytes\n", $5}'
/usr/bin/time -v "$tmp/mlsec" scan "$tmp/floats.pkl" >"$tmp/out" 2>"$tmp/time" || true
grep -E "Elapsed \(wall clock\)|Maximum resident set size" "$tmp/time"
tail -n 3 "$tmp/out"
if python3 -c 'import picklescan' 2>/dev/null; then
    /usr/bin/time -v picklescan -p "$tmp/floats.pkl" >/dev/null 2>"$tmp/ptime" || true
    echo "picklescan:"; grep -E "Elapsed|Maximum resident" "$tmp/ptime"
else
    echo "picklescan not installed; survey figure: 2.61 s wall, 289 MB peak RSS"
fi
