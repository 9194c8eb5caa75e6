package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// The modules page's drawing: every line cut and padded to the width
// once, rows cached, so that a key press redraws little.

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
		k := rowKey{mod: -1, heading: r.group}
		if _, ok := l.drawn[k]; !ok {
			l.drawn[k] = pad(st.Heading.Render(truncate(r.group, width)), width)
		}
		return l.drawn[k]
	}
	m := l.all[r.mod]
	k := rowKey{mod: r.mod, cursor: r.mod == l.shown[l.cursor], ticked: l.ticked[m.Name],
		requiredBy: strings.Join(l.required[m.Name], ", ")}
	if s, ok := l.drawn[k]; ok {
		return s
	}
	prefix, mark := "  ", st.Subtle.Render("•")
	if k.cursor {
		prefix = st.Cursor.Render("> ")
	}
	if k.ticked || k.requiredBy != "" {
		mark = st.Ticked.Render("✓")
	}
	text := fmt.Sprintf("%-20s %s", m.Name, m.Summary)
	if k.requiredBy != "" {
		text = fmt.Sprintf("%-20s required by %s · %s", m.Name, k.requiredBy, m.Summary)
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
