package ui

import (
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"prosody-wizard/config"
)

// driver runs the wizard in a real bubbletea program (teatest), as a
// terminal would, and makes each step deterministic: after a key it waits
// until the program has handled it, and after Enter until huh's move to the
// next field, group or page (asynchronous messages) has happened. The model
// is read only inside the program (an inspection message) or once the
// program has ended. The program draws nothing (tea.WithoutRenderer): the
// tests read the screen from the model, and under -race the renderer's
// cell diffs of every frame doubled the time.
type driver struct {
	t     testing.TB
	tm    *teatest.TestModel
	h     *harness
	ended chan struct{} // closed once the program has ended
}

// stepTimeout bounds every wait; a step that takes longer is a hang.
const stepTimeout = 10 * time.Second

// harness is the model the program runs: the wizard, plus the position it
// publishes after every update and the inspections it runs on request.
type harness struct {
	m     *Model
	mu    sync.Mutex
	pos   position
	moved chan struct{} // a token after each update
}

// position is where the wizard is: what a move of huh's changes.
type position struct {
	phase         phase
	page          int
	form          *huh.Form
	field         huh.Field
	width, height int
	// fresh: the form was built by the last update and has handled no
	// message since. huh lays a group out when it handles a message, and
	// a page built on a skipped field (the review's note) shows nothing
	// until then; its Init sends one at once.
	fresh bool
}

// inspectMsg runs fn on the model inside the program, then closes done.
type inspectMsg struct {
	fn   func(*Model)
	done chan struct{}
}

func (h *harness) Init() tea.Cmd {
	cmd := h.m.Init()
	h.publish(nil)
	return cmd
}

func (h *harness) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if in, ok := msg.(inspectMsg); ok {
		in.fn(h.m)
		close(in.done)
		return h, nil
	}
	form := h.m.form
	_, cmd := h.m.Update(msg)
	h.publish(form)
	return h, cmd
}

func (h *harness) View() tea.View { return h.m.View() }

// publish notes the position after an update; before is the form the
// update started with.
func (h *harness) publish(before *huh.Form) {
	// The modules page has no form (modules.go): nothing to lay out.
	p := position{phase: h.m.phase, page: h.m.page, form: h.m.form, width: h.m.width, height: h.m.height,
		fresh: h.m.form != nil && h.m.form != before}
	if h.m.form != nil {
		p.field = h.m.form.GetFocusedField()
	}
	h.mu.Lock()
	h.pos = p
	h.mu.Unlock()
	select {
	case h.moved <- struct{}{}:
	default:
	}
}

func (h *harness) position() position {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.pos
}

// newDriver starts the wizard in a width x height terminal and waits until
// it has taken that size.
func newDriver(t testing.TB, opts Options, width, height int) *driver {
	t.Helper()
	h := &harness{m: NewModel(opts), moved: make(chan struct{}, 1)}
	d := &driver{t: t, h: h, ended: make(chan struct{}),
		tm: teatest.NewTestModel(t, h, teatest.WithInitialTermSize(width, height),
			teatest.WithProgramOptions(tea.WithoutRenderer()))}
	go func() {
		d.tm.WaitFinished(t)
		close(d.ended)
	}()
	t.Cleanup(func() {
		_ = d.tm.Quit()
		select {
		case <-d.ended:
		case <-time.After(stepTimeout):
			t.Errorf("the wizard did not quit")
		}
	})
	d.waitUntil("the terminal size", func(p position) bool { return p.width == width && p.height == height && !p.fresh })
	return d
}

// waitUntil waits for the wizard's position to satisfy ok, or for the
// program to end.
func (d *driver) waitUntil(what string, ok func(position) bool) {
	d.t.Helper()
	deadline := time.After(stepTimeout)
	for !ok(d.h.position()) {
		select {
		case <-d.h.moved:
		case <-d.ended:
			return
		case <-deadline:
			d.t.Fatalf("waited %v for %s:\n%s", stepTimeout, what, d.render())
		}
	}
}

// with runs fn on the model: inside the program while it runs (after every
// message sent before), else on the model it ended with.
func (d *driver) with(fn func(*Model)) {
	d.t.Helper()
	done := make(chan struct{})
	d.tm.Send(inspectMsg{fn: fn, done: done})
	select {
	case <-done:
	case <-d.ended:
		fn(d.h.m)
	case <-time.After(stepTimeout):
		d.t.Fatalf("the wizard did not answer within %v", stepTimeout)
	}
}

// sync returns once the program has handled every message sent so far.
func (d *driver) sync() { d.with(func(*Model) {}) }

// send sends a message and waits until the program has handled it (and a
// page it opened has been laid out).
func (d *driver) send(msg tea.Msg) {
	d.t.Helper()
	d.tm.Send(msg)
	d.sync()
	d.waitUntil("the page to be laid out", func(p position) bool { return !p.fresh })
}

// enter presses Enter and waits for the move it starts: to the next field,
// group or page, or on to writing.
func (d *driver) enter() {
	d.t.Helper()
	before := d.h.position()
	d.tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	d.waitUntil("enter to move on", func(p position) bool { return p != before && !p.fresh })
}

// Keys.
func (d *driver) esc()        { d.send(tea.KeyPressMsg{Code: tea.KeyEscape}) }
func (d *driver) down()       { d.send(tea.KeyPressMsg{Code: tea.KeyDown}) }
func (d *driver) space()      { d.send(tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}) }
func (d *driver) ctrl(r rune) { d.send(tea.KeyPressMsg{Code: r, Mod: tea.ModCtrl}) }

// ctrlC presses ctrl+c, which ends the program.
func (d *driver) ctrlC() {
	d.tm.Send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	d.final()
}

func (d *driver) typeText(s string) {
	d.tm.Type(s)
	d.sync()
}

// final waits for the program to end (the wizard quits after writing or on
// ctrl+c) and returns the model it ended with.
func (d *driver) final() *Model {
	d.t.Helper()
	select {
	case <-d.ended:
	case <-time.After(stepTimeout):
		d.t.Fatalf("the wizard did not end within %v:\n%s", stepTimeout, d.render())
	}
	return d.h.m
}

// stop ends the program and returns the model as it was, for tests that go
// on calling Update and View themselves (the benchmarks).
func (d *driver) stop() *Model {
	_ = d.tm.Quit()
	return d.final()
}

// outcome is how the run ended, once the program has ended.
func (d *driver) outcome() Outcome { return d.final().Outcome() }

// render is the screen as the wizard draws it now.
func (d *driver) render() (s string) {
	d.with(func(m *Model) { s = m.render() })
	return s
}

// phase is the wizard's phase now.
func (d *driver) phase() (p phase) {
	d.with(func(m *Model) { p = m.phase })
	return p
}

// page is the name of the page the wizard shows.
func (d *driver) page() (name string) {
	d.with(func(m *Model) { name = m.currentPage().name })
	return name
}

// enterUntil presses Enter until the wizard reaches page name (at most n).
func (d *driver) enterUntil(name string, n int) {
	d.t.Helper()
	for i := 0; i < n && d.page() != name; i++ {
		d.enter()
	}
	if d.page() != name {
		d.t.Fatalf("still on %s, want %s:\n%s", d.page(), name, d.render())
	}
}

// hovered is the module under the cursor of the focused list.
func (d *driver) hovered() (name string) {
	d.with(func(m *Model) { name, _ = m.hoveredModule() })
	return name
}

// focusedTitle names the group of the module under the modules page's
// cursor, or "".
func (d *driver) focusedTitle() (title string) {
	d.with(func(m *Model) {
		if name, ok := m.hoveredModule(); ok {
			title = config.Catalog()[name].Group
		}
	})
	return title
}
