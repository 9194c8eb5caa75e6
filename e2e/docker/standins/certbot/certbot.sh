#!/bin/sh
# certbot of the certbot TEST STAND-IN, first on PATH: when ACME_SERVER is
# set (the Docker tests point it at Pebble), it writes certbot's per-user
# cli.ini, $XDG_CONFIG_HOME/letsencrypt/cli.ini (default
# ~/.config/letsencrypt/cli.ini, which certbot reads besides
# /etc/letsencrypt/cli.ini, a bind mount in compose.yaml), with
# "server = $ACME_SERVER", then runs Debian's certbot with the same
# arguments. Without ACME_SERVER it removes that file: certbot's default,
# Let's Encrypt, applies. REQUESTS_CA_BUNDLE needs nothing here: Python's
# requests reads it itself.
set -eu
ini="${XDG_CONFIG_HOME:-${HOME:-/root}/.config}/letsencrypt/cli.ini"
if [ -n "${ACME_SERVER:-}" ]; then
	mkdir -p "${ini%/*}"
	printf 'server = %s\n' "$ACME_SERVER" >"$ini"
else
	rm -f "$ini"
fi
exec /usr/bin/certbot "$@"
