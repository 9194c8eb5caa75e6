package ui

import (
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"prosody-wizard/config"
)

// TestAdminFollowsTheDomain: the admin field suggests admin@<domain> and
// keeps following the domain while it holds the suggestion, on screen too;
// once emptied it stays empty, and the run ends with no admin and a
// warning saying so.
func TestAdminFollowsTheDomain(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {60, 20}} {
		opts, _ := flowOptions(config.Defaults())
		d := newDriver(t, opts, size[0], size[1])
		d.enter()
		d.typeText("example.org")
		admins := func() (s string) {
			d.with(func(m *Model) { s = m.d.Admins })
			return s
		}
		if admins() != "admin@example.org" || !strings.Contains(ansi.Strip(d.render()), "> admin@example.org") {
			t.Fatalf("%dx%d: admins %q after typing the domain:\n%s", size[0], size[1], admins(), ansi.Strip(d.render()))
		}
		for range 3 {
			d.send(tea.KeyPressMsg{Code: tea.KeyBackspace})
		}
		d.typeText("net")
		if admins() != "admin@example.net" || !strings.Contains(ansi.Strip(d.render()), "> admin@example.net") {
			t.Fatalf("%dx%d: admins %q after changing the domain:\n%s", size[0], size[1], admins(), ansi.Strip(d.render()))
		}
		d.enter() // more domains
		d.enter() // admins: the cursor is at the end, so ctrl+u empties it
		d.ctrl('u')
		back(d) // more domains
		back(d) // domain
		d.typeText("x")
		if admins() != "" {
			t.Fatalf("%dx%d: an emptied admin field became %q", size[0], size[1], admins())
		}
		for i := 0; i < 40 && d.phase() == asking; i++ {
			d.enter()
		}
		out := d.outcome()
		if out.Err != nil || len(out.Answers.Admins) != 0 || out.Answers.Primary() != "example.netx" {
			t.Fatalf("%dx%d: %+v", size[0], size[1], out)
		}
		if !slices.ContainsFunc(out.Plan.Warnings, func(w string) bool { return strings.HasPrefix(w, "no admin:") }) {
			t.Errorf("%dx%d: no warning about the missing admin: %q", size[0], size[1], out.Plan.Warnings)
		}
	}
}

// back presses shift+tab and waits for the focus to move back a field.
func back(d *driver) {
	d.t.Helper()
	before := d.h.position()
	d.tm.Send(tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift})
	d.waitUntil("shift+tab to move back", func(p position) bool { return p != before && !p.fresh })
}

// TestFollowAdmin: the draft's admin follows the primary domain only while
// it holds the suggestion for the previous one.
func TestFollowAdmin(t *testing.T) {
	for _, tc := range []struct {
		name, admins, from, to, want string
	}{
		{"suggested when the domain is typed", "", "", "example.org", "admin@example.org"},
		{"follows the domain", "admin@example.org", "example.org", "example.net", "admin@example.net"},
		{"a typed admin stays", "boss@example.org", "example.org", "example.net", "boss@example.org"},
		{"an emptied field stays empty", "", "example.org", "example.net", ""},
		{"two admins stay", "admin@example.org ops@example.org", "example.org", "example.net", "admin@example.org ops@example.org"},
		{"accessible '-' stays", "-", "", "example.org", "-"},
		{"the domain cleared clears the suggestion", "admin@example.org", "example.org", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := fromAnswers(config.Defaults(), "")
			d.Primary, d.seenPrimary, d.Admins = tc.to, tc.from, tc.admins
			d.follow()
			if d.Admins != tc.want {
				t.Errorf("admins %q, want %q", d.Admins, tc.want)
			}
		})
	}
}
