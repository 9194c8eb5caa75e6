package ui

import (
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"prosody-wizard/config"
)

// moduleList is the modules page of the terminal UI: every module the
// series offers in one scrolling list under its group's heading, with a
// cursor; space ticks, / searches every module by name and summary, enter
// goes on to the next page. It holds only what the screen shows (cursor,
// search, scroll); the selection lives in the draft, which the model hands
// over after each change (setSelection). It replaces one huh MultiSelect
// per group, which took a key per group to get past, filtered one group
// at a time and redrew every option on every key.
type moduleList struct {
	keys     moduleKeys
	all      []config.Module
	shown    []int // indexes into all of the modules the search matches
	rows     []listRow
	ticked   map[string]bool
	required map[string][]string // module → the modules that need it
	cursor   int                 // index into shown
	top      int                 // first row drawn
	query    string
	typing   bool // the search line takes the keys
	before   int  // the module under the cursor when the search began

	// drawn caches rendered rows: a cursor move redraws two.
	drawn      map[rowKey]string
	drawnWidth int
	drawnStyle string // the styles the cache was drawn with
}

// listRow is a line of the list: a group's heading (mod < 0) or a module.
type listRow struct {
	mod   int // index into all, or -1
	group string
}

type rowKey struct {
	mod            int
	cursor, ticked bool
	requiredBy     string // the modules that need it, if any
	heading        string // a group's heading row (mod < 0)
}

// listAction is what a key did to the list, for the model to act on.
type listAction int

const (
	listNothing listAction = iota
	listMoved              // the cursor, the search or the scroll changed
	listToggle             // tick or untick the module under the cursor
	listDone               // enter: the next page
	listBack               // esc with nothing to undo here: the previous page
)

// infoHeight is the room under the list for the module under the cursor.
const infoHeight = 4

func newModuleList(series config.Series) *moduleList {
	l := &moduleList{keys: newModuleKeys(), all: config.Catalog().Choosable(series)}
	l.search("")
	return l
}

// setSelection hands the list the draft's selection and the modules it
// needs (draft.requiredModules).
func (l *moduleList) setSelection(selected []string, required map[string][]string) {
	l.ticked = make(map[string]bool, len(selected))
	for _, name := range selected {
		l.ticked[name] = true
	}
	l.required = required
}

// hovered is the module under the cursor.
func (l *moduleList) hovered() (config.Module, bool) {
	if len(l.shown) == 0 {
		return config.Module{}, false
	}
	return l.all[l.shown[l.cursor]], true
}

// search shows the modules whose name or summary hold every word of
// query (any case), keeping the cursor on the module it was on when that
// one still shows.
func (l *moduleList) search(query string) {
	at := -1
	if len(l.shown) > 0 {
		at = l.shown[l.cursor]
	}
	l.query = query
	words := strings.Fields(strings.ToLower(query))
	l.shown = l.shown[:0]
	l.rows = l.rows[:0]
	l.cursor = 0
	for i, m := range l.all {
		text := strings.ToLower(m.Name + " " + m.Summary)
		match := true
		for _, w := range words {
			if !strings.Contains(text, w) {
				match = false
				break
			}
		}
		if !match {
			continue
		}
		if i == at {
			l.cursor = len(l.shown)
		}
		if len(l.rows) == 0 || l.rows[len(l.rows)-1].group != m.Group {
			l.rows = append(l.rows, listRow{mod: -1, group: m.Group})
		}
		l.shown = append(l.shown, i)
		l.rows = append(l.rows, listRow{mod: i, group: m.Group})
	}
	l.top = 0
}

// update handles a key.
func (l *moduleList) update(msg tea.KeyPressMsg) listAction {
	if l.typing {
		return l.updateSearch(msg)
	}
	k := l.keys
	switch {
	case key.Matches(msg, k.Back):
		switch {
		case l.query != "":
			l.search("")
		case l.groupIndex() > 0:
			l.goToGroup(l.groupIndex() - 1)
		default:
			return listBack
		}
	case key.Matches(msg, k.Done):
		return listDone
	case key.Matches(msg, k.Toggle):
		if len(l.shown) == 0 {
			return listNothing
		}
		return listToggle
	case key.Matches(msg, k.Search):
		l.typing = true
		l.before = -1
		if len(l.shown) > 0 {
			l.before = l.shown[l.cursor]
		}
	case key.Matches(msg, k.Up):
		l.move(-1)
	case key.Matches(msg, k.Down):
		l.move(1)
	case key.Matches(msg, k.PageUp):
		l.move(-10)
	case key.Matches(msg, k.PageDown):
		l.move(10)
	case key.Matches(msg, k.Home):
		l.cursor = 0
	case key.Matches(msg, k.End):
		l.cursor = max(0, len(l.shown)-1)
	default:
		return listNothing
	}
	return listMoved
}

// updateSearch handles a key while the search line is typed into: text
// goes to the query (which searches as it is typed), the arrows still
// move, enter keeps the search and gives the keys back, esc clears it
// and puts the cursor back where it was.
func (l *moduleList) updateSearch(msg tea.KeyPressMsg) listAction {
	switch msg.String() {
	case "esc": // as if the search had not begun
		l.typing = false
		l.search("")
		if i := slices.Index(l.shown, l.before); i >= 0 {
			l.cursor = i
		}
	case "enter":
		l.typing = false
	case "backspace":
		if l.query == "" {
			l.typing = false
		} else {
			r := []rune(l.query)
			l.search(string(r[:len(r)-1]))
		}
	case "up":
		l.move(-1)
	case "down":
		l.move(1)
	case "pgup":
		l.move(-10)
	case "pgdown":
		l.move(10)
	default:
		if msg.Text == "" || msg.Mod&(tea.ModCtrl|tea.ModAlt) != 0 {
			return listNothing
		}
		l.search(l.query + msg.Text)
	}
	return listMoved
}

func (l *moduleList) move(by int) {
	l.cursor = max(0, min(len(l.shown)-1, l.cursor+by))
}

// groupIndex is the position, among the groups shown, of the cursor's.
func (l *moduleList) groupIndex() int {
	m, ok := l.hovered()
	if !ok {
		return 0
	}
	n := -1
	for _, r := range l.rows {
		if r.mod < 0 {
			n++
		}
		if r.group == m.Group {
			break
		}
	}
	return max(0, n)
}

// goToGroup puts the cursor on the first module of the n-th group shown.
func (l *moduleList) goToGroup(n int) {
	g := -1
	for _, r := range l.rows {
		if r.mod < 0 {
			g++
			continue
		}
		if g == n {
			for i, s := range l.shown {
				if s == r.mod {
					l.cursor = i
					return
				}
			}
		}
	}
}

// backHelp says what esc does now.
func (l *moduleList) backHelp() key.Binding {
	b := l.keys.Back
	switch {
	case l.query != "":
		b.SetHelp("esc", "clear search")
	case l.groupIndex() > 0:
		b.SetHelp("esc", "previous group")
	}
	return b
}

// buildModules opens the modules page: the selection the choices mean, in
// one list.
func (m *Model) buildModules() {
	m.form = nil
	m.pageKeys = []string{"modules"}
	m.d.selectModules(m.base)
	m.modules = newModuleList(config.Series(m.d.Series))
	m.modules.setSelection(m.d.Modules, m.d.Needed)
	m.refreshPreview()
}

// updateModules hands a key to the modules page's list and acts on it.
func (m *Model) updateModules(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch m.modules.update(msg) {
	case listDone:
		return m.next()
	case listBack:
		return m.back()
	case listToggle:
		if mod, ok := m.modules.hovered(); ok && m.d.toggleModule(mod.Name, m.base) {
			m.modules.setSelection(m.d.Modules, m.d.Needed)
			m.refreshPreview()
		}
	}
	return m, nil
}

// hoveredModule is the module under the cursor of the modules page.
func (m *Model) hoveredModule() (string, bool) {
	if m.modules == nil {
		return "", false
	}
	mod, ok := m.modules.hovered()
	return mod.Name, ok
}
