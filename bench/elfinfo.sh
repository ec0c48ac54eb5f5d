#!/usr/bin/env bash
# elfinfo: time internal/elfinfo's Parse over every regular file of some
# directories (default /usr/bin and /usr/lib/x86_64-linux-gnu), against
# ldd over the same files. ldd runs each file's loader (it executes the
# target); Parse only reads bytes. Run from the repo root:
#   bash bench/elfinfo.sh [dir...]
set -euo pipefail
dirs=("$@")
((${#dirs[@]})) || dirs=(/usr/bin /usr/lib/x86_64-linux-gnu)
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)  machine: $(nproc) cpus, $(uname -m), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "dirs: ${dirs[*]}"

echo "== elfinfo.Parse (go test -bench BenchmarkParseSystem)"
DIET_BENCH_DIRS="${dirs[*]}" go test -run '^$' -bench '^BenchmarkParseSystem$' -benchtime 3x ./internal/elfinfo/ |
	grep -E '^Benchmark'

if ! command -v ldd >/dev/null; then
	echo "ldd: not installed, skipped"
	exit 0
fi
echo "== ldd over the same files"
files=$(find "${dirs[@]}" -maxdepth 1 -type f | wc -l)
start=$(date +%s.%N)
find "${dirs[@]}" -maxdepth 1 -type f -print0 | xargs -0 -n 64 ldd >/dev/null 2>&1 || true
end=$(date +%s.%N)
awk -v s="$start" -v e="$end" -v n="$files" \
	'BEGIN { printf "ldd: %d files in %.2f s, %.1f µs/file\n", n, e - s, (e - s) * 1e6 / n }'
