#!/usr/bin/env bash
# Benchmarks for `mlsec data` (docs/data.md), on inputs generated here:
#  1. data scan: MB CSV of UCI Adult's rows (numbers and categories),
#     then the same with an e-mail, a phone number and a note in every row
#     (the worst case: each phone number is validated with libphonenumber).
#     Reports wall, CPU (user+sys) and peak RSS; MB per CPU second is the
#     figure that does not depend on other work on the machine.
#  2. data locate: FILES files under a folder, generated here: real random
#     content of 4-64 KiB, one in ten with a dataset file's size (a decoy: it
#     costs a prefix hash, then is rejected; sparse after its random first
#     64 KiB), one in a hundred a sparse file
#     of 16-64 MiB (a few GB of tree that takes no disk), and COPIES of a
#     described dataset's files (full hashes). Reports files/s and MB/s of
#     tree (apparent size) searched, and the cascade: objects listed, prefix
#     hashes and full hashes.
# Usage: bench/data.sh [MB=200] [FILES=20000] [COPIES=20]
set -euo pipefail
MB=${1:-200}
FILES=${2:-20000}
COPIES=${3:-20}
cd "$(dirname "$0")/.."
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
go build -o "$WORK/mlsec" ./cmd/mlsec

measure() { # label, MB, command...
	local label=$1 mb=$2; shift 2
	/usr/bin/time -v "$@" >"$WORK/out.txt" 2>"$WORK/time.txt" || true
	local secs rss cpu
	secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$WORK/time.txt")
	rss=$(awk -F': ' '/Maximum resident/ {print $2}' "$WORK/time.txt")
	cpu=$(awk -F': ' '/User time|System time/ {s+=$2} END {print s}' "$WORK/time.txt")
	printf "%-22s wall %7.2f s  cpu %7.2f s  %6.1f MB/cpu-s  peak RSS %6.1f MB\n" "$label" "$secs" "$cpu" \
		"$(awk -v m="$mb" -v c="$cpu" 'BEGIN{print m/c}')" "$(awk -v r="$rss" 'BEGIN{print r/1024}')"
}

echo "== machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
gen() { # out, withPII
	zcat drift/testdata/data/adult-train.csv.gz | awk -v mb="$MB" -v pii="$2" 'NR==1 { if (pii) print $0 ",email,phone,note"; else print; next }
		/^$/ { next } { rows[n++] = $0 }
		END { limit = mb * 1048576; i = 0
			while (size < limit) { r = rows[i % n]
				if (pii) r = r sprintf(",user%d@example.com,+1 415 555 %04d,customer called about order %d on Monday", i, i % 10000, i)
				print r; size += length(r) + 1; i++ } }' >"$1"
}
gen "$WORK/adult.csv" 0
gen "$WORK/pii.csv" 1
measure "scan adult rows" "$(du -m "$WORK/adult.csv" | cut -f1)" "$WORK/mlsec" data scan "$WORK/adult.csv" --format json
measure "scan with pii" "$(du -m "$WORK/pii.csv" | cut -f1)" "$WORK/mlsec" data scan "$WORK/pii.csv" --format json
rm -f "$WORK/adult.csv" "$WORK/pii.csv"

# 2. locate
mkdir -p "$WORK/ds" "$WORK/tree"
for i in 1 2 3 4; do head -c $((i * 1048576)) /dev/urandom >"$WORK/ds/part-$i.bin"; done
"$WORK/mlsec" data manifest "$WORK/ds" --name bench --classification restricted --allow "file://$WORK/tree/governed" -o "$WORK/ds.json"
/usr/bin/python3 - "$WORK/tree" "$FILES" "$COPIES" "$WORK/ds" <<'PY'
import os, random, shutil, sys
root, files, copies, ds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
random.seed(0)
parts = sorted(os.listdir(ds))
sizes = [os.path.getsize(os.path.join(ds, p)) for p in parts]
for i in range(files):
    d = os.path.join(root, "d%03d" % (i % 500))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%06d.bin" % i), "wb") as f:
        if i % 100 == 1:  # sparse: a large file whose size matches nothing
            f.truncate(random.randint(16 << 20, 64 << 20))
        elif i % 10 == 0:  # a decoy with a dataset file's size: random first 64 KiB, sparse after
            f.write(os.urandom(64 << 10))
            f.truncate(random.choice(sizes))
        else:
            f.write(os.urandom(random.randint(4 << 10, 64 << 10)))
for i in range(copies):
    d = os.path.join(root, "governed" if i % 2 == 0 else "copies", "c%03d" % i)
    os.makedirs(d, exist_ok=True)
    shutil.copy(os.path.join(ds, parts[i % len(parts)]), d)
PY
TREE_MB=$(du -sm --apparent-size "$WORK/tree" | cut -f1)
N=$(find "$WORK/tree" -type f | wc -l)
cat "$WORK"/tree/*/* >/dev/null 2>&1 || true # warm the page cache
for run in 1 2; do
	/usr/bin/time -v "$WORK/mlsec" data locate "$WORK/tree" --dataset "$WORK/ds.json" --format json >"$WORK/out.json" 2>"$WORK/time.txt" || true
	secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$WORK/time.txt")
	cpu=$(awk -F': ' '/User time|System time/ {s+=$2} END {print s}' "$WORK/time.txt")
	rss=$(awk -F': ' '/Maximum resident/ {print $2}' "$WORK/time.txt")
	awk -v n="$N" -v mb="$TREE_MB" -v s="$secs" -v c="$cpu" -v r="$rss" -v run="$run" 'BEGIN {
		printf "locate run %d: %d files, %d MB (apparent) in %.2f s wall (%.2f s CPU): %.0f files/s, %.0f MB/s of tree; peak RSS %.1f MB\n", run, n, mb, s, c, n/s, mb/s, r/1024 }'
	/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); s=d.get("stats",d); print("cascade: %s" % {k: s[k] for k in s if k in ("objects","bytes","prefix_hashed","full_hashed","bytes_read","errors")}); print("copies found: %d, strays: %d" % (len(d.get("copies") or []), sum(1 for c in d.get("copies") or [] if not c.get("allowed"))))' "$WORK/out.json"
done
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
