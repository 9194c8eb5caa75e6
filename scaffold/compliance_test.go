package scaffold

import (
	"path"
	"slices"
	"strings"
	"testing"

	"prosody-wizard/config"
)

// TestHostTURNSharesTheSecret: a host install with TURN gets coturn's
// config beside Prosody's, kept like the config (it holds the secret), and
// the systemd drop-in that runs Debian's coturn with it; coturn's file
// carries the very secret prosody.cfg.lua hands to Prosody, byte for byte,
// whatever printable text it is.
func TestHostTURNSharesTheSecret(t *testing.T) {
	for _, secret := range []string{"plain", `a b#c"d'$x\y=z;`, "ünïcode-sécret", "x  two  spaces  x"} {
		a := config.Defaults()
		a.Deploy = config.DeployHost
		a.Domains = []string{"example.org"}
		a.TURN = config.TURN{Host: "example.org", Port: 3478, Secret: secret}
		if p := config.Validate(a); len(p) > 0 {
			t.Fatalf("%q: %v", secret, p)
		}
		p, err := planAnswers(a, goldenInputs(a))
		if err != nil {
			t.Fatal(err)
		}
		turn, ok := p.File(hostTURNConfig)
		if !ok {
			t.Fatalf("no %s in the plan", hostTURNConfig)
		}
		cfgFile, _ := p.File(path.Join(hostConfigDir, "prosody.cfg.lua"))
		if turn.Mode != cfgFile.Mode || turn.UID != 0 || turn.GID != cfgFile.GID || !turn.Secret {
			t.Errorf("%s is %04o %d:%d secret %v; want it kept like prosody.cfg.lua (%04o 0:%d), secret", turn.Path, turn.Mode, turn.UID, turn.GID, turn.Secret, cfgFile.Mode, cfgFile.GID)
		}
		var lines []string
		for _, l := range strings.Split(string(turn.Data), "\n") {
			if strings.HasPrefix(l, "static-auth-secret=") || l == "use-auth-secret" || strings.HasPrefix(l, "realm=") {
				lines = append(lines, l)
			}
		}
		want := []string{"realm=example.org", "use-auth-secret", "static-auth-secret=" + secret}
		if !slices.Equal(lines, want) {
			t.Errorf("coturn's config says %q, want %q", lines, want)
		}
		got := loadProsodyConfig(t, cfgFile.Data, nil)["*"]["turn_external_secret"]
		if got != secret {
			t.Errorf("prosody.cfg.lua's turn_external_secret is %q, coturn's %q", got, secret)
		}
		dropIn, ok := p.File(hostTURNDropIn)
		if !ok || !strings.Contains(string(dropIn.Data), "\nLoadCredential=turnserver.conf:/"+hostTURNConfig+"\n") ||
			!strings.Contains(string(dropIn.Data), "\nExecStart=\nExecStart=/usr/bin/turnserver -c %d/turnserver.conf --pidfile=\n") {
			t.Errorf("the drop-in does not run coturn with %s:\n%s", hostTURNConfig, dropIn.Data)
		}
	}
	// Without TURN, neither file.
	a := config.Defaults()
	a.Deploy = config.DeployHost
	a.Domains = []string{"example.org"}
	p, err := planAnswers(a, goldenInputs(a))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{hostTURNConfig, hostTURNDropIn} {
		if _, ok := p.File(f); ok {
			t.Errorf("%s is planned without TURN", f)
		}
	}
}

// TestContactInfo: contact_info publishes each kind of address that has
// any, as Lua reads it back; emptied, it is there and empty (Prosody would
// otherwise publish the admins); without mod_server_contact_info it is
// not written, and without an abuse address the notes say so.
func TestContactInfo(t *testing.T) {
	base := config.Defaults()
	base.Domains = []string{"example.org"}
	base.Admins = []string{"admin@example.org"}
	for _, c := range []struct {
		name    string
		change  func(a *config.Answers)
		want    map[string][]string // nil: no contact_info
		warning bool
	}{
		{"defaults", func(a *config.Answers) { a.Contact = config.DefaultContact(a.Admins) },
			map[string][]string{"abuse": {"xmpp:admin@example.org"}, "admin": {"xmpp:admin@example.org"}}, false},
		{"every kind", func(a *config.Answers) {
			a.Contact = config.Contact{Abuse: []string{"mailto:abuse@example.org", "xmpp:abuse@example.org"}, Admin: []string{"xmpp:admin@example.org"},
				Security: []string{"https://example.org/security?a=1&b='2'"}, Support: []string{"xmpp:support@conference.example.org?join"}}
		}, map[string][]string{"abuse": {"mailto:abuse@example.org", "xmpp:abuse@example.org"}, "admin": {"xmpp:admin@example.org"},
			"security": {"https://example.org/security?a=1&b='2'"}, "support": {"xmpp:support@conference.example.org?join"}}, false},
		{"emptied", func(a *config.Answers) { a.Contact = config.Contact{} }, map[string][]string{}, true},
		{"module off", func(a *config.Answers) {
			a.Contact = config.DefaultContact(a.Admins)
			a.Modules.Disable = []string{"server_contact_info"}
		}, nil, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := base
			c.change(&a)
			if p := config.Validate(a); len(p) > 0 {
				t.Fatal(p)
			}
			p, err := planAnswers(a, goldenInputs(a))
			if err != nil {
				t.Fatal(err)
			}
			f, _ := p.File("prosody/prosody.cfg.lua")
			got, there := loadProsodyConfig(t, f.Data, nil)["*"]["contact_info"]
			switch {
			case c.want == nil && there:
				t.Errorf("contact_info = %v without the module", got)
			case c.want != nil:
				m, _ := got.(map[string]any)
				if !there || len(m) != len(c.want) {
					t.Fatalf("contact_info = %#v, want %v", got, c.want)
				}
				for k, v := range c.want {
					if !slices.Equal(strs(m[k]), v) {
						t.Errorf("contact_info.%s = %q, want %q", k, strs(m[k]), v)
					}
				}
			}
			warned := slices.ContainsFunc(p.Warnings, func(w string) bool { return strings.Contains(w, "contact.abuse") })
			if warned != c.warning {
				t.Errorf("warning about no abuse address: %v, want %v (%q)", warned, c.warning, p.Warnings)
			}
		})
	}
}
