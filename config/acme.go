package config

import (
	"fmt"
	"net/mail"
	"strings"
)

// Let's Encrypt issues certificates only for names under a public top-level
// domain, and refuses ACME accounts whose contact address is on a reserved
// domain. Names for testing, documentation and local networks can never get
// a certificate, so the setup would keep its self-signed placeholder.

// reservedTLDs are the top-level domains set aside for special uses, and
// where each is set aside.
var reservedTLDs = map[string]string{
	"test":      "for testing (RFC 2606)",
	"example":   "for documentation (RFC 2606)",
	"invalid":   "for invalid names (RFC 2606)",
	"localhost": "for this machine (RFC 6761)",
	"local":     "for multicast DNS on a local network (RFC 6762)",
	"onion":     "for Tor onion services (RFC 7686)",
	"internal":  "for private networks (ICANN)",
	"arpa":      "for the DNS infrastructure, home.arpa for home networks (RFC 8375)",
	"alt":       "for names outside DNS (RFC 9476)",
}

// exampleDomains are the second-level domains reserved for documentation
// (RFC 2606).
var exampleDomains = []string{"example.com", "example.net", "example.org"}

// notPublic says why host (a valid domain name, in DNS form) is not a
// public name a certificate authority can issue for, as the end of a
// sentence about it, or "" when it may be one.
func notPublic(host string) string {
	h := strings.ToLower(host)
	labels := strings.Split(h, ".")
	tld := labels[len(labels)-1]
	switch {
	case h == "localhost":
		return "is this machine's own name"
	case len(labels) < 2:
		return "is a single-label name, which only a local network resolves"
	case reservedTLDs[tld] != "":
		return fmt.Sprintf("is under .%s, which is reserved %s", tld, reservedTLDs[tld])
	}
	for _, e := range exampleDomains {
		if h == e {
			return "is reserved for documentation (RFC 2606)"
		}
		if strings.HasSuffix(h, "."+e) {
			return fmt.Sprintf("is under %s, which is reserved for documentation (RFC 2606)", e)
		}
	}
	return ""
}

// validateLetsEncrypt checks what tls.mode: letsencrypt needs: a public
// name for every host the certificate covers, and an ACME contact address
// Let's Encrypt accepts.
func validateLetsEncrypt(p *problems, a Answers, hosts []Host) {
	const fix = "use a public domain you own, or tls.mode: self-signed or existing"
	var refused []string
	under := func(host string) bool {
		for _, r := range refused {
			if host == r || strings.HasSuffix(host, "."+r) {
				return true
			}
		}
		return false
	}
	for _, h := range hosts {
		// A name with a problem of its own, or under a name refused
		// here already, is reported once, there.
		if DomainProblem(h.Name) != "" || under(h.Name) {
			continue
		}
		if why := notPublic(h.ASCII); why != "" {
			p.add(h.Field, "%s %s, so Let's Encrypt cannot issue a certificate for it; %s", quoted(h.Name), why, fix)
			refused = append(refused, h.Name)
		}
	}
	if msg := ACMEEmailProblem(a.TLS.Email); msg != "" {
		p.add("tls.email", "%s", msg)
	}
}

// maxEmail is the longest e-mail address SMTP carries (RFC 5321).
const maxEmail = 254

// ACMEEmailProblem says what is wrong with tls.email, the ACME account's
// contact address, as Let's Encrypt will see it, or "".
func ACMEEmailProblem(email string) string {
	if email == "" {
		return "is required with tls.mode: letsencrypt (the ACME account e-mail)"
	}
	if r, hidden := firstHidden(email, nil); hidden {
		return quoted(email) + " " + hiddenText(r)
	}
	if len(email) > maxEmail {
		return sprintf("%s is longer than %d bytes, the most an e-mail address can have", quoted(email), maxEmail)
	}
	if addr, err := mail.ParseAddress(email); err != nil || addr.Address != email {
		return sprintf("%s is not an e-mail address like admin@example.org", quoted(email))
	}
	dom := NormalizeDomain(email[strings.LastIndex(email, "@")+1:])
	why := notPublic(ALabel(dom))
	if why == "" && DomainProblem(dom) != "" {
		why = "is not a valid domain name"
	}
	if why != "" {
		return sprintf("%s is on %s, which %s, and Let's Encrypt refuses such contact addresses; use an address on a public domain, or tls.mode: self-signed or existing",
			quoted(email), quoted(dom), why)
	}
	return ""
}
