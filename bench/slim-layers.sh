#!/usr/bin/env bash
# bench/slim-layers.sh: peak memory of diet slim on a large image.
#
# The image: the Debian fixture tree's /bin/sh with its closure (diet
# build --root), plus KEEP MB of large files under /data that the probe
# opens (a shell loop reading a line of each: the image has no cat; its
# entrypoint is the shell, so the probe gives only -c SCRIPT) and
# JUNK MB under /junk that nothing reads. diet
# slim keeps /data and cuts /junk, so the slim writes a layer of KEEP MB.
# Reports wall time, CPU and peak resident memory (/usr/bin/time -v: the
# largest process of the run, diet itself) of the slim, against the
# target of 256 MB whatever the size.
#
# Run from the repository root, as root (runc): bash bench/slim-layers.sh.
# KEEP (default 2000) and JUNK (default 1000) in MB. Needs go, runc,
# /usr/bin/time and the debian-fat tree of .ci/fixtures.sh (or ROOT=DIR).
# Prints a markdown report on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
export LC_ALL=C
keep=${KEEP:-2000}
junk=${JUNK:-1000}
root=${ROOT:-/var/cache/diet-test/debian-fat}
work=${WORK:-$(mktemp -d)}
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
[[ -f $root/.complete || -n ${ROOT:-} ]] || { echo "bench/slim-layers.sh: no fixture tree at $root" >&2; exit 1; }

echo "building diet" >&2
CGO_ENABLED=0 go build -trimpath -o "$work/diet" ./cmd/diet
diet=$work/diet

# files DIR MB: 20 MB files of random bytes.
files() {
	mkdir -p "$1"
	local i=0
	while ((i * 20 < $2)); do
		head -c 20000000 /dev/urandom >"$1/f$i.bin" || true
		i=$((i + 1))
	done
}
echo "making $keep + $junk MB of files" >&2
files "$work/data" "$keep"
files "$work/junk" "$junk"
echo "making the image" >&2
"$diet" build -q --root "$root" /bin/sh --add "$work/data:/data" --add "$work/junk:/junk" -o "oci:$work/fat:big" >/dev/null
rm -rf "$work/data" "$work/junk"

measure() { # prints "wall cpu rss_mb"
	/usr/bin/time -v -o "$work/time.txt" "$@" >"$work/out.json" 2>"$work/err.txt" || {
		echo "bench/slim-layers.sh: failed:" >&2
		tail -5 "$work/err.txt" >&2
		exit 1
	}
	awk -F': ' '
		/Elapsed \(wall clock\)/ { split($2, t, ":"); w = (length(t) == 3) ? t[1] * 3600 + t[2] * 60 + t[3] : t[1] * 60 + t[2] }
		/User time/ { u = $2 } /System time/ { s = $2 }
		/Maximum resident set size/ { r = $2 / 1024 }
		END { printf "%.1f %.1f %.0f\n", w, u + s, r }' "$work/time.txt"
}
echo "slimming" >&2
read -r wall cpu rss < <(measure "$diet" slim "oci:$work/fat:big" -o "oci:$work/slim:big" --json \
	--workdir "$work/slimwork" --cache-dir "$work/cache" --probe-exec "-c 'for f in /data/*; do read -r x < \$f || true; done; echo read'")
sizes=$(python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); print(r["before"]["uncompressed"], r["after"]["uncompressed"], r["verified"])' "$work/out.json")
after_mb=$(awk -v a="${sizes#* }" 'BEGIN { print int(a / 1e6) }')
if ((after_mb < keep / 2)); then
	echo "bench/slim-layers.sh: the slim kept only $after_mb MB: the probe did not open /data" >&2
	exit 1
fi
read -r before after verified <<<"$sizes"

echo "# diet slim of a large image"
echo
echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
echo "- machine: $(uname -m), $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || echo unknown)"
echo "- load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- diet: $(git rev-parse --short HEAD 2>/dev/null || echo unknown); command: bash bench/slim-layers.sh (KEEP=$keep JUNK=$junk)"
echo
echo "| image (uncompressed) | slim (uncompressed) | verified | wall (s) | CPU (s) | peak RSS (MB) |"
echo "|---:|---:|---|---:|---:|---:|"
awk -v b="$before" -v a="$after" -v v="$verified" -v w="$wall" -v c="$cpu" -v r="$rss" \
	'BEGIN { printf "| %.0f MB | %.0f MB | %s | %s | %s | %s |\n", b / 1e6, a / 1e6, v, w, c, r }'
