package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// The review page: the review (see review) in a view that scrolls, the
// confirm fixed under it and the keys at the bottom, so that the question
// stays in sight at every size however long the review is.

// scrollReview moves the review for a scrolling key, and reports whether
// msg was one.
func (m *Model) scrollReview(msg tea.KeyPressMsg) bool {
	h := m.reviewHeight()
	switch {
	case key.Matches(msg, m.keys.LineUp):
		m.review.scroll(-1, h)
	case key.Matches(msg, m.keys.LineDown):
		m.review.scroll(1, h)
	case key.Matches(msg, m.keys.PageUp):
		m.review.scroll(-max(1, h-1), h)
	case key.Matches(msg, m.keys.PageDown):
		m.review.scroll(max(1, h-1), h)
	case key.Matches(msg, m.keys.Top):
		m.review.top = 0
	case key.Matches(msg, m.keys.Bottom):
		m.review.scroll(len(m.review.lines), h)
	default:
		return false
	}
	return true
}

// reviewFormView is the confirm under the review, without its trailing
// blank lines, and why Write was refused (huh's own error line is not
// wrapped: it would break the page's line count), wrapped whole.
func (m *Model) reviewFormView() string {
	v := strings.TrimRight(m.form.View(), "\n ")
	for _, err := range m.form.Errors() {
		v += "\n" + m.styles.FieldError.Render(strings.Join(wrapHanging("✗ "+err.Error(), max(20, m.width), 2), "\n"))
	}
	return v
}

// reviewHeight is how many lines of the review fit: the screen less the
// header, the line that says where the view is, the confirm and the keys.
func (m *Model) reviewHeight() int { return m.reviewHeightUnder(m.reviewFormView()) }

// reviewHeightUnder is reviewHeight for the confirm drawn as confirm.
func (m *Model) reviewHeightUnder(confirm string) int {
	m.review.wrap(m.styles, m.width)
	return max(1, m.height-3-lipgloss.Height(confirm))
}

// reviewView draws the review page.
func (m *Model) reviewView(p page) string {
	confirm := m.reviewFormView()
	body, where := m.review.view(m.styles, m.reviewHeightUnder(confirm))
	return strings.Join([]string{m.header(p), body, where, confirm, m.reviewHelp()}, "\n")
}

// reviewHelp names the review's keys: scrolling first, then the ways
// back and out, which narrow terminals need most; the buttons' keys last.
func (m *Model) reviewHelp() string {
	// help adds an item that does not fit when its "…" would not fit
	// either (bubbles v2.2.1): cut it to the width.
	return truncate(m.help.ShortHelpView([]key.Binding{m.keys.Scroll, m.keys.Ends, m.keys.Back, m.keys.Quit, m.keys.Choose, m.keys.Confirm}), m.width)
}

// doneView is the last screen: done, or why writing failed and where the
// answers were saved.
func (m *Model) doneView() string {
	width := max(20, m.width)
	wrapped := func(style lipgloss.Style, s string) string {
		return style.Render(strings.Join(wrapHanging(s, width, 0), "\n")) + "\n"
	}
	switch {
	case m.outcome.DryRun:
		return m.styles.Title.Render("Dry run:") + " nothing written.\n"
	case m.outcome.Err == nil:
		return m.styles.Title.Render("Done.") + " The summary follows.\n"
	}
	s := wrapped(m.styles.Error, "Writing failed: "+m.outcome.Err.Error())
	switch {
	case m.outcome.Saved != "":
		s += wrapped(m.styles.Warning, "Your answers are saved in "+m.outcome.Saved+" (mode 0600: it holds the database password).")
	case m.saveErr != nil:
		s += wrapped(m.styles.Error, "Saving your answers failed too: "+m.saveErr.Error())
	}
	return s
}
