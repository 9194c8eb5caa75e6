package scaffold

import (
	"slices"
	"strings"
	"testing"

	"prosody-wizard/config"
)

// TestFirstAccount: the command that makes the first admin, for each
// series and deploy: 0.12 asks for the password (prosodyctl adduser,
// offline), 13.0 prints an invitation through the running server, and
// falls back to adduser when the invitation modules are disabled. The
// summary's step and the README carry exactly that command.
func TestFirstAccount(t *testing.T) {
	for _, tc := range []struct {
		name, answers string
		want          string
		invite        bool
		admin         bool
	}{
		{"13.0 compose", "domains: [example.org]\nadmins: [admin@example.org]\n",
			"docker compose exec prosody prosodyctl shell invite create_account admin@example.org", true, true},
		{"13.0 host", "deploy: host\ndomains: [example.org]\nadmins: [admin@example.org]\n",
			"sudo prosodyctl shell invite create_account admin@example.org", true, true},
		{"0.12 compose", "prosody: \"0.12\"\ndomains: [example.org]\nadmins: [admin@example.org]\n",
			"docker compose exec prosody prosodyctl adduser admin@example.org", false, true},
		{"0.12 host, sql", "prosody: \"0.12\"\ndeploy: host\ndomains: [example.org]\nadmins: [admin@example.org]\ndatabase: {driver: sqlite}\n",
			"sudo prosodyctl adduser admin@example.org", false, true},
		{"13.0 invites disabled", "domains: [example.org]\nadmins: [admin@example.org]\nmodules: {disable: [invites_register]}\n",
			"docker compose exec prosody prosodyctl adduser admin@example.org", false, true},
		{"second admin on another domain", "domains: [example.org, example.com]\nadmins: [Boss@Example.COM, admin@example.org]\n",
			"docker compose exec prosody prosodyctl shell invite create_account boss@example.com", true, true},
		{"shell characters in the name", "prosody: \"0.12\"\ndomains: [example.org]\nadmins: [\"o`brien$(id)@example.org\"]\n",
			"docker compose exec prosody prosodyctl adduser 'o`brien$(id)@example.org'", false, true},
		{"no admins", "domains: [example.org]\n",
			"docker compose exec prosody prosodyctl shell invite create_account you@example.org", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := config.Parse([]byte("version: 1\n" + tc.answers))
			if err != nil {
				t.Fatal(err)
			}
			s, problems := config.Resolve(a)
			if len(problems) > 0 {
				t.Fatal(problems)
			}
			c := FirstAccount(s)
			if c.String() != tc.want || c.Invite != tc.invite || c.Admin != tc.admin {
				t.Errorf("got %s (invite %v, admin %v), want %s (invite %v, admin %v)", c, c.Invite, c.Admin, tc.want, tc.invite, tc.admin)
			}
			if c.Running != (a.Prosody == config.Series13) {
				t.Errorf("Running = %v on %s", c.Running, a.Prosody)
			}
			p, err := NewPlan(s, goldenInputs(a))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(p.NextSteps, func(s string) bool { return strings.HasSuffix(s, ": "+tc.want) }) {
				t.Errorf("no next step ends with %s:\n%s", tc.want, strings.Join(p.NextSteps, "\n"))
			}
			noAdmin := slices.ContainsFunc(p.Warnings, func(s string) bool { return strings.HasPrefix(s, "no admin:") })
			if noAdmin == tc.admin {
				t.Errorf("no-admin warning %v with admin %v:\n%s", noAdmin, tc.admin, strings.Join(p.Warnings, "\n"))
			}
			if readme, ok := p.File("README.md"); ok && !strings.Contains(string(readme.Data), "\n"+tc.want+"\n") {
				t.Errorf("README.md does not give %s:\n%s", tc.want, readme.Data)
			}
		})
	}
}

// TestOpenRegistrationWarnsAboutTheAdminName: with open registration,
// anyone could register the admin's name first.
func TestOpenRegistrationWarnsAboutTheAdminName(t *testing.T) {
	for _, reg := range []string{config.RegistrationClosed, config.RegistrationInvite, config.RegistrationOpen} {
		a, err := config.Parse([]byte("version: 1\ndomains: [example.org]\nadmins: [admin@example.org]\nregistration: " + reg + "\n"))
		if err != nil {
			t.Fatal(err)
		}
		p, err := planAnswers(a, goldenInputs(a))
		if err != nil {
			t.Fatal(err)
		}
		warned := slices.ContainsFunc(p.Warnings, func(s string) bool { return strings.Contains(s, "anyone may register that name first") })
		if warned != (reg == config.RegistrationOpen) {
			t.Errorf("registration %s: warned %v", reg, warned)
		}
	}
}
