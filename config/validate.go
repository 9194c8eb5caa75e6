package config

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Validate checks normalised answers and returns every problem at once, each
// naming its field and saying what is allowed. No problems means scaffold
// can plan the setup.
func Validate(a Answers) Problems {
	var p problems
	if a.Version != Version {
		p.add("version", "%d is not supported; this prosody-wizard reads version %d", a.Version, Version)
	}
	oneOf(&p, "prosody", string(a.Prosody), `"0.12" (Debian bookworm) or "13.0" (bookworm-backports)`, string(Series012), string(Series13))
	oneOf(&p, "deploy", a.Deploy, "compose or host", DeployCompose, DeployHost)
	oneOf(&p, "registration", a.Registration, "closed, invite or open", RegistrationClosed, RegistrationInvite, RegistrationOpen)
	validateDomains(&p, a)
	validateAdmins(&p, a)
	validateComponents(&p, a)
	validateTLS(&p, a)
	validateDatabase(&p, a)
	validatePorts(&p, a)
	validateOwner(&p, a)
	validateTURN(&p, a)
	if a.Prosody == Series012 || a.Prosody == Series13 {
		_, mp := ResolveModules(a)
		p.list = append(p.list, mp...)
	}
	return p.list
}

func oneOf(p *problems, field, v, allowed string, values ...string) {
	if !slices.Contains(values, v) {
		if v == "" {
			p.add(field, "is empty; allowed: %s", allowed)
			return
		}
		p.add(field, "%s is not allowed; allowed: %s", quoted(v), allowed)
	}
}

func validateDomains(p *problems, a Answers) {
	if len(a.Domains) == 0 {
		p.add("domains", "at least one domain is required (the first is the primary), e.g. [example.org]")
	}
	seen := map[string]int{}
	for i, d := range a.Domains {
		field := fmt.Sprintf("domains[%d]", i)
		if msg := DomainProblem(d); msg != "" {
			p.add(field, "%s", msg)
			continue
		}
		if j, dup := seen[ALabel(d)]; dup {
			p.add(field, "%s is the same domain as domains[%d]", quoted(d), j)
			continue
		}
		seen[ALabel(d)] = i
		storageNameProblem(p, field, d)
	}
}

// storageNameProblem refuses a host whose data folder Prosody could not
// create: Prosody names each host's folder in the data folder after the
// host, with every byte but ASCII letters and digits written as %xx
// (util.datamanager), and a file name may have at most 255 bytes.
func storageNameProblem(p *problems, field, host string) {
	n := 0
	for i := 0; i < len(host); i++ {
		if c := host[i]; c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			n++
		} else {
			n += 3
		}
	}
	if n > 255 {
		p.add(field, "Prosody names this host's data folder after it, with every character but letters and digits as %%xx: that name would be %d bytes, and a file name may have at most 255; use a shorter name or fewer dots and hyphens", n)
	}
}

// localpartBad holds the characters XMPP forbids in a localpart (RFC 7622).
const localpartBad = "\"&'/:<>@ \t"

func validateAdmins(p *problems, a Answers) {
	domains := map[string]bool{}
	for _, d := range a.Domains {
		domains[d] = true
	}
	seen := map[string]bool{}
	for i, j := range a.Admins {
		field := fmt.Sprintf("admins[%d]", i)
		local, dom, ok := strings.Cut(j, "@")
		r, hidden := firstHidden(local, nil)
		if !hidden {
			r, hidden = hiddenInName(dom)
		}
		switch {
		case hidden:
			p.add(field, "%s %s", quoted(j), hiddenText(r))
		case !ok || local == "":
			p.add(field, "%s is not an account address; write user@domain, e.g. admin@%s", quoted(j), orExample(a.Primary()))
		case strings.ContainsAny(local, localpartBad):
			p.add(field, "%s has a character XMPP does not allow before the @ (not allowed: space \" & ' / : < > @)", quoted(j))
		case len(local) > 1023:
			p.add(field, "the part before the @ is longer than 1023 bytes")
		case !domains[dom]:
			if len(a.Domains) == 0 {
				p.add(field, "%s needs its domain in domains; admins must be local accounts", quoted(j))
			} else {
				p.add(field, "%s is not on one of your domains (%s); admins must be local accounts", quoted(j), nameList(a.Domains))
			}
		case seen[j]:
			p.add(field, "%s is listed twice", quoted(j))
		}
		seen[j] = true
	}
}

func orExample(d string) string {
	if d == "" {
		return "example.org"
	}
	return d
}

// inheritsBadPrimary reports whether host is a default derived from a
// primary domain that is itself refused (a component host, or the TURN
// host, left out of the answers): domains[0] already says what is wrong.
func inheritsBadPrimary(a Answers, host string) bool {
	primary := a.Primary()
	if primary == "" || DomainProblem(primary) == "" {
		return false
	}
	derived := DefaultComponents(primary)
	return host == derived.MUC || host == derived.Upload || host == primary
}

func validateComponents(p *problems, a Answers) {
	hosts := map[string]string{}
	for i, d := range a.Domains {
		hosts[d] = fmt.Sprintf("domains[%d]", i)
	}
	for _, c := range componentHosts(a) {
		if msg := DomainProblem(c.host); msg != "" {
			if !inheritsBadPrimary(a, c.host) {
				p.add(c.field, "%s (or \"\" to turn it off)", msg)
			}
			continue
		}
		if other, dup := hosts[c.host]; dup {
			p.add(c.field, "%s is already used by %s; each VirtualHost and component needs its own name", quoted(c.host), other)
			continue
		}
		hosts[c.host] = c.field
		storageNameProblem(p, c.field, c.host)
	}
}

// componentHost is a component that is on, with its answers field.
type componentHost struct{ field, host string }

// componentHosts lists the components that are on, in answers order.
func componentHosts(a Answers) []componentHost {
	var on []componentHost
	for _, c := range []componentHost{
		{"components.muc", a.Components.MUC},
		{"components.upload", a.Components.Upload},
		{"components.proxy65", a.Components.Proxy65},
	} {
		if c.host != "" {
			on = append(on, c)
		}
	}
	return on
}

// maxPath is the longest file path Linux takes (PATH_MAX).
const maxPath = 4096

// validatePath checks the file path v, the answer of field, which
// tls.mode: existing requires: what is the file.
func validatePath(p *problems, field, v, what string) {
	switch {
	case v == "":
		p.add(field, "is required with tls.mode: existing (%s)", what)
	case hiddenCheck(p, field, v):
	case len(v) > maxPath:
		p.add(field, "%s is %d bytes long; a file path has at most %d", quoted(v), len(v), maxPath)
	}
}

func validateTLS(p *problems, a Answers) {
	oneOf(p, "tls.mode", a.TLS.Mode, "self-signed, existing or letsencrypt", TLSSelfSigned, TLSExisting, TLSLetsEncrypt)
	switch a.TLS.Mode {
	case TLSExisting:
		validatePath(p, "tls.cert", a.TLS.Cert, "the PEM certificate chain file")
		validatePath(p, "tls.key", a.TLS.Key, "the PEM private key file")
	case TLSLetsEncrypt:
		validateLetsEncrypt(p, a)
	}
	if a.TLS.Mode != TLSExisting {
		for _, f := range []struct{ field, v string }{{"tls.cert", a.TLS.Cert}, {"tls.key", a.TLS.Key}} {
			if f.v != "" {
				p.add(f.field, "is only used with tls.mode: existing; remove it or change the mode")
			}
		}
	}
	if a.TLS.Mode != TLSLetsEncrypt && a.TLS.Email != "" {
		p.add("tls.email", "is only used with tls.mode: letsencrypt (the ACME account e-mail); remove it or change the mode")
	}
}

// dbIdentifier matches a database or user name: an SQL identifier that
// needs no quoting. Like dbServiceName it is compiled on first use, not at
// package init: counted repeats make both regexps dear to compile.
var dbIdentifier = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)
})

// maxSecret is the longest database password or TURN secret, in bytes.
const maxSecret = 1024

// secretProblem says why s cannot be a password or shared secret, or "".
// The other side (a DBA's database server, a TURN server) chose it, so any
// one line of text is carried: spaces, quotes, \, $ and ` included, quoted
// for each file that holds it. NUL and line breaks no such file can hold.
func secretProblem(s string) string {
	if !utf8.ValidString(s) {
		return "is not valid UTF-8 text"
	}
	if len(s) > maxSecret {
		return fmt.Sprintf("is %d bytes long; at most %d are allowed", len(s), maxSecret)
	}
	for _, r := range s {
		switch {
		case r == 0:
			return "contains a NUL character (U+0000), which no config file or environment variable can hold"
		case r == '\n' || r == '\r' || r == 0x85 || r == 0x2028 || r == 0x2029:
			return fmt.Sprintf("contains a line break (%U); it must be one line of text", r)
		case unicode.IsControl(r):
			return fmt.Sprintf("contains the control character %U; only printable text is allowed", r)
		}
	}
	return ""
}

func validateDatabase(p *problems, a Answers) {
	d := a.Database
	oneOf(p, "database.driver", d.Driver, "internal, sqlite, postgres or mysql", DriverInternal, DriverSQLite, DriverPostgres, DriverMySQL)
	if d.Driver == DriverInternal || d.Driver == DriverSQLite {
		validateUnusedServer(p, a)
	}
	if d.Driver == DriverInternal {
		return
	}
	if !dbIdentifier().MatchString(d.Name) {
		p.add("database.name", "%s is not allowed; use 1–63 letters, digits and underscores, starting with a letter or underscore", quoted(d.Name))
	}
	if !a.NetworkDB() {
		return
	}
	if !dbIdentifier().MatchString(d.User) {
		p.add("database.user", "%s is not allowed; use 1–63 letters, digits and underscores, starting with a letter or underscore", quoted(d.User))
	}
	if msg := secretProblem(d.Password); msg != "" {
		p.add("database.password", "%s (or leave it empty to generate a strong one)", msg)
	}
	if d.Port < 0 || d.Port > 65535 {
		def := a
		def.Database.Port = 0
		p.add("database.port", "%d is not a port; use 1–65535, or 0 for the default (%d)", d.Port, def.DBPort())
	}
	switch {
	case d.Host == "" && a.Deploy == DeployHost:
		p.add("database.host", "is required with deploy: host (the database server's name or address, e.g. localhost)")
	case d.Host != "" && !hiddenCheck(p, "database.host", d.Host):
		if _, err := netip.ParseAddr(d.Host); err != nil && DomainProblem(d.Host) != "" && !dbServiceName().MatchString(d.Host) {
			p.add("database.host", "%s is neither a host name nor an IP address", quoted(d.Host))
		}
	}
}

// validateUnusedServer refuses the database server's answers with a
// driver that has no server (internal, sqlite): they would be ignored, and
// a person who wrote them meant another setup.
func validateUnusedServer(p *problems, a Answers) {
	d := a.Database
	for _, f := range []struct {
		field string
		set   bool
	}{{"database.host", d.Host != ""}, {"database.port", d.Port != 0}, {"database.password", d.Password != ""}} {
		if f.set {
			p.add(f.field, "is only used with database.driver: postgres or mysql, not %s; remove it or change the driver", d.Driver)
		}
	}
}

// dbServiceName accepts single-label names such as a compose service.
var dbServiceName = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
})

func validateOwner(p *problems, a Answers) {
	o := a.Owner
	bad := false
	for _, f := range []struct {
		field string
		v     int
	}{{"owner.uid", o.UID}, {"owner.gid", o.GID}} {
		switch {
		case f.v < -1 || f.v > 1<<31-2:
			bad = true
			p.add(f.field, "%d is not a valid id; use 1–2147483646, or -1 to choose automatically", f.v)
		case f.v == 0 && f.field == "owner.uid":
			bad = true
			p.add(f.field, "0 is root, and Prosody refuses to run as root; use a normal user's id, or -1 to choose automatically")
		}
	}
	switch {
	case bad:
	case o.UID != -1 && o.GID == -1:
		p.add("owner.gid", "is -1 (choose) but owner.uid is %d; set both uid and gid, or leave both at -1 to choose automatically", o.UID)
	case o.UID == -1 && o.GID != -1:
		p.add("owner.uid", "is -1 (choose) but owner.gid is %d; set both uid and gid, or leave both at -1 to choose automatically", o.GID)
	}
}

// turnRelayPorts is the UDP range the generated coturn relays media on.
const (
	TURNRelayMin = 49152
	TURNRelayMax = 49407
)

func validateTURN(p *problems, a Answers) {
	t := a.TURN
	if t.Host == "" {
		if t.Secret != "" {
			p.add("turn.secret", "is only used when turn.host is set")
		}
		return
	}
	if msg := TURNHostProblem(t.Host); msg != "" && !inheritsBadPrimary(a, t.Host) {
		p.add("turn.host", "%s (or \"\" to turn calls support off)", msg)
	}
	if t.Port < 1 || t.Port > 65535 {
		p.add("turn.port", "%d is not a port; use 1–65535 (3478 is the standard TURN port)", t.Port)
	}
	if msg := secretProblem(t.Secret); msg != "" {
		p.add("turn.secret", "%s (or leave it empty to generate a strong one)", msg)
	}
}
