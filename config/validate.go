package config

import (
	"fmt"
	"net/netip"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

func oneOf(p *problems, field, v, allowed string, values ...string) {
	if !slices.Contains(values, v) {
		if v == "" {
			p.add(field, "is empty; allowed: %s", allowed)
			return
		}
		p.add(field, "%s is not allowed; allowed: %s", quoted(v), allowed)
	}
}

func validateDomains(p *problems, a Answers, hosts []Host) {
	if len(a.Domains) == 0 {
		p.add("domains", "at least one domain is required (the first is the primary), e.g. [example.org]")
	}
	for i, msg := range DomainsProblems(a.Domains) {
		if msg != "" {
			p.add(hosts[i].Field, "%s", msg)
		}
	}
}

// DomainsProblems says what is wrong with each of domains (normalised, see
// NormalizeDomain; the first is the primary), index by index, "" for a
// good one: HostProblem, or the same domain given twice.
func DomainsProblems(domains []string) []string {
	out := make([]string, len(domains))
	seen := map[string]int{}
	for i, d := range domains {
		if msg := DomainProblem(d); msg != "" {
			out[i] = msg
			continue
		}
		ascii := ALabel(d)
		if j, dup := seen[ascii]; dup {
			out[i] = sprintf("%s is the same domain as domains[%d]", quoted(d), j)
			continue
		}
		seen[ascii] = i
		out[i] = storageNameProblem(d)
	}
	return out
}

// HostProblem says what is wrong with a host name, a VirtualHost's or a
// component's, or "": DomainProblem, and the name of the host's data
// folder (see storageNameProblem). Whether two hosts share a name is the
// answers' problem, not one name's.
func HostProblem(host string) string {
	if msg := DomainProblem(host); msg != "" {
		return msg
	}
	return storageNameProblem(host)
}

// storageNameProblem refuses a host whose data folder Prosody could not
// create: Prosody names each host's folder in the data folder after the
// host, with every byte but ASCII letters and digits written as %xx
// (util.datamanager), and a file name may have at most 255 bytes.
func storageNameProblem(host string) string {
	n := 0
	for i := 0; i < len(host); i++ {
		if c := host[i]; c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			n++
		} else {
			n += 3
		}
	}
	if n > 255 {
		return sprintf("Prosody names this host's data folder after it, with every character but letters and digits as %%xx: that name would be %d bytes, and a file name may have at most 255; use a shorter name or fewer dots and hyphens", n)
	}
	return ""
}

// localpartBad holds the characters XMPP forbids in a localpart (RFC 7622).
const localpartBad = "\"&'/:<>@ \t"

func validateAdmins(p *problems, a Answers) {
	for i, msg := range AdminsProblems(a.Admins, a.Domains) {
		if msg != "" {
			p.add(fmt.Sprintf("admins[%d]", i), "%s", msg)
		}
	}
}

// AdminsProblems says what is wrong with each admin's JID (normalised),
// index by index, "" for a good one: AdminProblem, or one listed twice.
func AdminsProblems(jids, domains []string) []string {
	out := make([]string, len(jids))
	seen := map[string]bool{}
	for i, j := range jids {
		if msg := AdminProblem(j, domains); msg != "" {
			out[i] = msg
		} else if seen[j] {
			out[i] = sprintf("%s is listed twice", quoted(j))
		}
		seen[j] = true
	}
	return out
}

// AdminProblem says what is wrong with an admin's JID (normalised, see
// NormalizeJID), or "": it must be an account on one of domains, the
// normalised VirtualHosts, the first the primary.
func AdminProblem(jid string, domains []string) string {
	local, dom, ok := strings.Cut(jid, "@")
	r, hidden := firstHidden(local, nil)
	if !hidden {
		r, hidden = hiddenInName(dom)
	}
	switch {
	case hidden:
		return quoted(jid) + " " + hiddenText(r)
	case !ok || local == "":
		primary := ""
		if len(domains) > 0 {
			primary = domains[0]
		}
		return sprintf("%s is not an account address; write user@domain, e.g. admin@%s", quoted(jid), orExample(primary))
	case strings.ContainsAny(local, localpartBad):
		return sprintf("%s has a character XMPP does not allow before the @ (not allowed: space \" & ' / : < > @)", quoted(jid))
	case len(local) > 1023:
		return "the part before the @ is longer than 1023 bytes"
	case !slices.Contains(domains, dom):
		if len(domains) == 0 {
			return sprintf("%s needs its domain in domains; admins must be local accounts", quoted(jid))
		}
		return sprintf("%s is not on one of your domains (%s); admins must be local accounts", quoted(jid), nameList(domains))
	}
	return ""
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

func validateComponents(p *problems, a Answers, hosts []Host) {
	used := map[string]string{}
	for _, h := range hosts[:len(a.Domains)] {
		used[h.Name] = h.Field
	}
	for _, c := range hosts[len(a.Domains):] {
		bad := DomainProblem(c.Name) != ""
		if bad && inheritsBadPrimary(a, c.Name) {
			continue
		}
		if msg := ComponentProblem(c.Name, used); msg != "" {
			p.add(c.Field, "%s", msg)
		}
		if _, dup := used[c.Name]; !bad && !dup {
			used[c.Name] = c.Field
		}
	}
}

// ComponentProblem says what is wrong with a component's host name
// (normalised), or "": HostProblem, or a name already used, by a
// VirtualHost or an earlier component (used maps each name to its field).
func ComponentProblem(name string, used map[string]string) string {
	if msg := DomainProblem(name); msg != "" {
		return msg + ` (or "" to turn it off)`
	}
	if other, dup := used[name]; dup {
		return sprintf("%s is already used by %s; each VirtualHost and component needs its own name", quoted(name), other)
	}
	return storageNameProblem(name)
}

// maxPath is the longest file path Linux takes (PATH_MAX).
const maxPath = 4096

// TLSFileProblem says what is wrong with the path of a file that
// tls.mode: existing copies (what says which file), or "".
func TLSFileProblem(path, what string) string {
	if path == "" {
		return "is required with tls.mode: existing (" + what + ")"
	}
	if r, hidden := firstHidden(path, nil); hidden {
		return quoted(path) + " " + hiddenText(r)
	}
	if len(path) > maxPath {
		return sprintf("%s is %d bytes long; a file path has at most %d", quoted(path), len(path), maxPath)
	}
	return ""
}

// The files tls.mode: existing copies, as problems name them.
const (
	TLSCertWhat = "the PEM certificate chain file"
	TLSKeyWhat  = "the PEM private key file"
)

func validateTLS(p *problems, a Answers, hosts []Host) {
	oneOf(p, "tls.mode", a.TLS.Mode, "self-signed, existing or letsencrypt", TLSSelfSigned, TLSExisting, TLSLetsEncrypt)
	switch a.TLS.Mode {
	case TLSExisting:
		for _, f := range []struct{ field, v, what string }{{"tls.cert", a.TLS.Cert, TLSCertWhat}, {"tls.key", a.TLS.Key, TLSKeyWhat}} {
			if msg := TLSFileProblem(f.v, f.what); msg != "" {
				p.add(f.field, "%s", msg)
			}
		}
	case TLSLetsEncrypt:
		validateLetsEncrypt(p, a, hosts)
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
const maxSecret = MaxSecretBytes

// MaxSecretBytes is the longest database password or TURN secret, in bytes.
const MaxSecretBytes = 1024

// SecretProblem says why s cannot be a password or shared secret, or "".
// The other side (a DBA's database server, a TURN server) chose it, so any
// one line of text is carried: spaces, quotes, \, $ and ` included, quoted
// for each file that holds it. NUL and line breaks no such file can hold.
func SecretProblem(s string) string {
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
	driver, known := LookupDriver(d.Driver)
	oneOf(p, "database.driver", d.Driver, driverList(), driverNames()...)
	if known && !driver.Network {
		validateUnusedServer(p, a)
	}
	if d.Driver == DriverInternal {
		return
	}
	if msg := DatabaseNameProblem(d.Name); msg != "" {
		p.add("database.name", "%s", msg)
	}
	if !driver.Network {
		return
	}
	if msg := DatabaseNameProblem(d.User); msg != "" {
		p.add("database.user", "%s", msg)
	}
	if msg := SecretProblem(d.Password); msg != "" {
		p.add("database.password", "%s (or leave it empty to generate a strong one)", msg)
	}
	if msg := DatabasePortProblem(d.Port, d.Driver); msg != "" {
		p.add("database.port", "%s", msg)
	}
	if msg := DatabaseHostProblem(d.Host, a.Deploy); msg != "" {
		p.add("database.host", "%s", msg)
	}
}

// DatabaseHostProblem says what is wrong with database.host for a kind of
// deployment, or "": a host name, an IP address or a compose service's
// name; empty stands for the compose service the repo runs, which a host
// install does not have.
func DatabaseHostProblem(host, deploy string) string {
	switch {
	case host == "" && deploy == DeployHost:
		return "is required with deploy: host (the database server's name or address, e.g. localhost)"
	case host == "" && deploy == DeployKubernetes:
		return "is required with deploy: kubernetes (the database server's name or address as the pod reaches it, e.g. postgres.db.svc.cluster.local)"
	case host == "":
		return ""
	}
	if r, hidden := firstHidden(host, nil); hidden {
		return quoted(host) + " " + hiddenText(r)
	}
	if _, err := netip.ParseAddr(host); err != nil && DomainProblem(host) != "" && !dbServiceName().MatchString(host) {
		return sprintf("%s is neither a host name nor an IP address", quoted(host))
	}
	return ""
}

// OutProblem says what is wrong with an output folder for a kind of
// deployment, or "". It is no answer (the answers file does not hold it;
// --out and the wizard give it), but it is checked the same way for both.
// A host install writes into / (or a copy of a system root, for a test);
// a compose repo needs a folder of its own.
func OutProblem(out, deploy string) string {
	if out == "" {
		return "is empty; give a folder (compose, kubernetes: ./<primary domain>; host: /)"
	}
	if r, hidden := firstHidden(out, nil); hidden {
		return quoted(out) + " " + hiddenText(r)
	}
	if len(out) > maxPath {
		return sprintf("%s is %d bytes long; a file path has at most %d", quoted(out), len(out), maxPath)
	}
	if deploy != DeployHost && path.Clean(out) == "/" {
		return "is the root folder; a " + deploy + " repo needs a folder of its own, e.g. ./example.org (a host install, deploy: host, writes into /)"
	}
	return ""
}

// DatabaseNameProblem says what is wrong with a database or user name
// (database.name, database.user), or "".
func DatabaseNameProblem(name string) string {
	if dbIdentifier().MatchString(name) {
		return ""
	}
	return sprintf("%s is not allowed; use 1–63 letters, digits and underscores, starting with a letter or underscore", quoted(name))
}

// DatabasePortProblem says what is wrong with database.port for a driver,
// or "": 0 stands for the driver's default.
func DatabasePortProblem(port int, driver string) string {
	if port >= 0 && port <= 65535 {
		return ""
	}
	def, _ := LookupDriver(driver)
	return sprintf("%d is not a port; use 1–65535, or 0 for the default (%d)", port, def.Port)
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
		field, msg string
	}{{"owner.uid", UIDProblem(o.UID)}, {"owner.gid", GIDProblem(o.GID)}} {
		if f.msg != "" {
			bad = true
			p.add(f.field, "%s", f.msg)
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

// UIDProblem says what is wrong with owner.uid, or "": a user id, never
// root's, or -1 to choose.
func UIDProblem(id int) string {
	if id == 0 {
		return "0 is root, and Prosody refuses to run as root; use a normal user's id, or -1 to choose automatically"
	}
	return GIDProblem(id)
}

// GIDProblem says what is wrong with owner.gid, or "": a group id, or -1
// to choose.
func GIDProblem(id int) string {
	if id < -1 || id > 1<<31-2 {
		return sprintf("%d is not a valid id; use 1–2147483646, or -1 to choose automatically", id)
	}
	return ""
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
	if msg := SecretProblem(t.Secret); msg != "" {
		p.add("turn.secret", "%s (or leave it empty to generate a strong one)", msg)
	} else if a.Deploy == DeployHost && t.Secret != strings.Trim(t.Secret, " ") {
		// Seen with Debian's coturn 4.6.1: the secret then never matches.
		p.add("turn.secret", "starts or ends with a space, which coturn's config file (where a host install keeps the secret) drops; remove the spaces around it")
	}
}
