package ui

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"prosody-wizard/config"
)

// enterRefused presses Enter on a field whose answer is refused: the
// focus must stay on it, with its error.
func (d *driver) enterRefused() {
	d.t.Helper()
	var before any
	d.with(func(m *Model) { before = m.form.GetFocusedField() })
	d.send(tea.KeyPressMsg{Code: tea.KeyEnter})
	d.with(func(m *Model) {
		f := m.form.GetFocusedField()
		if f != before || f.Error() == nil {
			d.t.Errorf("enter on a refused answer: focus moved or no error (error %v)", f.Error())
		}
	})
}

// compact is text without spaces, line breaks and the marks around an
// error, to find a wrapped message in a screen.
func compact(s string) string {
	return strings.NewReplacer(" ", "", "\n", "", "┃", "", "✗", "").Replace(s)
}

// TestFieldErrors: a refused answer keeps the focus on its field, and its
// message (config's words) is on screen, whole, under the field, at every
// size from 60x20; screens at 80x24 and 60x20 are goldens.
func TestFieldErrors(t *testing.T) {
	cases := []struct {
		name string
		ask  func(d *driver)
		want string
	}{
		{"bad-domain", func(d *driver) {
			d.enter()
			d.typeText("exa mple..org")
			d.enterRefused()
		}, config.HostProblem("exa mple..org")},
		{"empty-domain", func(d *driver) {
			d.enter()
			d.enterRefused()
		}, config.HostProblem("")},
		{"bad-admin", func(d *driver) {
			d.enter()
			d.typeText("example.org")
			d.enter()
			d.enter()
			d.ctrl('u') // whatever the question suggests
			d.typeText("bob@example.net")
			d.enterRefused()
		}, config.AdminProblem("bob@example.net", []string{"example.org"})},
		{"bad-port", func(d *driver) {
			d.enter()
			d.typeText("example.org")
			d.enterUntil("database", 10)
			d.down()
			d.down() // postgres
			d.enter()
			d.enter() // host: the compose service
			d.typeText("70000")
			d.enterRefused()
		}, config.DatabasePortProblem(70000, config.DriverPostgres)},
	}
	for _, size := range []struct{ width, height int }{{60, 20}, {80, 24}, {120, 36}, {130, 50}} {
		for _, c := range cases {
			name := fmt.Sprintf("%dx%d/%s", size.width, size.height, c.name)
			t.Run(name, func(t *testing.T) {
				if c.want == "" {
					t.Fatal("config accepts the answer")
				}
				opts, _ := flowOptions(config.Defaults())
				d := newDriver(t, opts, size.width, size.height)
				c.ask(d)
				view := ansi.Strip(d.render())
				questions := view
				if size.width >= wideLayout { // the questions' column only
					var col []string
					for _, l := range strings.Split(view, "\n") {
						col = append(col, ansi.Cut(l, 0, min(64, size.width/2)))
					}
					questions = strings.Join(col, "\n")
				}
				if !strings.Contains(compact(questions), compact("✗ "+c.want)) {
					t.Errorf("the message %q is not on screen whole:\n%s", c.want, view)
				}
				lines := strings.Split(view, "\n")
				if len(lines) > size.height {
					t.Errorf("%d lines, taller than the terminal", len(lines))
				}
				for i, l := range lines {
					if w := ansi.StringWidth(l); w > size.width {
						t.Errorf("line %d is %d cells wide", i+1, w)
					}
				}
				for i, l := range lines {
					if strings.Contains(l, "✗") && (i == 0 || !strings.Contains(lines[i-1], "┃ >")) {
						t.Errorf("the message is not right under the focused field's answer:\n%s", view)
					}
				}
				if !strings.Contains(lines[0], "step") {
					t.Errorf("the header line is gone:\n%s", view)
				}
				if !strings.Contains(lines[len(lines)-1], "ctrl+c quit") {
					t.Errorf("the key line is gone:\n%s", view)
				}
				if size.width <= 80 {
					goldenView(t, "errors/"+name, view)
				}
			})
		}
	}
}
