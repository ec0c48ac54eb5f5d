#!/usr/bin/env bash
# bench/layers.sh: memory and speed of writing large layers.
#
# diet build of a small program with --add DIR:/data, DIR holding SIZES
# of files (half random bytes, like model weights; half bytes of this
# machine's shared libraries, which compress), to oci:, oci-archive:,
# docker-archive: and a push to a real registry server (docker-registry).
# For each: wall time, CPU (user+sys), peak resident memory
# (/usr/bin/time -v), and the ratio of diet's time to
# `tar -c DIR | pigz -p 2 > FILE` on the same DIR in the same run (the
# real alternative for writing one compressed layer). Target: peak RSS
# under 256 MB whatever the size, ratio <= 1.0.
#
# Run from the repository root: bash bench/layers.sh. SIZES (MB, default
# "200 2000") and WORK (default: a new directory under /tmp) can be set.
# Needs go, /usr/bin/time, pigz; docker-registry for the push (skipped
# without). Prints a markdown report on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
export LC_ALL=C
sizes=${SIZES:-200 2000}
work=${WORK:-$(mktemp -d)}
mkdir -p "$work"
reg_pid=
cleanup() {
	[[ -n $reg_pid ]] && kill "$reg_pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
have() { command -v "$1" >/dev/null 2>&1; }
for c in go pigz /usr/bin/time; do
	have "$c" || { echo "bench/layers.sh: needs $c" >&2; exit 1; }
done

echo "building diet" >&2
go build -trimpath -o "$work/diet" ./cmd/diet
diet=$work/diet

# mkdata DIR MB: files of 20 MB, alternately random and library bytes.
mkdata() {
	local dir=$1 mb=$2 i=0
	mkdir -p "$dir"
	find /usr/lib -type f -size +200k 2>/dev/null | sort | head -400 | xargs cat 2>/dev/null | head -c 20000000 >"$work/lib.bin" || true
	while ((i * 20 < mb)); do
		if ((i % 2)); then
			cp "$work/lib.bin" "$dir/lib$i.so"
			printf '%d' "$i" >>"$dir/lib$i.so" # no two files alike
		else
			head -c 20000000 /dev/urandom >"$dir/weights$i.bin" || true
		fi
		i=$((i + 1))
	done
}

# measure NAME CMD...: runs CMD under /usr/bin/time -v and prints a row
# "NAME wall cpu rss_mb".
measure() {
	local name=$1
	shift
	local tf=$work/time.txt
	sync
	if ! /usr/bin/time -v -o "$tf" "$@" >"$work/out.txt" 2>&1; then
		echo "bench/layers.sh: $name failed:" >&2
		tail -5 "$work/out.txt" >&2
		exit 1
	fi
	awk -v n="$name" -F': ' '
		/Elapsed \(wall clock\)/ { split($2, t, ":"); w = (length(t) == 3) ? t[1] * 3600 + t[2] * 60 + t[3] : t[1] * 60 + t[2] }
		/User time/ { u = $2 } /System time/ { s = $2 }
		/Maximum resident set size/ { r = $2 / 1024 }
		END { printf "%s %.2f %.2f %.0f\n", n, w, u + s, r }' "$tf"
}

registry=
if have docker-registry; then
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	mkdir -p "$work/registry"
	cat >"$work/registry.yml" <<YML
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $work/registry
http:
  addr: 127.0.0.1:$port
YML
	docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
	reg_pid=$!
	for _ in $(seq 50); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then registry=127.0.0.1:$port; break; fi
		sleep 0.1
	done
fi

echo "# diet build layers benchmark"
echo
echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
echo "- machine: $(uname -m), $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || echo unknown), $(free -g | awk '/Mem:/ {print $2}') GB"
echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (the machine is shared: compare CPU seconds and ratios, not wall times)"
echo "- go: $(go env GOVERSION); diet: $(git rev-parse --short HEAD 2>/dev/null || echo unknown); pigz: $(pigz --version 2>&1 | head -1)"
echo "- command: bash bench/layers.sh (SIZES=\"$sizes\")"
echo
echo "| data | output | wall (s) | CPU (s) | peak RSS (MB) | MB/s (wall) | wall / tar+pigz | CPU / tar+pigz |"
echo "|---:|---|---:|---:|---:|---:|---:|---:|"
for mb in $sizes; do
	data=$work/data$mb
	echo "making $mb MB of data" >&2
	mkdata "$data" "$mb"
	bytes=$(du -sb "$data" | cut -f1)
	read -r _ bw bc br < <(measure tar+pigz bash -c "tar -c -C '$data' . | pigz -p 2 > '$work/base.tar.gz'")
	rm -f "$work/base.tar.gz"
	row() {
		awk -v d="$bytes" -v o="$1" -v w="$2" -v c="$3" -v r="$4" -v bw="$bw" -v bc="$bc" \
			'BEGIN { printf "| %.0f MB | %s | %.1f | %.1f | %d | %.0f | %.2f | %.2f |\n", d / 1e6, o, w, c, r, d / 1e6 / w, w / bw, c / bc }'
	}
	row '`tar -c DIR \\| pigz -p 2 > FILE`' "$bw" "$bc" "$br"
	targets=("oci:$work/out-oci" "oci-archive:$work/out.tar" "docker-archive:$work/out-docker.tar")
	[[ -n $registry ]] && targets+=("docker://$registry/bench/data$mb:latest")
	for dest in "${targets[@]}"; do
		echo "diet build to $dest" >&2
		read -r _ w c r < <(measure diet "$diet" build -q /usr/bin/true --add "$data:/data" -o "$dest" --insecure)
		label=${dest%%:*}:
		row "\`diet build --add DIR:/data -o $label\`" "$w" "$c" "$r"
		rm -rf "$work/out-oci" "$work/out.tar" "$work/out-docker.tar" "$work"/out*.json
	done
	rm -rf "$data" "$work/registry/docker"
done
