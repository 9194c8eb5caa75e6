package ui

import (
	"fmt"
	"strings"

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

// writeReview renders the listing for the wizard's review page: paths
// relative to the "Into" line above them and owners unpadded, so that rows
// fit narrow terminals; then the diffs and the warnings.
func writeReview(b *strings.Builder, l scaffold.Listing) {
	for _, r := range l.Rows {
		size := r.Size()
		if !r.Folder && !r.Secret {
			size += " B"
		}
		fmt.Fprintf(b, "  %-7s %04o %d:%d %7s  %s\n", r.Status, r.Mode, r.UID, r.GID, size, r.Path)
	}
	for _, r := range l.Rows {
		if r.Diff != "" {
			b.WriteString("\n" + strings.TrimRight(r.Diff, "\n") + "\n")
		}
	}
	if len(l.Warnings) > 0 {
		b.WriteString("\nBefore going live:\n")
		for _, w := range l.Warnings {
			b.WriteString("  - " + w + "\n")
		}
	}
}

// noteMarkup are the characters a huh Note's description reads as markup:
// _ and * toggle italic and bold, ` a code span, \ escapes.
const noteMarkup = "\\_*`"

// literal escapes text for a huh Note's description, so that it shows as
// it is: a path with _ or a masked *** in a diff would otherwise lose
// characters.
func literal(text string) string {
	var b strings.Builder
	for _, r := range text {
		if strings.ContainsRune(noteMarkup, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
