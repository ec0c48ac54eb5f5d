#!/usr/bin/env bash
# diet slim on the fat images (issue 6): a Debian bookworm minbase with
# nginx-light, python3, curl and jq, as one layer in an OCI layout made once
# per machine (go run ./internal/slim/cmd/mkfat), run as
# nginx (probed with GET /), curl (its default command) and jq (an exec
# probe). For each: sizes before and after, ratio, wall time and peak
# memory (GNU time's maximum resident set size) of the diet process.
# Then the corpus of real servers (issue 9: flask, entrypoint, node, redis,
# postgres, apache, lighttpd, java; go run ./internal/slim/cmd/mkfat -corpus), each with the
# probes its end-to-end test (internal/slim/corpus_test.go) gives.
# Writes bench/out/slim/slim.md (a markdown table) and bench/out/slim/*.json
# (its own directory: other scripts build a dynamic diet into bench/out).
# Run from the repository root, as root (runc):
#   bash bench/slim.sh            # runc
#   RUNTIMES="runc docker" bash bench/slim.sh
#   IMAGES=nginx bash bench/slim.sh   # only some of the fat images
#   CORPUS=only bash bench/slim.sh    # the corpus rows only (CORPUS=no: none)
#   CORPUS=no IMAGES= bash bench/slim.sh  # the reach table only (REACH=no: none)
# nginx is slimmed twice per runtime: with the probe inside the container's
# own network (the default) and, when the host's port 80 is free, with
# --network host (the probe from the host, as before issue 9), and then as
# two slims at once (both on port 80, each in its own network).
# Needs: go, runc (and a Docker engine for docker, and for the postgres
# probe), skopeo, GNU time, python3, and the debian-fat and corpus-* trees
# of .ci/fixtures.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/out/slim
mkdir -p "$out"
runtimes=${RUNTIMES:-runc}
images=${IMAGES:-nginx curl jq}
corpus=${CORPUS:-yes}

CGO_ENABLED=0 go build -trimpath -o "$out/diet" ./cmd/diet
rm -rf "$out/slim-result"
refs=$(go run ./internal/slim/cmd/mkfat)
fat=$(sed -n 's/^nginx=oci:\(.*\):nginx$/\1/p' <<<"$refs")

table="$out/slim.md"
header() {
	echo "| image | probe | runtime | before (uncompressed / compressed) | after (uncompressed / compressed) | ratio | kept / removed paths | verified | wall time | peak memory |"
	echo "|---|---|---|---|---|---|---|---|---|---|"
}
echo "Measured $(date -u +%Y-%m-%dT%H:%MZ) on $(uname -m), $(nproc) cores, $(go version | cut -d' ' -f3), $(runc --version | head -1)." >"$table"

bench() { # name runtime probe-args...
	benchOf "oci:$fat:$1" "$@"
}

benchOf() { # source name runtime probe-args...
	local src=$1 name=$2 rt=$3
	shift 3
	local json="$out/slim-$name-$rt.json" tf="$out/slim-time.txt"
	/usr/bin/time -f '%e %M' -o "$tf" "$out/diet" slim "$src" \
		-o "oci:$out/slim-result:$name-$rt" --runtime "$rt" --json "$@" >"$json" ||
		{ echo "| $name | \`$*\` | $rt | slim failed (exit $?), see $json |" >>"$table"; return 0; }
	read -r wall rss <"$tf"
	python3 - "$json" "$name" "$rt" "$wall" "$rss" "$*" >>"$table" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
name, rt, wall, rss, probe = sys.argv[2:7]
probe = probe.replace("|", "\\|")
mb = lambda n: f"{n / 1e6:.1f} MB"
b, a = r["before"], r["after"]
print(f"| {name} | `{probe or 'default command'}` | {rt} | {mb(b['uncompressed'])} / {mb(b['compressed'])} "
      f"| {mb(a['uncompressed'])} / {mb(a['compressed'])} | {b['uncompressed'] / a['uncompressed']:.1f}x "
      f"| {len(r['kept'])} / {r['removed']} | {'yes' if r['verified'] else 'NO'} | {float(wall):.1f} s | {int(rss) / 1024:.0f} MiB |")
EOF
}

port80free() { ! (exec 3<>/dev/tcp/127.0.0.1/80) 2>/dev/null; }

if [[ $corpus != only ]]; then
	{ echo; header; } >>"$table"
	for rt in $runtimes; do
		for img in $images; do
			case $img in
			nginx)
				bench nginx "$rt" --probe-http 80/
				if port80free; then bench nginx "$rt" --probe-http 80/ --network host; fi
				# Two at once, both on port 80: the wall time of the pair.
				start=$(date +%s.%N)
				for i in 1 2; do
					"$out/diet" slim "oci:$fat:nginx" -o "oci:$out/slim-result:pair-$i" --runtime "$rt" --probe-http 80/ --json >"$out/slim-pair-$i.json" &
				done
				wait
				end=$(date +%s.%N)
				echo "| nginx, two slims at once | \`--probe-http 80/\` (each) | $rt | | | | | $(python3 -c 'import json,sys; print(" and ".join("yes" if json.load(open(f))["verified"] else "NO" for f in sys.argv[1:]))' "$out/slim-pair-1.json" "$out/slim-pair-2.json") | $(python3 -c "print(f'{$end - $start:.1f} s')") (both) | |" >>"$table"
				;;
			curl) bench curl "$rt" ;;
			jq) bench jq "$rt" --probe-exec "jq -n '[1,2,3] | add'" ;;
			esac
		done
	done
	# Reproducibility: the same slim twice gives the same digest.
	if [[ " $images " == *" nginx "* ]]; then
		first=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["digest"])' "$out/slim-nginx-${runtimes%% *}.json")
		"$out/diet" slim "oci:$fat:nginx" -o "oci:$out/slim-result:again" --probe-http 80/ --json >"$out/slim-again.json"
		second=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["digest"])' "$out/slim-again.json")
		{
			echo
			echo "Two slims of the nginx image: $first and $second ($([ "$first" = "$second" ] && echo identical || echo DIFFERENT))."
		} >>"$table"
	fi
fi

if [[ $corpus != no ]]; then
	crefs=$(go run ./internal/slim/cmd/mkfat -corpus)
	corpusDir=$(sed -n 's/^flask=oci:\(.*\):flask$/\1/p' <<<"$crefs")
	# The probes of corpus_test.go.
	redis=(--probe-cmd 'redis-cli -p 16379 SET greeting hello' --probe-cmd 'redis-cli -p 16379 GET greeting' --keep-probe-files)
	pg=(--probe-cmd "psql -p 15432 -U postgres -Atc 'select datname from pg_database order by 1'" --keep-probe-files)
	{
		echo
		echo "The corpus (issue 9), from $(date -u +%Y-%m-%dT%H:%MZ), load average $(cut -d' ' -f1-3 /proc/loadavg):"
		echo
		header
	} >>"$table"
	for rt in $runtimes; do
		c() { benchOf "oci:$corpusDir:$1" "$@"; }
		c flask "$rt" --probe-http 15000/api/items --probe-http 15000/hello/corpus
		c entrypoint "$rt" --probe-http 15001/api/items --probe-http 15001/hello/corpus
		c node "$rt" --probe-http 13000/ --probe-http 13000/hello/corpus
		c redis "$rt" "${redis[@]}"
		# The same SET and GET spoken by the probe itself (RESP over
		# --probe-tcp): no probe tool in the image, the server's closure.
		benchOf "oci:$corpusDir:redis" redis-tcp "$rt" --probe-tcp 16379 \
			--probe-send '*3\r\n$3\r\nSET\r\n$8\r\ngreeting\r\n$5\r\nhello\r\n*2\r\n$3\r\nGET\r\n$8\r\ngreeting\r\n' --probe-expect 'hello\r\n'
		c postgres "$rt" "${pg[@]}"
		c apache "$rt" --probe-http 18080/ --probe-http '18080/cgi-bin/hello.pl?name=corpus'
		c lighttpd "$rt" --probe-http 18081/
		c java "$rt" --probe-http 18090/ --probe-http 18090/hello/corpus
	done
fi
# Reach (issue 21): every corpus image slimmed twice, with --reach=trace
# (what the trace saw) and with reach (the default), probed only at the
# front page or the default command for the reach corpus. The unprobed
# checks are TestSlimReach's (internal/slim/reach_corpus_test.go).
if [[ ${REACH:-yes} != no ]]; then
	crefs=$(go run ./internal/slim/cmd/mkfat -corpus)
	corpusDir=$(sed -n 's/^flask=oci:\(.*\):flask$/\1/p' <<<"$crefs")
	redis=(--probe-cmd 'redis-cli -p 16379 SET greeting hello' --probe-cmd 'redis-cli -p 16379 GET greeting' --keep-probe-files)
	pg=(--probe-cmd "psql -p 15432 -U postgres -Atc 'select datname from pg_database order by 1'" --keep-probe-files)
	reachRow() { # image probe-args...
		local img=$1
		shift
		"$out/diet" slim "oci:$corpusDir:$img" -o "oci:$out/slim-result:$img-trace" --reach=trace --json "$@" >"$out/reach-$img-trace.json" 2>/dev/null || true
		"$out/diet" slim "oci:$corpusDir:$img" -o "oci:$out/slim-result:$img-reach" --json "$@" >"$out/reach-$img-all.json" 2>/dev/null || true
		python3 - "$img" "$out/reach-$img-trace.json" "$out/reach-$img-all.json" "$*" <<'EOF'
import json, sys
img, tf, af, probe = sys.argv[1:5]
try:
    t, a = json.load(open(tf)), json.load(open(af))
except Exception as e:
    print(f"| {img} | `{probe}` | slim failed: {e} | | | | | |")
    sys.exit()
mb = lambda n: f"{n / 1e6:.2f} MB"
ta, aa = t["after"]["uncompressed"], a["after"]["uncompressed"]
kinds = ", ".join(f"{s['kind']} {s['files']} ({s['bytes'] / 1e6:.2f} MB)" for s in a.get("reach") or [])
ok = lambda r: "yes" if r["verified"] else "NO"
probe = probe.replace("|", "\\|")
print(f"| {img} | `{probe or 'default command'}` | {mb(t['before']['uncompressed'])} | {mb(ta)} | {mb(aa)} | {aa / ta:.2f} | {kinds} | {ok(t)} / {ok(a)} |")
EOF
	}
	{
		echo
		echo "Reach (issue 21), from $(date -u +%Y-%m-%dT%H:%MZ), load average $(cut -d' ' -f1-3 /proc/loadavg):"
		echo
		echo "| image | probe | fat | --reach=trace | reach | ratio | reach added (files, bytes) | verified (trace / reach) |"
		echo "|---|---|---|---|---|---|---|---|"
		reachRow reach-python --probe-http 15002/
		reachRow reach-entrypoint --probe-http 15003/
		reachRow reach-node --probe-http 13001/
		reachRow reach-perl
		reachRow reach-iconv
		reachRow reach-site --probe-http 18082/
		reachRow flask --probe-http 15000/api/items --probe-http 15000/hello/corpus
		reachRow entrypoint --probe-http 15001/api/items --probe-http 15001/hello/corpus
		reachRow node --probe-http 13000/ --probe-http 13000/hello/corpus
		reachRow redis "${redis[@]}"
		reachRow postgres "${pg[@]}"
		reachRow apache --probe-http 18080/ --probe-http '18080/cgi-bin/hello.pl?name=corpus'
		reachRow lighttpd --probe-http 18081/
		reachRow java --probe-http 18090/ --probe-http 18090/hello/corpus
	} >>"$table"
fi

cat "$table"
