package scaffold

import (
	"path"
	"strings"
	"testing"

	"github.com/spf13/afero"

	"prosody-wizard/config"
)

// hostileSecrets hold spaces, quotes, ;, $, backslashes, # and unicode;
// each is made of tokens no template holds, so that a token in the output
// is a leaked piece of it.
var hostileSecrets = struct{ oldPassword, newPassword, oldTURN, newTURN string }{
	oldPassword: `Qz1old pw "Qz2" ; $Qz3 \Qz4\\ 'Qz5' Qz6ünï日本 #Qz7`,
	newPassword: `  Qz8new"; Qz9 = $HOME \" Qy1 ` + "\u00e9Qy2\u2603",
	oldTURN:     `Qy3 "turn" Qy4;\ Qy5 $Qy6`,
	newTURN:     `Qy7' Qy8 "\\" Qy9ß`,
}

// secretForms are the ways a secret may show: raw, as the templates
// write it (LuaString, DotenvValue), and each token of it.
func secretForms(secrets ...string) []string {
	var forms []string
	for _, s := range secrets {
		forms = append(forms, s, LuaString(s), DotenvValue(s))
		for _, tok := range strings.Fields(s) {
			if i := strings.Index(tok, "Q"); i >= 0 && len(tok) >= i+3 {
				forms = append(forms, tok[i:i+3])
			}
		}
	}
	return forms
}

// rotatedSecrets writes a setup with the old password and TURN secret,
// notes the old password by hand in the file that holds it (a line no
// pattern knows), and plans the new ones against that folder, as a re-run
// does.
func rotatedSecrets(t *testing.T, deploy string) (afero.Fs, Plan) {
	t.Helper()
	s := hostileSecrets
	answers := func(pw, secret string) config.Answers {
		a := config.Defaults()
		a.Deploy = deploy
		a.Domains = []string{"wizard-demo.net"}
		a.Components = config.DefaultComponents("wizard-demo.net")
		a.Database = config.Database{Driver: config.DriverPostgres, Host: "db.wizard-demo.net", Name: "prosody", User: "prosody", Password: pw}
		a.TURN = config.TURN{Host: "turn.wizard-demo.net", Port: 3478, Secret: secret}
		return a
	}
	a := answers(s.oldPassword, s.oldTURN)
	fsys := written(t, a)
	holder, note := ConfigPath(a), "-- the database password was "+s.oldPassword+" until March\n"
	if deploy == config.DeployCompose {
		holder, note = ".env", "# was "+s.oldPassword+" (rotated)\n"
	}
	data, _ := afero.ReadFile(fsys, holder)
	if err := afero.WriteFile(fsys, holder, append([]byte(note), data...), 0o600); err != nil {
		t.Fatal(err)
	}
	a = answers(s.newPassword, s.newTURN)
	in := goldenInputs(a)
	in.Existing = afero.NewReadOnlyFs(fsys)
	p, err := planAnswers(a, in)
	if err != nil {
		t.Fatal(err)
	}
	return fsys, p
}

// TestDiffMasksSecretsByValue: the old and the new password and TURN
// secret, whatever they hold, show nowhere in a re-run's diffs and listing,
// raw or encoded, not even where the old password sits on a line no
// pattern knows (a note added by hand).
func TestDiffMasksSecretsByValue(t *testing.T) {
	s := hostileSecrets
	for _, deploy := range []string{config.DeployHost, config.DeployCompose} {
		t.Run(deploy, func(t *testing.T) {
			fsys, p := rotatedSecrets(t, deploy)
			changes, err := Compare(fsys, p)
			if err != nil {
				t.Fatal(err)
			}
			var out strings.Builder
			for _, c := range changes {
				out.WriteString(Diff(fsys, c))
			}
			l := Describe(p, changes, func(c Change) string { return Diff(fsys, c) })
			if err := l.WriteText(&out, "out"); err != nil {
				t.Fatal(err)
			}
			text := out.String()
			if !strings.Contains(text, "***") || !strings.Contains(text, "password was *** until March") && !strings.Contains(text, "# was *** (rotated)") {
				t.Fatalf("the hand-written note is not in the diff, masked:\n%s", text)
			}
			for _, form := range secretForms(s.oldPassword, s.newPassword, s.oldTURN, s.newTURN) {
				if strings.Contains(text, form) {
					t.Errorf("the output shows %q:\n%s", form, text)
				}
			}
		})
	}
}

// TestPlanKnowsItsSecrets: a plan holds the secrets it writes and the ones
// on disk it replaces.
func TestPlanKnowsItsSecrets(t *testing.T) {
	s := hostileSecrets
	for _, deploy := range []string{config.DeployHost, config.DeployCompose} {
		_, p := rotatedSecrets(t, deploy)
		for _, want := range []string{s.oldPassword, s.newPassword, s.oldTURN, s.newTURN} {
			if !strings.Contains(strings.Join(p.Secrets, "\x00"), want) {
				t.Errorf("%s: the plan's secrets %q lack %q", deploy, p.Secrets, want)
			}
		}
	}
}

// TestRedactor: every occurrence of a secret goes, in each encoding, the
// longest first; a secret shorter than minMasked characters is left to the
// line rule, so that a one-letter password does not blank every "a".
func TestRedactor(t *testing.T) {
	for _, c := range []struct {
		secrets  []string
		in, want string
	}{
		{[]string{"abcd"}, "xabcdx abcd", "x***x ***"},
		{[]string{"abcd", "abcdef"}, "abcdef abcd", "*** ***"},
		{[]string{`a"b c`}, `password = "a\"b c"; -- a"b c`, `password = ***; -- ***`},
		{[]string{`a"b c`}, `X="a\"b c"`, `X=***`},
		{[]string{`$x\y`}, `X="\$x\\y" Y="$x\\y"`, `X=*** Y=***`},
		{[]string{"日本語"}, "日本語 日本", "日本語 日本"},
		{[]string{"日本語!"}, "= 日本語!", "= ***"},
		{[]string{"a", "db", "xyz", ""}, "a database xyz", "a database xyz"},
		{nil, "nothing", "nothing"},
	} {
		if got := redact(redactor(c.secrets), c.in); got != c.want {
			t.Errorf("redact(%q, %q) = %q, want %q", c.secrets, c.in, got, c.want)
		}
	}
}

// TestShortSecretsMaskedByLine: a password and a TURN secret of 1–3
// characters are masked where they are assigned (the whole value), and
// nowhere else: the rest of the diff stays readable.
func TestShortSecretsMaskedByLine(t *testing.T) {
	for _, deploy := range []string{config.DeployHost, config.DeployCompose} {
		t.Run(deploy, func(t *testing.T) {
			a := config.Defaults()
			a.Deploy = deploy
			a.Domains = []string{"wizard-demo.net"}
			a.Database = config.Database{Driver: config.DriverMySQL, Host: "db.wizard-demo.net", Name: "prosody", User: "prosody", Password: "long-enough-password"}
			a.TURN = config.TURN{Host: "turn.wizard-demo.net", Port: 3478, Secret: "long-enough-secret"}
			fsys := written(t, a)
			a.Database.Password, a.TURN.Secret = "e", "the"
			in := goldenInputs(a)
			in.Existing = afero.NewReadOnlyFs(fsys)
			p, err := planAnswers(a, in)
			if err != nil {
				t.Fatal(err)
			}
			changes, _ := Compare(fsys, p)
			var diff strings.Builder
			for _, c := range changes {
				diff.WriteString(Diff(fsys, c))
			}
			masked := 0
			for _, line := range strings.Split(diff.String(), "\n") {
				if !strings.Contains(line, "***") {
					continue
				}
				masked++
				if !strings.HasSuffix(line, " = ***") && !strings.HasSuffix(line, "=***") && !strings.HasSuffix(line, " IDENTIFIED BY ***") && !strings.HasSuffix(line, " LOGIN PASSWORD ***") {
					t.Errorf("masked within a line, not its whole value: %q", line)
				}
				if !strings.Contains(strings.ToLower(line), "password") && !strings.Contains(strings.ToLower(line), "secret") && !strings.Contains(line, "IDENTIFIED BY") {
					t.Errorf("a line that sets no secret is masked: %q", line)
				}
			}
			// Old and new value of each: two lines each, whichever file
			// holds them; on a host, NEXT-STEPS.md's command that
			// creates the database user holds the password too, and
			// coturn's config beside Prosody's the secret.
			want := 4
			if deploy == config.DeployHost {
				want = 8
			}
			if masked != want {
				t.Errorf("%d masked lines, want %d:\n%s", masked, want, diff.String())
			}
			if deploy == config.DeployHost && !strings.Contains(diff.String(), path.Base(ConfigPath(a))) {
				t.Errorf("no diff of the config:\n%s", diff.String())
			}
		})
	}
}
