#!/usr/bin/env bash
# diet slim with the tree cache (issue 25): the nginx fat image slimmed
# without the cache (--no-cache: the image unpacked into the work
# directory, as before the cache) and with a warm cache (its tree
# unpacked by an earlier slim), alternating A B A B for $PAIRS pairs;
# then a slim of an image on the same base as one slimmed just before
# (the corpus's crawl-site on lighttpd's base, after lighttpd itself, the
# cache emptied before each pair). Wall time and peak memory (GNU time's
# maximum resident set size) of the diet process; the medians and their
# ratios go to bench/out/slim-cache/slim-cache.md.
# Run from the repository root, as root (runc):
#   bash bench/slim-cache.sh
#   PAIRS=3 bash bench/slim-cache.sh
# Needs: go, runc, GNU time, python3, and the debian-fat and corpus trees
# of .ci/fixtures.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/out/slim-cache
mkdir -p "$out"
pairs=${PAIRS:-5}
CGO_ENABLED=0 go build -trimpath -o "$out/diet" ./cmd/diet
fat=$(go run ./internal/slim/cmd/mkfat | sed -n 's/^nginx=oci:\(.*\):nginx$/\1/p')
corpus=$(go run ./internal/slim/cmd/mkfat -corpus | sed -n 's/^lighttpd=oci:\(.*\):lighttpd$/\1/p')
cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT

run() { # label source probe-args...: appends "label wall rss" to times.txt
	local label=$1 src=$2
	shift 2
	/usr/bin/time -f "$label %e %M" -a -o "$out/times.txt" "$out/diet" slim "$src" \
		-o "oci:$out/result:x" --cache-dir "$cache" --json "$@" >"$out/last.json"
}
: >"$out/times.txt"
# The first slim fills the cache (and is timed apart).
run nginx-cold-cache "oci:$fat:nginx" --probe-http 80/
for _ in $(seq "$pairs"); do
	run nginx-no-cache "oci:$fat:nginx" --probe-http 80/ --no-cache
	run nginx-warm "oci:$fat:nginx" --probe-http 80/
done
for _ in $(seq "$pairs"); do
	rm -rf "${cache:?}"/*
	run lighttpd-cold "oci:$corpus:lighttpd" --probe-http 18081/
	run crawl-site-on-cached-base "oci:$corpus:crawl-site" --probe-http 18083/
done

python3 - "$out/times.txt" "$(git rev-parse --short HEAD)" >"$out/slim-cache.md" <<'EOF'
import statistics, sys, datetime, platform, os
rows = {}
for line in open(sys.argv[1]):
    label, wall, rss = line.split()
    rows.setdefault(label, []).append((float(wall), int(rss)))
med = {k: statistics.median(w for w, _ in v) for k, v in rows.items()}
print(f"Measured {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%dT%H:%MZ} at commit {sys.argv[2]} on {platform.machine()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}.\n")
print("| slim | runs | median wall | each run (s) | peak memory (max) |")
print("|---|---|---|---|---|")
for k, v in rows.items():
    print(f"| {k} | {len(v)} | {med[k]:.2f} s | {', '.join(f'{w:.2f}' for w, _ in v)} | {max(r for _, r in v) / 1024:.0f} MB |")
print()
print(f"warm cache / no cache (nginx): {med['nginx-warm'] / med['nginx-no-cache']:.2f}")
print(f"image on a cached base / its base image cold (crawl-site after lighttpd): {med['crawl-site-on-cached-base'] / med['lighttpd-cold']:.2f}")
EOF
cat "$out/slim-cache.md"
