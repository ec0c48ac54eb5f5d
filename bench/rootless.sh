#!/usr/bin/env bash
# diet slim of the fat nginx image (as bench/slim.sh) as root and without
# root (issue 10): rootless runc as an ordinary user with subordinate id
# ranges, and one without (a single-id mapping). Runs alternate, RUNS times
# each (default 3), so that the machine's other load falls on all alike;
# the table gives the wall time of each run (GNU time) and the digest of
# the slim (the same for all, or the table says so).
# Writes bench/out/rootless/rootless.md. Run from the repository root, as
# root (the users are made here when missing: useradd, usermod):
#   bash bench/rootless.sh
# Needs: go, runc, uidmap (newuidmap), setpriv, GNU time, python3, the
# debian-fat tree of .ci/fixtures.sh, and port 80 free (the HTTP probe).
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/out/rootless
rm -rf "$out"
mkdir -p "$out"
chmod 755 "$out"
runs=${RUNS:-3}

CGO_ENABLED=0 go build -trimpath -o "$out/diet" ./cmd/diet
refs=$(go run ./internal/slim/cmd/mkfat)
fat=$(sed -n 's/^nginx=oci:\(.*\):nginx$/\1/p' <<<"$refs")
chmod -R a+rX "$fat"

# The users of the tests (internal/testenv): one with ranges, one without.
user_with() { # name subids
	id "$1" >/dev/null 2>&1 || useradd --create-home --shell /bin/sh "$1"
	for f in /etc/subuid /etc/subgid; do
		awk -F: -v u="$1" '$1 == u { print $2 "-" $2 + $3 - 1 }' "$f" | while read -r r; do
			[ "$2" = yes ] && [ "$r" = 200000-265535 ] && continue
			if [ "$f" = /etc/subuid ]; then usermod --del-subuids "$r" "$1"; else usermod --del-subgids "$r" "$1"; fi
		done
	done
	if [ "$2" = yes ] && ! grep -q "^$1:200000:65536" /etc/subuid; then
		usermod --add-subuids 200000-265535 --add-subgids 200000-265535 "$1"
	fi
}
user_with diet-test-sub yes
user_with diet-test-nosub no

# Port 80 is shared with the tests that start nginx: take their lock.
exec 9>"${TMPDIR:-/tmp}/diet-test-port-80.lock"
flock 9
old_port=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)
trap 'echo "$old_port" >/proc/sys/net/ipv4/ip_unprivileged_port_start' EXIT
echo 80 >/proc/sys/net/ipv4/ip_unprivileged_port_start

one() { # label user(or -) run
	local label=$1 user=$2 n=$3 dir="$out/$1-$3"
	mkdir -p "$dir"
	local cmd=("$out/diet" slim "oci:$fat:nginx" -o "oci:$dir/slim" --probe-http 80/ --json)
	if [ "$user" != - ]; then
		chown "$user" "$dir"
		cmd=(setpriv --reuid "$user" --regid "$user" --init-groups -- env -i HOME="/home/$user" PATH=/usr/sbin:/usr/bin:/sbin:/bin "${cmd[@]}")
	fi
	/usr/bin/time -f '%e' -o "$dir/time" "${cmd[@]}" >"$dir/slim.json" 2>"$dir/stderr"
	python3 - "$dir/slim.json" "$label" "$(cat "$dir/time")" <<'PY' >>"$out/rows"
import json, sys
r = json.load(open(sys.argv[1]))
print(sys.argv[2], sys.argv[3], r["digest"], "yes" if r["verified"] else "NO")
PY
}
for n in $(seq "$runs"); do
	one root - "$n"
	one rootless-subids diet-test-sub "$n"
	one rootless-single-id diet-test-nosub "$n"
done

python3 - "$out/rows" "$runs" >"$out/rootless.md" <<'PY'
import sys, collections, subprocess, datetime, platform, os
rows = [l.split() for l in open(sys.argv[1])]
by = collections.defaultdict(list)
for label, wall, digest, ok in rows:
    by[label].append((float(wall), digest, ok))
runc = subprocess.run(["runc", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
print(f"Measured {datetime.datetime.utcnow():%Y-%m-%dT%H:%MZ} on {platform.machine()}, {os.cpu_count()} cores, {runc}; {sys.argv[2]} runs each, alternating.")
print()
print("| slim of fat nginx, `--probe-http 80/` | wall time per run | fastest | verified | digest |")
print("|---|---|---|---|---|")
digests = set()
for label in ["root", "rootless-subids", "rootless-single-id"]:
    rs = by[label]
    digests |= {d for _, d, _ in rs}
    print(f"| {label} | {', '.join(f'{w:.1f} s' for w, _, _ in rs)} | {min(w for w, _, _ in rs):.1f} s | {', '.join(sorted({o for _, _, o in rs}))} | `{rs[0][1][:19]}...` |")
print()
print("One digest for every run." if len(digests) == 1 else f"DIFFERENT digests: {sorted(digests)}")
PY
cat "$out/rootless.md"
