#!/usr/bin/env bash
# Times `diet inspect` over every ELF file of /usr/bin and /usr/sbin against
# a shell loop of ldd and against lddtree over the same files, in one run,
# and prints a markdown table with the ratios (for BENCHMARKS.md).
#
#   bash bench/inspect.sh            # hyperfine when installed, else time
#   RUNS=5 bash bench/inspect.sh
#   HYPERFINE=no bash bench/inspect.sh   # measure with bash and python only
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

if [ "${HYPERFINE:-yes}" != no ] && command -v hyperfine >/dev/null; then
	tool="hyperfine $(hyperfine --version | awk '{print $2}'), $runs runs after 1 warm-up"
	hyperfine --style basic --warmup 1 --runs "$runs" --export-json "$work/h.json" \
		-n diet "bash $work/diet.sh" -n ldd "bash $work/ldd.sh" -n lddtree "bash $work/lddtree.sh" >&2
else
	# The same figures as hyperfine's JSON, from bash's time.
	tool="bash time, $runs runs"
	python3 - "$work" "$runs" >"$work/h.json" <<'EOF'
import json, os, resource, subprocess, sys, time
work, runs = sys.argv[1], int(sys.argv[2])
results = []
for name in ("diet", "ldd", "lddtree"):
    times, cpu = [], []
    for _ in range(runs):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.monotonic()
        subprocess.run(["bash", f"{work}/{name}.sh"], check=False)
        times.append(time.monotonic() - t0)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append((r1.ru_utime - r0.ru_utime, r1.ru_stime - r0.ru_stime))
    results.append({"command": name, "mean": sum(times) / runs, "min": min(times),
                    "user": sum(c[0] for c in cpu) / runs, "system": sum(c[1] for c in cpu) / runs})
json.dump({"results": results}, sys.stdout)
EOF
fi

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
python3 - "$n" "$tool" "$cpu" "$work/h.json" <<'EOF'
import json, os, sys, datetime
n, tool, cpu, path = sys.argv[1:5]
r = {x["command"]: x for x in json.load(open(path))["results"]}
load = open("/proc/loadavg").read().split()[0]
print(f"Date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC  ")
print(f"Machine: {os.cpu_count()} CPUs, {cpu}, load average {load} during the run  ")
print(f"Command: `bash bench/inspect.sh` ({tool}), {n} ELF files of /usr/bin and /usr/sbin\n")
print("| tool | command | mean (s) | min (s) | CPU user+sys (s) | diet faster: mean | min | CPU |")
print("|---|---|---:|---:|---:|---:|---:|---:|")
cmds = {"diet": "`diet inspect FILE...`", "ldd": "`for f in FILE...; do ldd $f; done`", "lddtree": "`lddtree FILE...`"}
d = r["diet"]
dcpu = d["user"] + d["system"]
for name in ("diet", "ldd", "lddtree"):
    x = r[name]
    c = x["user"] + x["system"]
    print(f"| {name} | {cmds[name]} | {x['mean']:.3f} | {x['min']:.3f} | {c:.3f} | "
          f"{x['mean']/d['mean']:.1f}x | {x['min']/d['min']:.1f}x | {c/dcpu:.1f}x |")
EOF
