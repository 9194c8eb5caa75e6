package config

import (
	"fmt"
	"net/netip"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// idnaProfile maps and checks domain names the way DNS lookups do (UTS #46,
// IDNA2008 with the Bidi rule), without the strict-hostname rule so that our
// own label checks can name the offending character.
var idnaProfile = idna.New(
	idna.MapForLookup(),
	idna.BidiRule(),
	idna.Transitional(false),
	idna.StrictDomainName(false),
)

// idnaTransitional maps names the way IDNA2003 did, which is what
// Prosody's nameprep (libidn) still does: ß becomes "ss", final ς becomes
// σ, and zero-width joiners are deleted.
var idnaTransitional = idna.New(
	idna.MapForLookup(),
	idna.BidiRule(),
	idna.Transitional(true),
	idna.StrictDomainName(false),
)

// maxNameInput is the longest text, in bytes, that can still map to a
// domain name of 253 characters (Unicode labels take up to four bytes a
// character). Longer text is refused without running the mapping over it.
const maxNameInput = 1024

// trimBlank trims ASCII white space. Other spaces (U+00A0…) are hidden
// characters, which names refuse rather than lose.
func trimBlank(s string) string { return strings.Trim(s, " \t\r\n\v\f") }

// NormalizeDomain returns the form of a domain name Prosody and XMPP use:
// lower case, no trailing dot, internationalised labels as Unicode
// (U-labels, what JIDs carry). A name that does not map to a valid domain is
// returned trimmed and lower-cased, for DomainProblem to explain; so is a
// name with a hidden character, which the mapping would delete (U+200B) or
// turn into a space (U+00A0) and so hide from DomainProblem. Normalising
// twice gives the same result as normalising once.
func NormalizeDomain(s string) string {
	s = trimBlank(s)
	// One trailing dot is the DNS root ("example.org."); drop it unless
	// what is left would itself be trimmed next time ("a..", "a .").
	if t, ok := strings.CutSuffix(s, "."); ok && !strings.HasSuffix(t, ".") && t == trimBlank(t) {
		s = t
	}
	if _, hidden := firstHidden(s, nil); hidden || len(s) > maxNameInput {
		return strings.ToLower(s)
	}
	if u, err := idnaProfile.ToUnicode(s); err == nil && DomainProblem(u) == "" {
		return u
	}
	return strings.ToLower(s)
}

// ALabel returns the ASCII (A-label, "xn--") form of a domain, which DNS
// records and certificate SANs need. It returns the input for names that do
// not convert, or are too long to be a name at all; validation refuses those.
func ALabel(domain string) string {
	if len(domain) > maxNameInput {
		return domain
	}
	a, err := idnaProfile.ToASCII(domain)
	if err != nil {
		return domain
	}
	return a
}

// DomainProblem says what is wrong with a domain name per DNS rules, or ""
// when it is a valid name for a Prosody host.
func DomainProblem(d string) string {
	const rules = "letters, digits and hyphens in dot-separated labels"
	if d == "" {
		return "is empty; write a domain name such as example.org"
	}
	q := quoted(d) + " is not a valid domain name: "
	if !utf8.ValidString(d) {
		return q + "it is not valid UTF-8 text"
	}
	for _, r := range d {
		if r == ' ' || r == '\t' {
			return q + fmt.Sprintf("it contains %s; only %s are allowed", runeName(r), rules)
		}
	}
	if r, hidden := hiddenInName(d); hidden {
		return q + "it " + hiddenText(r)
	}
	if n := utf8.RuneCountInString(d); len(d) > maxNameInput {
		return q + fmt.Sprintf("it is %d characters long; at most 253 are allowed", n)
	}
	if _, err := netip.ParseAddr(strings.Trim(d, "[]")); err == nil {
		return q + "it is an IP address; Prosody hosts need a domain name"
	}
	if strings.Contains(d, "@") || strings.Contains(d, "/") || strings.Contains(d, ":") {
		return q + "write only the domain, without a user@, a :port or a /path"
	}
	// Hyphen rules first, so that an ASCII name gets a plain answer rather
	// than the IDNA library's "invalid label".
	for _, l := range strings.Split(d, ".") {
		if msg := hyphenProblem(l); msg != "" {
			return q + msg
		}
	}
	a, err := idnaProfile.ToASCII(d)
	if err != nil {
		return q + "it is not a valid internationalised name (" + strings.TrimPrefix(err.Error(), "idna: ") + ")"
	}
	// The idna package follows UTS #46, which lets symbols such as emoji
	// through; IDNA2008 (what registries and DNS accept) allows only
	// letters, marks, digits and hyphens.
	if u, err := idnaProfile.ToUnicode(a); err == nil {
		for _, r := range u {
			if r != '-' && r != '.' && !unicode.IsLetter(r) && !unicode.IsMark(r) && !unicode.IsDigit(r) && !isJoiner(r) {
				return q + fmt.Sprintf("it contains %s, which internationalised domain names (IDNA2008) do not allow", runeName(r))
			}
		}
	}
	if len(a) > 253 {
		return q + fmt.Sprintf("it is %d characters long in DNS form; at most 253 are allowed", len(a))
	}
	labels := strings.Split(a, ".")
	if len(labels) < 2 && a != "localhost" {
		return q + "it needs at least two labels, such as example.org"
	}
	for _, l := range labels {
		switch {
		case l == "":
			return q + "it has an empty label (two dots in a row, or a dot at the start)"
		case len(l) > 63:
			return q + fmt.Sprintf("the label %s is %d characters long; at most 63 are allowed", quoted(l), len(l))
		case hyphenProblem(l) != "":
			return q + hyphenProblem(l)
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return q + fmt.Sprintf("it contains %s; only %s are allowed", runeName(r), rules)
			}
		}
	}
	if tld := labels[len(labels)-1]; strings.Trim(tld, "0123456789") == "" {
		return q + fmt.Sprintf("the last label %s is all digits, which no top-level domain is", quoted(tld))
	}
	if msg := nameprepProblem(d); msg != "" {
		return quoted(d) + " is a name Prosody and DNS read differently: " + msg
	}
	return ""
}

// isJoiner reports whether r is U+200C ZERO WIDTH NON-JOINER or U+200D
// ZERO WIDTH JOINER.
func isJoiner(r rune) bool { return r == 0x200c || r == 0x200d }

// hiddenInName returns the first hidden character of the domain name d.
// Joiners count as hidden except where IDNA2008 allows them (after a
// virama, in scripts that need them), which nameprepProblem refuses with
// its own reason.
func hiddenInName(d string) (rune, bool) {
	checked, allowed := false, false
	return firstHidden(d, func(r rune) bool {
		if !isJoiner(r) {
			return false
		}
		if !checked {
			checked = true
			if len(d) <= maxNameInput {
				_, err := idnaProfile.ToASCII(d)
				allowed = err == nil
			}
		}
		return allowed
	})
}

// nameprepProblem says how Prosody and DNS would disagree on d, or "".
// Prosody maps host names with IDNA2003 (libidn's nameprep): on 0.12.3,
// "straße.example" is the host "strasse.example". DNS, browsers and
// certificate authorities use IDNA2008, where it is
// "xn--strae-oqa.example". The names differ exactly where the two
// mappings treat ß, final sigma ς and the zero-width joiners differently.
func nameprepProblem(d string) string {
	u, err := idnaProfile.ToUnicode(d)
	if err != nil {
		return ""
	}
	dns, err := idnaProfile.ToASCII(u)
	if err != nil {
		return ""
	}
	old, err := idnaTransitional.ToASCII(u)
	if err != nil || old == dns {
		return ""
	}
	prosody, suggest := old, old
	if oldU, err := idnaProfile.ToUnicode(old); err == nil && oldU != old {
		prosody, suggest = oldU+" ("+old+")", oldU
	}
	return fmt.Sprintf("Prosody (IDNA2003) turns it into %s, while DNS and the certificate get %s (IDNA2008), so they would not agree on the name (ß, final ς and zero-width joiners are where the two differ); write %s if that is the name you mean",
		prosody, dns, suggest)
}

// hyphenProblem says what is wrong with the hyphens of a label, or "".
func hyphenProblem(l string) string {
	switch {
	case l == "":
		return ""
	case l[0] == '-' || l[len(l)-1] == '-':
		return fmt.Sprintf("the label %s starts or ends with a hyphen; a hyphen is allowed only inside a label", quoted(l))
	case len(l) >= 4 && l[2:4] == "--" && !strings.EqualFold(l[:2], "xn") && isASCII(l):
		return fmt.Sprintf("the label %s has \"--\" in the third and fourth places, which DNS reserves for internationalised (xn--) labels", quoted(l))
	}
	return ""
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func runeName(r rune) string {
	switch r {
	case ' ':
		return "a space"
	case '\t':
		return "a tab"
	case '_':
		return `an underscore "_"`
	}
	return fmt.Sprintf("%q", r)
}

// ParentDomain returns host without its first label: the domain a
// component such as conference.example.org belongs to.
func ParentDomain(host string) string {
	_, rest, _ := strings.Cut(host, ".")
	return rest
}

// NormalizeTURNHost returns a TURN host as the rest of the program needs
// it: an IP address in its canonical form (lower case, IPv6 compressed),
// anything else as NormalizeDomain does.
func NormalizeTURNHost(s string) string {
	if addr, err := netip.ParseAddr(trimBlank(s)); err == nil {
		return addr.String()
	}
	return NormalizeDomain(s)
}

// TURNHostProblem says what is wrong with a TURN server's host, or "" when
// it is a valid domain name or an IP address clients can reach: XEP-0215
// and mod_turn_external take either.
func TURNHostProblem(h string) string {
	addr, err := netip.ParseAddr(h)
	if err != nil {
		if inner, ok := strings.CutPrefix(h, "["); ok {
			if _, err := netip.ParseAddr(strings.TrimSuffix(inner, "]")); err == nil {
				return fmt.Sprintf("%s is an IPv6 address in brackets; write it without them", quoted(h))
			}
		}
		return DomainProblem(h)
	}
	switch {
	case addr.Zone() != "":
		return fmt.Sprintf("%s ends in a zone (after the %%), a network device only this machine knows; write the address without it", quoted(h))
	case addr.IsUnspecified(), addr.IsMulticast():
		return fmt.Sprintf("%s is not an address clients can connect to; write the TURN server's public address or name", quoted(h))
	}
	return ""
}
