package config

import (
	"fmt"
	"net/url"
	"strings"
)

// Contact holds the addresses the server publishes for people to reach
// its operators (XEP-0157, Contact Addresses for XMPP Services), by what
// they are for. Each is a URI: mailto:, xmpp: or https:. Prosody's
// mod_server_contact_info serves them in the server's service discovery
// (a data form, XEP-0128), where clients, other servers' admins and the
// compliance testers look for the abuse address. Added to schema version 1
// after the first release: a key left out takes DefaultContact's value.
type Contact struct {
	Abuse    []string `yaml:"abuse"`    // where to report spam and abuse
	Admin    []string `yaml:"admin"`    // the operators
	Security []string `yaml:"security"` // where to report security problems
	Support  []string `yaml:"support"`  // where users get help
}

// kinds are the keys of contact, in schema order, each with the list
// that holds its addresses.
func (c *Contact) kinds() []struct {
	Name string
	List *[]string
} {
	return []struct {
		Name string
		List *[]string
	}{{"abuse", &c.Abuse}, {"admin", &c.Admin}, {"security", &c.Security}, {"support", &c.Support}}
}

// ContactList is one kind of contact address and its addresses.
type ContactList struct {
	Name string // the key: abuse, admin, security, support
	URIs []string
}

// Lists are the contact addresses by kind, in schema order (the order
// Prosody's contact_info is written in).
func (c Contact) Lists() []ContactList {
	var out []ContactList
	for _, k := range c.kinds() {
		out = append(out, ContactList{Name: k.Name, URIs: *k.List})
	}
	return out
}

// DefaultContact is the contact addresses when the answers do not give
// them: the admins' accounts as xmpp: URIs, for abuse and admin alike.
// They are the only addresses known to exist (the accounts live on this
// server, and prosody-wizard's next steps create the first); an e-mail
// address such as abuse@<domain> (RFC 2142) would be a guess, since the
// domain may have no mail. Without admins there is no default.
func DefaultContact(admins []string) Contact {
	uris := make([]string, 0, len(admins))
	for _, a := range admins {
		uris = append(uris, XMPPURI(a))
	}
	return Contact{Abuse: uris, Admin: append([]string{}, uris...), Security: []string{}, Support: []string{}}
}

// XMPPURI is an account's xmpp: URI (RFC 5122): the localpart's bytes
// that a URI may not carry as they are (a backtick, a backslash, ? # % and
// the like, which a JID allows) percent-encoded, the rest as it is
// (Unicode stays, as an IRI has it).
func XMPPURI(jid string) string {
	local, dom, ok := strings.Cut(jid, "@")
	if !ok {
		return "xmpp:" + jid
	}
	var b strings.Builder
	for i := 0; i < len(local); i++ {
		c := local[i]
		if c >= 0x80 || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~!$()*+,;=", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return "xmpp:" + b.String() + "@" + dom
}

// NormalizeContactURI returns a contact address as the answers keep it:
// trimmed, its scheme in lower case.
func NormalizeContactURI(u string) string {
	u = trimBlank(u)
	if scheme, rest, ok := strings.Cut(u, ":"); ok && !strings.ContainsAny(scheme, "/?#@") {
		return strings.ToLower(scheme) + ":" + rest
	}
	return u
}

// maxContactURI is the longest contact address, in bytes.
const maxContactURI = 1024

// ContactURIProblem says what is wrong with one contact address
// (normalised), or "": a mailto: address with a mailbox, an xmpp: address
// of an account, a room or a server, or an https: page. It is written into
// prosody.cfg.lua as a Lua string and served to anyone who asks, so it must
// be one printable line.
func ContactURIProblem(u string) string {
	const want = "use mailto:, xmpp: or https:, e.g. mailto:abuse@example.org or xmpp:admin@example.org"
	if u == "" {
		return "is empty; " + want
	}
	if r, hidden := firstHidden(u, nil); hidden {
		return quoted(u) + " " + hiddenText(r)
	}
	if len(u) > maxContactURI {
		return sprintf("is %d bytes long; at most %d are allowed", len(u), maxContactURI)
	}
	if strings.ContainsAny(u, " \t\"`<>\\") {
		return sprintf("%s has a space, a quote, a backtick, < > or \\, which an address does not have (write them %%-encoded: a space as %%20)", quoted(u))
	}
	scheme, rest, _ := strings.Cut(u, ":")
	switch scheme {
	case "mailto":
		return mailtoProblem(u, rest)
	case "xmpp":
		return xmppURIProblem(u, rest)
	case "https":
		p, err := url.Parse(u)
		switch {
		case err != nil || p.Opaque != "":
			return sprintf("%s is not a web address; write https://host/path", quoted(u))
		case p.User != nil:
			return sprintf("%s has a user or password before the host; leave it out", quoted(u))
		case DomainProblem(NormalizeDomain(p.Hostname())) != "":
			return sprintf("%s does not name a host (%s)", quoted(u), DomainProblem(NormalizeDomain(p.Hostname())))
		}
		return ""
	}
	return sprintf("%s is not an address clients can open; %s", quoted(u), want)
}

// mailtoProblem checks a mailto: address: one mailbox, then optional
// header fields (?subject=…).
func mailtoProblem(u, rest string) string {
	addr, _, _ := strings.Cut(rest, "?")
	local, dom, ok := strings.Cut(addr, "@")
	if !ok || local == "" || strings.Contains(dom, "@") {
		return sprintf("%s needs one mailbox, e.g. mailto:abuse@example.org", quoted(u))
	}
	if msg := DomainProblem(NormalizeDomain(dom)); msg != "" {
		return sprintf("%s: the mail domain %s", quoted(u), msg)
	}
	return ""
}

// xmppURIProblem checks an xmpp: address (RFC 5122): a JID, user@domain
// or a bare domain, then an optional ?action. The authority form
// (xmpp://…) names the account to send from, which a contact does not.
func xmppURIProblem(u, rest string) string {
	if strings.HasPrefix(rest, "//") {
		return sprintf("%s: write the address without //, e.g. xmpp:admin@example.org", quoted(u))
	}
	jid, _, _ := strings.Cut(rest, "?")
	jid, _, _ = strings.Cut(jid, "/") // a resource is allowed
	local, dom, hasLocal := strings.Cut(jid, "@")
	if !hasLocal {
		local, dom = "", jid
	}
	decoded, err := url.PathUnescape(local)
	switch {
	case hasLocal && local == "":
		return sprintf("%s has nothing before the @", quoted(u))
	case err != nil:
		return sprintf("%s has a %% that does not start a %%XX escape", quoted(u))
	case strings.ContainsAny(decoded, localpartBad):
		return sprintf("%s has a character XMPP does not allow before the @ (not allowed: space \" & ' / : < > @)", quoted(u))
	}
	if msg := DomainProblem(NormalizeDomain(dom)); msg != "" {
		return sprintf("%s: the domain %s", quoted(u), msg)
	}
	return ""
}

func validateContact(p *problems, a Answers) {
	c := a.Contact
	for _, k := range c.kinds() {
		seen := map[string]bool{}
		for i, u := range *k.List {
			field := sprintf("contact.%s[%d]", k.Name, i)
			if msg := ContactURIProblem(u); msg != "" {
				p.add(field, "%s", msg)
			} else if seen[u] {
				p.add(field, "%s is listed twice", quoted(u))
			}
			seen[u] = true
		}
	}
}
