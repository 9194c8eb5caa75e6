package ui

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"prosody-wizard/config"
)

// Keys of the modules page, for the driver.
func (d *driver) key(k string) {
	d.t.Helper()
	msg := map[string]tea.KeyPressMsg{
		"enter": {Code: tea.KeyEnter}, "pgdown": {Code: tea.KeyPgDown}, "up": {Code: tea.KeyUp},
		"backspace": {Code: tea.KeyBackspace}, "end": {Code: tea.KeyEnd}, "home": {Code: tea.KeyHome},
	}[k]
	if msg.Code == 0 {
		d.t.Fatalf("no key %q", k)
	}
	d.send(msg)
}

// hover moves the modules page's cursor to module name, from the top
// of the list shown.
func (d *driver) hover(name string) {
	d.t.Helper()
	d.key("home")
	for range len(config.Catalog()) {
		if d.hovered() == name {
			return
		}
		d.down()
	}
	d.t.Fatalf("the cursor never reached %s:\n%s", name, d.render())
}

// modulesPage starts the wizard at width x height and goes to the modules
// page the way a person does: a domain, then Enter.
func modulesPage(t *testing.T, width, height int) (*driver, *flowFs) {
	opts, fs := flowOptions(config.Defaults())
	d := newDriver(t, opts, width, height)
	d.enter()
	d.typeText("example.org")
	d.enterUntil("modules", 20)
	return d, fs
}

// checkFits fails when a screen is wider or taller than the terminal.
func checkFits(t *testing.T, screen string, width, height int) {
	t.Helper()
	lines := strings.Split(ansi.Strip(screen), "\n")
	for i, line := range lines {
		if w := ansi.StringWidth(line); w > width {
			t.Errorf("line %d is %d cells wide, wider than the terminal (%d)", i+1, w, width)
		}
	}
	if len(lines) > height {
		t.Errorf("%d lines, taller than the terminal (%d)", len(lines), height)
	}
}

// TestModulesViews: the modules page at 80x24 and 60x20 as first shown,
// searching across groups, with a required dependency under the cursor,
// scrolled (indicators both ways), and a search that finds nothing. The
// module under the cursor is described whole below the list: its doc
// link and what it needs are never cut.
func TestModulesViews(t *testing.T) {
	for _, size := range []struct{ width, height int }{{80, 24}, {60, 20}} {
		t.Run(fmt.Sprintf("%dx%d", size.width, size.height), func(t *testing.T) {
			d, _ := modulesPage(t, size.width, size.height)
			shot := func(name string) string {
				t.Helper()
				screen := d.render()
				goldenView(t, fmt.Sprintf("%dx%d/modules/%s", size.width, size.height, name), screen)
				checkFits(t, screen, size.width, size.height)
				plain := strings.Join(strings.Fields(ansi.Strip(screen)), " ")
				if m := config.Catalog()[d.hovered()]; m.Name != "" && !strings.Contains(plain, m.DocURL()) {
					t.Errorf("%s: the doc link of %s is not shown whole", name, m.Name)
				}
				return screen
			}
			shot("initial")

			d.typeText("/web")
			screen := ansi.Strip(shot("search-typing"))
			for _, want := range []string{"Accounts", "register_web", "HTTP", "websocket"} {
				if !strings.Contains(screen, want) {
					t.Errorf("the search for web does not show %s (it searches every group)", want)
				}
			}
			if strings.Contains(screen, "dialback") {
				t.Error("the search shows modules that do not match")
			}

			d.key("enter") // keeps the search
			d.hover("http")
			screen = ansi.Strip(shot("search-required"))
			if !strings.Contains(screen, "✓ http") || !strings.Contains(screen, "required by bosh, websocket") {
				t.Error("http, which bosh and websocket need, is not shown ticked and required")
			}

			d.esc() // clears the search
			d.key("home")
			d.key("pgdown")
			d.key("pgdown")
			screen = ansi.Strip(shot("scrolled"))
			if !strings.Contains(screen, "↑") || !strings.Contains(screen, "↓") || !strings.Contains(screen, " more") {
				t.Error("scrolled to the middle, the list does not say that more modules are above and below")
			}

			d.typeText("/upload")
			shot("search-none")
		})
	}
}

// TestModulesKeys: esc undoes the search first, then steps back a group,
// then a page; one Enter gets past the page, whatever the search.
func TestModulesKeys(t *testing.T) {
	tests := []struct {
		name  string
		keys  func(d *driver)
		page  string // where the wizard is after the keys
		group string // the group of the module under the cursor, on the modules page
		query string
	}{
		{"esc while typing a search clears it", func(d *driver) { d.typeText("/web"); d.esc() }, "modules", "Core protocol", ""},
		{"esc with a search kept clears it", func(d *driver) { d.typeText("/web"); d.key("enter"); d.esc() }, "modules", "Accounts", ""},
		{"esc steps back one group", func(d *driver) { d.hover("bosh"); d.esc() }, "modules", "Admin", ""},
		{"esc twice steps back two groups", func(d *driver) { d.hover("bosh"); d.esc(); d.esc() }, "modules", "Accounts", ""},
		{"esc in the first group goes back a page", func(d *driver) { d.down(); d.esc() }, "database", "", ""},
		{"backspace on an empty search gives the keys back", func(d *driver) { d.typeText("/"); d.key("backspace"); d.typeText("G") }, "modules", "Debug", ""},
		{"enter gets past the page", func(d *driver) { d.key("end"); d.enter() }, "components", "", ""},
		{"enter gets past the page with a search kept", func(d *driver) { d.typeText("/web"); d.key("enter"); d.enter() }, "components", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, _ := modulesPage(t, 80, 24)
			tt.keys(d)
			if p := d.page(); p != tt.page {
				t.Fatalf("on %s, want %s:\n%s", p, tt.page, d.render())
			}
			if tt.page != "modules" {
				return
			}
			var query string
			d.with(func(m *Model) { query = m.modules.query })
			if g := d.focusedTitle(); g != tt.group || query != tt.query {
				t.Errorf("cursor in %q with search %q, want %q and %q:\n%s", g, query, tt.group, tt.query, d.render())
			}
		})
	}
}

// TestModulesRequired: a module the selection needs is ticked and stays
// ticked; unticking what needs it frees it; the answers are the old
// lists' (differences from the recommended set), dependencies left out.
func TestModulesRequired(t *testing.T) {
	d, fs := modulesPage(t, 80, 24)
	d.hover("http")
	d.space() // refused: bosh and websocket need it
	var ticked bool
	d.with(func(m *Model) { ticked = m.modules.ticked["http"] || len(m.modules.required["http"]) > 0 })
	if !ticked {
		t.Fatal("space unticked http, which bosh and websocket need")
	}
	for _, name := range []string{"bosh", "websocket"} {
		d.hover(name)
		d.space()
	}
	d.hover("http")
	if screen := ansi.Strip(d.render()); !strings.Contains(screen, "• http") || strings.Contains(screen, "required by") {
		t.Errorf("http is still shown required with bosh and websocket unticked:\n%s", screen)
	}
	d.enterUntil("review", 10)
	d.enter() // Write
	a := d.outcome().Answers
	if fs.writes != 1 || !slices.Equal(a.Modules.Disable, []string{"bosh", "websocket"}) || len(a.Modules.Enable) != 0 {
		t.Errorf("modules %+v (writes %d), want bosh and websocket disabled and nothing enabled", a.Modules, fs.writes)
	}
}

// TestToggleModule: the draft's side of the modules page, table-driven
// from the defaults for example.org: the choices a sequence of toggles
// gives, and that those choices resolve without problems.
func TestToggleModule(t *testing.T) {
	base := config.Defaults()
	base.Domains = []string{"example.org"}
	base.Normalize()
	tests := []struct {
		name            string
		toggles         []string
		refused         []string // toggles that change nothing
		enable, disable []string
	}{
		{"a module ticked", []string{"motd"}, nil, []string{"motd"}, []string{}},
		{"a required module stays", []string{"pep"}, []string{"pep"}, []string{}, []string{}},
		{"a dependency not recommended is not enabled", []string{"register_web"}, nil, []string{"register_web"}, []string{}},
		{"freed, then unticked", []string{"bookmarks", "vcard4", "vcard_legacy", "pep"}, nil, []string{}, []string{"pep", "vcard4", "vcard_legacy", "bookmarks"}},
		{"ticking what needs a module unticked ticks it again", []string{"bookmarks", "vcard4", "vcard_legacy", "pep", "bookmarks"}, nil, []string{}, []string{"vcard4", "vcard_legacy"}},
		{"twice is as before", []string{"motd", "motd"}, nil, []string{}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := fromAnswers(base, "")
			d.selectModules(base)
			for _, name := range tt.toggles {
				if ok := d.toggleModule(name, base); ok == slices.Contains(tt.refused, name) {
					t.Errorf("toggle %s: %v", name, ok)
				}
			}
			a := d.toAnswers(base)
			if !slices.Equal(a.Modules.Enable, tt.enable) || !slices.Equal(a.Modules.Disable, tt.disable) {
				t.Errorf("enable %v disable %v, want %v and %v", a.Modules.Enable, a.Modules.Disable, tt.enable, tt.disable)
			}
			if _, problems := config.Resolve(a); len(problems) > 0 {
				t.Errorf("the choices do not resolve: %v", problems)
			}
		})
	}
}

// TestModulesInfoWhole: for every module, at widths from 60 columns (and
// at 100, the narrowest with the preview beside the list), the lines
// under the list name its group, its whole doc link, everything it needs
// and what needs it, wrapped but never cut (the header used to cut them
// below 100 columns: https://prosody.im/do…).
func TestModulesInfoWhole(t *testing.T) {
	squeeze := func(s string) string { return strings.Join(strings.Fields(s), "") }
	for _, size := range []struct{ width, height int }{{60, 20}, {80, 24}, {100, 30}} {
		t.Run(fmt.Sprintf("%dx%d", size.width, size.height), func(t *testing.T) {
			d, _ := modulesPage(t, size.width, size.height)
			seen := 0
			for range config.Catalog().Choosable(config.Series13) {
				var info []string
				var needed []string
				name := d.hovered()
				d.with(func(m *Model) {
					info = m.modules.info(m.styles, m.formWidth())
					needed = m.modules.required[name]
				})
				mod := config.Catalog()[name]
				got := squeeze(ansi.Strip(strings.Join(info, "\n")))
				want := []string{mod.Group, mod.DocURL()}
				if len(mod.Depends) > 0 {
					want = append(want, "needs "+strings.Join(mod.Depends, ", "))
				}
				if len(needed) > 0 {
					want = append(want, "required by "+strings.Join(needed, ", "))
				}
				for _, w := range want {
					if !strings.Contains(got, squeeze(w)) {
						t.Errorf("%s: %q is not shown whole under the list:\n%s", name, w, strings.Join(info, "\n"))
					}
				}
				checkFits(t, d.render(), size.width, size.height)
				seen++
				d.down()
			}
			if seen != len(config.Catalog().Choosable(config.Series13)) {
				t.Errorf("saw %d modules", seen)
			}
		})
	}
}

// TestSpanOf: a line drawn with the escape sequences worked out once is
// the line style.Render draws, in colour.
func TestSpanOf(t *testing.T) {
	for _, dark := range []bool{false, true} {
		st := NewStyles(dark)
		if st.Highlight.Render("x") == "x" {
			t.Fatal("the highlight draws no escape sequences: the test would prove nothing")
		}
		for _, style := range []lipgloss.Style{st.Highlight, st.Cursor, st.Heading, st.Subtle} {
			span := spanOf(style)
			for _, line := range []string{"", "x", `    "roster";              -- Stores users' contact …`, "héllo wörld · ✓", "  two  spaces  "} {
				if got, want := span(line), style.Render(line); got != want {
					t.Errorf("%q: %q, want %q", line, got, want)
				}
			}
		}
	}
}
