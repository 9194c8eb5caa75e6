package ui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/spf13/afero"

	"prosody-wizard/config"
	"prosody-wizard/scaffold"
)

// reviewRig is an output folder in memory holding an earlier setup, and
// Options wired to it as main wires them to the disk: plans read the folder
// (Inputs.Existing), the reviews compare with it and show diffs.
type reviewRig struct {
	out  afero.Fs
	opts Options
}

func newReviewRig(t *testing.T, start config.Answers) *reviewRig {
	r := &reviewRig{out: afero.NewMemMapFs()}
	fs := &flowFs{source: afero.NewMemMapFs(), out: r.out}
	r.opts = Options{
		Answers: start,
		Out:     "out",
		Plan: func(a config.Answers, out string) (scaffold.Plan, error) {
			in := flowInputs(a, fs)
			in.Existing = afero.NewReadOnlyFs(r.out)
			return scaffold.NewPlan(a, in)
		},
		Compare: func(out string, p scaffold.Plan) ([]scaffold.Change, error) { return scaffold.Compare(r.out, p) },
		Diff:    func(out string, c scaffold.Change) string { return scaffold.Diff(r.out, c) },
		Write: func(out string, p scaffold.Plan) (scaffold.Result, error) {
			t.Error("a review test wrote")
			return scaffold.Result{}, nil
		},
	}
	return r
}

// write applies the plan of a to the output folder.
func (r *reviewRig) write(t *testing.T, a config.Answers) scaffold.Plan {
	t.Helper()
	p, err := r.opts.Plan(a, "out")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := scaffold.Apply(r.out, p, scaffold.ApplyOptions{Force: true, Now: flowNow}); err != nil {
		t.Fatal(err)
	}
	return p
}

// tuiReview is the wizard's review page of the start answers, on a terminal
// tall and narrow-enough-for-one-column that nothing scrolls away.
func (r *reviewRig) tuiReview(t *testing.T) string {
	t.Helper()
	d := newDriver(t, r.opts, wideLayout-1, 400)
	m := d.m
	m.page = len(pages)
	m.buildPage()
	d.run(m.form.Init())
	if m.reviewed == nil {
		t.Fatalf("the review has no plan:\n%s", ansi.Strip(m.render()))
	}
	return ansi.Strip(m.render())
}

// accessibleReview is the accessible run's review of the start answers, up
// to its question: every prompt keeps its value (the modules list ends with
// 0, after the first questions), and the question's default, no, ends the
// run.
func (r *reviewRig) accessibleReview(t *testing.T, first int) string {
	t.Helper()
	_, out := runAcc(t, r.opts, strings.Repeat("\n", first)+"0\n"+strings.Repeat("\n", 30), nil)
	_, review, ok := strings.Cut(out, "\nThe files for out:\n")
	if !ok {
		t.Fatalf("no review in the transcript:\n%s", out)
	}
	return review
}

// flat joins the words of text with single spaces: wrapping and column
// padding aside.
func flat(text string) string { return strings.Join(strings.Fields(text), " ") }

// TestReviewsShowTheSameListing: the wizard's review and the accessible
// review show the same facts: every entry with its status, mode, owner,
// size and path, the diff of a changed file, the warnings.
func TestReviewsShowTheSameListing(t *testing.T) {
	a := loadAnswers(t, "minimal")
	r := newReviewRig(t, a)
	r.write(t, a)
	_ = afero.WriteFile(r.out, "README.md", []byte("kept by hand\n"), 0o644)
	_ = afero.WriteFile(r.out, ".env", []byte("PROSODY_TURN_SECRET=kept-by-hand\n"), 0o600)
	_ = r.out.Chmod("compose.yaml", 0o600)

	p, _ := r.opts.Plan(a, "out")
	l, err := r.opts.listing("out", p)
	if err != nil {
		t.Fatal(err)
	}
	reviews := map[string]string{"wizard": flat(r.tuiReview(t)), "accessible": flat(r.accessibleReview(t, 8))}
	for name, review := range reviews {
		for _, row := range l.Rows {
			size := row.Size()
			if name == "wizard" && !row.Folder && !row.Secret {
				size += " B"
			}
			want := fmt.Sprintf("%s %04o %d:%d %s %s", row.Status, row.Mode, row.UID, row.GID, size, row.Path)
			if !strings.Contains(review, want) {
				t.Errorf("the %s review lacks %q:\n%s", name, want, review)
			}
		}
		// The diffs as they are, with what huh reads as markup: _, *, `.
		for _, want := range append([]string{"changed 0644", "mode 0644", "--- a/README.md +++ b/README.md", "-kept by hand",
			"+# The secret Prosody shares", "PROSODY_TURN_SECRET=***",
			"+`prosody/prosody.cfg.lua` explains each setting.", "+_xmpp-client._tcp.example.org.", "Before going live:"}, l.Warnings...) {
			if !strings.Contains(review, flat(want)) {
				t.Errorf("the %s review lacks %q:\n%s", name, want, review)
			}
		}
	}
}
