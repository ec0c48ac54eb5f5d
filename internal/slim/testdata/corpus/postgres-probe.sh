#!/bin/bash
# Probe of the corpus's postgres image (port 15432) from the host: the fat
# image's own psql (diet-test-corpus/postgres:fat, copied into the Docker
# engine first), on the host's network, until the server answers.
for i in $(seq 60); do
	if out=$(docker run --rm --network host --user postgres diet-test-corpus/postgres:fat \
		psql -h "$DIET_PROBE_HOST" -p 15432 -U postgres -Atc 'select datname from pg_database order by 1' 2>&1); then
		printf '%s\n' "$out"
		exit 0
	fi
	sleep 0.5
done
printf '%s\n' "$out" >&2
exit 1
