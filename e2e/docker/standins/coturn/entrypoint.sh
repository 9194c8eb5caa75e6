#!/bin/sh
# Entrypoint of the coturn TEST STAND-IN (Debian's coturn 4.6.1), written for
# prosody-wizard's Docker tests; not the official image's script. As the
# official one, arguments starting with an option run turnserver with them.
#
# The official entrypoint runs `exec $(eval "echo $@")`: every argument goes
# through the shell again, so a space, quote, `$`, backslash or other shell
# character in an argument (say the TURN secret from .env) is changed,
# split or run there. This stand-in passes arguments as they are, and so
# that a test cannot pass here where the official image would mangle the
# command, it refuses any argument holding such a character.
#
# Signals: coturn handles SIGTERM since 4.6.2 (coturn pull request 1106), so
# the official 4.6 image stops on "docker stop"; Debian's 4.6.1 has no
# handler, and as PID 1 (where the kernel drops signals a process does not
# handle) it would sit out the whole grace period and be killed. So this
# script stays PID 1, runs turnserver as its child, forwards SIGTERM and
# SIGINT, and exits 0 when turnserver ended by the forwarded signal.
set -eu

case "${1:-}" in -*) set -- turnserver "$@" ;; esac

for arg; do
	case "$arg" in
	*[[:space:]\'\"\`\$\\\;\&\|\<\>\(\)\*\?\[\]\{\}\~\#\!]*)
		printf 'coturn stand-in: refusing the argument %s: the official image'"'"'s entrypoint passes its arguments through eval, which would change it\n' "$arg" >&2
		exit 64
		;;
	esac
done

[ "$1" = turnserver ] || exec "$@"

stopping=
"$@" &
child=$!
trap 'stopping=1; kill -TERM "$child" 2>/dev/null || true' TERM INT
while :; do
	status=0
	wait "$child" || status=$?
	# A trapped signal ends wait early; wait again until turnserver is gone.
	kill -0 "$child" 2>/dev/null || break
done
if [ -n "$stopping" ] && [ "$status" -eq $((128 + 15)) ]; then
	exit 0
fi
exit "$status"
