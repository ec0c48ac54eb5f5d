#!/usr/bin/env bash
# Starts a Docker engine the way this sandbox allows (no iptables, no
# bridge: containers use --network none or --network host), unless one
# already answers.
set -euo pipefail
if docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
	exit 0
fi
echo "ci: starting dockerd" >&2
nohup dockerd --iptables=false --bridge=none >/var/log/diet-dockerd.log 2>&1 &
for _ in $(seq 60); do
	docker version --format '{{.Server.Version}}' >/dev/null 2>&1 && exit 0
	sleep 1
done
tail -20 /var/log/diet-dockerd.log >&2
echo "ci: dockerd did not start" >&2
exit 1
