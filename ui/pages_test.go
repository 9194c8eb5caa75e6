package ui

import (
	"strings"
	"testing"

	"prosody-wizard/config"
)

// TestQuestionsCheckAsConfigDoes: each question refuses what validation
// refuses, with validation's words, where the two used to disagree.
func TestQuestionsCheckAsConfigDoes(t *testing.T) {
	d := fromAnswers(config.Defaults(), "")
	d.Primary, d.Driver = "example.org", config.DriverPostgres
	longHost := strings.Repeat("a-b.", 60) + "example.org"
	for _, c := range []struct {
		what string
		v    func(string) error
		in   string
		want string // config's message, when it refuses
	}{
		{"uid 0 (root)", validID(config.UIDProblem), "0", config.UIDProblem(0)},
		{"e-mail without a domain", check(&d.Email, config.ACMEEmailProblem), "admin@", config.ACMEEmailProblem("admin@")},
		{"e-mail on a reserved domain", check(&d.Email, config.ACMEEmailProblem), "a@example.org", config.ACMEEmailProblem("a@example.org")},
		{"database port too high", validDBPort(d), "70000", config.DatabasePortProblem(70000, config.DriverPostgres)},
		{"database name", check(&d.DBName, config.DatabaseNameProblem), "my-db", config.DatabaseNameProblem("my-db")},
		{"password with a control character", validSecret, "a\x07b", config.SecretProblem("a\x07b")},
		{"admin elsewhere", validAdmins(d), "admin@example.net", config.AdminProblem("admin@example.net", []string{"example.org"})},
		{"component name too long for its data folder", validHost(&d.MUC, false), longHost, config.HostProblem(longHost)},
	} {
		if c.want == "" {
			t.Fatalf("%s: config accepts %q", c.what, c.in)
		}
		if err := c.v(c.in); err == nil || err.Error() != c.want {
			t.Errorf("%s: %q gives %v, want %q", c.what, c.in, err, c.want)
		}
	}
	for _, c := range []struct {
		what string
		v    func(string) error
		in   string
	}{
		{"uid -1 (choose)", validID(config.UIDProblem), "-1"},
		{"gid 0", validID(config.GIDProblem), "0"},
		{"database port 0 (the default)", validDBPort(d), "0"},
		{"password with quotes and spaces", validSecret, ` a "b" $c `},
		{"admin in upper case", validAdmins(d), "Admin@EXAMPLE.org"},
		{"component off", validHost(&d.MUC, false), "-"},
	} {
		if err := c.v(c.in); err != nil {
			t.Errorf("%s: %q gives %v, want it accepted", c.what, c.in, err)
		}
	}
}
