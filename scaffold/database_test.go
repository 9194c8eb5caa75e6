package scaffold

import (
	"io/fs"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"prosody-wizard/config"
)

// hostNotesAnswers are host answers with a network database at host.
func hostNotesAnswers(driver, host, password string) config.Answers {
	a := config.Defaults()
	a.Deploy, a.Domains, a.Admins = config.DeployHost, []string{"example.org"}, []string{"admin@example.org"}
	a.Database = config.Database{Driver: driver, Host: host, Name: "prosody", User: "prosody", Password: password}
	return a
}

func hostPlan(t *testing.T, a config.Answers) Plan {
	t.Helper()
	p, err := planAnswers(a, Inputs{Now: goldenNow, Owner: config.Owner{UID: 102, GID: 105}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestHostNotesFileIsTheSummary: NEXT-STEPS.md lists the plan's next steps
// (each "what: command" as the summary splits it), its warnings and its
// DNS records, and dns.zone the records; kept like the config when it
// holds the database password.
func TestHostNotesFileIsTheSummary(t *testing.T) {
	for _, tc := range []struct {
		name   string
		a      config.Answers
		secret bool
	}{
		{"postgres", hostNotesAnswers(config.DriverPostgres, "localhost", "pa ss'w\"rd$"), true},
		{"mysql", hostNotesAnswers(config.DriverMySQL, "db.example.org", ""), true},
		{"internal", config.Answers{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := tc.a
			if tc.name == "internal" {
				a = config.Defaults()
				a.Deploy, a.Domains = config.DeployHost, []string{"example.org"}
			}
			p := hostPlan(t, a)
			if p.NotesFile != "etc/prosody/NEXT-STEPS.md" {
				t.Fatalf("NotesFile = %q", p.NotesFile)
			}
			f, ok := p.File(p.NotesFile)
			if !ok {
				t.Fatal("no NEXT-STEPS.md")
			}
			text := string(f.Data)
			for _, step := range p.NextSteps {
				what, cmd := SplitStep(step)
				if cmd != "" && !strings.Contains(text, "\n   "+cmd+"\n") {
					t.Errorf("NEXT-STEPS.md lacks the command %s:\n%s", cmd, text)
				}
				if !strings.Contains(strings.Join(strings.Fields(text), " "), what) {
					t.Errorf("NEXT-STEPS.md lacks %q", what)
				}
			}
			for _, w := range append(slices.Clone(p.Warnings), p.DNS...) {
				if !strings.Contains(strings.Join(strings.Fields(text), " "), strings.Join(strings.Fields(w), " ")) {
					t.Errorf("NEXT-STEPS.md lacks %q", w)
				}
			}
			zone, ok := p.File("etc/prosody/dns.zone")
			if !ok || zone.Mode != 0o644 || zone.UID != 0 || zone.GID != 0 {
				t.Fatalf("dns.zone: %v %+v", ok, zone)
			}
			for _, d := range p.DNS {
				if !strings.Contains(string(zone.Data), d+"\n") {
					t.Errorf("dns.zone lacks %s", d)
				}
			}
			want := fs.FileMode(0o644)
			gid := 0
			if tc.secret {
				want, gid = 0o640, 105
			}
			if f.Mode != want || f.UID != 0 || f.GID != gid || f.Secret != tc.secret {
				t.Errorf("NEXT-STEPS.md %04o %d:%d secret %v, want %04o 0:%d secret %v", f.Mode, f.UID, f.GID, f.Secret, want, gid, tc.secret)
			}
			hasDB := slices.ContainsFunc(p.NextSteps, func(s string) bool { return strings.Contains(s, "superuser") })
			if hasDB != tc.secret {
				t.Errorf("database step: %v, want %v: %q", hasDB, tc.secret, p.NextSteps)
			}
		})
	}
}

// TestDatabaseStepReadsBack: the database command, read by the shell, is
// the words databaseAdmins gives, whatever the password; the summary
// shows it with the password masked.
func TestDatabaseStepReadsBack(t *testing.T) {
	for _, driver := range []string{config.DriverPostgres, config.DriverMySQL} {
		for _, pw := range []string{"plain-password", `it's "$HOME" \ a ` + "`pass`" + ` word; -- $(id)`, `\'`, "''"} {
			a := hostNotesAnswers(driver, "127.0.0.1", pw)
			p := hostPlan(t, a)
			i := slices.IndexFunc(p.NextSteps, func(s string) bool { return strings.Contains(s, "superuser") })
			if i < 0 {
				t.Fatalf("%s: no database step in %q", driver, p.NextSteps)
			}
			_, cmd := SplitStep(p.NextSteps[i])
			out, err := exec.Command("/bin/sh", "-c", `printf '%s\0' `+cmd).Output()
			if err != nil {
				t.Fatal(err)
			}
			words := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
			sql := strings.Join(words, "\n")
			lit := PostgresString(pw)
			if driver == config.DriverMySQL {
				lit = MariaDBString(pw)
			}
			if !strings.Contains(sql, "IDENTIFIED BY "+lit+";") && !strings.Contains(sql, "LOGIN PASSWORD "+lit+"\n") {
				t.Errorf("%s: the shell reads %q, without the literal %s", driver, words, lit)
			}
			// A password shorter than minMasked is masked by the line
			// rule, and its characters may show elsewhere (quotes).
			if shown := p.MaskedStep(p.NextSteps[i]); len(pw) >= minMasked && strings.Contains(shown, pw) || !strings.Contains(shown, "***") {
				t.Errorf("%s: the summary shows %q", driver, shown)
			}
		}
	}
}

func TestMariaDBClientHost(t *testing.T) {
	for host, want := range map[string]string{
		"localhost": "localhost", "127.0.0.1": "127.0.0.1", "::1": "::1", "db.example.org": "%", "192.0.2.7": "%",
	} {
		if got := mariaDBClientHost(hostNotesAnswers(config.DriverMySQL, host, "")); got != want {
			t.Errorf("%s: %q, want %q", host, got, want)
		}
	}
}

// TestInviteStep: with invite registration, a step gives the command that
// makes an invitation, run where the admin's command runs.
func TestInviteStep(t *testing.T) {
	for _, tc := range []struct {
		deploy string
		series config.Series
		want   string
	}{
		{config.DeployHost, config.Series012, "sudo prosodyctl mod_invites generate example.org"},
		{config.DeployHost, config.Series13, "sudo prosodyctl shell invite create_account example.org"},
		{config.DeployCompose, config.Series13, "docker compose exec prosody prosodyctl shell invite create_account example.org"},
	} {
		a := config.Defaults()
		a.Deploy, a.Prosody, a.Domains, a.Registration = tc.deploy, tc.series, []string{"example.org"}, config.RegistrationInvite
		in := Inputs{Now: goldenNow, Owner: config.Owner{UID: 102, GID: 105}}
		p, err := planAnswers(a, in)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(p.NextSteps, func(s string) bool { return strings.HasSuffix(s, ": "+tc.want) }) {
			t.Errorf("%s %s: no step %q in %q", tc.deploy, tc.series, tc.want, p.NextSteps)
		}
	}
}
