#!/usr/bin/env bash
# Throwaway PostgreSQL for the registry storage tests.
#
# Source it, then call pg_start; it installs Debian's postgresql if missing,
# starts a cluster as the postgres user on a free loopback port in a temp
# dir, and exports MLSEC_TEST_POSTGRES_URL. pg_stop stops it and removes the
# dir (pg_start installs an EXIT trap that calls it):
#
#	. .ci/postgres.sh && pg_start
#	go test ./registry/...
#
# Run directly (bash .ci/postgres.sh) it starts a cluster, prints the
# export line and the stop command, and leaves the cluster running.

pg_bindir() {
	local d
	for d in /usr/lib/postgresql/*/bin; do
		if [ -x "$d/initdb" ]; then
			echo "$d"
		fi
	done | sort -V | tail -n 1
}

pg_free_port() {
	# Ask the kernel for a free port on loopback, then release it.
	python3 - 2>/dev/null <<'EOF' || echo $((20000 + RANDOM % 20000))
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
EOF
}

pg_start() {
	local bin
	bin="$(pg_bindir)"
	if [ -z "$bin" ]; then
		echo "== installing postgresql (apt-get)" >&2
		DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql </dev/null >&2
		bin="$(pg_bindir)"
	fi
	if [ -z "$bin" ]; then
		echo "postgres.sh: no initdb found after installing postgresql" >&2
		return 1
	fi
	PG_TMPDIR="$(mktemp -d /tmp/mlsec-pg.XXXXXX)"
	chown postgres: "$PG_TMPDIR"
	PG_PORT="$(pg_free_port)"
	local run="runuser -u postgres --"
	if [ "$(id -u)" != 0 ]; then
		run="" # already an unprivileged user that may own the cluster
	fi
	$run "$bin/initdb" -D "$PG_TMPDIR/data" -U postgres -A trust --no-sync >"$PG_TMPDIR/initdb.log" 2>&1 || {
		cat "$PG_TMPDIR/initdb.log" >&2
		return 1
	}
	$run "$bin/pg_ctl" -D "$PG_TMPDIR/data" -l "$PG_TMPDIR/server.log" -w -t 60 \
		-o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_TMPDIR -c fsync=off -c max_connections=200" start >&2 || {
		cat "$PG_TMPDIR/server.log" >&2
		return 1
	}
	PG_BIN="$bin"
	export PG_TMPDIR PG_PORT PG_BIN
	export MLSEC_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:${PG_PORT}/postgres?sslmode=disable"
	trap pg_stop EXIT
	echo "export MLSEC_TEST_POSTGRES_URL=$MLSEC_TEST_POSTGRES_URL"
}

pg_stop() {
	if [ -n "${PG_TMPDIR:-}" ] && [ -d "$PG_TMPDIR/data" ]; then
		local run="runuser -u postgres --"
		if [ "$(id -u)" != 0 ]; then
			run=""
		fi
		$run "$PG_BIN/pg_ctl" -D "$PG_TMPDIR/data" -m immediate -w stop >/dev/null 2>&1 || true
		rm -rf "$PG_TMPDIR"
	fi
	unset MLSEC_TEST_POSTGRES_URL PG_TMPDIR
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -euo pipefail
	pg_start
	trap - EXIT
	echo "# stop with: PG_TMPDIR=$PG_TMPDIR PG_BIN=$PG_BIN bash -c '. $(dirname "$0")/postgres.sh; pg_stop'"
fi
