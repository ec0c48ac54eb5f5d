#!/usr/bin/env bash
# diet compare on the example program (issue 5): ./cmd/slice packaged as a
# glibc dynamic binary and as a static one on a Debian minbase base and a
# BusyBox base, alone on an empty base, and as diet build makes it. Every
# variant is smoke-tested (slice 1:3 on four lines must print two).
# Writes bench/out/compare.{txt,json,svg,html} and the variants as
# docker-archives under bench/out/compare-images/, which it loads into
# Docker to record what docker images says. Run from the repository root:
#   bash bench/compare.sh
# Needs: go, gcc, a Docker engine (or runc as root), and the Debian minbase
# tree of .ci/fixtures.sh; the base images are made once per machine.
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/out
mkdir -p "$out"

bases=$(go run ./internal/testbases/cmd/mkbases)
debian=$(sed -n 's/^debian=//p' <<<"$bases")
busybox=$(sed -n 's/^busybox=//p' <<<"$bases")
go build -trimpath -o "$out/diet" ./cmd/diet
printf 'one\ntwo\nthree\nfour\n' >"$out/compare-stdin.txt"

args=(compare ./cmd/slice --base "debian=$debian" --base "busybox=$busybox"
	--smoke 1:3 --smoke-stdin "$out/compare-stdin.txt" --expect-stdout $'two\nthree')
{
	echo "# $(date -u +%Y-%m-%dT%H:%MZ) on $(uname -m), $(nproc) cores, $(go version | cut -d' ' -f3)"
	echo "# diet $(printf '%q ' "${args[@]}")"
} >"$out/compare.txt"
start=$(date +%s)
status=0
rm -rf "$out/compare-images"
"$out/diet" "${args[@]}" --svg "$out/compare.svg" --html "$out/compare.html" --keep "$out/compare-images" >>"$out/compare.txt" || status=$?
echo "# $(($(date +%s) - start)) s, exit status $status" >>"$out/compare.txt"
# What Docker says of the same images once loaded.
if docker version >/dev/null 2>&1; then
	echo "# docker images after docker load:" >>"$out/compare.txt"
	for f in "$out"/compare-images/*.tar; do
		tag=diet-compare/$(basename "$f" .tar):latest
		docker load -q -i "$f" >/dev/null
		printf '#   %-40s %s (%s bytes)\n' "$tag" "$(docker images --format '{{.Size}}' "$tag")" \
			"$(docker image inspect --format '{{.Size}}' "$tag")" >>"$out/compare.txt"
		docker rmi -f "$tag" >/dev/null
	done
fi
"$out/diet" "${args[@]}" --json >"$out/compare.json" 2>/dev/null || true
cat "$out/compare.txt"
exit "$status"
