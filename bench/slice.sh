#!/usr/bin/env bash
# bench/slice.sh: time slice against head, tail, sed, awk, tac and dd on a
# ~1 GB file of 10 million lines of varying length, with peak memory.
#
#   bash bench/slice.sh            # from the repository root
#
# Environment:
#   SLICE_BENCH_DIR     where the data file goes (default: a new temp dir)
#   SLICE_BENCH_KEEP=1  keep the data file afterwards (default: delete it)
#   SLICE_BENCH_ROUNDS  rounds per row (default 5); each round runs slice,
#                       then the reference, so the two interleave and a
#                       busy machine hurts both alike
#
# Timing uses hyperfine when installed (apt-get install hyperfine), else a
# loop with bash's $EPOCHREALTIME. Peak RSS comes from /usr/bin/time -f %M.
# The figures are medians over all runs of all rounds.
set -euo pipefail
cd "$(dirname "$0")/.."

made_dir=0
if [ -z "${SLICE_BENCH_DIR:-}" ]; then
	dir=$(mktemp -d)
	made_dir=1
else
	dir=$SLICE_BENCH_DIR
	mkdir -p "$dir"
fi
rounds=${SLICE_BENCH_ROUNDS:-5}
F=$dir/data.txt
S=$dir/slice
results=$dir/results.tsv
: >"$results"

cleanup() {
	rm -f "$dir/results.tsv" "$dir/t.json" "$dir/rss" "$dir/cur" "$S"
	if [ "${SLICE_BENCH_KEEP:-0}" != 1 ]; then
		rm -f "$F"
		[ "$made_dir" = 1 ] && rmdir "$dir" 2>/dev/null
	fi
	return 0
}
trap cleanup EXIT

if [ ! -s "$F" ]; then
	echo "generating $F (10 million lines, about 1 GB)..." >&2
	# Lines of 0 to 200 bytes, deterministic.
	awk 'BEGIN {
		srand(42)
		s = "abcdefghijklmnopqrstuvwxyz0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		while (length(s) < 400) s = s s
		for (i = 0; i < 10000000; i++) print i " " substr(s, 1 + i % 37, int(rand() * 190))
	}' >"$F"
fi

echo "building slice..." >&2
CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o "$S" ./cmd/slice

# Warm the page cache so that no row pays for the first read.
cat "$F" >/dev/null

have_hyperfine=0
command -v hyperfine >/dev/null && have_hyperfine=1

# times CMD RUNS: print RUNS wall times in seconds, one per line.
times() {
	local cmd=$1 runs=$2
	if [ "$have_hyperfine" = 1 ]; then
		# Without a shell where possible: hyperfine cannot subtract a
		# shell's start-up precisely enough for millisecond commands.
		local shell=--shell=none
		case $cmd in *"|"*) shell=--shell=bash ;; esac
		hyperfine "$shell" --warmup 1 --runs "$runs" --export-json "$dir/t.json" \
			--style none "$cmd" >/dev/null 2>&1
		python3 -c 'import json,sys; [print(t) for t in json.load(open(sys.argv[1]))["results"][0]["times"]]' "$dir/t.json"
	else
		local i s e
		for ((i = 0; i < runs; i++)); do
			s=$EPOCHREALTIME
			bash -c "$cmd" >/dev/null 2>&1
			e=$EPOCHREALTIME
			python3 -c "print($e - $s)"
		done
	fi
}

# rss CMD: peak resident memory in KiB.
rss() {
	/usr/bin/time -f %M -o "$dir/rss" bash -c "exec $1" >/dev/null 2>&1 || true
	tail -n 1 "$dir/rss"
}

# row LABEL SLICE_CMD REF_LABEL REF_CMD RUNS
row() {
	local label=$1 a=$2 rlabel=$3 b=$4 runs=$5 r
	echo "  $label vs $rlabel" >&2
	for ((r = 0; r < rounds; r++)); do
		times "$a" "$runs" | sed "s/^/A\t/" >>"$dir/cur"
		echo "AM	$(rss "$a")" >>"$dir/cur"
		times "$b" "$runs" | sed "s/^/B\t/" >>"$dir/cur"
		echo "BM	$(rss "$b")" >>"$dir/cur"
	done
	python3 - "$dir/cur" "$label" "$rlabel" >>"$results" <<'EOF'
import statistics, sys
a, b, am, bm = [], [], 0, 0
for line in open(sys.argv[1]):
    k, v = line.split("\t")
    if k == "A": a.append(float(v))
    elif k == "B": b.append(float(v))
    elif k == "AM": am = max(am, int(v or 0))
    elif k == "BM": bm = max(bm, int(v or 0))
ma, mb = statistics.median(a), statistics.median(b)
print("\t".join([sys.argv[2], sys.argv[3], "%.4f" % ma, "%.4f" % mb, "%.2f" % (ma / mb), str(am), str(bm), str(len(a))]))
EOF
	rm -f "$dir/cur"
}

q=$(printf %q "$F")
echo "timing ($rounds rounds per row)..." >&2
row "slice -10: F" "$S -10: $q" "tail -n 10 F" "tail -n 10 $q" 30
row "slice :10 F" "$S :10 $q" "head -n 10 F" "head -n 10 $q" 30
row "slice 5000000:5000010 F" "$S 5000000:5000010 $q" "sed -n '5000001,5000010p;5000010q' F" "sed -n '5000001,5000010p;5000010q' $q" 3
row "slice 9999990: F" "$S 9999990: $q" "tail -n +9999991 F" "tail -n +9999991 $q" 3
row "slice ::2 F" "$S ::2 $q" "awk 'NR%2==1' F" "awk 'NR%2==1' $q" 3
row "slice ::-1 F" "$S ::-1 $q" "tac F" "tac $q" 3
row "slice -b -100: F" "$S -b -100: $q" "tail -c 100 F" "tail -c 100 $q" 30
row "slice -b 500000000:+100 F" "$S -b 500000000:+100 $q" "dd skip=500000000 count=100 (bytes)" "dd if=$q iflag=skip_bytes,count_bytes skip=500000000 count=100 status=none" 30
row "cat F | slice 0:10" "cat $q | $S 0:10" "cat F | head -n 10" "cat $q | head -n 10" 30

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')
echo
echo "Command: \`bash bench/slice.sh\` ($(date -u '+%Y-%m-%d %H:%M UTC'))"
echo
echo "Machine: $(nproc) CPUs, $cpu; $(uname -sr); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "Data: $(wc -l <"$F") lines, $(stat -c %s "$F") bytes; slice binary $(stat -c %s "$S") bytes; timing: $([ "$have_hyperfine" = 1 ] && hyperfine --version || echo 'bash loop')"
echo
echo "| slice | reference | slice (s) | reference (s) | ratio | slice peak RSS | reference peak RSS | runs |"
echo "|---|---|---:|---:|---:|---:|---:|---:|"
while IFS=$'\t' read -r l rl ta tb ratio ma mb n; do
	l=${l//|/\\|} rl=${rl//|/\\|} # a pipe inside a table cell
	printf '| `%s` | `%s` | %s | %s | %s | %s MB | %s MB | %s |\n' "$l" "$rl" "$ta" "$tb" "$ratio" \
		"$(awk -v k="$ma" 'BEGIN{printf "%.1f", k/1024}')" "$(awk -v k="$mb" 'BEGIN{printf "%.1f", k/1024}')" "$n"
done <"$results"
