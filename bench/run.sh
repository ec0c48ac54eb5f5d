#!/usr/bin/env bash
# Time `runtime.Run` (what `diet run` does) under Docker and runc, on a
# one-file static image and on the Debian "fat" tree (about 240 MB, one
# layer). Needs a Docker engine, runc and root; the Debian tree comes from
# .ci/fixtures.sh. Usage: bash bench/run.sh [count]
set -euo pipefail
count=${1:-3}
cd "$(dirname "$0")/.."
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(uname -m) $(nproc) cores, docker $(docker version --format '{{.Server.Version}}' 2>/dev/null || echo none), $(runc --version 2>/dev/null | head -1 || echo no runc)"
go test -run '^$' -bench 'BenchmarkRun' -benchtime "${count}x" ./internal/engine/
