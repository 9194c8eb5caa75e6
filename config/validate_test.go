package config

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// base is a valid answers file the bad cases change a little.
const base = "version: 1\ndomains: [example.org]\n"

// with returns base plus extra lines.
func with(extra string) string { return base + extra }

// withDomains returns a file whose domains are the YAML flow list items.
func withDomains(items string) string { return "version: 1\ndomains: [" + items + "]\n" }

// want is a problem a bad case must produce: its exact Field and a part of
// its Message.
type want struct{ field, msg string }

type badCase struct {
	name string
	yaml string
	want []want
	// not lists fields that must have no problem (e.g. a component that
	// only inherits a bad primary domain).
	not []string
}

var longLabel = strings.Repeat("a", 64)

// fiftyU is short as Unicode but 399 characters long as A-labels.
var fiftyU = strings.TrimSuffix(strings.Repeat("ü.", 50), ".")

var badCases = []badCase{
	// Domains.
	{name: "domain with a space", yaml: withDomains(`"exa mple.org"`), want: []want{{"domains[0]", "contains a space; only letters, digits and hyphens"}}},
	{name: "domain with a tab", yaml: withDomains(`"exa\tmple.org"`), want: []want{{"domains[0]", "contains a tab"}}},
	{name: "domain with an underscore", yaml: withDomains("ex_ample.org"), want: []want{{"domains[0]", `underscore "_"`}}},
	{name: "empty label", yaml: withDomains("a..b"), want: []want{{"domains[0]", "empty label"}}},
	{name: "two trailing dots", yaml: withDomains(`"example.org.."`), want: []want{{"domains[0]", "empty label"}}},
	{name: "leading dot", yaml: withDomains(".example.org"), want: []want{{"domains[0]", "empty label"}}},
	{name: "label over 63", yaml: withDomains(longLabel + ".org"), want: []want{{"domains[0]", "is 64 characters long; at most 63 are allowed"}}},
	{name: "name over 253 as A-labels", yaml: withDomains(`"` + fiftyU + `"`), want: []want{{"domains[0]", "399 characters long in DNS form; at most 253"}}},
	{name: "hyphen at label start", yaml: withDomains("-abc.org"), want: []want{{"domains[0]", `"-abc" starts or ends with a hyphen; a hyphen is allowed only inside`}}},
	{name: "hyphen at label end", yaml: withDomains("abc-.example.org"), want: []want{{"domains[0]", `"abc-" starts or ends with a hyphen`}}},
	{name: "reserved double hyphen", yaml: withDomains("ab--cd.org"), want: []want{{"domains[0]", "third and fourth places"}}},
	{name: "all-digit TLD", yaml: withDomains("example.123"), want: []want{{"domains[0]", `last label "123" is all digits`}}},
	{name: "IPv4 address", yaml: withDomains("192.0.2.1"), want: []want{{"domains[0]", "IP address; Prosody hosts need a domain name"}}},
	{name: "IPv6 address", yaml: withDomains(`"2001:db8::1"`), want: []want{{"domains[0]", "IP address"}}},
	{name: "bracketed IPv6 address", yaml: withDomains(`"[::1]"`), want: []want{{"domains[0]", "IP address"}}},
	{name: "data folder name too long", yaml: withDomains(strings.Repeat("a.", 100) + "org"), want: []want{{"domains[0]", "that name would be 403 bytes, and a file name may have at most 255"}}},
	{name: "253 characters with four dots", yaml: withDomains("example.org, " + maxName), want: []want{{"domains[1]", "would be 261 bytes"}}},
	{name: "component data folder name too long", yaml: withDomains("example.org") + "components: {muc: " + strings.Repeat("a-b.", 40) + "example.org}\n", want: []want{{"components.muc", "data folder after it"}}},
	{name: "single label", yaml: withDomains("example"), want: []want{{"domains[0]", "at least two labels, such as example.org"}}},
	{name: "single label IDN", yaml: withDomains("xn--mnchen-3ya"), want: []want{{"domains[0]", "at least two labels"}}},
	{name: "a JID as domain", yaml: withDomains("user@example.org"), want: []want{{"domains[0]", "without a user@"}}},
	{name: "domain with a port", yaml: withDomains(`"example.org:5222"`), want: []want{{"domains[0]", "a :port"}}},
	{name: "domain with a path", yaml: withDomains(`"example.org/x"`), want: []want{{"domains[0]", "/path"}}},
	{name: "invalid punycode", yaml: withDomains("xn--zz.org"), want: []want{{"domains[0]", "not a valid internationalised name"}}},
	{name: "invalid punycode, one label", yaml: withDomains("xn--zz"), want: []want{{"domains[0]", "not a valid internationalised name"}}},
	{name: "IDN with a private-use code point", yaml: withDomains(`"bücher\ue000.de"`), want: []want{{"domains[0]", "disallowed rune U+E000"}}},
	{name: "IDN with an unassigned code point", yaml: withDomains(`"m\u0378nchen.de"`), want: []want{{"domains[0]", "disallowed rune U+0378"}}},
	{name: "IDN with a line separator", yaml: withDomains(`"münchen\u2028.de"`), want: []want{{"domains[0]", "contains U+2028 (line separator)"}}},
	{name: "empty domain", yaml: withDomains(`""`), want: []want{{"domains[0]", "is empty; write a domain name such as example.org"}}},
	{name: "no domains", yaml: "version: 1\ndomains: []\n", want: []want{{"domains", "at least one domain is required"}}},
	{name: "domains key missing", yaml: "version: 1\n", want: []want{{"domains", "at least one domain is required"}}},
	{name: "domain twice, different case", yaml: withDomains("Example.ORG, example.org"), want: []want{{"domains[1]", `"example.org" is the same domain as domains[0]`}}},
	{name: "domain twice, trailing dot", yaml: withDomains(`example.net, example.org, "example.org."`), want: []want{{"domains[2]", "same domain as domains[1]"}}},
	{name: "IDN and its A-label", yaml: withDomains("münchen.de, xn--mnchen-3ya.de"), want: []want{{"domains[1]", `"münchen.de" is the same domain as domains[0]`}}},
	{name: "upper-case A-label and IDN", yaml: withDomains("XN--MNCHEN-3YA.DE, MÜNCHEN.DE"), want: []want{{"domains[1]", "same domain as domains[0]"}}},
	{
		name: "bad primary is reported once",
		yaml: withDomains(`"a b", example.net`),
		want: []want{{"domains[0]", "contains a space"}},
		not:  []string{"components.muc", "components.upload"},
	},

	// Admins.
	{name: "admin on an unknown domain", yaml: with("admins: [admin@example.net]"), want: []want{{"admins[0]", `"admin@example.net" is not on one of your domains (example.org)`}}},
	{name: "admin without @", yaml: with("admins: [admin]"), want: []want{{"admins[0]", "write user@domain, e.g. admin@example.org"}}},
	{name: "admin without a local part", yaml: with("admins: ['@example.org']"), want: []want{{"admins[0]", "write user@domain"}}},
	{name: "admin with a space", yaml: with("admins: ['ad min@example.org']"), want: []want{{"admins[0]", "does not allow before the @ (not allowed: space"}}},
	{name: "admin with a slash", yaml: with("admins: ['ad/min@example.org']"), want: []want{{"admins[0]", "does not allow before the @"}}},
	{name: "duplicate admin", yaml: with("admins: [admin@example.org, Admin@Example.ORG]"), want: []want{{"admins[1]", `"admin@example.org" is listed twice`}}},
	{name: "second admin on another domain", yaml: with("admins: [admin@example.org, boss@example.com]"), want: []want{{"admins[1]", "not on one of your domains"}}},

	// Keys.
	{name: "unknown top-level key, near typo", yaml: with("databse: {driver: sqlite}"), want: []want{{"databse", `unknown key; did you mean "database"? (allowed here: version, prosody`}}},
	{name: "unknown nested key, near typo", yaml: with("tls: {mdoe: existing}"), want: []want{{"tls.mdoe", `did you mean "mode"? (allowed here: mode, cert, key, email)`}}},
	{name: "unknown nested key, far", yaml: with("ports: {xmpp: 5222}"), want: []want{{"ports.xmpp", "unknown key (allowed here: c2s, c2s_direct_tls, s2s, https, proxy65)"}}},
	{name: "unknown top-level key, far", yaml: with("colour: blue"), want: []want{{"colour", "unknown key (allowed here:"}}},
	{name: "key given twice", yaml: with("domains: [example.net]"), want: []want{{"domains", "is given twice (lines 2 and 3); keep one"}}},
	{name: "nested key given twice", yaml: with("tls:\n  mode: existing\n  mode: letsencrypt\n"), want: []want{{"tls.mode", "is given twice"}}},
	{name: "empty key", yaml: with(`"": 1`), want: []want{{"(line 3)", `a key must be one of version, prosody`}}},
	{name: "list as a key", yaml: with("? [a, b]\n: 1\n"), want: []want{{"(line 3)", "not a list"}}},
	{name: "list as a nested key", yaml: with("ports:\n  ? [c2s]\n  : 1\n"), want: []want{{"ports", "line 4: a key must be one of c2s"}}},

	// Types.
	{name: "domains as a string", yaml: "version: 1\ndomains: example.org\n", want: []want{{"domains", `must be a list, e.g. [example.org], not "example.org"`}}},
	{name: "admins as a mapping", yaml: with("admins: {admin: example.org}"), want: []want{{"admins", "must be a list, e.g. [admin@example.org], not a mapping"}}},
	{name: "a list inside domains", yaml: withDomains("[example.org]"), want: []want{{"domains[0]", "must be a single value, not a list"}}},
	{name: "federation quoted yes", yaml: with(`federation: "yes"`), want: []want{{"federation", `must be true or false, not "yes"`}}},
	{name: "federation empty", yaml: with("federation:"), want: []want{{"federation", "must be true or false, not nothing"}}},
	{name: "port not a number", yaml: with("ports: {c2s: abc}"), want: []want{{"ports.c2s", `must be a whole number, not "abc"`}}},
	{name: "port quoted", yaml: with(`ports: {c2s: "5222"}`), want: []want{{"ports.c2s", `must be a number without quotes, e.g. 5222, not "5222"`}}},
	{name: "uid not whole", yaml: with("owner: {uid: 1.5, gid: 1000}"), want: []want{{"owner.uid", `must be a whole number, not "1.5"`}}},
	{name: "tls as a list", yaml: with("tls: [self-signed]"), want: []want{{"tls", "must be a mapping of keys (mode, cert, key, email), not a list"}}},
	{name: "modules as a list", yaml: with("modules: [carbons]"), want: []want{{"modules", "must be a mapping of keys (enable, disable)"}}},
	{name: "modules.enable as a string", yaml: with("modules: {enable: carbons}"), want: []want{{"modules.enable", `must be a list, e.g. [carbons], not "carbons"`}}},
	{name: "whole file a list", yaml: "- version\n- domains\n", want: []want{{"", "the answers file must be a mapping of keys (version, prosody"}}},
	{name: "whole file a word", yaml: "hello\n", want: []want{{"", `the answers file must be a mapping of keys`}, {"version", "is required"}}},
	{name: "not YAML", yaml: "version: 1\ndomains: [example.org\n", want: []want{{"", "the answers file is not valid YAML: line"}}},
	{name: "tab indentation", yaml: "version: 1\ndomains:\n\t- example.org\n", want: []want{{"", "not valid YAML"}}},
	{name: "empty file", yaml: "", want: []want{{"", "the answers file is empty; it needs at least version: 1 and domains"}}},
	{name: "only a comment", yaml: "# nothing here\n", want: []want{{"", "is empty"}}},

	// Version and top-level choices.
	{name: "missing version", yaml: "domains: [example.org]\n", want: []want{{"version", "is required; write version: 1"}}},
	{name: "empty version", yaml: "version:\ndomains: [example.org]\n", want: []want{{"version", "is required; write version: 1"}}},
	{name: "version quoted", yaml: "version: \"1\"\ndomains: [example.org]\n", want: []want{{"version", "without quotes, e.g. 1"}}},
	{name: "version 2", yaml: "version: 2\ndomains: [example.org]\n", want: []want{{"version", "2 is not supported; this prosody-wizard reads version 1"}}},
	{name: "prosody 12.0", yaml: with(`prosody: "12.0"`), want: []want{{"prosody", `"12.0" is not allowed; allowed: "0.12" (Debian bookworm) or "13.0"`}}},
	{name: "prosody 0.11", yaml: with(`prosody: "0.11"`), want: []want{{"prosody", `"0.11" is not allowed`}}},
	{name: "prosody empty", yaml: with(`prosody: ""`), want: []want{{"prosody", "is empty; allowed:"}}},
	{name: "deploy docker", yaml: with("deploy: docker"), want: []want{{"deploy", `"docker" is not allowed; allowed: compose, host or kubernetes`}}},

	// deploy: kubernetes.
	{name: "kubernetes keys without kubernetes", yaml: with("kubernetes: {namespace: xmpp, ingress: true}\n"), want: []want{
		{"kubernetes.namespace", "is only used with deploy: kubernetes"}, {"kubernetes.ingress", "is only used with deploy: kubernetes"}}},
	{name: "kubernetes namespace upper case and dotted", yaml: with("deploy: kubernetes\nkubernetes: {namespace: 'x.y'}"), want: []want{{"kubernetes.namespace", `"x.y" is not a namespace name`}}},
	{name: "kubernetes image with shell", yaml: with("deploy: kubernetes\nkubernetes: {image: 'reg.example.org/p:1;id'}"), want: []want{{"kubernetes.image", "is not an image reference"}}},
	{name: "kubernetes image upper case", yaml: with("deploy: kubernetes\nkubernetes: {image: 'Prosody'}"), want: []want{{"kubernetes.image", "is not an image reference"}}},
	{name: "kubernetes service ClusterIP", yaml: with("deploy: kubernetes\nkubernetes: {service: ClusterIP}"), want: []want{{"kubernetes.service", `"ClusterIP" is not allowed; allowed: LoadBalancer or NodePort`}}},
	{name: "kubernetes class with a space", yaml: with("deploy: kubernetes\nkubernetes: {ingress: true, ingress_class: 'a b', storage_class: '$(id)'}"), want: []want{
		{"kubernetes.ingress_class", "is not a class name"}, {"kubernetes.storage_class", "is not a class name"}}},
	{name: "kubernetes class without ingress", yaml: with("deploy: kubernetes\nkubernetes: {ingress_class: nginx}"), want: []want{{"kubernetes.ingress_class", "only used with kubernetes.ingress: true"}}},
	{name: "kubernetes with a reverse proxy", yaml: with("deploy: kubernetes\nproxy: {kind: nginx}"), want: []want{{"proxy.kind", "goes through the cluster's Ingress"}}},
	{name: "kubernetes with an existing certificate", yaml: with("deploy: kubernetes\ntls: {mode: existing, cert: a.crt, key: a.key}"), want: []want{{"tls.mode", "existing is not offered with deploy: kubernetes"}}},
	{name: "kubernetes database without host", yaml: with("deploy: kubernetes\ndatabase: {driver: postgres}"), want: []want{{"database.host", "is required with deploy: kubernetes"}}},
	{name: "registration public", yaml: with("registration: public"), want: []want{{"registration", `"public" is not allowed; allowed: closed, invite or open`}}},

	// TLS.
	{name: "existing without cert and key", yaml: with("tls: {mode: existing}"), want: []want{
		{"tls.cert", "is required with tls.mode: existing"},
		{"tls.key", "is required with tls.mode: existing"},
	}},
	{name: "existing without key", yaml: with("tls: {mode: existing, cert: /etc/ssl/x.pem}"), want: []want{{"tls.key", "PEM private key"}}},
	{name: "cert with self-signed", yaml: with("tls: {mode: self-signed, cert: /etc/ssl/x.pem}"), want: []want{{"tls.cert", "is only used with tls.mode: existing"}}},
	{name: "key with letsencrypt", yaml: with("tls: {mode: letsencrypt, email: a@example.org, key: /k.pem}"), want: []want{{"tls.key", "only used with tls.mode: existing"}}},
	{name: "letsencrypt without email", yaml: with("tls: {mode: letsencrypt}"), want: []want{{"tls.email", "is required with tls.mode: letsencrypt"}}},
	{name: "letsencrypt with a bad email", yaml: with("tls: {mode: letsencrypt, email: admin.example.org}"), want: []want{{"tls.email", `"admin.example.org" is not an e-mail address like admin@example.org`}}},
	{name: "letsencrypt with a named email", yaml: with("tls: {mode: letsencrypt, email: 'Admin <a@example.org>'}"), want: []want{{"tls.email", "not an e-mail address"}}},
	{name: "unknown tls mode", yaml: with("tls: {mode: acme}"), want: []want{{"tls.mode", "allowed: self-signed, existing or letsencrypt"}}},

	// Database.
	{name: "driver mongodb", yaml: with("database: {driver: mongodb}"), want: []want{{"database.driver", `"mongodb" is not allowed; allowed: internal, sqlite, postgres or mysql`}}},
	{name: "postgres on host without host", yaml: with("deploy: host\ndatabase: {driver: postgres}"), want: []want{{"database.host", "is required with deploy: host"}}},
	{name: "bad database name", yaml: with("database: {driver: postgres, name: prosody-db}"), want: []want{{"database.name", `"prosody-db" is not allowed; use 1–63 letters, digits and underscores`}}},
	{name: "bad sqlite name", yaml: with("database: {driver: sqlite, name: '1st'}"), want: []want{{"database.name", "starting with a letter or underscore"}}},
	{name: "empty database user", yaml: with("database: {driver: mysql, user: ''}"), want: []want{{"database.user", `"" is not allowed; use 1–63`}}},
	{name: "password with a NUL", yaml: with(`database: {driver: postgres, password: "pass\0word"}`), want: []want{{"database.password", "contains a NUL character (U+0000)"}}},
	{name: "password with a newline", yaml: with(`database: {driver: postgres, password: "pass\nword"}`), want: []want{{"database.password", "contains a line break (U+000A); it must be one line of text (or leave it empty"}}},
	{name: "password with a carriage return", yaml: with(`database: {driver: mysql, password: "password\r"}`), want: []want{{"database.password", "line break (U+000D)"}}},
	{name: "password with a line separator", yaml: with(`database: {driver: mysql, password: "pass\Lword"}`), want: []want{{"database.password", "line break (U+2028)"}}},
	{name: "password with a paragraph separator", yaml: with(`database: {driver: mysql, password: "pass\u2029word"}`), want: []want{{"database.password", "line break (U+2029)"}}},
	{name: "password with an escape character", yaml: with(`database: {driver: postgres, password: "pass\eword"}`), want: []want{{"database.password", "contains the control character U+001B; only printable text"}}},
	{name: "password with a tab", yaml: with(`database: {driver: postgres, password: "pass\tword"}`), want: []want{{"database.password", "control character U+0009"}}},
	{name: "password with a C1 control", yaml: with(`database: {driver: postgres, password: "pass\x9bword"}`), want: []want{{"database.password", "control character U+009B"}}},
	{name: "password over 1024 bytes", yaml: with("database: {driver: postgres, password: " + strings.Repeat("ä", 513) + "}"), want: []want{{"database.password", "is 1026 bytes long; at most 1024 are allowed"}}},
	{name: "turn secret with a newline", yaml: with(`turn: {host: example.org, secret: "shared\nsecret"}`), want: []want{{"turn.secret", "contains a line break (U+000A)"}}},
	{name: "turn secret with a NUL", yaml: with(`turn: {host: example.org, secret: "\0"}`), want: []want{{"turn.secret", "NUL character"}}},
	{name: "turn secret with a control character", yaml: with(`turn: {host: example.org, secret: "a\x7fb"}`), want: []want{{"turn.secret", "control character U+007F"}}},
	{name: "turn secret over 1024 bytes", yaml: with("turn: {host: example.org, secret: " + strings.Repeat("s", 1025) + "}"), want: []want{{"turn.secret", "is 1025 bytes long"}}},
	{name: "database port 70000", yaml: with("database: {driver: postgres, port: 70000}"), want: []want{{"database.port", "70000 is not a port; use 1–65535, or 0 for the default (5432)"}}},
	{name: "database port -1", yaml: with("database: {driver: mysql, port: -1}"), want: []want{{"database.port", "or 0 for the default (3306)"}}},
	{name: "database host with a space", yaml: with("database: {driver: postgres, host: 'db host'}"), want: []want{{"database.host", `"db host" is neither a host name nor an IP address`}}},

	// Ports.
	{name: "s2s equal to c2s", yaml: with("ports: {s2s: 5222}"), want: []want{{"ports.s2s", "5222 is also ports.c2s; each service needs its own port"}}},
	{name: "https equal to c2s_direct_tls", yaml: with("ports: {c2s_direct_tls: 5223, https: 5223}"), want: []want{{"ports.https", "5223 is also ports.c2s_direct_tls"}}},
	{name: "https 5280 with upload", yaml: with("ports: {https: 5280}"), want: []want{{"ports.https", "5280 is also Prosody's plain-HTTP port on loopback"}}},
	{name: "c2s on 5280 with upload", yaml: with("ports: {c2s: 5280}"), want: []want{{"ports.c2s", "plain-HTTP port"}}},
	{name: "proxy65 equal to c2s", yaml: with("components: {proxy65: proxy.example.org}\nports: {proxy65: 5222}"), want: []want{{"ports.proxy65", "5222 is also ports.c2s"}}},
	{name: "c2s 0", yaml: with("ports: {c2s: 0}"), want: []want{{"ports.c2s", "must be a port between 1 and 65535"}}},
	{name: "s2s 0 with federation", yaml: with("ports: {s2s: 0}"), want: []want{{"ports.s2s", "must be a port between 1 and 65535"}}},
	{name: "c2s -1", yaml: with("ports: {c2s: -1}"), want: []want{{"ports.c2s", "-1 is not a port; use 1–65535"}}},
	{name: "c2s 65536", yaml: with("ports: {c2s: 65536}"), want: []want{{"ports.c2s", "65536 is not a port"}}},
	{name: "https 0 with upload on", yaml: with("ports: {https: 0}"), want: []want{{"ports.https", "is 0 (off), but components.upload serves files over HTTPS"}}},
	{name: "proxy65 0 with proxy65 on", yaml: with("components: {proxy65: proxy.example.org}\nports: {proxy65: 0}"), want: []want{{"ports.proxy65", "is 0 (off), but components.proxy65 is on"}}},

	// Owner.
	{name: "owner uid 0", yaml: with("owner: {uid: 0, gid: 0}"), want: []want{{"owner.uid", "0 is root, and Prosody refuses to run as root"}}},
	{name: "owner uid without gid", yaml: with("owner: {uid: 1000}"), want: []want{{"owner.gid", "is -1 (choose) but owner.uid is 1000; set both uid and gid"}}},
	{name: "owner gid without uid", yaml: with("owner: {uid: -1, gid: 1000}"), want: []want{{"owner.uid", "set both uid and gid"}}},
	{name: "owner uid -5", yaml: with("owner: {uid: -5}"), want: []want{{"owner.uid", "-5 is not a valid id; use 1–2147483646, or -1"}}, not: []string{"owner.gid"}},
	{name: "owner gid too big", yaml: with("owner: {uid: 1000, gid: 2147483647}"), want: []want{{"owner.gid", "not a valid id"}}},

	// Modules.
	{name: "unknown module, near miss", yaml: with("modules: {enable: [carbon]}"), want: []want{{"modules.enable[0]", `"carbon" is not a module prosody-wizard knows (did you mean "carbons"?)`}}},
	{name: "unknown module, far", yaml: with("modules: {enable: [xyzzy_frobnicate]}"), want: []want{{"modules.enable[0]", "is not a module prosody-wizard knows; see the module list"}}},
	{name: "mod_ prefix", yaml: with("modules: {enable: [mod_carbons]}"), want: []want{{"modules.enable[0]", `write module names without "mod_": "carbons"`}}},
	{name: "mod_ prefix in disable", yaml: with("modules: {disable: [mod_pep]}"), want: []want{{"modules.disable[0]", `without "mod_"`}}},
	{name: "emoji domain", yaml: "version: 1\ndomains: [\"💩.la\"]\n", want: []want{{"domains[0]", "IDNA2008"}}},
	{name: "symbol in domain", yaml: "version: 1\ndomains: [\"ex☃ample.org\"]\n", want: []want{{"domains[0]", "IDNA2008"}}},
	{name: "auth module", yaml: with("modules: {enable: [auth_ldap]}"), want: []want{{"modules.enable[0]", "never from a module list"}}},
	{name: "unknown storage module", yaml: with("modules: {enable: [storage_redis]}"), want: []want{{"modules.enable[0]", "never from a module list"}}},
	{name: "component module", yaml: with("modules: {enable: [muc]}"), want: []want{{"modules.enable[0]", "runs as a component: set it under components instead"}}},
	{name: "auto-loaded module", yaml: with("modules: {enable: [c2s]}"), want: []want{{"modules.enable[0]", "is always loaded by Prosody 13.0"}}},
	{name: "module missing in 0.12", yaml: with("prosody: \"0.12\"\nmodules: {enable: [account_activity]}"), want: []want{{"modules.enable[0]", "is not available in Prosody 0.12 (it is in 13.0)"}}},
	{name: "module listed twice", yaml: with("modules: {enable: [motd, announce, motd]}"), want: []want{{"modules.enable[2]", `"motd" is listed twice`}}},
	{name: "module disabled twice", yaml: with("modules: {disable: [limits, limits]}"), want: []want{{"modules.disable[1]", `"limits" is listed twice`}}},
	{name: "empty module name", yaml: with("modules: {enable: ['']}"), want: []want{{"modules.enable[0]", "is empty; write a module name"}}},
	{name: "disable not recommended", yaml: with("modules: {disable: [motd]}"), want: []want{{"modules.disable[0]", `"motd" is not in the recommended set for these answers, so there is nothing to disable (recommended: roster`}}},
	{name: "disable and enable", yaml: with("modules: {enable: [motd], disable: [motd]}"), want: []want{{"modules.disable[0]", "is also in modules.enable; keep it in one list"}}},
	{name: "disable a dependency", yaml: with("modules: {disable: [pep]}"), want: []want{{"modules.disable[0]", `"pep" is needed by vcard4, vcard_legacy, bookmarks, which are enabled`}}},
	{name: "vcard conflicts", yaml: with("modules: {enable: [vcard]}"), want: []want{{"modules.enable[0]", `"vcard" and "vcard_legacy" conflict; enable one`}}},
	{name: "pep_simple conflicts", yaml: with("modules: {enable: [pep_simple]}"), want: []want{{"modules.enable[0]", `"pep" and "pep_simple" conflict`}}},
	{name: "MUC module without MUC", yaml: with("components: {muc: ''}\nmodules: {enable: [muc_mam]}"), want: []want{{"modules.enable[0]", "runs inside the group chat component, which is off (set components.muc)"}}},
	{name: "HTTP module with https off", yaml: with("components: {upload: ''}\nports: {https: 0}\nmodules: {enable: [bosh]}"), want: []want{{"modules.enable[0]", "is served over HTTPS, but ports.https is 0 (off)"}}},

	// Components.
	{name: "component equal to a domain", yaml: with("components: {muc: example.org}"), want: []want{{"components.muc", `"example.org" is already used by domains[0]; each VirtualHost and component needs its own name`}}},
	{name: "component equal to the second domain", yaml: withDomains("example.org, example.net") + "components: {upload: Example.NET}\n", want: []want{{"components.upload", "already used by domains[1]"}}},
	{name: "component equal to an IDN domain", yaml: withDomains("münchen.de") + "components: {muc: xn--mnchen-3ya.de}\n", want: []want{{"components.muc", `"münchen.de" is already used by domains[0]`}}},
	{name: "two components, one host", yaml: with("components: {muc: chat.example.org, upload: chat.example.org}"), want: []want{{"components.upload", "already used by components.muc"}}},
	{name: "proxy65 on the upload host", yaml: with("components: {proxy65: upload.example.org}"), want: []want{{"components.proxy65", "already used by components.upload"}}},
	{name: "invalid component host", yaml: with("components: {muc: 'chat room.example.org'}"), want: []want{{"components.muc", `contains a space; only letters, digits and hyphens in dot-separated labels are allowed (or "" to turn it off)`}}},
	{name: "component host with a port", yaml: with("components: {proxy65: 'proxy.example.org:7777'}"), want: []want{{"components.proxy65", ":port"}}},
	{name: "component default too long", yaml: withDomains(maxStored),
		want: []want{{"components.muc", "at most 253 are allowed (or \"\" to turn it off)"}, {"components.upload", "data folder after it"}}, not: []string{"domains[0]"}},

	// One YAML document.
	{name: "two YAML documents", yaml: base + "---\nversion: 1\ndomains: [example.net]\n", want: []want{{"", "the answers file holds more than one YAML document (the second starts at line 3); keep one"}}},
	{name: "an empty second document", yaml: base + "---\n", want: []want{{"", "more than one YAML document"}}},
	{name: "a broken second document", yaml: base + "---\n[\n", want: []want{{"", "more than one YAML document"}}},

	// Hidden characters in names, JIDs, addresses and paths.
	{name: "domain with a right-to-left override", yaml: withDomains(`"exa\u202emple.org"`), want: []want{{"domains[0]", `"exa\u202emple.org" is not a valid domain name: it contains U+202E (right-to-left override), a control or invisible character`}}},
	{name: "domain with a no-break space", yaml: withDomains(`"exa\u00a0mple.org"`), want: []want{{"domains[0]", "contains U+00A0 (no-break space)"}}},
	{name: "domain ending in a no-break space", yaml: withDomains(`"example.org\u00a0"`), want: []want{{"domains[0]", "contains U+00A0 (no-break space)"}}},
	{name: "domain with a zero width space", yaml: withDomains(`"exam\u200bple.org"`), want: []want{{"domains[0]", "contains U+200B (zero width space)"}}},
	{name: "domain with a zero width joiner", yaml: withDomains(`"exa\u200dmple.org"`), want: []want{{"domains[0]", "contains U+200D (zero width joiner)"}}},
	{name: "domain with a zero width non-joiner", yaml: withDomains(`"exa\u200cmple.org"`), want: []want{{"domains[0]", "contains U+200C (zero width non-joiner)"}}},
	{name: "domain with a byte order mark", yaml: withDomains(`"\ufeffexample.org"`), want: []want{{"domains[0]", "contains U+FEFF (zero width no-break space, or byte order mark)"}}},
	{name: "domain with a soft hyphen", yaml: withDomains(`"exam\u00adple.org"`), want: []want{{"domains[0]", "contains U+00AD (soft hyphen)"}}},
	{name: "domain with a paragraph separator", yaml: withDomains(`"example\u2029.org"`), want: []want{{"domains[0]", "contains U+2029 (paragraph separator)"}}},
	{name: "domain with a C0 control", yaml: withDomains(`"exa\x01mple.org"`), want: []want{{"domains[0]", "contains U+0001 (a control character)"}}},
	{name: "domain with a C1 control", yaml: withDomains(`"exa\Nmple.org"`), want: []want{{"domains[0]", "contains U+0085 (next line)"}}},
	{name: "domain with a variation selector", yaml: withDomains(`"exam\ufe0fple.org"`), want: []want{{"domains[0]", "contains U+FE0F (variation selector-16)"}}},
	{name: "component with a zero width space", yaml: with(`components: {muc: "chat\u200b.example.org"}`), want: []want{{"components.muc", "contains U+200B (zero width space)"}}},
	{name: "TURN host with a word joiner", yaml: with(`turn: {host: "turn.example.org\u2060"}`), want: []want{{"turn.host", "contains U+2060 (word joiner)"}}},
	{name: "admin with a right-to-left override", yaml: with(`admins: ["ad\u202emin@example.org"]`), want: []want{{"admins[0]", `"ad\u202emin@example.org" contains U+202E (right-to-left override)`}}},
	{name: "admin domain with a zero width space", yaml: with(`admins: ["admin@exam\u200bple.org"]`), want: []want{{"admins[0]", "contains U+200B (zero width space)"}}},
	{name: "admin ending in a no-break space", yaml: with(`admins: ["admin@example.org\u00a0"]`), want: []want{{"admins[0]", "contains U+00A0 (no-break space)"}}},
	{name: "database host with a zero width space", yaml: with(`database: {driver: postgres, host: "db\u200b.example.org"}`), want: []want{{"database.host", "contains U+200B (zero width space)"}}},
	{name: "certificate path with a right-to-left override", yaml: with(`tls: {mode: existing, cert: "/etc/ssl/\u202emep.crt", key: /etc/ssl/k.pem}`), want: []want{{"tls.cert", "contains U+202E (right-to-left override)"}}},
	{name: "key path with a NUL", yaml: with(`tls: {mode: existing, cert: /etc/ssl/c.pem, key: "/etc/ssl/k\0.pem"}`), want: []want{{"tls.key", "contains U+0000 (null)"}}},
	{name: "ACME e-mail with a zero width space", yaml: withDomains("wizard-demo.net") + `tls: {mode: letsencrypt, email: "host\u200bmaster@wizard-demo.net"}` + "\n", want: []want{{"tls.email", "contains U+200B (zero width space)"}}},

	// Names Let's Encrypt cannot issue for, and contacts it refuses.
	{name: "letsencrypt for example.org", yaml: with("tls: {mode: letsencrypt, email: admin@wizard-demo.net}"),
		want: []want{{"domains[0]", `"example.org" is reserved for documentation (RFC 2606), so Let's Encrypt cannot issue a certificate for it; use a public domain you own, or tls.mode: self-signed or existing`}},
		not:  []string{"components.muc", "components.upload"}},
	{name: "letsencrypt for localhost", yaml: withDomains("localhost") + "tls: {mode: letsencrypt, email: admin@wizard-demo.net}\n", want: []want{{"domains[0]", "is this machine's own name, so Let's Encrypt cannot issue"}}, not: []string{"components.muc"}},
	{name: "letsencrypt for .test", yaml: withDomains("wizard-demo.net, xmpp.test") + "tls: {mode: letsencrypt, email: admin@wizard-demo.net}\n", want: []want{{"domains[1]", "is under .test, which is reserved for testing (RFC 2606), so Let's Encrypt"}}, not: []string{"domains[0]"}},
	{name: "letsencrypt for .example", yaml: withDomains("chat.example") + "tls: {mode: letsencrypt, email: admin@wizard-demo.net}\n", want: []want{{"domains[0]", "under .example"}}},
	{name: "letsencrypt for .invalid", yaml: withDomains("xmpp.invalid") + "tls: {mode: letsencrypt, email: admin@wizard-demo.net}\n", want: []want{{"domains[0]", "under .invalid"}}},
	{name: "letsencrypt for .localhost", yaml: withDomains("xmpp.localhost") + "tls: {mode: letsencrypt, email: admin@wizard-demo.net}\n", want: []want{{"domains[0]", "under .localhost"}}},
	{name: "letsencrypt for .local", yaml: withDomains("xmpp.local") + "tls: {mode: letsencrypt, email: admin@wizard-demo.net}\n", want: []want{{"domains[0]", "under .local, which is reserved for multicast DNS"}}},
	{name: "letsencrypt for .onion", yaml: withDomains("duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion") + "tls: {mode: letsencrypt, email: admin@wizard-demo.net}\n", want: []want{{"domains[0]", "under .onion"}}},
	{name: "letsencrypt for .internal", yaml: withDomains("xmpp.corp.internal") + "tls: {mode: letsencrypt, email: admin@wizard-demo.net}\n", want: []want{{"domains[0]", "under .internal"}}},
	{name: "letsencrypt for home.arpa", yaml: withDomains("xmpp.home.arpa") + "tls: {mode: letsencrypt, email: admin@wizard-demo.net}\n", want: []want{{"domains[0]", "under .arpa"}}},
	{name: "letsencrypt for a subdomain of example.com", yaml: withDomains("xmpp.example.com") + "tls: {mode: letsencrypt, email: admin@wizard-demo.net}\n", want: []want{{"domains[0]", "is under example.com, which is reserved for documentation"}}},
	{name: "letsencrypt for example.net in capitals", yaml: withDomains("EXAMPLE.NET") + "tls: {mode: letsencrypt, email: admin@wizard-demo.net}\n", want: []want{{"domains[0]", `"example.net" is reserved for documentation`}}},
	{name: "letsencrypt for an IDN under .test", yaml: withDomains("bücher.test") + "tls: {mode: letsencrypt, email: admin@wizard-demo.net}\n", want: []want{{"domains[0]", "under .test"}}},
	{name: "letsencrypt for a reserved component", yaml: withDomains("wizard-demo.net") + "tls: {mode: letsencrypt, email: admin@wizard-demo.net}\ncomponents: {muc: chat.example.com, proxy65: proxy.xmpp.test}\n",
		want: []want{{"components.muc", "is under example.com"}, {"components.proxy65", "is under .test"}}, not: []string{"domains[0]", "components.upload"}},
	{name: "ACME e-mail on example.org", yaml: withDomains("wizard-demo.net") + "tls: {mode: letsencrypt, email: admin@example.org}\n",
		want: []want{{"tls.email", `"admin@example.org" is on "example.org", which is reserved for documentation (RFC 2606), and Let's Encrypt refuses such contact addresses; use an address on a public domain`}}},
	{name: "ACME e-mail on localhost", yaml: withDomains("wizard-demo.net") + "tls: {mode: letsencrypt, email: root@localhost}\n", want: []want{{"tls.email", "this machine's own name, and Let's Encrypt refuses"}}},
	{name: "ACME e-mail on a single label", yaml: withDomains("wizard-demo.net") + "tls: {mode: letsencrypt, email: root@mailhost}\n", want: []want{{"tls.email", "single-label name"}}},
	{name: "ACME e-mail under .test, in capitals", yaml: withDomains("wizard-demo.net") + "tls: {mode: letsencrypt, email: root@MAIL.TEST}\n", want: []want{{"tls.email", "under .test"}}},

	// Ports: every service, certbot, TURN and a local database.
	{name: "https on certbot's 80", yaml: withDomains("wizard-demo.net") + "tls: {mode: letsencrypt, email: admin@wizard-demo.net}\nports: {https: 80}\n",
		want: []want{{"ports.https", "80 is also the port certbot answers Let's Encrypt's HTTP challenge on (tls.mode: letsencrypt)"}}},
	{name: "c2s on certbot's 80 on a host", yaml: withDomains("wizard-demo.net") + "deploy: host\ntls: {mode: letsencrypt, email: admin@wizard-demo.net}\nports: {c2s: 80}\n", want: []want{{"ports.c2s", "80 is also the port certbot"}}},
	{name: "TURN on Prosody's HTTP port", yaml: with("turn: {port: 5280}"), want: []want{{"turn.port", "5280 is also Prosody's plain-HTTP port on loopback"}}},
	{name: "TURN on certbot's 80", yaml: withDomains("wizard-demo.net") + "tls: {mode: letsencrypt, email: admin@wizard-demo.net}\nturn: {port: 80}\n", want: []want{{"turn.port", "80 is also the port certbot"}}},
	{name: "direct TLS in the TURN relay range", yaml: with("ports: {c2s_direct_tls: 49200}"), want: []want{{"ports.c2s_direct_tls", "49200 is inside the relay range 49152–49407 the TURN server uses for media (coturn runs on the host network)"}}},
	{name: "https in the TURN relay range", yaml: with("turn: {host: turn.example.org}\nports: {https: 49152}"), want: []want{{"ports.https", "inside the relay range"}}},
	{name: "local database on c2s", yaml: with("deploy: host\ndatabase: {driver: postgres, host: localhost, port: 5222}"), want: []want{{"database.port", "5222 is also ports.c2s; each service needs its own port"}}},
	{name: "local database default port taken by s2s", yaml: with("deploy: host\ndatabase: {driver: mysql, host: 127.0.0.1}\nports: {s2s: 3306}"),
		want: []want{{"ports.s2s", `3306 is also the default port of the database on this host (database.host "127.0.0.1")`}}, not: []string{"database.port"}},
	{name: "local database on IPv6 loopback on https", yaml: with("deploy: host\ndatabase: {driver: postgres, host: '::1', port: 5281}"), want: []want{{"database.port", "5281 is also ports.https"}}},
	{name: "local database on the TURN port", yaml: with("deploy: host\nturn: {host: turn.example.org}\ndatabase: {driver: postgres, host: localhost, port: 3478}"), want: []want{{"database.port", "3478 is also turn.port"}}},

	// Answers the chosen mode ignores.
	{name: "ACME e-mail with self-signed", yaml: with("tls: {mode: self-signed, email: admin@example.org}"), want: []want{{"tls.email", "is only used with tls.mode: letsencrypt (the ACME account e-mail); remove it or change the mode"}}},
	{name: "ACME e-mail with existing", yaml: with("tls: {mode: existing, cert: /c.pem, key: /k.pem, email: admin@example.org}"), want: []want{{"tls.email", "only used with tls.mode: letsencrypt"}}},
	{name: "database host with sqlite", yaml: with("database: {driver: sqlite, host: db.example.org}"), want: []want{{"database.host", "is only used with database.driver: postgres or mysql, not sqlite; remove it or change the driver"}}},
	{name: "database port with internal", yaml: with("database: {port: 5432}"), want: []want{{"database.port", "only used with database.driver: postgres or mysql, not internal"}}},
	{name: "database password with internal", yaml: with("database: {driver: internal, password: S3cret-pass}"), want: []want{{"database.password", "only used with database.driver: postgres or mysql"}}},
	{name: "database password with sqlite", yaml: with("database: {driver: sqlite, password: S3cret-pass}"), want: []want{{"database.password", "not sqlite"}}},

	// Modules that leave a feature or everyone's login broken.
	{name: "turn_external with TURN off", yaml: with("turn: {host: ''}\nmodules: {enable: [turn_external]}"), want: []want{{"modules.enable[0]", `"turn_external" hands out credentials for a TURN server, but turn.host is "" (calls support off); set turn.host`}}},
	{name: "turn_external on a host without TURN", yaml: with("deploy: host\nturn: {host: ''}\nmodules: {enable: [motd, turn_external]}"), want: []want{{"modules.enable[1]", "set turn.host"}}},
	{name: "saslauth disabled", yaml: with("modules: {disable: [saslauth]}"), want: []want{{"modules.disable[0]", `"saslauth" is how clients log in (SASL); without it nobody can log in`}}},
	{name: "tls disabled without direct TLS", yaml: with("ports: {c2s_direct_tls: 0}\nmodules: {disable: [limits, tls]}"), want: []want{{"modules.disable[1]", `"tls" encrypts client connections (STARTTLS), and Prosody lets nobody log in without encryption; keep it, or set ports.c2s_direct_tls`}}},

	// Contact addresses (XEP-0157).
	{name: "contact: another scheme", yaml: with("contact: {abuse: ['http://example.org/abuse']}"), want: []want{{"contact.abuse[0]", "use mailto:, xmpp: or https:"}}},
	{name: "contact: a bare e-mail address", yaml: with("contact: {abuse: [abuse@example.org]}"), want: []want{{"contact.abuse[0]", "is not an address clients can open"}}},
	{name: "contact: mailto without a mailbox", yaml: with("contact: {abuse: ['mailto:example.org']}"), want: []want{{"contact.abuse[0]", "needs one mailbox"}}},
	{name: "contact: mailto with a bad domain", yaml: with("contact: {abuse: ['mailto:abuse@exa mple']}"), want: []want{{"contact.abuse[0]", "has a space"}}},
	{name: "contact: mailto domain", yaml: with("contact: {abuse: ['mailto:abuse@-example.org']}"), want: []want{{"contact.abuse[0]", "the mail domain"}}},
	{name: "contact: xmpp authority form", yaml: with("contact: {admin: ['xmpp://admin@example.org']}"), want: []want{{"contact.admin[0]", "without //"}}},
	{name: "contact: xmpp with a bad localpart", yaml: with("contact: {admin: [\"xmpp:a'b@example.org\"]}"), want: []want{{"contact.admin[0]", "does not allow before the @"}}},
	{name: "contact: xmpp with nothing before @", yaml: with("contact: {admin: ['xmpp:@example.org']}"), want: []want{{"contact.admin[0]", "nothing before the @"}}},
	{name: "contact: https without a host", yaml: with("contact: {support: ['https:/path']}"), want: []want{{"contact.support[0]", "does not name a host"}}},
	{name: "contact: https with a password", yaml: with("contact: {support: ['https://u:p@example.org/']}"), want: []want{{"contact.support[0]", "user or password"}}},
	{name: "contact: a quote for Lua", yaml: with("contact: {support: ['https://example.org/\"); os.exit(1) --']}"), want: []want{{"contact.support[0]", "a quote"}}},
	{name: "contact: a hidden character", yaml: with("contact: {security: [\"mailto:sec\\u200b@example.org\"]}"), want: []want{{"contact.security[0]", "U+200B"}}},
	{name: "contact: a backtick for Markdown", yaml: with("contact: {support: ['https://example.org/`x`']}"), want: []want{{"contact.support[0]", "a backtick"}}},
	{name: "contact: a bad escape", yaml: with("contact: {admin: ['xmpp:a%zz@example.org']}"), want: []want{{"contact.admin[0]", "%XX escape"}}},
	{name: "contact: an escaped quote before the @", yaml: with("contact: {admin: ['xmpp:a%27b@example.org']}"), want: []want{{"contact.admin[0]", "does not allow before the @"}}},
	{name: "contact: empty entry", yaml: with("contact: {abuse: ['']}"), want: []want{{"contact.abuse[0]", "is empty"}}},
	{name: "contact: listed twice", yaml: with("contact: {abuse: ['mailto:a@example.org', 'MAILTO:a@example.org']}"), want: []want{{"contact.abuse[1]", "listed twice"}}},
	{name: "contact: not a list", yaml: with("contact: {abuse: mailto:a@example.org}"), want: []want{{"contact.abuse", "must be a list"}}},
	{name: "contact: unknown kind", yaml: with("contact: {abuze: []}"), want: []want{{"contact.abuze", `did you mean "abuse"`}}},
	{name: "TURN secret with spaces around it on a host", yaml: with("deploy: host\nturn: {secret: ' s3cret'}"), want: []want{{"turn.secret", "coturn's config file"}}},

	// TURN on an IP address.
	{name: "TURN IPv6 address in brackets", yaml: with("turn: {host: '[2001:db8::7]'}"), want: []want{{"turn.host", `"[2001:db8::7]" is an IPv6 address in brackets; write it without them`}}},
	{name: "TURN on the unspecified address", yaml: with("turn: {host: 0.0.0.0}"), want: []want{{"turn.host", "is not an address clients can connect to"}}},
	{name: "TURN on a multicast address", yaml: with("turn: {host: 'ff02::1'}"), want: []want{{"turn.host", "not an address clients can connect to"}}},
	{name: "TURN address with a zone", yaml: with("turn: {host: 'fe80::1%eth0'}"), want: []want{{"turn.host", "ends in a zone (after the %), a network device only this machine knows"}}},

	// Names Prosody (IDNA2003) and DNS (IDNA2008) read differently.
	{name: "sharp s", yaml: withDomains("straße.example"), want: []want{{"domains[0]",
		`"straße.example" is a name Prosody and DNS read differently: Prosody (IDNA2003) turns it into strasse.example, while DNS and the certificate get xn--strae-oqa.example (IDNA2008)`}}},
	{name: "sharp s as an A-label", yaml: withDomains("xn--strae-oqa.example"), want: []want{{"domains[0]", "write strasse.example if that is the name you mean"}}},
	{name: "final sigma", yaml: withDomains("ὀδυσσεύς.gr"), want: []want{{"domains[0]",
		"Prosody (IDNA2003) turns it into ὀδυσσεύσ.gr (xn--pxac5babi3d8526a.gr), while DNS and the certificate get xn--pxac3bcak3d8526a.gr"}}},
	{name: "zero width non-joiner after a virama", yaml: withDomains("\"क्\u200cष.example\""), want: []want{{"domains[0]", "turns it into क्ष.example (xn--11b2ezc.example), while DNS and the certificate get xn--11b2ezcs70k.example"}}},
	{name: "zero width joiner after a virama", yaml: withDomains("\"क्\u200dष.example\""), want: []want{{"domains[0]", "write क्ष.example if that is the name you mean"}}},
	{name: "sharp s in a component", yaml: with("components: {upload: files.straße.example}"), want: []want{{"components.upload", "Prosody (IDNA2003) turns it into files.strasse.example"}}},
	{name: "sharp s in the TURN host", yaml: with("turn: {host: turn.straße.example}"), want: []want{{"turn.host", "turns it into turn.strasse.example"}}},

	// Each problem once.
	{name: "bad primary is not repeated under turn.host", yaml: withDomains(`"a b"`), want: []want{{"domains[0]", "contains a space"}}, not: []string{"turn.host", "components.muc", "components.upload"}},
	{name: "hidden character in the primary is reported once", yaml: withDomains(`"exam\u200bple.org"`), want: []want{{"domains[0]", "U+200B"}}, not: []string{"turn.host", "components.muc", "components.upload"}},

	// Reverse proxy.
	{name: "unknown proxy", yaml: with("proxy: {kind: apache}"), want: []want{{"proxy.kind", `"apache" is not allowed; allowed: none, nginx, caddy or traefik`}}},
	{name: "unknown proxy key", yaml: with("proxy: {kind: nginx, upstream: x}"), want: []want{{"proxy.upstream", "unknown key"}}},
	{name: "proxy with nothing on HTTP", yaml: with("proxy: {kind: nginx}\nports: {https: 0}\ncomponents: {upload: \"\"}\nmodules: {disable: [bosh, websocket]}"), want: []want{{"proxy.kind", "ports.https is 0"}}},
	{name: "Traefik network with nginx", yaml: with("proxy: {kind: nginx, network: web}"), want: []want{{"proxy.network", "only used with proxy.kind: traefik"}}},
	{name: "Traefik network on a host", yaml: with("deploy: host\nproxy: {kind: traefik, network: web}"), want: []want{{"proxy.network", "only used with deploy: compose"}}},
	{name: "Traefik entry point with a space", yaml: with("proxy: {kind: traefik, entrypoint: \"web secure\"}"), want: []want{{"proxy.entrypoint", `"web secure" is not allowed`}}},
	{name: "Traefik resolver with a backtick", yaml: with("proxy: {kind: traefik, certresolver: \"le`\"}"), want: []want{{"proxy.certresolver", "is not allowed"}}},
	{name: "Traefik and Let's Encrypt", yaml: "version: 1\ndomains: [wizard-demo.net]\ntls: {mode: letsencrypt, email: a@wizard-demo.net}\nproxy: {kind: traefik}\n", want: []want{{"tls.mode", "traefik-certs-dumper"}}},
	{name: "client port on the proxy's port", yaml: with("proxy: {kind: caddy}\nports: {c2s: 443}"), want: []want{{"ports.https", "443 is also ports.c2s"}}},
	{name: "client port on the proxy's upstream", yaml: with("proxy: {kind: nginx}\nports: {c2s: 5280}"), want: []want{{"ports.c2s", "5280 is also Prosody's plain-HTTP port, which the reverse proxy forwards to"}}},
}

// goTypeName matches Go type names and formatting mistakes that must never
// reach a person.
var goTypeName = regexp.MustCompile(`\b(int|int64|uint|float64|string|bool|struct|interface|reflect|yaml\.Node|config\.[A-Z]\w*|Series|nil)\b|\[\]string|map\[|%!`)

// parseAndValidate parses src and, when that works, validates the answers.
func parseAndValidate(src string) (Answers, Problems, bool) {
	a, err := Parse([]byte(src))
	if err != nil {
		ps, ok := err.(Problems)
		if !ok {
			return a, Problems{{Message: "Parse returned a non-Problems error: " + err.Error()}}, false
		}
		return a, ps, false
	}
	return a, Validate(a), true
}

func TestValidateBadAnswers(t *testing.T) {
	if len(badCases) < 40 {
		t.Fatalf("only %d bad cases", len(badCases))
	}
	names := map[string]bool{}
	for _, tc := range badCases {
		if names[tc.name] {
			t.Errorf("case name %q used twice", tc.name)
		}
		names[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			_, ps, _ := parseAndValidate(tc.yaml)
			if len(ps) == 0 {
				t.Fatalf("no problems for\n%s", tc.yaml)
			}
			for _, w := range tc.want {
				if !slices.ContainsFunc(ps, func(p Problem) bool {
					return p.Field == w.field && strings.Contains(p.Message, w.msg)
				}) {
					t.Errorf("missing problem %s: …%s…\ngot:\n%v", w.field, w.msg, ps)
				}
			}
			for _, f := range tc.not {
				for _, p := range ps {
					if p.Field == f {
						t.Errorf("unexpected problem %v", p)
					}
				}
			}
			checkProblemWording(t, ps)
		})
	}
}

// checkProblemWording checks what every problem must be: about a field
// (unless the whole file is wrong), and a message in a person's words.
func checkProblemWording(t *testing.T, ps Problems) {
	t.Helper()
	for _, p := range ps {
		if p.Field == "" && !strings.HasPrefix(p.Message, "the answers file ") {
			t.Errorf("problem without a field: %q", p.Message)
		}
		if strings.TrimSpace(p.Message) == "" {
			t.Errorf("%s: empty message", p.Field)
		}
		if m := goTypeName.FindString(p.Message); m != "" {
			t.Errorf("%s: message names %q, which means nothing to a person: %q", p.Field, m, p.Message)
		}
		if p.Message != strings.TrimSpace(p.Message) || strings.Contains(p.Message, "\n") {
			t.Errorf("%s: message is not a single trimmed line: %q", p.Field, p.Message)
		}
		if p.Field != "" && strings.HasPrefix(p.Message, p.Field+":") {
			t.Errorf("%s: message repeats the field: %q", p.Field, p.Message)
		}
	}
}

type goodCase struct {
	name  string
	yaml  string
	check func(t *testing.T, a Answers)
}

func eq[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %#v, want %#v", what, got, want)
	}
}

func eqList(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}

// maxName is a valid DNS name of exactly 253 characters.
var maxName = strings.Repeat("a", 63) + "." + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 57) + ".org"

// maxStored is a name of 245 characters, about the longest Prosody can
// name a data folder after (each dot becomes %2e: 253 bytes).
var maxStored = strings.Repeat("a", 63) + "." + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 49) + ".org"

var goodCases = []goodCase{
	{"minimal, defaults", base, func(t *testing.T, a Answers) {
		eq(t, "prosody", a.Prosody, Series13)
		eq(t, "deploy", a.Deploy, DeployCompose)
		eq(t, "registration", a.Registration, RegistrationClosed)
		eq(t, "federation", a.Federation, true)
		eq(t, "tls.mode", a.TLS.Mode, TLSSelfSigned)
		eq(t, "database.driver", a.Database.Driver, DriverInternal)
		eq(t, "components", a.Components, Components{MUC: "conference.example.org", Upload: "upload.example.org"})
		eq(t, "ports", a.Ports, Ports{C2S: 5222, C2SDirectTLS: 5223, S2S: 5269, HTTPS: 5281, Proxy65: 5000})
		eq(t, "owner", a.Owner, Owner{UID: -1, GID: -1})
		eqList(t, "admins", a.Admins, []string{})
		eq(t, "turn.host", a.TURN.Host, "example.org")
		eqList(t, "contact.abuse", a.Contact.Abuse, []string{})
	}},
	{"host defaults: TURN and direct TLS on", with("deploy: host\nadmins: [Admin@example.org]\n"), func(t *testing.T, a Answers) {
		eq(t, "turn.host", a.TURN.Host, "example.org")
		eq(t, "ports.c2s_direct_tls", a.Ports.C2SDirectTLS, 5223)
		eqList(t, "contact.abuse", a.Contact.Abuse, []string{"xmpp:admin@example.org"})
		eqList(t, "contact.admin", a.Contact.Admin, []string{"xmpp:admin@example.org"})
		eqList(t, "contact.security", a.Contact.Security, []string{})
	}},
	{"direct TLS off with an explicit 0", with("ports: {c2s_direct_tls: 0}\n"), func(t *testing.T, a Answers) {
		eq(t, "ports.c2s_direct_tls", a.Ports.C2SDirectTLS, 0)
	}},
	{"contact given: kept as given, the rest defaults", with("admins: [admin@example.org]\ncontact: {abuse: [' MAILTO:abuse@example.org', 'https://example.org/abuse?x=1#y'], support: []}\n"), func(t *testing.T, a Answers) {
		eqList(t, "contact.abuse", a.Contact.Abuse, []string{"mailto:abuse@example.org", "https://example.org/abuse?x=1#y"})
		eqList(t, "contact.admin", a.Contact.Admin, []string{"xmpp:admin@example.org"})
		eqList(t, "contact.support", a.Contact.Support, []string{})
	}},
	{"contact from admins a URI escapes", with("admins: ['o`brien$(id)@example.org', 'a\\b?c#d%e@example.org', 'jürgen@example.org']\n"), func(t *testing.T, a Answers) {
		want := []string{"xmpp:o%60brien$(id)@example.org", "xmpp:a%5Cb%3Fc%23d%25e@example.org", "xmpp:jürgen@example.org"}
		eqList(t, "contact.abuse", a.Contact.Abuse, want)
		eqList(t, "contact.admin", a.Contact.Admin, want)
	}},
	{"contact emptied", with("admins: [admin@example.org]\ncontact: {abuse: [], admin: []}\n"), func(t *testing.T, a Answers) {
		eqList(t, "contact.abuse", a.Contact.Abuse, []string{})
		eqList(t, "contact.admin", a.Contact.Admin, []string{})
	}},
	{"contact addresses of every kind", with("contact: {abuse: ['xmpp:abuse@münchen.de', 'xmpp:example.org', 'xmpp:room@conference.example.org?join'], security: ['mailto:security@xn--mnchen-3ya.de?subject=Prosody']}\n"), func(t *testing.T, a Answers) {
		eq(t, "contact.abuse[2]", a.Contact.Abuse[2], "xmpp:room@conference.example.org?join")
	}},
	{"IDN", withDomains("münchen.de"), func(t *testing.T, a Answers) {
		eqList(t, "domains", a.Domains, []string{"münchen.de"})
		eq(t, "A-label", ALabel(a.Domains[0]), "xn--mnchen-3ya.de")
		eq(t, "components.muc", a.Components.MUC, "conference.münchen.de")
		eq(t, "components.upload", a.Components.Upload, "upload.münchen.de")
	}},
	{"A-label", withDomains("xn--mnchen-3ya.de"), func(t *testing.T, a Answers) {
		eqList(t, "domains", a.Domains, []string{"münchen.de"})
		eq(t, "components.muc", a.Components.MUC, "conference.münchen.de")
	}},
	{"upper-case IDN and A-label", withDomains("MÜNCHEN.DE, XN--BCHER-KVA.EXAMPLE"), func(t *testing.T, a Answers) {
		eqList(t, "domains", a.Domains, []string{"münchen.de", "bücher.example"})
	}},
	{"upper-case domains and admins", withDomains("Example.ORG, EXAMPLE.net") + "admins: [Admin@EXAMPLE.org, ' boss@example.NET ']\n", func(t *testing.T, a Answers) {
		eqList(t, "domains", a.Domains, []string{"example.org", "example.net"})
		eqList(t, "admins", a.Admins, []string{"admin@example.org", "boss@example.net"})
		eq(t, "components.muc", a.Components.MUC, "conference.example.org")
	}},
	{"admin on an IDN domain written as A-label", withDomains("example.org, münchen.de") + "admins: [Admin@XN--MNCHEN-3YA.DE]\n", func(t *testing.T, a Answers) {
		eqList(t, "admins", a.Admins, []string{"admin@münchen.de"})
	}},
	{"trailing dot", withDomains(`"example.org."`) + "components: {proxy65: Proxy.Example.ORG.}\n", func(t *testing.T, a Answers) {
		eqList(t, "domains", a.Domains, []string{"example.org"})
		eq(t, "components", a.Components, Components{MUC: "conference.example.org", Upload: "upload.example.org", Proxy65: "proxy.example.org"})
	}},
	{"spaces around a domain", withDomains(`"  example.org  "`), func(t *testing.T, a Answers) {
		eqList(t, "domains", a.Domains, []string{"example.org"})
	}},
	{"full-width letters", withDomains(`"ｅｘａｍｐｌｅ.org"`), func(t *testing.T, a Answers) {
		eqList(t, "domains", a.Domains, []string{"example.org"})
	}},
	{"localhost", withDomains("localhost"), func(t *testing.T, a Answers) {
		eqList(t, "domains", a.Domains, []string{"localhost"})
		eq(t, "components.muc", a.Components.MUC, "conference.localhost")
	}},
	{"hyphens, digits, longest label and stored name", withDomains("a-b.c1.example.org, xn--bcher-kva.org, "+maxStored) + "components: {muc: '', upload: ''}\n", func(t *testing.T, a Answers) {
		eq(t, "domains[2]", a.Domains[2], maxStored)
	}},
	{"prosody 13 unquoted", with("prosody: 13"), func(t *testing.T, a Answers) {
		eq(t, "prosody", a.Prosody, Series13)
	}},
	{"prosody 13.0 unquoted", with("prosody: 13.0"), func(t *testing.T, a Answers) {
		eq(t, "prosody", a.Prosody, Series13)
	}},
	{"prosody 0.12 unquoted", with("prosody: 0.12"), func(t *testing.T, a Answers) {
		eq(t, "prosody", a.Prosody, Series012)
	}},
	{"prosody 0.12.3", with(`prosody: "0.12.3"`), func(t *testing.T, a Answers) {
		eq(t, "prosody", a.Prosody, Series012)
	}},
	{"components off", with("components: {muc: '', upload: ''}\nports: {https: 0}"), func(t *testing.T, a Answers) {
		eq(t, "components", a.Components, Components{})
	}},
	{"components null", with("components: {muc: ~, upload: ~, proxy65: ~}"), func(t *testing.T, a Answers) {
		eq(t, "components", a.Components, Components{})
	}},
	{"one component set, one absent", with("components: {upload: Files.Example.org}"), func(t *testing.T, a Answers) {
		eq(t, "components", a.Components, Components{MUC: "conference.example.org", Upload: "files.example.org"})
	}},
	{"components mapping empty", with("components: {}"), func(t *testing.T, a Answers) {
		eq(t, "components", a.Components, Components{MUC: "conference.example.org", Upload: "upload.example.org"})
	}},
	{"case-insensitive choices", withDomains("wizard-demo.net") + "deploy: Host\nregistration: Invite\ntls: {mode: LetsEncrypt, email: admin@wizard-demo.net}\ndatabase: {driver: Postgres, host: localhost}\n", nil},
	{"choices normalised", with("deploy: ' HOST '\nregistration: OPEN\ntls: {mode: Self-Signed}\ndatabase: {driver: MySQL, host: DB}\n"), func(t *testing.T, a Answers) {
		eq(t, "deploy", a.Deploy, DeployHost)
		eq(t, "registration", a.Registration, RegistrationOpen)
		eq(t, "tls.mode", a.TLS.Mode, TLSSelfSigned)
		eq(t, "database.driver", a.Database.Driver, DriverMySQL)
	}},
	{"existing certificates", with("tls: {mode: existing, cert: /etc/ssl/fullchain.pem, key: /etc/ssl/privkey.pem}"), nil},
	{"postgres on host", with("deploy: host\nprosody: '0.12'\ndatabase: {driver: postgres, host: 192.0.2.10, port: 5433, name: xmpp_db, user: xmpp, password: 'S3cret-pass!'}"), func(t *testing.T, a Answers) {
		eq(t, "DBPort", a.DBPort(), 5433)
	}},
	{"any password the database server accepts", with(`database: {driver: postgres, password: " it's \"quoted\" \\ $HOME ${X} ` + "`id`" + ` ]] --[[ ;x# "}`), func(t *testing.T, a Answers) {
		eq(t, "database.password", a.Database.Password, " it's \"quoted\" \\ $HOME ${X} `id` ]] --[[ ;x# ")
	}},
	{"short and non-ASCII passwords", with("deploy: host\ndatabase: {driver: mysql, host: localhost, password: 'pässwört 秘密'}"), nil},
	{"one-character password", with("database: {driver: postgres, password: x}"), nil},
	{"password of 1024 bytes", with("database: {driver: postgres, password: " + strings.Repeat("ä", 512) + "}"), nil},
	{"any TURN secret", with(`turn: {host: example.org, secret: "s3cr3t with spaces, \\ and $$"}`), func(t *testing.T, a Answers) {
		eq(t, "turn.secret", a.TURN.Secret, `s3cr3t with spaces, \ and $$`)
	}},
	{"short TURN secret", with("turn: {host: example.org, secret: abc}"), nil},
	{"TURN on an IPv4 address", with("turn: {host: 192.0.2.7}"), func(t *testing.T, a Answers) {
		eq(t, "turn.host", a.TURN.Host, "192.0.2.7")
	}},
	{"TURN on an IPv6 address, made canonical", with("turn: {host: ' 2001:DB8:0::7 '}"), func(t *testing.T, a Answers) {
		eq(t, "turn.host", a.TURN.Host, "2001:db8::7")
	}},
	{"TURN on an IP address on a host", with("deploy: host\nturn: {host: 198.51.100.7}"), func(t *testing.T, a Answers) {
		eq(t, "turn.host", a.TURN.Host, "198.51.100.7")
	}},
	{"closed server", with("federation: false\nports: {s2s: 0, c2s_direct_tls: 5223}"), nil},
	{"owner set", with("owner: {uid: 1000, gid: 0}"), nil},
	{"modules adjusted", with("modules: {enable: [motd, announce, ' welcome '], disable: [vcard4, limits]}"), func(t *testing.T, a Answers) {
		eqList(t, "modules.enable", a.Modules.Enable, []string{"motd", "announce", "welcome"})
	}},
	{"kubernetes defaults: no TURN, the Ingress's port", with("deploy: kubernetes\n"), func(t *testing.T, a Answers) {
		eq(t, "turn.host", a.TURN.Host, "")
		eq(t, "ports.https", a.Ports.HTTPS, 443)
		eq(t, "namespace", a.KubeNamespace(), "prosody")
		eq(t, "image", a.KubeImage(), "prosody-wizard/prosody:13.0")
		eq(t, "service", a.KubeService(), "LoadBalancer")
	}},
	{"kubernetes answers", with("deploy: kubernetes\nkubernetes: {namespace: Chat, image: 'registry.example.org:5000/team/prosody:13.0', service: nodeport, ingress: true, ingress_class: nginx, storage_class: fast.ssd}\ndatabase: {driver: postgres, host: pg.db.svc.cluster.local}\nturn: {host: turn.example.org}"), func(t *testing.T, a Answers) {
		eq(t, "namespace", a.KubeNamespace(), "chat")
		eq(t, "service", a.KubeService(), "NodePort")
		eq(t, "turn.host", a.TURN.Host, "turn.example.org")
	}},
	{"vcard instead of vcard_legacy", with("modules: {enable: [vcard], disable: [vcard_legacy]}"), nil},
	{"null lists", with("admins: ~\nmodules: {enable: ~, disable: ~}"), func(t *testing.T, a Answers) {
		eqList(t, "admins", a.Admins, []string{})
	}},
	{"null port keeps default", with("ports: {c2s: ~}"), func(t *testing.T, a Answers) {
		eq(t, "ports.c2s", a.Ports.C2S, 5222)
	}},
}

func TestValidateGoodAnswers(t *testing.T) {
	files, err := filepath.Glob("../testdata/answers/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no answers files in ../testdata/answers: %v", err)
	}
	cases := slices.Clone(goodCases)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, goodCase{name: "file " + filepath.Base(f), yaml: string(data)})
	}
	if len(cases) < 10 {
		t.Fatalf("only %d good cases", len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, ps, parsed := parseAndValidate(tc.yaml)
			if !parsed || len(ps) > 0 {
				t.Fatalf("problems for\n%s\n%v", tc.yaml, ps)
			}
			if _, mp := ResolveModules(a); len(mp) > 0 {
				t.Errorf("ResolveModules: %v", mp)
			}
			if tc.check != nil {
				tc.check(t, a)
			}
			// Normalised answers stay as they are when normalised again.
			b := a
			b.Domains = slices.Clone(a.Domains)
			b.Admins = slices.Clone(a.Admins)
			b.Normalize()
			eqList(t, "domains normalised twice", b.Domains, a.Domains)
			eqList(t, "admins normalised twice", b.Admins, a.Admins)
			eq(t, "components normalised twice", b.Components, a.Components)
		})
	}
}

func TestTestdataFilesLoad(t *testing.T) {
	files, _ := filepath.Glob("../testdata/answers/*.yaml")
	for _, f := range files {
		a, err := Load(f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if ps := Validate(a); len(ps) > 0 {
			t.Errorf("%s: %v", f, ps)
		}
	}
	checks := map[string]func(a Answers){
		"minimal.yaml": func(a Answers) {
			eq(t, "minimal components", a.Components, Components{MUC: "conference.example.org", Upload: "upload.example.org"})
		},
		"mysql.yaml": func(a Answers) {
			eq(t, "mysql components", a.Components, Components{MUC: "conference.example.com"})
			eq(t, "mysql DBPort", a.DBPort(), 3306)
		},
		"host.yaml": func(a Answers) {
			eq(t, "host components", a.Components, Components{MUC: "conference.example.org", Upload: "upload.example.org", Proxy65: "proxy.example.org"})
			eq(t, "host prosody", a.Prosody, Series012)
		},
	}
	for name, check := range checks {
		a, err := Load(filepath.Join("../testdata/answers", name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		check(a)
	}
}

func TestDomainProblemNames(t *testing.T) {
	// DomainProblem is also used on names that were not normalised.
	for _, d := range []string{"example.org", "Example.ORG", "münchen.de", "xn--mnchen-3ya.de", "localhost", "a.b.c.d.example", maxName} {
		if msg := DomainProblem(d); msg != "" {
			t.Errorf("DomainProblem(%q) = %q, want none", d, msg)
		}
	}
	for d, want := range map[string]string{
		"":             "is empty",
		"-a.org":       "starts or ends with a hyphen",
		"a-.org":       "starts or ends with a hyphen",
		"ab--c.org":    "third and fourth",
		"10.0.0.1":     "IP address",
		"a_b.org":      "underscore",
		"a.b.":         "empty label",
		"\xff.org":     "UTF-8",
		"xn--zz.org":   "internationalised",
		"a.b.c.d.1234": "all digits",
	} {
		if msg := DomainProblem(d); !strings.Contains(msg, want) {
			t.Errorf("DomainProblem(%q) = %q, want …%s…", d, msg, want)
		}
	}
}

func TestNormalizeDomainIdempotent(t *testing.T) {
	for _, d := range []string{
		"Example.ORG.", "a..", "example.org .", " example.org. ", "example.org。", "¨x.org",
		"XN--MNCHEN-3YA.DE", "ＥＸＡＭＰＬＥ.ORG", "-a.org", ".", "..", "xn--zz", "a b.", "İ.org", "ẞ.de",
	} {
		once := NormalizeDomain(d)
		if twice := NormalizeDomain(once); twice != once {
			t.Errorf("NormalizeDomain(%q) = %q, but normalising that gives %q", d, once, twice)
		}
		if DomainProblem(once) != DomainProblem(NormalizeDomain(once)) {
			t.Errorf("%q: problem changes on a second normalisation", d)
		}
	}
}

// TestSecretsMustBeUTF8: YAML cannot carry invalid UTF-8, the wizard's
// fields can; both secrets refuse it, naming the field.
func TestSecretsMustBeUTF8(t *testing.T) {
	a, err := Parse([]byte(with("database: {driver: postgres}\nturn: {host: example.org}")))
	if err != nil {
		t.Fatal(err)
	}
	a.Database.Password, a.TURN.Secret = "pass\xffword", "\xc3"
	got := map[string]string{}
	for _, p := range Validate(a) {
		got[p.Field] = p.Message
	}
	for _, field := range []string{"database.password", "turn.secret"} {
		if !strings.Contains(got[field], "is not valid UTF-8 text") {
			t.Errorf("%s: got %q, want a problem saying it is not valid UTF-8", field, got[field])
		}
	}
}

// TestLongValuesShortMessages: a value of megabytes in any answer gives
// short problems, each naming its field, and no quadratic work: every
// message is under 300 bytes, every field under 110, and each file is
// parsed and validated in seconds (quadratic work on 10 MB would take
// hours).
func TestLongValuesShortMessages(t *testing.T) {
	huge := strings.Repeat("a", 10<<20)
	// Each file is before + huge + after.
	for _, tc := range []struct{ name, before, after, field string }{
		{"domain", "version: 1\ndomains: [", ".org]\n", "domains[0]"},
		{"domain with a hidden character at its end", "version: 1\ndomains: [\"", "\\u200b.org\"]\n", "domains[0]"},
		{"admin", base + "admins: [", "@example.org]\n", "admins[0]"},
		{"admin's domain", base + "admins: [admin@", ".org]\n", "admins[0]"},
		{"certificate path", base + "tls: {mode: existing, key: /k.pem, cert: /", "}\n", "tls.cert"},
		{"ACME e-mail", "version: 1\ndomains: [wizard-demo.net]\ntls: {mode: letsencrypt, email: ", "@wizard-demo.net}\n", "tls.email"},
		{"component", base + "components: {muc: ", ".example.org}\n", "components.muc"},
		{"TURN host", base + "turn: {host: ", "}\n", "turn.host"},
		{"database host", base + "database: {driver: postgres, host: ", "}\n", "database.host"},
		{"database name", base + "database: {driver: sqlite, name: ", "}\n", "database.name"},
		{"module", base + "modules: {enable: [", "]}\n", "modules.enable[0]"},
		{"module with mod_", base + "modules: {disable: [mod_", "]}\n", "modules.disable[0]"},
		{"port", base + "ports: {c2s: ", "}\n", "ports.c2s"},
		{"choice", base + "deploy: ", "\n", "deploy"},
		{"unknown key", base + "? ", "\n: 1\n", "aaaaaaaaaa"},
		{"key too long for YAML", base, ": 1\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := tc.before + huge + tc.after
			start := time.Now()
			_, ps, _ := parseAndValidate(src)
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("parse and validate took %v", d)
			}
			if !slices.ContainsFunc(ps, func(p Problem) bool { return strings.HasPrefix(p.Field, tc.field) }) {
				t.Errorf("no problem on %s", tc.field)
			}
			for _, p := range ps {
				if len(p.Message) >= 300 || len(p.Field) >= 110 {
					t.Errorf("problem of %d+%d bytes: %.400s", len(p.Field), len(p.Message), p.Error())
				}
			}
			checkProblemWording(t, ps)
		})
	}
	// Many labels: the domain check must not work per label pair.
	_, ps, _ := parseAndValidate(withDomains(strings.Repeat("a.", 5<<20) + "org"))
	if len(ps) != 1 || len(ps[0].Message) >= 300 {
		t.Errorf("domain of 5 million labels: %.400v", ps)
	}
}

func TestQuoted(t *testing.T) {
	for in, want := range map[string]string{
		"example.org":                 `"example.org"`,
		"a\u202eb":                    `"a\u202eb"`,
		strings.Repeat("x", 60):       `"` + strings.Repeat("x", 60) + `"`,
		strings.Repeat("x", 61):       `"` + strings.Repeat("x", 60) + `…" (61 characters)`,
		strings.Repeat("ü", 100):      `"` + strings.Repeat("ü", 30) + `…" (100 characters)`,
		strings.Repeat("\u200b", 100): `"` + strings.Repeat(`\u200b`, 10) + `…" (100 characters)`,
		strings.Repeat("\xff", 100):   `"` + strings.Repeat(`\xff`, 15) + `…" (100 characters)`,
	} {
		if got := quoted(in); got != want {
			t.Errorf("quoted(%.20q…) = %s, want %s", in, got, want)
		}
	}
}

func TestProblemCaps(t *testing.T) {
	var p problems
	p.add(strings.Repeat("f", 1000), "%s", strings.Repeat("é", 1000))
	got := p.list[0]
	if len(got.Field) > fieldMax || len(got.Message) > messageMax || !utf8.ValidString(got.Message) || !strings.HasSuffix(got.Message, "…") {
		t.Errorf("problem not capped: %d-byte field, %d-byte message ending %q", len(got.Field), len(got.Message), got.Message[len(got.Message)-8:])
	}
}
