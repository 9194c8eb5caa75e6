package ui

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"prosody-wizard/config"
	"prosody-wizard/scaffold"
)

// preview holds the files the current answers produce, from the same
// scaffold.Plan that will be written (main plans with the same generated
// secrets throughout a run: scaffold.Generated), secrets masked. It is recomputed only when the
// answers change.
type preview struct {
	// drawn caches the last rendered box: a key press that changes
	// neither the answers nor the layout redraws nothing.
	drawnKey string
	drawn    string

	key      string            // the answers and folder it was made for
	names    [2]string         // the files shown (see deploymentFile)
	files    [2][]string       // prosody.cfg.lua and the deployment's file, as lines
	marks    [2]scaffold.Marks // which of those lines each answer produced
	problems []string          // why the current answers do not plan yet, as shown
	found    []config.Problem  // all of them (see shownProblems)
}

// previewFiles are the files the preview shows until the answers plan:
// Prosody's config and the deployment's file (see deploymentFile). A
// page's previewFile names one of them.
var previewFiles = [2]string{"prosody.cfg.lua", "compose.yaml"}

// deploymentFile is the file that says how Prosody runs, the preview's
// second: compose.yaml, or a cluster's StatefulSet.
func deploymentFile(a config.Answers) string {
	if a.InCluster() {
		return "kubernetes/statefulset.yaml"
	}
	return previewFiles[1]
}

// refreshPreview replans when the answers changed. While the answers are
// incomplete or invalid it keeps the last good files and lists the problems.
func (m *Model) refreshPreview() {
	if m.opts.Plan == nil {
		return
	}
	a := m.answers()
	out := m.out()
	// Go syntax of the answers: as telling as config.Marshal's YAML for
	// the purpose, at a twentieth of the cost (each key press pays it).
	key := fmt.Sprintf("%#v\x00%s", a, out)
	if key == m.preview.key {
		m.preview.problems = m.shownProblems(m.preview.found)
		return
	}
	m.preview.key = key
	p, err := m.opts.Plan(a, out)
	m.preview.problems, m.preview.found = nil, nil
	if err != nil {
		var problems config.Problems
		if errors.As(err, &problems) {
			m.preview.found = problems
			m.preview.problems = m.shownProblems(problems)
		} else {
			m.preview.problems = []string{err.Error()}
		}
		return
	}
	// The files as they will be written, secrets masked as --dry-run
	// masks them (Plan.Masked): the plan knows its secrets.
	if f, ok := p.File(scaffold.ConfigPath(a)); ok {
		m.preview.files[0], m.preview.marks[0] = previewLines(p.Masked(f)), f.Marks
	}
	name := deploymentFile(a)
	m.preview.names = [2]string{previewFiles[0], name}
	m.preview.files[1], m.preview.marks[1] = []string{"(a host install has no compose.yaml)"}, nil
	if a.InCluster() {
		m.preview.files[1] = []string{"(the plan has no " + name + ")"}
	}
	if f, ok := p.File(name); ok {
		m.preview.files[1], m.preview.marks[1] = previewLines(p.Masked(f)), f.Marks
	}
}

// shownProblems are the problems of the answers already given: of fields
// on the pages left behind, or that no page asks. An empty domain is no
// news on the welcome page.
func (m *Model) shownProblems(found []config.Problem) []string {
	var shown []string
	for _, pr := range found {
		if i := pageOf(pr.Field); i < m.page {
			shown = append(shown, pr.Error())
		}
	}
	return shown
}

// previewLines splits a file into lines, tabs expanded, so that widths are
// measured as they are drawn.
func previewLines(data string) []string {
	text := strings.ReplaceAll(strings.TrimRight(data, "\n"), "\t", "    ")
	return strings.Split(text, "\n")
}

// lit says which lines of file i the preview highlights: those the answers
// of question produced (the answers file's names for what the focused
// question asks), or, where it produced none, those of page (the page's
// questions).
func (pv *preview) lit(i int, question, page []string) []bool {
	ranges := pv.marks[i].Lines(question...)
	if len(ranges) == 0 {
		ranges = pv.marks[i].Lines(page...)
	}
	lit := make([]bool, len(pv.files[i]))
	for _, r := range ranges {
		for n := r.From; n <= r.To && n <= len(lit); n++ {
			lit[n-1] = true
		}
	}
	return lit
}

// render draws the preview box: tabs, problems, then the file scrolled to
// the first highlighted line (see lit), those lines highlighted.
func (pv *preview) render(st Styles, tab int, p page, question, pageFields []string, width, height int) string {
	key := fmt.Sprint(pv.key, tab, p.previewFile, question, pageFields, width, height, st.Highlight.GetBackground(), pv.problems)
	if key == pv.drawnKey {
		return pv.drawn
	}
	pv.drawnKey, pv.drawn = key, pv.draw(st, tab, p, question, pageFields, width, height)
	return pv.drawn
}

func (pv *preview) draw(st Styles, tab int, p page, question, pageFields []string, width, height int) string {
	// ctrl+t flips between the files, starting from the page's own.
	if p.previewFile == previewFiles[1] {
		tab = 1 - tab
	}
	inner := max(10, width-4)
	var head []string
	tabs := make([]string, 2)
	names := pv.names
	if names[0] == "" {
		names = previewFiles // nothing planned yet
	}
	for i, name := range names {
		if i == tab {
			tabs[i] = st.TabActive.Render(name)
		} else {
			tabs[i] = st.Tab.Render(name)
		}
	}
	head = append(head, truncate(strings.Join(tabs, "  "), inner))
	for _, pr := range pv.problems {
		head = append(head, st.Warning.Render(truncate("! "+pr, inner)))
	}
	widths := make([]int, len(head), height)
	for i, h := range head {
		widths[i] = ansi.StringWidth(h)
	}
	lines := pv.files[tab]
	lit := pv.lit(tab, question, pageFields)
	room := max(1, height-2-len(head))
	top := 0
	if first := slices.Index(lit, true); first >= 0 {
		top = max(0, first-2)
	}
	if top > len(lines)-room {
		top = max(0, len(lines)-room)
	}
	body := make([]string, 0, room)
	highlight := spanOf(st.Highlight)
	for i := top; i < len(lines) && len(body) < room; i++ {
		l, w := cut(lines[i], inner)
		if lit[i] {
			l = highlight(l)
		}
		body = append(body, l)
		widths = append(widths, w)
	}
	if len(lines) == 0 && len(pv.problems) == 0 {
		hint := "(the files appear here once the domain is given)"
		h, w := cut(hint, inner)
		body = append(body, st.Subtle.Render(h))
		widths = append(widths, w)
	}
	return frame(st.PreviewBox, append(head, body...), widths, width, height)
}

// frame draws lines (each with its width in cells, none wider than the
// inside) in box's border and padding, width x height cells, as
// box.Width(width).Height(height).MaxHeight(height).Render would, without
// measuring and wrapping every line again: the preview is redrawn on
// every change of the answers (a module ticked).
func frame(box lipgloss.Style, lines []string, widths []int, width, height int) string {
	border := box.GetBorderStyle()
	edge := lipgloss.NewStyle().Foreground(box.GetBorderTopForeground())
	left := edge.Render(border.Left) + strings.Repeat(" ", box.GetPaddingLeft())
	right := strings.Repeat(" ", box.GetPaddingRight()) + edge.Render(border.Right)
	inner := max(0, width-2-box.GetPaddingLeft()-box.GetPaddingRight())
	var b strings.Builder
	b.WriteString(edge.Render(border.TopLeft + strings.Repeat(border.Top, max(0, width-2)) + border.TopRight))
	for i := range max(0, height-2) {
		b.WriteString("\n" + left)
		w := 0
		if i < len(lines) {
			b.WriteString(lines[i])
			w = widths[i]
		}
		b.WriteString(strings.Repeat(" ", max(0, inner-w)) + right)
	}
	b.WriteString("\n" + edge.Render(border.BottomLeft+strings.Repeat(border.Bottom, max(0, width-2))+border.BottomRight))
	return b.String()
}

// spanOf returns a function that draws one line of plain text in style
// as style.Render does, the style's escape sequences worked out once
// rather than for every line (the modules page highlights thirty).
func spanOf(style lipgloss.Style) func(string) string {
	const mark = "X"
	open, close, ok := strings.Cut(style.Render(mark), mark)
	if !ok || strings.Contains(close, mark) {
		return func(s string) string { return style.Render(s) }
	}
	return func(s string) string {
		if s == "" {
			return style.Render(s)
		}
		return open + s + close
	}
}

// cut is truncate for a line of text that holds no escape sequences,
// also giving its width in cells; a line of printable ASCII (most of a
// config file) is cut without walking its graphemes.
func cut(s string, n int) (string, int) {
	ascii := true
	for i := 0; i < len(s) && ascii; i++ {
		ascii = s[i] >= 0x20 && s[i] < 0x7f
	}
	if ascii && n > 0 {
		if len(s) <= n {
			return s, len(s)
		}
		return s[:n-1] + "…", n
	}
	t := truncate(s, n)
	return t, ansi.StringWidth(t)
}

// truncate cuts a line to n cells, ending it with "…" (n <= 0: no limit).
func truncate(s string, n int) string {
	if n <= 0 {
		return s
	}
	return ansi.Truncate(s, n, "…")
}
