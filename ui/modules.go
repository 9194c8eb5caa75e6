package ui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

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
	mod                      int
	cursor, ticked, required bool
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
	l.drawn = nil // rows name what requires them
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
	var at = -1
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

// view draws the list in width x height cells: the search line, the
// rows with "↑ n more" and "↓ n more" where modules are out of sight,
// then what the module under the cursor is (its summary, group, doc
// link, what it needs and what needs it), wrapped, never cut sideways.
func (l *moduleList) view(st Styles, width, height int) string {
	if style := fmt.Sprint(st.Cursor.GetForeground()); width != l.drawnWidth || style != l.drawnStyle || l.drawn == nil {
		l.drawn, l.drawnWidth, l.drawnStyle = map[rowKey]string{}, width, style
	}
	room := max(1, height-4-infoHeight) // search line, two indicators, a blank line, info
	l.scroll(room)

	lines := make([]string, 0, height)
	lines = append(lines, l.searchLine(st, width))
	above, below := 0, 0
	for i, r := range l.rows {
		if r.mod < 0 {
			continue
		}
		if i < l.top {
			above++
		} else if i >= l.top+room {
			below++
		}
	}
	up := more(st, "↑", above)
	if above > 0 && l.top < len(l.rows) && l.rows[l.top].mod >= 0 {
		// The group the first rows belong to, its heading out of sight.
		up += st.Subtle.Render(" · " + l.rows[l.top].group)
	}
	lines = append(lines, truncate(up, width))
	for i := l.top; i < len(l.rows) && i < l.top+room; i++ {
		lines = append(lines, l.row(st, l.rows[i], width))
	}
	if len(l.shown) == 0 {
		for _, line := range strings.Split(ansi.Wrap(fmt.Sprintf("No module matches %q. Group chats, file sharing and the file-transfer proxy are services: the next page.", l.query), width-2, ""), "\n") {
			lines = append(lines, pad(st.Subtle.Render("  "+line), width))
		}
	}
	for len(lines) < 2+room {
		lines = append(lines, strings.Repeat(" ", width))
	}
	lines = append(lines, more(st, "↓", below), "")
	lines = append(lines, l.info(st, width)...)
	for len(lines) < height {
		lines = append(lines, "")
	}
	for i, line := range lines {
		if i < 2 || i >= 2+room {
			lines[i] = pad(line, width)
		}
	}
	return strings.Join(lines[:height], "\n")
}

// pad fills a line with spaces to width cells.
func pad(line string, width int) string {
	if n := width - ansi.StringWidth(line); n > 0 {
		return line + strings.Repeat(" ", n)
	}
	return line
}

// besides draws left (lines already width cells wide) and right side by
// side, a space between, as lipgloss.JoinHorizontal would without
// measuring every line again (a key press on the modules page redraws
// the whole screen).
func besides(left string, width int, right string) string {
	l, r := strings.Split(left, "\n"), strings.Split(right, "\n")
	blank := strings.Repeat(" ", width)
	var b strings.Builder
	for i := range max(len(l), len(r)) {
		if i > 0 {
			b.WriteByte('\n')
		}
		if i < len(l) {
			b.WriteString(l[i])
		} else {
			b.WriteString(blank)
		}
		b.WriteByte(' ')
		if i < len(r) {
			b.WriteString(r[i])
		}
	}
	return b.String()
}

func more(st Styles, arrow string, n int) string {
	if n == 0 {
		return ""
	}
	return st.Subtle.Render(fmt.Sprintf("  %s %d more", arrow, n))
}

// scroll moves the rows drawn so that the cursor's shows, with its
// group's heading when it is the group's first module.
func (l *moduleList) scroll(room int) {
	if len(l.shown) == 0 {
		l.top = 0
		return
	}
	at := 0
	for i, r := range l.rows {
		if r.mod == l.shown[l.cursor] {
			at = i
			break
		}
	}
	first := at
	if at > 0 && l.rows[at-1].mod < 0 {
		first = at - 1
	}
	if first < l.top {
		l.top = first
	}
	if at >= l.top+room {
		l.top = at - room + 1
	}
	l.top = max(0, min(l.top, len(l.rows)-room))
}

func (l *moduleList) searchLine(st Styles, width int) string {
	switch {
	case l.typing:
		return truncate(st.Cursor.Render("/ ")+l.query+st.Cursor.Render("█")+
			st.Subtle.Render(fmt.Sprintf("  %d of %d · enter keeps it, esc clears", len(l.shown), len(l.all))), width)
	case l.query != "":
		return truncate(st.Cursor.Render("/ ")+l.query+
			st.Subtle.Render(fmt.Sprintf("  %d of %d · esc clears", len(l.shown), len(l.all))), width)
	}
	return st.Subtle.Render(truncate("space ticks · / searches all · enter: next page", width))
}

// row draws one line of the list, cut to width.
func (l *moduleList) row(st Styles, r listRow, width int) string {
	if r.mod < 0 {
		return pad(st.Heading.Render(truncate(r.group, width)), width)
	}
	m := l.all[r.mod]
	k := rowKey{mod: r.mod, cursor: r.mod == l.shown[l.cursor], ticked: l.ticked[m.Name], required: len(l.required[m.Name]) > 0}
	if s, ok := l.drawn[k]; ok {
		return s
	}
	prefix, mark := "  ", st.Subtle.Render("•")
	if k.cursor {
		prefix = st.Cursor.Render("> ")
	}
	if k.ticked || k.required {
		mark = st.Ticked.Render("✓")
	}
	text := fmt.Sprintf("%-20s %s", m.Name, m.Summary)
	if k.required {
		text = fmt.Sprintf("%-20s required by %s · %s", m.Name, strings.Join(l.required[m.Name], ", "), m.Summary)
	}
	text = truncate(text, width-4)
	if k.cursor {
		text = st.Cursor.Render(text)
	}
	s := pad(prefix+mark+" "+text, width)
	l.drawn[k] = s
	return s
}

// info describes the module under the cursor in at most infoHeight
// lines of width cells: the summary, the group and what it needs, what
// needs it, and the doc link.
func (l *moduleList) info(st Styles, width int) []string {
	m, ok := l.hovered()
	if !ok {
		return nil
	}
	wrap := func(s string) []string { return strings.Split(ansi.Wrap(s, width, ""), "\n") }
	summary := wrap(m.Name + ": " + m.Summary)
	meta := m.Group
	if len(m.Depends) > 0 {
		meta += " · needs " + strings.Join(m.Depends, ", ")
	}
	if by := l.required[m.Name]; len(by) > 0 {
		meta += " · required by " + strings.Join(by, ", ") + map[bool]string{true: ": untick it first", false: ": untick those first"}[len(by) == 1]
	}
	var rest []string
	if line := meta + " · " + m.DocURL(); ansi.StringWidth(line) <= width {
		rest = []string{line}
	} else {
		rest = append(wrap(meta), wrap(m.DocURL())...)
	}
	// The summary gives way first: the list shows it too.
	if keep := infoHeight - len(rest); len(summary) > keep {
		summary = summary[:max(0, keep)]
		if keep > 0 {
			summary[keep-1] = truncate(summary[keep-1]+"…", width)
		}
	}
	lines := append(summary, rest...)
	if len(lines) > infoHeight {
		lines = lines[:infoHeight]
	}
	for i := range lines {
		lines[i] = st.Subtle.Render(lines[i])
	}
	return lines
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
