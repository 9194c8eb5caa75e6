package ui

import (
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"prosody-wizard/config"
)

// move presses a key that moves the focus (huh moves asynchronously) and
// waits for the move.
func (d *driver) move(k tea.KeyPressMsg) {
	d.t.Helper()
	before := d.h.position()
	d.tm.Send(k)
	d.waitUntil("the focus to move", func(p position) bool { return p != before && !p.fresh })
}

// TestHostDeployOutput: choosing host on the deployment page makes the
// output folder / (config.DefaultOut), on screen and in the outcome, and
// choosing compose again gives the repo's folder back; a folder a person
// typed stays.
func TestHostDeployOutput(t *testing.T) {
	toDeploy := func(t *testing.T) *driver {
		opts, _ := flowOptions(config.Defaults())
		d := newDriver(t, opts, 80, 24)
		d.enter()
		d.typeText("example.org")
		d.enterUntil("deployment", 30)
		return d
	}
	out := func(d *driver) (s string) {
		d.with(func(m *Model) { s = m.d.Out })
		return s
	}
	t.Run("follows", func(t *testing.T) {
		d := toDeploy(t)
		d.down() // host
		if got := out(d); got != "/" {
			t.Errorf("host: output %q, want /", got)
		}
		d.enter()
		if view := trimLines(ansi.Strip(d.render())); !strings.Contains(view, "┃ > /\n") || !strings.Contains(view, "installs into this machine") {
			t.Errorf("host: the output folder question does not show /:\n%s", view)
		}
		d.move(tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}) // back to the deployment
		d.send(tea.KeyPressMsg{Code: tea.KeyUp})                     // compose
		if got := out(d); got != "./example.org" {
			t.Errorf("compose again: output %q, want ./example.org", got)
		}
		d.enter()
		if view := trimLines(ansi.Strip(d.render())); !strings.Contains(view, "┃ > ./example.org\n") {
			t.Errorf("compose: the output folder question does not show ./example.org:\n%s", view)
		}
	})
	t.Run("typed stays", func(t *testing.T) {
		d := toDeploy(t)
		d.enter()
		d.ctrl('u')
		d.typeText("/srv/xmpp")
		d.move(tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift})
		d.down() // host
		if got := out(d); got != "/srv/xmpp" {
			t.Errorf("host after typing: output %q, want /srv/xmpp", got)
		}
	})
}

// TestAccessibleHostDeployOutput: the plain prompts ask the output folder
// after the deployment, offering / for a host install.
func TestAccessibleHostDeployOutput(t *testing.T) {
	_, opts := newAccRig(t)
	lines := slices.Clone(defaultLines)
	lines[len(lines)-4] = "2" // deploy: host
	lines = append(lines, "y")
	o, printed := runAcc(t, opts, script(lines...), nil)
	if o.Out != "/" {
		t.Errorf("output %q, want /:\n%s", o.Out, printed)
	}
}

// trimLines drops the spaces that pad each line of a screen.
func trimLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}

// TestPreviewShowsProblemsOfPagesLeft: the preview lists a problem once
// the page that asks about its field is behind, or always when no page
// does; at 120 columns the welcome page shows no "domains" problem.
func TestPreviewShowsProblemsOfPagesLeft(t *testing.T) {
	found := []config.Problem{{Field: "domains", Message: "a"}, {Field: "admins[1]", Message: "b"},
		{Field: "database.host", Message: "c"}, {Field: "owner.uid", Message: "d"}, {Field: "ports.s2s", Message: "e"}}
	index := map[string]int{}
	for i, p := range pages {
		index[p.name] = i
	}
	m := NewModel(Options{Answers: config.Defaults()})
	for _, c := range []struct {
		page int
		want []string
	}{
		{index["welcome"], []string{"ports.s2s: e"}},
		{index["domains"], []string{"ports.s2s: e"}},
		{index["tls"], []string{"domains: a", "admins[1]: b", "ports.s2s: e"}},
		{index["modules"], []string{"domains: a", "admins[1]: b", "database.host: c", "ports.s2s: e"}},
		{len(pages), []string{"domains: a", "admins[1]: b", "database.host: c", "owner.uid: d", "ports.s2s: e"}},
	} {
		m.page = c.page
		if got := m.shownProblems(found); !slices.Equal(got, c.want) {
			t.Errorf("page %d: %q, want %q", c.page, got, c.want)
		}
	}
	opts, _ := flowOptions(config.Defaults())
	d := newDriver(t, opts, 120, 36)
	if view := d.render(); strings.Contains(view, "domains") {
		t.Errorf("the welcome page shows a domains problem:\n%s", view)
	}
}

// TestDescriptionsFollowDeploy: the questions asked before the deployment
// describe what an answer means for the deployment chosen so far: the TURN
// server (compose runs coturn; a host install needs one), the database
// host (empty: a compose service; a host install needs one).
func TestDescriptionsFollowDeploy(t *testing.T) {
	postgres := config.Database{Driver: config.DriverPostgres, Host: "db.example.org", Name: "prosody", User: "prosody"}
	for _, c := range []struct {
		question, page string
		enters         int // past the page's first question
		db             config.Database
		deploy         string
		want, not      string
	}{
		{"TURN", "components", 0, config.Database{}, config.DeployCompose, "compose runs coturn", "apt-get install coturn"},
		{"TURN", "components", 0, config.Database{}, config.DeployHost, "apt-get install coturn", "compose runs coturn"},
		{"database host", "database", 1, postgres, config.DeployCompose, "database service in compose.yaml", "a host install needs one"},
		{"database host", "database", 1, postgres, config.DeployHost, "a host install needs one", "compose"},
	} {
		t.Run(c.question+"/"+c.deploy, func(t *testing.T) {
			a := config.Defaults()
			a.Deploy = c.deploy
			if c.db.Driver != "" {
				a.Database = c.db
			}
			opts, _ := flowOptions(a)
			d := newDriver(t, opts, 80, 24)
			d.enter()
			d.typeText("example.org")
			d.enterUntil(c.page, 30)
			for range c.enters {
				d.enter()
			}
			view := d.render()
			if !strings.Contains(view, c.want) || strings.Contains(view, c.not) {
				t.Errorf("%s: the %s question does not say %q (or says %q):\n%s", c.deploy, c.question, c.want, c.not, view)
			}
		})
	}
}

// TestAbuseFollowsAdmins: the abuse address the wizard suggests is the
// admins' accounts (config.DefaultContact) and follows them while it is
// that suggestion; an address a person typed, or emptied, stays. The
// admin contact, not asked, follows the admins unless the answers being
// edited gave other ones.
func TestAbuseFollowsAdmins(t *testing.T) {
	d := fromAnswers(config.Defaults(), "")
	d.Primary = "example.org"
	d.follow()
	if d.Admins != "admin@example.org" || d.Abuse != "xmpp:admin@example.org" {
		t.Fatalf("after the domain: admins %q, abuse %q; want admin@example.org and its xmpp: URI", d.Admins, d.Abuse)
	}
	d.Admins = "Boss@example.org alice@example.org"
	d.follow()
	if want := "xmpp:boss@example.org xmpp:alice@example.org"; d.Abuse != want {
		t.Errorf("after the admins: abuse %q, want %q", d.Abuse, want)
	}
	a := d.toAnswers(config.Defaults())
	if want := []string{"xmpp:boss@example.org", "xmpp:alice@example.org"}; !slices.Equal(a.Contact.Abuse, want) || !slices.Equal(a.Contact.Admin, want) {
		t.Errorf("contact %+v, want abuse and admin %q", a.Contact, want)
	}
	d.Abuse = "mailto:abuse@example.org"
	d.Admins = "carol@example.org"
	d.follow()
	if d.Abuse != "mailto:abuse@example.org" {
		t.Errorf("a typed abuse address changed with the admins: %q", d.Abuse)
	}
	d.Abuse = ""
	d.Admins = "dave@example.org"
	d.follow()
	if d.Abuse != "" {
		t.Errorf("an emptied abuse address came back: %q", d.Abuse)
	}
	// Editing answers whose admin contact is their own: kept.
	base, err := config.Parse([]byte("version: 1\ndomains: [example.org]\nadmins: [admin@example.org]\ncontact: {admin: ['mailto:ops@example.org']}\n"))
	if err != nil {
		t.Fatal(err)
	}
	e := fromAnswers(base, "")
	e.Admins = "boss@example.org"
	e.follow()
	got := e.toAnswers(base)
	if !slices.Equal(got.Contact.Admin, []string{"mailto:ops@example.org"}) || !slices.Equal(got.Contact.Abuse, []string{"xmpp:boss@example.org"}) {
		t.Errorf("edited: contact %+v; want the admin contact kept and the abuse address following", got.Contact)
	}
}
