package scaffold

import (
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strconv"
)

// Listing is what a plan would do to its output folder, in the words a
// person reads: a row per entry, with the diff of each changed file, and
// the warnings to heed before going live. The dry run, the wizard's review
// and the accessible review all render one, so a screen-reader user learns
// what a sighted user sees. Every text in it has the plan's secrets masked.
//
// The DNS records are in it too, as the generated README lists them: a
// warning asks for them before going live. The next steps are not: they are
// printed after writing (and a dry run writes nothing).
type Listing struct {
	Rows []Row
	// Transition is what the re-run changes on the running server and
	// what to do (Plan.Transition), or nil.
	Transition *Transition
	Warnings   []string
	// DNS are the records to create, in zone-file syntax (Plan.DNS).
	DNS []string
}

// WarningsHeading introduces the warnings wherever they are listed.
const WarningsHeading = "Before going live:"

// DNSHeading introduces the DNS records wherever they are listed.
const DNSHeading = "DNS records (replace the example addresses with your server's):"

// Row is one planned entry as listed.
type Row struct {
	// Status is "new", "changed", "same", "mode" when only the mode or
	// owner differs, or "kept" for a preserved file that differs and is
	// left as it is (the person's own, see File.Preserve).
	Status   string
	Mode     fs.FileMode // permission bits
	UID, GID int
	Bytes    int  // a file's size
	Folder   bool // a folder: no size
	Secret   bool // a file holding secrets: its size is not shown either
	// Path is relative to the output folder, slash-separated.
	Path string
	// Diff is how a changed file changes (see Diff), "" when not shown.
	Diff string
}

// Size is the size column: the byte count, "folder" or "secret".
func (r Row) Size() string {
	switch {
	case r.Folder:
		return "folder"
	case r.Secret:
		return "secret"
	}
	return strconv.Itoa(r.Bytes)
}

// Describe lists the changes Compare found for the plan p. diff gives a
// changed file's diff, read from the output folder (usually Diff); nil
// shows none. Paths, diffs and warnings are masked by p's secrets.
func Describe(p Plan, changes []Change, diff func(Change) string) Listing {
	r := redactor(p.Secrets)
	l := Listing{Rows: make([]Row, 0, len(changes))}
	for _, c := range changes {
		row := Row{Status: c.Status.String(), Mode: c.Mode.Perm(), UID: c.UID, GID: c.GID,
			Bytes: len(c.Data), Folder: c.IsDir(), Secret: c.Secret, Path: redact(r, c.Path)}
		switch {
		case c.ModeOnly:
			row.Status = "mode"
		case c.Kept:
			row.Status, row.Bytes = "kept", int(c.OldSize) // what stays
		}
		if diff != nil {
			row.Diff = redact(r, diff(c))
		}
		l.Rows = append(l.Rows, row)
	}
	if t := p.Transition; t != nil {
		m := Transition{Heading: redact(r, t.Heading)}
		for _, n := range t.Notes {
			m.Notes = append(m.Notes, redact(r, n))
		}
		for _, st := range t.Steps {
			m.Steps = append(m.Steps, redact(r, st))
		}
		l.Transition = &m
	}
	for _, w := range p.Warnings {
		l.Warnings = append(l.Warnings, redact(r, w))
	}
	for _, d := range p.DNS {
		l.DNS = append(l.DNS, redact(r, d))
	}
	return l
}

// WriteText writes the listing as plain text: the rows, each path joined to
// dir ("" leaves them relative), then the diffs, the warnings and the DNS
// records. The dry run prints it, and so does the accessible review.
func (l Listing) WriteText(w io.Writer, dir string) error {
	ew := &errWriter{w: w}
	for _, r := range l.Rows {
		ew.printf("  %-7s %04o %5d:%-5d %7s  %s\n", r.Status, r.Mode, r.UID, r.GID, r.Size(), filepath.Join(dir, filepath.FromSlash(r.Path)))
	}
	for _, r := range l.Rows {
		if r.Diff != "" {
			ew.printf("\n%s", r.Diff)
		}
	}
	if t := l.Transition; t != nil {
		ew.printf("\n")
		for _, line := range t.Lines() {
			ew.printf("%s\n", line)
		}
	}
	if len(l.Warnings) > 0 {
		ew.printf("\n%s\n", WarningsHeading)
		for _, s := range l.Warnings {
			ew.printf("  - %s\n", s)
		}
	}
	if len(l.DNS) > 0 {
		ew.printf("\n%s\n", DNSHeading)
		for _, d := range l.DNS {
			ew.printf("  %s\n", d)
		}
	}
	return ew.err
}

// TransitionStepsHeading introduces a transition's steps.
const TransitionStepsHeading = "What to do, in this order:"

// Lines are the transition as lines of text, unwrapped: the heading, each
// note as "- note", the steps heading and each step as "N. what:" with
// its command on a line of its own ("   command"), as the summary prints
// next steps.
func (t Transition) Lines() []string {
	lines := []string{t.Heading}
	for _, n := range t.Notes {
		lines = append(lines, "  - "+n)
	}
	lines = append(lines, TransitionStepsHeading)
	for i, st := range t.Steps {
		what, cmd := SplitStep(st)
		if cmd == "" {
			lines = append(lines, fmt.Sprintf("  %d. %s", i+1, what))
			continue
		}
		lines = append(lines, fmt.Sprintf("  %d. %s:", i+1, what), "       "+cmd)
	}
	return lines
}

// errWriter keeps the first write error and skips the writes after it.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
