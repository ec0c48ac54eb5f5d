#!/usr/bin/env bash
# diet slim --seccomp (issue 23): what the profile costs and how much it
# allows. The nginx fat image (bench/slim.sh's) slimmed with its probe
# (--probe-http 80/) ROUNDS times with --seccomp and as many without,
# alternating, under runc: the median and each wall time. The sensor stops
# on every system call with or without --seccomp (it needs the exit of
# each to know whether a path existed); --seccomp adds the recording of
# each call's name, the traced start of runc that finds the runtime's own
# calls, and the verify's filter. Then, with CORPUS=yes, each image of the
# corpus (internal/slim/corpus_test.go's probes) slimmed with --seccomp:
# the calls allowed of the architecture's, and where they come from.
# Writes bench/out/seccomp/seccomp.md. Run from the repository root, as
# root:
#   bash bench/seccomp.sh              # nginx, 5 rounds
#   ROUNDS=3 CORPUS=yes bash bench/seccomp.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/out/seccomp
mkdir -p "$out"
rounds=${ROUNDS:-5}
CGO_ENABLED=0 go build -trimpath -o "$out/diet" ./cmd/diet
refs=$(go run ./internal/slim/cmd/mkfat)
fat=$(sed -n 's/^nginx=oci:\(.*\):nginx$/\1/p' <<<"$refs")
table="$out/seccomp.md"
echo "Measured $(date -u +%Y-%m-%dT%H:%MZ) on $(uname -m), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(runc --version | head -1)." >"$table"
echo >>"$table"

slimOnce() { # name extra-args... -> prints wall seconds
	local name=$1
	shift
	rm -rf "$out/result-$name"
	/usr/bin/time -f '%e' -o "$out/time.txt" "$out/diet" slim "oci:$fat:nginx" -o "oci:$out/result-$name:slim" \
		--probe-http 80/ --json "$@" >"$out/$name.json" 2>"$out/$name.log"
	cat "$out/time.txt"
}

without=() with=()
for i in $(seq "$rounds"); do
	without+=("$(slimOnce plain)")
	with+=("$(slimOnce seccomp --seccomp "$out/nginx.seccomp.json")")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
{
	echo "| nginx slim (\`--probe-http 80/\`, runc) | median wall (s) | runs (s) |"
	echo "|---|---:|---|"
	echo "| without --seccomp | $(median "${without[@]}") | ${without[*]} |"
	echo "| with --seccomp | $(median "${with[@]}") | ${with[*]} |"
	echo
	python3 - "$out/seccomp.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["seccomp"]
print(f"nginx's profile: {s['allowed']} of {s['total']} {s['arch']} calls allowed "
      f"({s['traced']} traced, {len(s['runtime'])} more for the runtime: {' '.join(s['runtime'])}); "
      f"filtered on arguments: {', '.join(s.get('filtered') or [])}; verified: {s['verified']}.")
PY
} >>"$table"

if [ "${CORPUS:-no}" = yes ]; then
	corpus=$(go run ./internal/slim/cmd/mkfat -corpus)
	echo >>"$table"
	echo "| corpus image | calls allowed | traced | for the runtime | filtered on arguments | verified under the profile |" >>"$table"
	echo "|---|---:|---:|---:|---|---|" >>"$table"
	go test -run 'TestSlimCorpus$' -v -count=1 ./internal/slim 2>&1 | tee "$out/corpus.log" |
		sed -n 's/.*corpus_test.go:[0-9]*: \([a-z-]*\): seccomp \([0-9]*\) of \([0-9]*\) calls allowed (\([0-9]*\) traced, \([0-9]*\) for the runtime.*filtered \[\(.*\)\]$/| \1 | \2 of \3 | \4 | \5 | \6 | yes |/p' >>"$table"
	: "$corpus"
fi
cat "$table"
