package ui

import (
	"reflect"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"prosody-wizard/config"
)

// driver runs the model without a terminal: each message goes through
// Update, and each command it returns is run at once, its message fed back
// in. Commands that do not answer within a few milliseconds are timers
// (cursor blink, spinner ticks) and are dropped, so a run is synchronous and
// deterministic.
type driver struct {
	t testing.TB
	m *Model
}

func newDriver(t testing.TB, opts Options, width, height int) *driver {
	d := &driver{t: t, m: NewModel(opts)}
	d.run(d.m.Init())
	d.send(tea.WindowSizeMsg{Width: width, Height: height})
	return d
}

func (d *driver) send(msg tea.Msg) {
	_, cmd := d.m.Update(msg)
	d.run(cmd)
}

func (d *driver) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	ch := make(chan tea.Msg, 1)
	go func() { ch <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-ch:
	case <-time.After(10 * time.Millisecond):
		return // a timer: not part of a synchronous run
	}
	switch m := msg.(type) {
	case nil, tea.QuitMsg:
		return
	case tea.BatchMsg:
		for _, c := range m {
			d.run(c)
		}
		return
	}
	// tea.Sequence's message type is unexported: a slice of commands.
	if v := reflect.ValueOf(msg); v.Kind() == reflect.Slice && v.Type().Elem() == reflect.TypeOf(tea.Cmd(nil)) {
		for i := 0; i < v.Len(); i++ {
			d.run(v.Index(i).Interface().(tea.Cmd))
		}
		return
	}
	d.send(msg)
}

// Keys.
func (d *driver) enter()      { d.send(tea.KeyPressMsg{Code: tea.KeyEnter}) }
func (d *driver) esc()        { d.send(tea.KeyPressMsg{Code: tea.KeyEscape}) }
func (d *driver) down()       { d.send(tea.KeyPressMsg{Code: tea.KeyDown}) }
func (d *driver) space()      { d.send(tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}) }
func (d *driver) ctrlC()      { d.send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}) }
func (d *driver) ctrl(r rune) { d.send(tea.KeyPressMsg{Code: r, Mod: tea.ModCtrl}) }

func (d *driver) typeText(s string) {
	for _, r := range s {
		d.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

// page is the name of the page the wizard shows.
func (d *driver) page() string { return d.m.currentPage().name }

// enterUntil presses Enter until the wizard reaches page name (at most n).
func (d *driver) enterUntil(name string, n int) {
	d.t.Helper()
	for i := 0; i < n && d.page() != name; i++ {
		d.enter()
	}
	if d.page() != name {
		d.t.Fatalf("still on %s, want %s:\n%s", d.page(), name, d.m.render())
	}
}

// focusedTitle names the focused module list (its purpose), or "".
func (d *driver) focusedTitle() string {
	if d.m.currentPage().name != "modules" {
		return ""
	}
	name, ok := d.m.hoveredModule()
	if !ok {
		return ""
	}
	return config.Catalog()[name].Group
}
