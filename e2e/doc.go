// Package e2e is the end-to-end suite, a black box: it builds the real
// prosody-wizard binary and runs it as a person would. For a matrix of
// answers the binary scaffolds a tree, and Debian's prosody runs it the way
// the container (or the host) would: the tree bound on /etc/prosody and
// /var/lib/prosody in a private mount namespace, prosody -F as the uid:gid
// compose.yaml names (host: the prosody user), in a network namespace of
// its own where only loopback exists. Real clients then log in over
// STARTTLS with the generated certificate and exchange messages. It needs
// root and the packages the README's test command installs; without them
// it skips (PW_REQUIRE_PROSODY=1 makes that a failure).
//
// The package has no code outside its tests.
package e2e
