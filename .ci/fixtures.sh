#!/usr/bin/env bash
# Builds the expensive test fixtures once per machine, under
# ${DIET_TEST_CACHE:-/var/cache/diet-test}: Debian bookworm minbase trees made
# with debootstrap (a plain one, and a "fat" one with nginx-light, python3,
# curl and jq, and an arm64 one with nginx-light and jq, whose second stage
# and packages run under qemu-user-static: .ci/binfmt.sh first). Idempotent:
# a finished tree carries a .complete marker.
set -euo pipefail
cache=${DIET_TEST_CACHE:-/var/cache/diet-test}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
mkdir -p "$cache"

tree() { # name, extra packages...; $arch, if set, is debootstrap's --arch
	local name=$1; shift
	local dir=$cache/$name
	[[ -e $dir/.complete ]] && return 0
	rm -rf "$dir" "$dir.tmp"
	echo "fixtures: debootstrap $name" >&2
	debootstrap ${arch:+--arch=$arch} --variant=minbase bookworm "$dir.tmp" "$mirror" >"$cache/$name.log" 2>&1 ||
		{ tail -20 "$cache/$name.log" >&2; return 1; }
	if (($#)); then
		cp /etc/resolv.conf "$dir.tmp/etc/resolv.conf" 2>/dev/null || true
		chroot "$dir.tmp" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" \
			>>"$cache/$name.log" 2>&1 || { tail -20 "$cache/$name.log" >&2; return 1; }
		chroot "$dir.tmp" apt-get clean
	fi
	touch "$dir.tmp/.complete"
	mv "$dir.tmp" "$dir"
}

tree debian-minbase & a=$!
tree debian-fat nginx-light python3 curl jq ca-certificates & b=$!
arch=arm64 tree debian-arm64 nginx-light jq ca-certificates & c=$!
wait $a && wait $b && wait $c
echo "fixtures: ready in $cache" >&2
