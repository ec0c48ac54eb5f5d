#!/usr/bin/env bash
# diet slim of the fat nginx image on its own machine (amd64, native) and
# for arm64 under qemu-user emulation (issue 11), both on this amd64
# machine, same probe (GET /), same runtime (runc): wall time and peak
# memory of the diet process, sizes before and after, verified or not.
# The arm64 fat image is made from the debian-arm64 tree of
# .ci/fixtures.sh (go run ./internal/slim/cmd/mkfat -arch arm64); the
# arm64 run needs the qemu-aarch64 binfmt_misc handler (.ci/binfmt.sh).
# Writes bench/out/slim-arm64/slim-arm64.md. Run from the repository root,
# as root:
#   bash bench/slim-arm64.sh
# Port 80 is taken under the same lock file as the tests'.
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/out/slim-arm64
mkdir -p "$out"
CGO_ENABLED=0 go build -trimpath -o "$out/diet" ./cmd/diet
rm -rf "$out/result"
amd64=$(go run ./internal/slim/cmd/mkfat | sed -n 's/^nginx=oci:\(.*\):nginx$/\1/p')
arm64=$(go run ./internal/slim/cmd/mkfat -arch arm64 | sed -n 's/^nginx=oci:\(.*\):nginx$/\1/p')

table="$out/slim-arm64.md"
{
	echo "Measured $(date -u +%Y-%m-%dT%H:%MZ) on $(uname -m), $(nproc) cores, $(go version | cut -d' ' -f3), $(runc --version | head -1), $(qemu-aarch64-static --version | head -1)."
	echo
	echo "| image | how it runs | before (uncompressed / compressed) | after (uncompressed / compressed) | kept / removed paths | verified | wall time | peak memory |"
	echo "|---|---|---|---|---|---|---|---|"
} >"$table"

bench() { # arch layout how
	local arch=$1 layout=$2 how=$3
	local json="$out/slim-$arch.json" tf="$out/time-$arch.txt"
	flock "${TMPDIR:-/tmp}/diet-test-port-80.lock" /usr/bin/time -f '%e %M' -o "$tf" \
		"$out/diet" slim "oci:$layout:nginx" -o "oci:$out/result:nginx-$arch" --probe-http 80/ --json >"$json"
	read -r wall rss <"$tf"
	python3 - "$json" "$arch" "$how" "$wall" "$rss" >>"$table" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
arch, how, wall, rss = sys.argv[2:6]
mb = lambda n: f"{n / 1e6:.2f} MB"
b, a = r["before"], r["after"]
print(f"| nginx linux/{arch} | {how} | {mb(b['uncompressed'])} / {mb(b['compressed'])} "
      f"| {mb(a['uncompressed'])} / {mb(a['compressed'])} | {len(r['kept'])} / {r['removed']} "
      f"| {'yes' if r['verified'] else 'NO'} | {float(wall):.1f} s | {int(rss) / 1024:.0f} MiB |")
PY
}

bench amd64 "$amd64" "native"
bench arm64 "$arm64" "qemu-user emulation (binfmt_misc)"
cat "$table"
