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
	lines = append(lines, "n")
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
