package scaffold

import (
	"strings"
	"testing"

	"prosody-wizard/config"
)

// TestGeneratedSecretsStay: answers that leave the database password and
// TURN secret empty get generated ones; with one Generated every plan gets
// the same (the wizard's preview, review and write), without one each plan
// makes new ones. A typed password wins over a generated one.
func TestGeneratedSecretsStay(t *testing.T) {
	a, _ := goldenPlan(t, "host")
	a.Database.Password = ""
	a.TURN = config.TURN{Host: "turn.example.org", Port: 3478}
	plan := func(a config.Answers, g *Generated) (string, string) {
		t.Helper()
		in := goldenInputs(a)
		in.Generated = g
		p, err := planAnswers(a, in)
		if err != nil {
			t.Fatal(err)
		}
		f, _ := p.File(ConfigPath(a))
		if len(p.Secrets) < 2 {
			t.Fatalf("secrets %q", p.Secrets)
		}
		for _, s := range p.Secrets[:2] {
			if !strings.Contains(string(f.Data), LuaString(s)) {
				t.Fatalf("the config does not hold %q", s)
			}
		}
		return p.Secrets[0], p.Secrets[1]
	}
	g := new(Generated)
	pw1, turn1 := plan(a, g)
	a.Registration = config.RegistrationOpen // another answer: a new plan
	pw2, turn2 := plan(a, g)
	if pw1 != pw2 || turn1 != turn2 {
		t.Errorf("one Generated made %q/%q, then %q/%q", pw1, turn1, pw2, turn2)
	}
	if len(pw1) != 26 || pw1 == turn1 {
		t.Errorf("password %q, TURN secret %q: want two different 26-character secrets", pw1, turn1)
	}
	if pw3, _ := plan(a, nil); pw3 == pw1 {
		t.Errorf("without a Generated, a plan reused %q", pw1)
	}
	a.Database.Password = "typed-Passw0rd"
	if pw, _ := plan(a, g); pw != "typed-Passw0rd" {
		t.Errorf("a typed password became %q", pw)
	}
}

// TestMasked: a file as the preview shows it has its secrets masked by
// value and by line, and keeps its lines, so that marks still apply.
func TestMasked(t *testing.T) {
	a, _ := goldenPlan(t, "host")
	a.Database.Password = "Qz-long-password"
	in := goldenInputs(a)
	p, err := planAnswers(a, in)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := p.File(ConfigPath(a))
	got := p.Masked(f)
	if strings.Contains(got, "Qz-long-password") || !strings.Contains(got, "password = ***") {
		t.Errorf("the password is not masked:\n%s", got)
	}
	if strings.Count(got, "\n") != strings.Count(string(f.Data), "\n") {
		t.Errorf("masking changed the number of lines")
	}
}
