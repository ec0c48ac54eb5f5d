#!/usr/bin/env bash
# bench/build.sh: what `diet build` costs and what it gives.
#
#  1. slice's image size as `docker images` reports it, next to the
#     published figures for the same kind of tool (Ubuntu glibc 78.8 MB,
#     Alpine static musl 8.4 MB, distroless static musl 3.52 MB).
#  2. The time diet adds on top of go build for a 10 MB binary: diet build
#     of the prebuilt binary (diet alone), and diet build of the package
#     minus go build of it (warm build cache).
#  3. diet build against ko build on the same program in one run, both
#     pushing to a local registry on an empty base: image size and total
#     time. ko is installed from the Go module proxy into a temporary GOBIN
#     (it is not a dependency of diet).
#
# Run from the repository root: bash bench/build.sh. Needs go; docker,
# docker-registry, umoci and skopeo for parts 1 and 3 (skipped without).
# Prints a markdown report on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
export LC_ALL=C
runs=${RUNS:-5}
work=$(mktemp -d)
reg_pid=
cleanup() {
	[[ -n $reg_pid ]] && kill "$reg_pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

have() { command -v "$1" >/dev/null 2>&1; }
now() { date +%s.%N; }
# best and median of space-separated seconds
best() { tr ' ' '\n' | grep . | sort -g | head -1; }
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# cpu CMD...: runs CMD and prints its user+system CPU seconds
cpu() {
	local tf=$work/cpu.txt
	if [[ -x /usr/bin/time ]]; then
		/usr/bin/time -f '%U %S' -o "$tf" "$@" >/dev/null
		awk '{ print $1 + $2 }' "$tf"
	else
		"$@" >/dev/null
		echo 0
	fi
}
ms() { awk -v s="$1" 'BEGIN { printf "%.0f", s * 1000 }'; }
mb() { awk -v b="$1" 'BEGIN { printf "%.2f", b / 1000000 }'; }

echo "building diet" >&2
go build -trimpath -o "$work/diet" ./cmd/diet
diet=$work/diet

echo "# diet build benchmark"
echo
echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
echo "- machine: $(uname -m), $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || echo unknown)"
echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (the machine is shared; times are wall clock)"
echo "- go: $(go env GOVERSION); diet: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "- command: bash bench/build.sh (RUNS=$runs, best of runs)"
echo

# 1. slice against the published figures.
echo "## 1. Image size of slice"
echo
if [[ -d cmd/slice ]] && have docker && docker version >/dev/null 2>&1; then
	tag=diet-bench-slice:latest
	"$diet" build -q ./cmd/slice -o "docker-archive:$work/slice.tar" -t "$tag" >/dev/null
	docker load -q -i "$work/slice.tar" >/dev/null
	size=$(docker image inspect --format '{{.Size}}' "$tag")
	shown=$(docker images --format '{{.Size}}' "$tag")
	docker rmi -f "$tag" >/dev/null
	echo "| image | size (docker images) |"
	echo "|---|---|"
	echo "| Ubuntu 22.04, glibc (published) | 78.8 MB |"
	echo "| Alpine, static musl (published) | 8.4 MB |"
	echo "| distroless, static musl (published) | 3.52 MB |"
	echo "| **diet build ./cmd/slice** | **$shown** ($size bytes) |"
	echo
	echo "Target: below 2.5 MB. Ratio to distroless: $(awk -v a="$size" 'BEGIN { printf "%.2f", a / 3520000 }')."
else
	echo "skipped: needs cmd/slice and a Docker engine"
fi
echo

# A program whose stripped binary is about 10 MB: net/http, TLS, JSON and
# an embedded 4 MB asset, as real services carry.
prog=$work/prog/big
mkdir -p "$prog"
cat >"$work/prog/go.mod" <<'EOF'
module example.com/bench

go 1.22
EOF
head -c 3000000 /dev/urandom | base64 >"$prog/asset.txt"
cat >"$prog/main.go" <<'EOF'
package main

import (
	"crypto/tls"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
)

//go:embed asset.txt
var asset string

func main() {
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			json.NewEncoder(w).Encode(map[string]int{"asset": len(asset)})
		})
		srv := &http.Server{Addr: ":8443", TLSConfig: &tls.Config{MinVersion: tls.VersionTLS13}}
		fmt.Println(srv.ListenAndServeTLS("cert.pem", "key.pem"))
		return
	}
	fmt.Println("asset", len(asset))
}
EOF
(cd "$work/prog" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -buildid=" -o "$work/big" ./big)
bigsize=$(stat -c %s "$work/big")

echo "## 2. Time diet adds to go build (binary of $(mb "$bigsize") MB)"
echo
t_elf=() t_pkg=() t_go=() c_elf=()
for _ in $(seq "$runs"); do
	rm -rf "$work/o1" "$work/o2"
	s=$(now); "$diet" build -q "$work/big" -o "oci:$work/o1" >/dev/null; e=$(now)
	t_elf+=("$(awk -v a="$s" -v b="$e" 'BEGIN { print b - a }')")
	rm -rf "$work/o1"
	c_elf+=("$(cpu "$diet" build -q "$work/big" -o "oci:$work/o1")")
	s=$(now); (cd "$work/prog" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -buildid=" -o "$work/big2" ./big); e=$(now)
	t_go+=("$(awk -v a="$s" -v b="$e" 'BEGIN { print b - a }')")
	s=$(now); (cd "$work/prog" && "$diet" build -q ./big -o "oci:$work/o2" >/dev/null); e=$(now)
	t_pkg+=("$(awk -v a="$s" -v b="$e" 'BEGIN { print b - a }')")
done
row() { # label, array...
	local label=$1; shift
	echo "| $label | $(ms "$(echo "$*" | best)") ms | $(ms "$(echo "$*" | median)") ms |"
}
echo "| step | best of $runs | median |"
echo "|---|---|---|"
row "go build (warm cache)" "${t_go[*]}"
row "diet build ./big (go build + image)" "${t_pkg[*]}"
row "**diet build of the prebuilt binary** (inspect, layer, gzip, SBOM, write)" "${t_elf[*]}"
row "the same, CPU time (user + system)" "${c_elf[*]}"
echo
gm=$(echo "${t_go[*]}" | median)
pm=$(echo "${t_pkg[*]}" | median)
echo "diet build ./big minus go build, medians: $(ms "$(awk -v a="$pm" -v b="$gm" 'BEGIN { print a - b }')") ms."
echo "Target: under 100 ms added."
echo

# 3. ko build against diet build.
echo "## 3. diet build against ko build"
echo
if ! { have docker-registry && have umoci && have skopeo; }; then
	echo "skipped: needs docker-registry, umoci and skopeo"
	exit 0
fi
# KO=/path/to/ko reuses an installed ko.
if [[ -n ${KO:-} ]]; then
	kobin=$(dirname "$KO")
else
	kobin=$work/gobin
	echo "installing ko from the Go module proxy" >&2
	if ! GOBIN=$kobin GOFLAGS= go install github.com/google/ko@latest >"$work/ko.log" 2>&1; then
		echo "skipped: go install github.com/google/ko@latest failed: $(tail -1 "$work/ko.log")"
		exit 0
	fi
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$work/registry.yml" <<EOF
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $work/registry
http:
  addr: 127.0.0.1:$port
EOF
docker-registry serve "$work/registry.yml" >/dev/null 2>&1 &
reg_pid=$!
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
reg=127.0.0.1:$port
# ko needs a base image from a registry: an empty one (no layers), as
# diet's default base.
umoci init --layout "$work/empty" >/dev/null
umoci new --image "$work/empty:latest" >/dev/null
skopeo copy -q --dest-tls-verify=false "oci:$work/empty:latest" "docker://$reg/base/empty:latest"

t_ko=() t_diet=()
for _ in $(seq "$runs"); do
	s=$(now)
	(cd "$work/prog" && KO_DOCKER_REPO=$reg/ko KO_DEFAULTBASEIMAGE=$reg/base/empty:latest \
		"$kobin/ko" build --bare --sbom=none --platform=linux/amd64 ./big >/dev/null 2>"$work/ko.err") ||
		{ echo "ko build failed: $(tail -3 "$work/ko.err")"; exit 0; }
	e=$(now); t_ko+=("$(awk -v a="$s" -v b="$e" 'BEGIN { print b - a }')")
	s=$(now)
	(cd "$work/prog" && "$diet" build -q --insecure ./big -o "docker://$reg/diet:latest" >/dev/null)
	e=$(now); t_diet+=("$(awk -v a="$s" -v b="$e" 'BEGIN { print b - a }')")
done
size_of() { # compressed: manifest layers; uncompressed: docker load size
	skopeo inspect --tls-verify=false --raw "docker://$1" |
		python3 -c 'import json,sys; m=json.load(sys.stdin); print(sum(l["size"] for l in m["layers"]) + m["config"]["size"])'
}
ko_c=$(size_of "$reg/ko:latest")
diet_c=$(size_of "$reg/diet:latest")
ko_u=- diet_u=-
if have docker && docker version >/dev/null 2>&1; then
	for which in ko diet; do
		docker pull -q "$reg/$which:latest" >/dev/null
		v=$(docker image inspect --format '{{.Size}}' "$reg/$which:latest")
		docker rmi -f "$reg/$which:latest" >/dev/null
		if [[ $which == ko ]]; then ko_u=$v; else diet_u=$v; fi
	done
fi
ko_t=$(echo "${t_ko[*]}" | best)
diet_t=$(echo "${t_diet[*]}" | best)
echo "Same program (./big), same empty base, both pushing to a local registry, best of $runs:"
echo
echo "| tool | compressed | docker images size | total time |"
echo "|---|---|---|---|"
echo "| ko build $("$kobin/ko" version 2>/dev/null) | $(mb "$ko_c") MB | $( [[ $ko_u == - ]] && echo - || echo "$(mb "$ko_u") MB") | $(ms "$ko_t") ms |"
echo "| diet build | $(mb "$diet_c") MB | $( [[ $diet_u == - ]] && echo - || echo "$(mb "$diet_u") MB") | $(ms "$diet_t") ms |"
echo
echo "Ratios diet/ko: size $(awk -v a="$diet_c" -v b="$ko_c" 'BEGIN { printf "%.2f", a / b }'), time $(awk -v a="$diet_t" -v b="$ko_t" 'BEGIN { printf "%.2f", a / b }'). Target: smaller image, no slower."
