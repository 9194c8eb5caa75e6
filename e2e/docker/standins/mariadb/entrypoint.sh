#!/bin/sh
# Entrypoint of the mariadb TEST STAND-IN (Debian's MariaDB 10.11), written
# for prosody-wizard's Docker tests; not the official image's script. On the
# first start (no mysql/ folder in /var/lib/mysql) it makes the database as
# the official image documents: MARIADB_DATABASE, MARIADB_USER and
# MARIADB_PASSWORD (the user may connect from any host and owns the
# database), root's password from MARIADB_ROOT_PASSWORD or
# MARIADB_RANDOM_ROOT_PASSWORD (printed once, as "GENERATED ROOT PASSWORD"),
# root@localhost and root@'%' with it, and healthcheck users whose random
# password lands in /var/lib/mysql/.my-healthcheck.cnf for healthcheck.sh.
# The MYSQL_* spellings are read too. Later starts keep what is there.
set -eu

case "${1:-}" in -*) set -- mariadbd "$@" ;; esac
[ "${1:-}" = mariadbd ] || exec "$@"

datadir=/var/lib/mysql
socket=/run/mysqld/mysqld.sock

note() { printf 'mariadb stand-in: %s\n' "$*"; }

# sql_string VALUE: VALUE as an SQL string literal (backslash escapes on).
sql_string() {
	printf "'%s'" "$(printf '%s' "$1" | sed -e ':a' -e '$!{N;ba' -e '}' \
		-e 's/\\/\\\\/g' -e "s/'/\\\\'/g" -e 's/\n/\\n/g')"
}

# sql_ident NAME: NAME as a quoted SQL identifier.
sql_ident() {
	printf '`%s`' "$(printf '%s' "$1" | sed 's/`/``/g')"
}

# sql LINE: one line of SQL for the client (printf: dash's echo would eat
# the backslashes of escaped passwords).
sql() { printf '%s\n' "$*"; }

random_password() {
	tr -dc 'A-Za-z0-9' </dev/urandom | head -c 32
}

if [ "$(id -u)" != 0 ]; then
	echo "mariadb stand-in: start the container as root (it drops to mysql itself)" >&2
	exit 1
fi

mkdir -p "$datadir" /run/mysqld
find "$datadir" ! -user mysql -exec chown mysql:mysql {} +
chown mysql:mysql /run/mysqld

if [ ! -d "$datadir/mysql" ]; then
	db="${MARIADB_DATABASE:-${MYSQL_DATABASE:-}}"
	user="${MARIADB_USER:-${MYSQL_USER:-}}"
	password="${MARIADB_PASSWORD:-${MYSQL_PASSWORD:-}}"
	root_password="${MARIADB_ROOT_PASSWORD:-${MYSQL_ROOT_PASSWORD:-}}"
	random_root="${MARIADB_RANDOM_ROOT_PASSWORD:-${MYSQL_RANDOM_ROOT_PASSWORD:-}}"
	empty_root="${MARIADB_ALLOW_EMPTY_ROOT_PASSWORD:-${MYSQL_ALLOW_EMPTY_PASSWORD:-}}"
	if [ -z "$root_password" ] && [ -z "$random_root" ] && [ -z "$empty_root" ]; then
		echo "mariadb stand-in: the data folder is new; set MARIADB_ROOT_PASSWORD, MARIADB_RANDOM_ROOT_PASSWORD or MARIADB_ALLOW_EMPTY_ROOT_PASSWORD" >&2
		exit 1
	fi
	if [ -n "$random_root" ]; then
		root_password=$(random_password)
		note "GENERATED ROOT PASSWORD: $root_password"
	fi

	note "initialising a new database in $datadir"
	mariadb-install-db --user=mysql --datadir="$datadir" \
		--auth-root-authentication-method=normal --skip-test-db \
		--skip-name-resolve --skip-log-bin >/dev/null

	# A temporary server on the socket only: healthcheck.sh's --connect
	# fails until the real one listens on TCP.
	mariadbd --user=mysql --datadir="$datadir" --socket="$socket" \
		--skip-networking --skip-log-bin &
	temp=$!
	tries=0
	until mariadb-admin --socket="$socket" --user=root --connect-timeout=1 ping >/dev/null 2>&1; do
		tries=$((tries + 1))
		if [ "$tries" -ge 120 ] || ! kill -0 "$temp" 2>/dev/null; then
			echo "mariadb stand-in: the temporary server did not start" >&2
			exit 1
		fi
		sleep 0.5
	done

	hc_password=$(random_password)
	{
		# Passwords below are string literals with backslash escapes.
		sql "SET @@SESSION.SQL_MODE=REPLACE(@@SESSION.SQL_MODE, 'NO_BACKSLASH_ESCAPES', '');"
		sql "DROP USER IF EXISTS root@'127.0.0.1', root@'::1';"
		sql "EXECUTE IMMEDIATE CONCAT('DROP USER IF EXISTS root@\\'', @@hostname, '\\'');"
		sql "SET PASSWORD FOR root@localhost = PASSWORD($(sql_string "$root_password"));"
		sql "CREATE USER root@'%' IDENTIFIED BY $(sql_string "$root_password");"
		sql "GRANT ALL ON *.* TO root@'%' WITH GRANT OPTION;"
		for host in 127.0.0.1 ::1 localhost; do
			sql "CREATE USER healthcheck@'$host' IDENTIFIED BY '$hc_password';"
			sql "GRANT USAGE ON *.* TO healthcheck@'$host';"
		done
		if [ -n "$db" ]; then
			note "creating database $db" >&2
			sql "CREATE DATABASE IF NOT EXISTS $(sql_ident "$db");"
		fi
		if [ -n "$user" ] && [ -n "$password" ]; then
			note "creating user $user" >&2
			sql "CREATE USER $(sql_string "$user")@'%' IDENTIFIED BY $(sql_string "$password");"
			if [ -n "$db" ]; then
				sql "GRANT ALL ON $(sql_ident "$db").* TO $(sql_string "$user")@'%';"
			fi
		fi
		sql "SHUTDOWN;"
	} | mariadb --socket="$socket" --user=root --binary-mode --database=mysql
	wait "$temp"

	umask 077
	printf '[mariadb-client]\nport=3306\nsocket=%s\nuser=healthcheck\npassword=%s\nprotocol=tcp\n' \
		"$socket" "$hc_password" >"$datadir/.my-healthcheck.cnf"
	chown mysql:mysql "$datadir/.my-healthcheck.cnf"
	umask 022
	note "initialised; starting the server"
fi

exec setpriv --reuid=mysql --regid=mysql --init-groups -- "$@"
