#!/usr/bin/env bash
# diet compare on the example program (issue 5): ./cmd/slice packaged as a
# glibc dynamic binary and as a static one on a Debian minbase base and a
# BusyBox base, alone on an empty base, and as diet build makes it. Every
# variant is smoke-tested (slice 1:3 on four lines must print two).
# Writes bench/out/compare.{txt,json,svg,html}. Run from the repository root:
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
"$out/diet" "${args[@]}" --svg "$out/compare.svg" --html "$out/compare.html" >>"$out/compare.txt" || status=$?
echo "# $(($(date +%s) - start)) s, exit status $status" >>"$out/compare.txt"
"$out/diet" "${args[@]}" --json >"$out/compare.json" 2>/dev/null || true
cat "$out/compare.txt"
exit "$status"
