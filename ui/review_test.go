package ui

import (
	"bytes"
	"fmt"
	"io"
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
			return planAnswers(a, in)
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
	// Every answer is given: Enter keeps each and moves on, to the review.
	for i := 0; i < 200 && d.h.position().page < len(pages); i++ {
		d.enter()
	}
	var reviewed bool
	d.with(func(m *Model) { reviewed = m.reviewed != nil })
	if !reviewed {
		t.Fatalf("the review has no plan:\n%s", ansi.Strip(d.render()))
	}
	return ansi.Strip(d.render())
}

// accessibleReview is the accessible run's review of the start answers, up
// to its question: every prompt keeps its value (an empty line), and the
// input ends at "Write these files?", which ends the run.
func (r *reviewRig) accessibleReview(t *testing.T) string {
	t.Helper()
	var out bytes.Buffer
	o, err := RunAccessible(r.opts, &emptyLinesUntil{out: &out, ask: "Write these files?"}, &out, nil)
	if err != nil || !o.Aborted {
		t.Fatalf("err %v, aborted %v; want the run to stop at the review\n%s", err, o.Aborted, out.String())
	}
	_, review, ok := strings.Cut(out.String(), "\nThe files for out:\n")
	if !ok {
		t.Fatalf("no review in the transcript:\n%s", out.String())
	}
	return review
}

// emptyLinesUntil is input of empty lines that ends once out has the
// question ask. The accessible wizard reads only while it waits for an
// answer, so out is not being written then.
type emptyLinesUntil struct {
	out *bytes.Buffer
	ask string
}

func (e *emptyLinesUntil) Read(p []byte) (int, error) {
	if strings.Contains(e.out.String(), e.ask) {
		return 0, io.EOF
	}
	p[0] = '\n'
	return 1, nil
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
	reviews := map[string]string{"wizard": flat(r.tuiReview(t)), "accessible": flat(r.accessibleReview(t))}
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

// TestReviewsMaskSecrets: a password and TURN secret full of quotes, ;, $,
// backslashes and unicode replace older ones; neither the new nor the old
// value shows in either review, raw or as a file writes it, not even where
// the old one sits in a note added by hand.
func TestReviewsMaskSecrets(t *testing.T) {
	oldPw, newPw := `Qz1old pw "Qz2" ; $Qz3 \Qz4\\ 'Qz5' Qz6ünï日本 #Qz7`, `  Qz8new"; Qz9 = $HOME \" Qy1 `+"\u00e9Qy2\u2603"
	oldTURN, newTURN := `Qy3 "turn" Qy4;\ Qy5 $Qy6`, `Qy7' Qy8 "\\" Qy9ß`
	for _, deploy := range []string{config.DeployHost, config.DeployCompose} {
		t.Run(deploy, func(t *testing.T) {
			a := loadAnswers(t, "minimal")
			a.Deploy = deploy
			a.Database = config.Database{Driver: config.DriverPostgres, Host: "db.example.org", Name: "prosody", User: "prosody", Password: oldPw}
			a.TURN = config.TURN{Host: "turn.example.org", Port: 3478, Secret: oldTURN}
			r := newReviewRig(t, a)
			p := r.write(t, a)
			holder := scaffold.ConfigPath(a)
			if deploy == config.DeployCompose {
				holder = ".env"
			}
			f, _ := p.File(holder)
			_ = afero.WriteFile(r.out, holder, append([]byte("# "+oldPw+"\n"), f.Data...), 0o600)

			a.Database.Password, a.TURN.Secret = newPw, newTURN
			r.opts.Answers = a
			reviews := map[string]string{"wizard": r.tuiReview(t), "accessible": r.accessibleReview(t)}
			for name, review := range reviews {
				// Without spaces, so that no piece hides behind a wrapped line.
				compact := strings.Join(strings.Fields(review), "")
				if !strings.Contains(review, "# ***") {
					t.Errorf("the %s review does not show the note, masked:\n%s", name, review)
				}
				for _, s := range []string{oldPw, newPw, oldTURN, newTURN} {
					for _, form := range []string{s, scaffold.LuaString(s), scaffold.DotenvValue(s)} {
						if strings.Contains(review, form) {
							t.Errorf("the %s review shows %q:\n%s", name, form, review)
						}
					}
					for _, tok := range strings.Fields(s) {
						if i := strings.Index(tok, "Q"); i >= 0 && len(tok) >= i+3 && strings.Contains(compact, tok[i:i+3]) {
							t.Errorf("the %s review shows %q of %q:\n%s", name, tok[i:i+3], s, review)
						}
					}
				}
			}
		})
	}
}

// TestReviewsShowTheTransition: a re-run that takes a 0.12 setup to 13.0
// on SQLite says in both reviews, before anything is written, what that
// changes and the steps in order, the migrator's among them.
func TestReviewsShowTheTransition(t *testing.T) {
	a := loadAnswers(t, "minimal")
	a.Prosody = config.Series012
	r := newReviewRig(t, a)
	r.write(t, a)
	a.Prosody, a.Database.Driver = config.Series13, config.DriverSQLite
	r.opts.Answers = a
	reviews := map[string]string{"wizard": flat(r.tuiReview(t)), "accessible": flat(r.accessibleReview(t))}
	for name, review := range reviews {
		for _, want := range []string{
			"Upgrading from Prosody 0.12 to 13.0 and moving the data from internal storage to SQLite:",
			"prosody:operator", scaffold.TransitionStepsHeading,
			"1. stop Prosody: docker compose stop prosody",
			"docker compose build --pull prosody",
			"docker compose run --rm --no-deps prosody prosody-migrator --config /etc/prosody/migrate-storage.cfg.lua internal sqlite",
			"prosody/migrate-storage.cfg.lua",
		} {
			if !strings.Contains(review, flat(want)) {
				t.Errorf("the %s review lacks %q:\n%s", name, want, review)
			}
		}
	}
}
