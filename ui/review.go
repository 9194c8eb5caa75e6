package ui

import (
	"errors"
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"prosody-wizard/config"
	"prosody-wizard/scaffold"
)

// listing compares the plan with the output folder and lists it (see
// scaffold.Listing): the one listing both reviews render.
func (o Options) listing(out string, p scaffold.Plan) (scaffold.Listing, error) {
	changes, err := o.Compare(out, p)
	var diff func(scaffold.Change) string
	if o.Diff != nil {
		diff = func(c scaffold.Change) string { return o.Diff(out, c) }
	}
	return scaffold.Describe(p, changes, diff), err
}

// review is what the review page shows above its question, in a view that
// scrolls: the folder, the files, the warnings, the DNS records and the
// diffs, or the problems that stop the plan.
type review struct {
	out       string
	problems  []string // why there is no plan: nothing else is shown
	err       string   // the folder could not be compared
	listing   scaffold.Listing
	dryRun    bool
	backupDir string

	top   int      // the first line shown
	width int      // the width lines were wrapped for
	lines []string // the text, wrapped to width and styled
}

// newReview is the review of plan (or of why there is none, err) for the
// output folder out.
func newReview(o Options, out string, plan scaffold.Plan, err error) review {
	r := review{out: out, dryRun: o.DryRun, backupDir: o.BackupDir}
	if err != nil {
		var problems config.Problems
		if errors.As(err, &problems) {
			for _, p := range problems {
				r.problems = append(r.problems, p.Error())
			}
		} else {
			r.problems = []string{err.Error()}
		}
		return r
	}
	l, cerr := o.listing(out, plan)
	if cerr != nil {
		r.err = cerr.Error()
	}
	r.listing = l
	return r
}

// replaced counts the files the write replaces: those that differ.
func (r *review) replaced() int { return replacedIn(r.listing) }

// replacedIn counts the files of a listing that differ from what is there.
func replacedIn(l scaffold.Listing) int {
	n := 0
	for _, row := range l.Rows {
		if row.Status == "changed" {
			n++
		}
	}
	return n
}

// replaceNote says, on both reviews, what Write does with the n files that
// differ: replace them, keeping backups (as --force does).
func replaceNote(n int, backupDir string) string {
	where := "beside it as NAME.bak.<time>"
	if backupDir != "" {
		where = "under " + backupDir + "/ (--backup-dir)"
	}
	return fmt.Sprintf("%d file(s) differ from what is there. Write replaces them and keeps each old one %s, as --force does.", n, where)
}

// question is the title of the review's confirm.
func (r *review) question() string {
	switch n := r.replaced(); {
	case len(r.problems) > 0:
		return "Fix the problems first"
	case r.dryRun:
		return "Dry run: nothing will be written"
	case n > 0:
		return fmt.Sprintf("Write these files? (%d replaced, backups kept)", n)
	}
	return "Write these files?"
}

// wrap lays the review out for a terminal width cells wide, styled.
func (r *review) wrap(st Styles, width int) {
	if r.width == width && r.lines != nil {
		return
	}
	r.width = width
	var lines []string
	addWrapped := func(style func(...string) string, wrapped []string) {
		for _, l := range wrapped {
			lines = append(lines, style(l))
		}
	}
	add := func(style func(...string) string, indent int, text string) {
		addWrapped(style, wrapHanging(text, width, indent))
	}
	plain := func(s ...string) string { return strings.Join(s, "") }
	blank := func() { lines = append(lines, "") }
	if len(r.problems) > 0 {
		add(st.Error.Render, 2, "Fix these first (esc goes back):")
		for _, p := range r.problems {
			add(st.Error.Render, 4, "  "+p)
		}
		r.lines = lines
		return
	}
	add(st.Title.Render, 2, "Into "+r.out+":")
	if r.err != "" {
		add(st.Error.Render, 2, r.err)
	}
	switch n := r.replaced(); {
	case r.dryRun:
		add(st.Warning.Render, 0, "Dry run (--dry-run): nothing is written. This review is the plan; Done ends here.")
	case n > 0:
		add(st.Warning.Render, 0, replaceNote(n, r.backupDir)+" Their diffs are at the end.")
	}
	for _, row := range r.listing.Rows {
		size := row.Size()
		if !row.Folder && !row.Secret {
			size += " B"
		}
		style := st.StatusSame.Render
		switch row.Status {
		case "new":
			style = st.StatusNew.Render
		case "changed", "mode":
			style = st.StatusMod.Render
		}
		add(style, 4, fmt.Sprintf("  %-7s %04o %d:%d %7s  %s", row.Status, row.Mode, row.UID, row.GID, size, row.Path))
	}
	if t := r.listing.Transition; t != nil {
		// What the re-run changes on the running server, and what to do.
		blank()
		for i, l := range t.Lines() {
			style := plain
			if i == 0 || l == scaffold.TransitionStepsHeading {
				style = st.Title.Render
			}
			add(style, 4, l)
		}
	}
	if len(r.listing.Warnings) > 0 {
		blank()
		add(st.Title.Render, 0, scaffold.WarningsHeading)
		for _, w := range r.listing.Warnings {
			add(plain, 4, "  - "+w)
		}
	}
	if len(r.listing.DNS) > 0 {
		blank()
		add(st.Title.Render, 0, scaffold.DNSHeading)
		for _, d := range r.listing.DNS {
			if ansi.StringWidth(d)+2 > width {
				d = strings.Join(strings.Fields(d), " ") // the columns do not fit anyway
			}
			add(plain, 4, "  "+d)
		}
	}
	first := true
	for _, row := range r.listing.Rows {
		if row.Diff == "" {
			continue
		}
		if first {
			blank()
			add(st.Title.Render, 0, "What changes:")
			first = false
		}
		for _, l := range strings.Split(strings.TrimRight(row.Diff, "\n"), "\n") {
			style := plain
			switch {
			case strings.HasPrefix(l, "+"):
				style = st.StatusNew.Render
			case strings.HasPrefix(l, "-"):
				style = st.Error.Render
			case strings.HasPrefix(l, "@@"):
				style = st.Subtle.Render
			}
			// A wrapped diff line goes on after a mark, so that it is not
			// read as a line of its own.
			addWrapped(style, wrapPrefixed(strings.ReplaceAll(l, "\t", "    "), width, "↪ "))
		}
	}
	r.lines = lines
}

// scroll moves the view by n lines (negative: up), within the text for a
// view height lines tall.
func (r *review) scroll(n, height int) {
	r.top = max(0, min(r.top+n, len(r.lines)-height))
}

// view draws height lines of the text from top, padded, and the line
// under them that says where they are.
func (r *review) view(st Styles, height int) (body, where string) {
	r.scroll(0, height)
	end := min(len(r.lines), r.top+height)
	shown := append([]string(nil), r.lines[r.top:end]...)
	for len(shown) < height {
		shown = append(shown, "")
	}
	switch {
	case len(r.lines) <= height:
		where = "all shown"
	case end >= len(r.lines):
		where = fmt.Sprintf("lines %d–%d of %d · end", r.top+1, end, len(r.lines))
	default:
		where = fmt.Sprintf("lines %d–%d of %d · pgdn/↓ for more", r.top+1, end, len(r.lines))
	}
	rule := "── " + where + " "
	if pad := r.width - ansi.StringWidth(rule); pad > 0 {
		rule += strings.Repeat("─", pad)
	}
	return strings.Join(shown, "\n"), st.Subtle.Render(truncate(rule, r.width))
}

// wrapHanging breaks plain text into lines of at most width cells: at a
// space where it can, anywhere where it must (a long path). Lines after
// the first are indented by indent spaces, so a wrapped row or warning
// reads as one.
func wrapHanging(s string, width, indent int) []string {
	return wrapPrefixed(s, width, strings.Repeat(" ", min(indent, max(width, 8)/2)))
}

// wrapPrefixed is wrapHanging with cont before each line after the first.
func wrapPrefixed(s string, width int, cont string) []string {
	width = max(width, 8)
	var out []string
	limit, prefix := width, ""
	for ansi.StringWidth(s) > limit {
		cut := breakAt(s, limit)
		out = append(out, prefix+strings.TrimRight(s[:cut], " "))
		s = strings.TrimLeft(s[cut:], " ")
		limit, prefix = width-ansi.StringWidth(cont), cont
	}
	return append(out, prefix+s)
}

// breakAt is where a line of s at most limit cells wide ends: its last
// space after some text, else as many characters as fit (at least one).
func breakAt(s string, limit int) int {
	w, fit, space := 0, 0, -1
	for i, r := range s {
		rw := ansi.StringWidth(string(r))
		if w+rw > limit {
			break
		}
		w += rw
		fit = i + len(string(r))
		if r == ' ' && strings.TrimSpace(s[:i]) != "" {
			space = i
		}
	}
	switch {
	case fit < len(s) && s[fit] == ' ':
		return fit // the line ends right before a space
	case space > 0:
		return space
	case fit == 0:
		_, size := firstRune(s)
		return size
	}
	return fit
}

func firstRune(s string) (rune, int) {
	for _, r := range s {
		return r, len(string(r))
	}
	return 0, 0
}
