#!/usr/bin/env bash
# Registers qemu-user-static's binfmt_misc handlers so that foreign binaries
# run on this machine under emulation: the arm64 fixture tree's second
# stage, and diet's tests that run, smoke and slim arm64 images. Mounts
# binfmt_misc first when the machine has not. Idempotent.
set -euo pipefail
export PATH=/usr/sbin:/sbin:$PATH
dir=/proc/sys/fs/binfmt_misc
if [[ ! -e $dir/register ]]; then
	echo "ci: mount binfmt_misc" >&2
	mount -t binfmt_misc binfmt_misc "$dir"
fi
for name in qemu-aarch64 qemu-arm; do
	[[ -e $dir/$name ]] || update-binfmts --enable "$name"
done
