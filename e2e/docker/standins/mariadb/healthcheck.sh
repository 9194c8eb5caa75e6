#!/bin/sh
# healthcheck.sh of the mariadb TEST STAND-IN: the two tests of the official
# image's script that the generated compose.yaml uses, with the same
# meaning, written for the stand-in (not the official script):
#   --connect              the server answers on TCP: the real server is up,
#                          not the entrypoint's temporary one, which has no
#                          network. As in the official script, a refused
#                          login still counts as connected.
#   --innodb_initialized   InnoDB has finished starting (crash recovery
#                          included): information_schema.ENGINES lists it as
#                          supported. Needs a login (the healthcheck user).
# Tests run in the order given; the first failure ends with status 1. As in
# the official script, a success without --connect is confirmed by running
# --connect last. Other official options are refused, not ignored.
set -u

datadir=/var/lib/mysql
extra=
[ -f "$datadir/.my-healthcheck.cnf" ] && extra="--defaults-extra-file=$datadir/.my-healthcheck.cnf"

client() { # ARGS...: the mariadb client with the healthcheck login
	# shellcheck disable=SC2086 # $extra is one word or none.
	mariadb $extra --skip-ssl --batch --skip-column-names "$@"
}

connected=
connect() {
	out=$(client --protocol=tcp --host=127.0.0.1 --connect-timeout=3 -e 'SELECT @@skip_networking' 2>&1)
	case "$out" in
	0) connected=1 ;;
	"ERROR 1045 (28000)"* | "ERROR 1"[0-9][0-9][0-9]" (28000)"*) connected=1 ;; # a refused login: still connected
	*)
		echo "connect: $out" >&2
		return 1
		;;
	esac
}

innodb_initialized() {
	out=$(client --protocol=socket -e "SELECT 1 FROM information_schema.ENGINES WHERE ENGINE = 'InnoDB' AND SUPPORT IN ('YES', 'DEFAULT', 'ENABLED')" 2>&1)
	[ "$out" = 1 ] || {
		echo "innodb_initialized: ${out:-InnoDB not listed as supported}" >&2
		return 1
	}
}

if [ $# -eq 0 ]; then
	echo "healthcheck.sh: name at least one test (--connect, --innodb_initialized)" >&2
	exit 1
fi
for arg; do
	case "$arg" in
	--connect) connect || { echo "healthcheck connect failed" >&2; exit 1; } ;;
	--innodb_initialized) innodb_initialized || { echo "healthcheck innodb_initialized failed" >&2; exit 1; } ;;
	*)
		echo "healthcheck.sh: $arg is not supported by this stand-in (only --connect and --innodb_initialized)" >&2
		exit 1
		;;
	esac
done
if [ -z "$connected" ]; then
	connect || exit 1
fi
exit 0
