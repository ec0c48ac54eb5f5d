#!/bin/bash
# Probe of the corpus's redis image (port 16379) from the host: SET then
# GET in Redis's inline protocol, with bash's /dev/tcp (no redis-cli on
# the host). It waits for the server itself: a script starts with the
# container.
for i in $(seq 300); do exec 3<>"/dev/tcp/$DIET_PROBE_HOST/16379" && break; sleep 0.1; done 2>/dev/null
printf 'SET greeting hello\r\nGET greeting\r\n' >&3
timeout 10 head -c 16 <&3
