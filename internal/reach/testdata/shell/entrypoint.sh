#!/bin/sh
# An entrypoint in the style of the official images: every form reach follows.
set -eu
PATH=/opt/tools/bin:$PATH
export PATH="/opt/more/bin:${PATH}"
. "$(dirname "$0")/common.sh"
source ${0%/*}/more.sh

log() { printf '%s\n' "$*" >&2; }

case "${1:-}" in
	backup) tar -czf /tmp/b.tgz /data && gzip -t /tmp/b.tgz ;;
	count)	n=$(wc -l < /data/list); echo "$n" ;;
	old)	v=`gzip -V | sed -n 1p` ;;
	shell)	exec sh -c 'tar -tf /tmp/b.tgz | wc -l' ;;
	*)	;;
esac

if [ "$(id -u)" = 0 ]; then
	find /data -type f -exec chmod 0644 {} \; || true
	exec gosu app env -i HOME=/home/app nohup timeout -s KILL 10s "$@"
elif command -v mytool >/dev/null; then
	command mytool --check
else
	xargs -0 -n 1 -P 4 gzip < /dev/null
fi
trap 'rm -f /tmp/lock' EXIT
eval "wc -c /etc/hostname"
su app -c "tar -xf /tmp/b.tgz"
runuser -u app -- sed -n p /etc/passwd
nice -n 5 ionice -c 3 stdbuf -oL "$@" | while read -r line; do log "$line"; done
( cd /tmp && "$SHELL" -c 'x' ) &
cat <<EOF | sed 's/a/b/'
$(uname -a)
EOF
sh -s -- tar < /dev/null
