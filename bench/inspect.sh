#!/usr/bin/env bash
# Times `diet inspect` over every ELF file of /usr/bin and /usr/sbin against
# a shell loop of ldd and against lddtree over the same files, in one run,
# and prints a markdown table with the ratios (for bench/results/inspect.md).
#
#   bash bench/inspect.sh            # hyperfine when installed, else time
#   RUNS=5 bash bench/inspect.sh
#
# Needs: go, ldd, lddtree (pax-utils), python3; hyperfine is optional.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${RUNS:-5}
# lddtree is a Python script that needs the system's python3 (with
# python3-pyelftools), not one from pyenv or a virtualenv.
export PATH=/usr/local/go/bin:$(dirname "$(command -v go)"):/usr/sbin:/usr/bin:/sbin:/bin
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/diet" ./cmd/diet

# The ELF files (symlinks resolved, each once): what ldd can be asked about.
python3 - "$work/files" <<'EOF'
import os, sys
seen, out = set(), []
for d in ("/usr/bin", "/usr/sbin"):
    for n in sorted(os.listdir(d)):
        p = os.path.realpath(os.path.join(d, n))
        if p in seen or not os.path.isfile(p):
            continue
        seen.add(p)
        try:
            with open(p, "rb") as f:
                if f.read(4) == b"\x7fELF":
                    out.append(p)
        except OSError:
            pass
open(sys.argv[1], "w").write("\n".join(out) + "\n")
EOF
n=$(wc -l <"$work/files")

cat >"$work/diet.sh" <<EOF
xargs -d '\n' "$work/diet" inspect <"$work/files" >/dev/null 2>&1 || true
EOF
cat >"$work/ldd.sh" <<EOF
while IFS= read -r f; do ldd "\$f"; done <"$work/files" >/dev/null 2>&1 || true
EOF
cat >"$work/lddtree.sh" <<EOF
xargs -d '\n' lddtree <"$work/files" >/dev/null 2>&1 || true
EOF

declare -A mean
if command -v hyperfine >/dev/null; then
	tool="hyperfine $(hyperfine --version | awk '{print $2}')"
	hyperfine --style basic --warmup 1 --runs "$runs" --export-json "$work/h.json" \
		-n diet "bash $work/diet.sh" -n ldd "bash $work/ldd.sh" -n lddtree "bash $work/lddtree.sh" >&2
	while read -r name m; do mean[$name]=$m; done < <(python3 -c '
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print(r["command"], r["mean"])' "$work/h.json")
else
	tool="bash time, best of $runs"
	for name in diet ldd lddtree; do
		best=
		for _ in $(seq "$runs"); do
			s=$(date +%s.%N)
			bash "$work/$name.sh"
			e=$(date +%s.%N)
			t=$(echo "$e - $s" | bc)
			if [ -z "$best" ] || [ "$(echo "$t < $best" | bc)" = 1 ]; then best=$t; fi
		done
		mean[$name]=$best
	done
fi

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
python3 - "$n" "$tool" "$cpu" "${mean[diet]}" "${mean[ldd]}" "${mean[lddtree]}" <<'EOF'
import os, sys, datetime
n, tool, cpu = sys.argv[1], sys.argv[2], sys.argv[3]
diet, ldd, lddtree = map(float, sys.argv[4:7])
print(f"Date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC  ")
print(f"Machine: {os.cpu_count()} CPUs, {cpu}  ")
print(f"Command: `bash bench/inspect.sh` ({tool}), {n} ELF files of /usr/bin and /usr/sbin\n")
print("| tool | command | time (s) | diet is faster by |")
print("|---|---|---:|---:|")
print(f"| diet | `diet inspect FILE...` | {diet:.3f} | 1x |")
print(f"| ldd | `for f in FILE...; do ldd $f; done` | {ldd:.3f} | {ldd/diet:.1f}x |")
print(f"| lddtree | `lddtree FILE...` | {lddtree:.3f} | {lddtree/diet:.1f}x |")
EOF
