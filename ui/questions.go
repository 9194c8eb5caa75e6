package ui

import (
	"strings"

	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"
)

// shownGroup is one group of the asking page and its fields, as built:
// huh keeps them to itself, and the wizard draws a group with errors.
type shownGroup struct {
	group  *huh.Group
	fields []huh.Field
}

// questions draws the page's questions in formHeight lines. Without an
// error this is huh's own view: the group's description, then its fields
// scrolled so that the focused one starts at the top (or the last field
// ends at the bottom). With errors the wizard lays the group out the same
// way but puts each error, wrapped whole, right under its field, and
// scrolls so that the focused field and its error are both in view: huh
// would draw errors below every field, under the bottom of a small screen.
func (m *Model) questions() string {
	if len(m.form.Errors()) == 0 {
		return m.form.View()
	}
	focused := m.form.GetFocusedField()
	for _, g := range m.groups {
		for _, f := range g.fields {
			if f == focused {
				return m.groupWithErrors(g, focused)
			}
		}
	}
	return m.form.View()
}

// groupWithErrors lays out a group with its fields' errors under them.
func (m *Model) groupWithErrors(g shownGroup, focused huh.Field) string {
	width, height := m.formWidth(), m.formHeight()
	header := g.group.Header()
	var out []string
	if header != "" {
		out = strings.Split(header, "\n")
		height -= len(out)
	}
	height = max(1, height)
	var lines []string
	from, to := 0, 0 // the focused field and its error
	for i, f := range g.fields {
		if i > 0 {
			lines = append(lines, "") // huh's field separator
		}
		start := len(lines)
		lines = append(lines, strings.Split(f.View(), "\n")...)
		if err := f.Error(); err != nil {
			lines = append(lines, m.fieldError(err.Error(), f == focused, width)...)
		}
		if f == focused {
			from, to = start, len(lines)
		}
	}
	top := from
	if to-top > height {
		top = to - height // a field taller than the screen: its end and error
	}
	top = max(0, min(top, len(lines)-height))
	lines = lines[top:min(len(lines), top+height)]
	for len(lines) < height {
		lines = append(lines, "")
	}
	return strings.Join(append(out, lines...), "\n")
}

// fieldError draws a field's error as lines width cells wide, wrapped
// whole, marked like the field it belongs to (the focused field's bar).
func (m *Model) fieldError(msg string, focused bool, width int) []string {
	st := theme.Theme(m.dark)
	base := st.Blurred.Base
	if focused {
		base = st.Focused.Base
	}
	// A hanging indent: the message wrapped whole after its mark.
	wrapped := lipgloss.NewStyle().Width(max(1, width-base.GetHorizontalFrameSize()-2)).Render(msg)
	lines := strings.Split(wrapped, "\n")
	for i, l := range lines {
		mark := "  "
		if i == 0 {
			mark = "✗ "
		}
		lines[i] = m.styles.FieldError.Render(mark + l)
	}
	return strings.Split(base.Render(strings.Join(lines, "\n")), "\n")
}
