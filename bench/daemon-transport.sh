#!/usr/bin/env bash
# bench/daemon-transport.sh: what the docker-daemon: transport costs diet.
#
#  1. diet's stripped binary size, and whether the Docker engine's Go
#     client (github.com/moby/moby/client) is linked in.
#  2. Reading an image from the engine (`diet size docker-daemon:REF`):
#     wall time and peak memory, on the cached Debian base (117 MB), which
#     is loaded into Docker with skopeo under a tag removed afterwards.
#
# Run from the repository root: bash bench/daemon-transport.sh. Needs go;
# docker, skopeo and GNU time (/usr/bin/time) for part 2 (skipped
# without). Set BEFORE=path/to/another/diet to measure that binary too.
# Prints a markdown report on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
export LC_ALL=C
runs=${RUNS:-3}
work=$(mktemp -d)
tag=diet-bench/daemon-transport:$$
cleanup() {
	docker rmi --force "$tag" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
have() { command -v "$1" >/dev/null 2>&1; }

go build -trimpath -ldflags='-s -w' -o "$work/diet" ./cmd/diet
echo "# docker-daemon: transport"
echo
echo "$(date -u +%Y-%m-%d), $(nproc) cores, $(go version | cut -d' ' -f3), commit $(git rev-parse --short HEAD)"
echo
echo "## Binary"
echo
echo '| binary | stripped size (bytes) | moby/moby/client linked |'
echo '|---|---:|---|'
bins=("$work/diet")
[[ -n ${BEFORE:-} ]] && bins=("$BEFORE" "${bins[@]}")
for b in "${bins[@]}"; do
	client=no
	go version -m "$b" | grep -q 'moby/moby/client' && client=yes
	echo "| ${b/#$work\//} | $(stat -c %s "$b") | $client |"
done
echo
echo "Packages of \`go list -deps ./cmd/diet\` from moby: $(go list -deps ./cmd/diet | grep -c 'github.com/moby/' || true)"

base=${DIET_TEST_CACHE:-/var/cache/diet-test}/bases/debian
if ! have docker || ! have skopeo || [[ ! -x /usr/bin/time ]] || [[ ! -d $base ]] || ! docker version >/dev/null 2>&1; then
	echo
	echo "(part 2 skipped: needs docker, skopeo, /usr/bin/time and $base)"
	exit 0
fi
skopeo copy -q "oci:$base:latest" "docker-daemon:$tag"
echo
echo "## diet size docker-daemon:REF (Debian base, $(docker image inspect --format '{{.Size}}' "$tag") bytes)"
echo
echo '| binary | run | wall s | peak RSS MB |'
echo '|---|---:|---:|---:|'
for b in "${bins[@]}"; do
	for i in $(seq "$runs"); do
		/usr/bin/time -f '%e %M' -o "$work/t" "$b" size "docker-daemon:$tag" >/dev/null
		read -r s kb <"$work/t"
		echo "| ${b/#$work\//} | $i | $s | $((kb / 1024)) |"
	done
done
