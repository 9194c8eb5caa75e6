#!/bin/sh
# Entrypoint of the postgres TEST STAND-IN (Debian's PostgreSQL 15), written
# for prosody-wizard's Docker tests; not the official image's script. It
# honours what the official image documents for POSTGRES_USER (default
# postgres), POSTGRES_PASSWORD (required), POSTGRES_DB (default the user),
# POSTGRES_INITDB_ARGS and PGDATA: on the first start (no PG_VERSION in
# PGDATA) it creates the cluster, the superuser with that password and the
# database; later starts keep what is there. The socket trusts local users
# (so "docker compose exec postgres psql -U …" needs no password, as in the
# official image); every TCP connection, loopback included, needs the
# password (scram-sha-256).
set -eu

# An option first means "the server, with these options", as in the
# official image.
case "${1:-}" in -*) set -- postgres "$@" ;; esac
[ "${1:-}" = postgres ] || exec "$@"

PGDATA="${PGDATA:-/var/lib/postgresql/data}"
export PGDATA

# As root: make the data folder and the socket folder postgres's, then run
# this script again as postgres.
if [ "$(id -u)" = 0 ]; then
	mkdir -p "$PGDATA" /var/run/postgresql
	find "$PGDATA" ! -user postgres -exec chown postgres:postgres {} +
	chmod 0700 "$PGDATA"
	chown postgres:postgres /var/run/postgresql
	chmod 3777 /var/run/postgresql
	exec setpriv --reuid=postgres --regid=postgres --init-groups -- "$0" "$@"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
	user="${POSTGRES_USER:-postgres}"
	db="${POSTGRES_DB:-$user}"
	if [ -z "${POSTGRES_PASSWORD:-}" ]; then
		echo "postgres stand-in: POSTGRES_PASSWORD is empty; set it (the data folder is new)" >&2
		exit 1
	fi
	echo "postgres stand-in: initialising a new cluster in $PGDATA for user \"$user\", database \"$db\""
	# The password goes to initdb in a file of our own, never on a command
	# line: any bytes but a newline survive.
	pwdir=$(mktemp -d)
	printf '%s' "$POSTGRES_PASSWORD" >"$pwdir/pw"
	# shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is split on purpose.
	initdb --username="$user" --pwfile="$pwdir/pw" \
		--auth-local=trust --auth-host=scram-sha-256 \
		--encoding=UTF8 --locale=C.UTF-8 ${POSTGRES_INITDB_ARGS:-}
	rm -rf "$pwdir"
	printf '\n# Added by the stand-in entrypoint: the password from every address.\nhost all all all scram-sha-256\n' >>"$PGDATA/pg_hba.conf"
	if [ "$db" != postgres ]; then
		# A server on the socket only, for the one statement.
		pg_ctl -D "$PGDATA" -w -t 60 -o "-c listen_addresses=''" start
		ident=$(printf '%s' "$db" | sed 's/"/""/g')
		psql -v ON_ERROR_STOP=1 --no-psqlrc --username="$user" --dbname=postgres \
			-c "CREATE DATABASE \"$ident\""
		pg_ctl -D "$PGDATA" -w -t 60 -m fast stop
	fi
	echo "postgres stand-in: initialised; starting the server"
fi

exec "$@"
