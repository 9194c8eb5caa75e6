package config

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzDefaultContactIsValid: for any admin validation accepts, the
// contact address derived from it (DefaultContact) is one validation
// accepts too, and it names that very account once decoded; an admin of
// a shape the wizard suggests must never make the answers invalid.
func FuzzDefaultContactIsValid(f *testing.F) {
	for _, s := range []string{"admin", "o`brien$(id)", `a\b`, "a?b#c%d", "jürgen", "x[y]{z}|^", "~!$()*+,;=", "\u00e9"} {
		f.Add(s)
	}
	domains := []string{"example.org", "münchen.de"}
	f.Fuzz(func(t *testing.T, local string) {
		for _, d := range domains {
			jid := NormalizeJID(local + "@" + d)
			if AdminProblem(jid, domains) != "" {
				continue
			}
			u := DefaultContact([]string{jid}).Abuse[0]
			if msg := ContactURIProblem(NormalizeContactURI(u)); msg != "" {
				t.Fatalf("admin %q: its contact address %q is refused: %s", jid, u, msg)
			}
			back, err := url.PathUnescape(strings.TrimPrefix(u, "xmpp:"))
			if err != nil || back != jid {
				t.Fatalf("admin %q: %q decodes to %q (%v)", jid, u, back, err)
			}
		}
	})
}
