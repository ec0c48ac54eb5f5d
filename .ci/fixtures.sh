#!/usr/bin/env bash
# Builds the expensive test fixtures once per machine, under
# ${DIET_TEST_CACHE:-/var/cache/diet-test}: Debian bookworm minbase trees made
# with debootstrap (a plain one, and a "fat" one with nginx-light, python3,
# curl and jq), an arm64 one with nginx-light and jq, whose second stage
# and packages run under qemu-user-static (.ci/binfmt.sh first), and the
# corpus trees of diet slim's end-to-end tests (issue 9), each a copy of
# the minbase tree with one apt-get install of a server's packages.
# Idempotent: a finished tree carries a .complete marker.
set -euo pipefail
cache=${DIET_TEST_CACHE:-/var/cache/diet-test}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
mkdir -p "$cache"
here=$(cd "$(dirname "$0")" && pwd)

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

# corpus name setup packages...: a copy of debian-minbase (no second
# debootstrap) with the files of internal/slim/fatimages/testdata/NAME, if
# any, one apt-get install of packages into it, then the shell commands of
# setup run inside it (chroot DIR sh -ec SETUP). Services never start at
# install time (policy-rc.d), as in Debian's own container images. With
# proc=1, /proc is mounted in the tree meanwhile (the java command needs it,
# and openjdk's post-installation script runs it).
corpus() {
	local name=corpus-$1 setup=$2; shift 2
	local dir=$cache/$name log=$cache/$name.log
	[[ -e $dir/.complete ]] && return 0
	rm -rf "$dir" "$dir.tmp"
	echo "fixtures: $name from debian-minbase" >&2
	cp -a --reflink=auto "$cache/debian-minbase" "$dir.tmp"
	rm -f "$dir.tmp/.complete"
	cp /etc/resolv.conf "$dir.tmp/etc/resolv.conf" 2>/dev/null || true
	printf '#!/bin/sh\nexit 101\n' >"$dir.tmp/usr/sbin/policy-rc.d"
	chmod 755 "$dir.tmp/usr/sbin/policy-rc.d"
	# The host's CA bundle, for npm behind a TLS-intercepting proxy; only
	# while the tree is made, never in it.
	cp "${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}" "$dir.tmp/tmp/host-ca.crt" 2>/dev/null || true
	local files=$here/../internal/slim/fatimages/testdata/${name#corpus-}
	[[ -d $files ]] && cp -r "$files/." "$dir.tmp/"
	[[ ${proc:-} == 1 ]] && mount -t proc proc "$dir.tmp/proc"
	local ok=0
	{
		chroot "$dir.tmp" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" &&
			chroot "$dir.tmp" apt-get clean &&
			chroot "$dir.tmp" env HOME=/root NODE_EXTRA_CA_CERTS=/tmp/host-ca.crt sh -ec "$setup"
	} >"$log" 2>&1 || ok=$?
	[[ ${proc:-} == 1 ]] && umount "$dir.tmp/proc"
	((ok == 0)) || { echo "fixtures: $name failed:" >&2; tail -20 "$log" >&2; return 1; }
	rm -f "$dir.tmp/usr/sbin/policy-rc.d" "$dir.tmp/tmp/host-ca.crt"
	touch "$dir.tmp/.complete"
	mv "$dir.tmp" "$dir"
}

tree debian-minbase & a=$!
tree debian-fat nginx-light python3 curl jq ca-certificates & b=$!
arch=arm64 tree debian-arm64 nginx-light jq & c=$!
wait $a
pids=()
corpus flask : python3 python3-flask & pids+=($!)
corpus node 'mkdir -p /app && cd /app && npm install --no-audit --no-fund --omit=dev express@4 && rm -rf /root/.npm' \
	nodejs npm ca-certificates & pids+=($!)
corpus redis : redis-server & pids+=($!)
# The database is initialised here, when the image is built, as the
# official postgres image's entrypoint would on first start.
corpus postgres 'mkdir -p /var/lib/postgresql/data && chown postgres:postgres /var/lib/postgresql/data &&
	runuser -u postgres -- /usr/lib/postgresql/15/bin/initdb -D /var/lib/postgresql/data -E UTF8 --locale=C.UTF-8 --auth=trust' \
	postgresql & pids+=($!)
corpus apache 'a2enmod cgid' apache2 & pids+=($!)
corpus lighttpd : lighttpd & pids+=($!)
# Command-line tools (issue 21): a Perl script whose options require
# modules of perl-modules, and a shell entrypoint with subcommands.
corpus perl : perl & pids+=($!)
proc=1 corpus java 'cd /app && javac Server.java && rm -rf Server.java /tmp/hsperfdata_*' openjdk-17-jdk-headless & pids+=($!)
for p in "${pids[@]}"; do wait "$p"; done
wait $b && wait $c
echo "fixtures: ready in $cache" >&2
