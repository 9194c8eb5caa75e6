package ui

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/cryptotest"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/spf13/afero"

	"prosody-wizard/config"
	"prosody-wizard/scaffold"
)

// reviewCase is a review to look at: of a fresh folder, or of an earlier
// setup whose registration the person changed (three files differ, with
// diffs).
func reviewCase(t *testing.T, editing bool) *reviewRig {
	t.Helper()
	a := loadAnswers(t, "minimal")
	r := newReviewRig(t, a)
	if editing {
		r.write(t, a)
		a.Registration = config.RegistrationInvite
		r.opts.Answers = a
	}
	return r
}

// toReview presses Enter through every page (each keeps its answer) to the
// review.
func toReview(d *driver) { d.enterUntil("review", 60) }

// End, PgDn… as keys.
func (d *driver) press(code rune) { d.send(tea.KeyPressMsg{Code: code}) }

// checkScreen: the screen fits the terminal, and the question and its
// answers are on it.
func checkScreen(t *testing.T, what, view string, width, height int) {
	t.Helper()
	plain := ansi.Strip(view)
	lines := strings.Split(plain, "\n")
	if len(lines) > height {
		t.Errorf("%s: %d lines, taller than the terminal (%d)", what, len(lines), height)
	}
	for i, l := range lines {
		if w := ansi.StringWidth(l); w > width {
			t.Errorf("%s: line %d is %d cells wide, wider than the terminal (%d): %q", what, i+1, w, width, l)
		}
	}
	for _, s := range []string{"Write", "Go back", "pgup/pgdn scroll"} {
		if !strings.Contains(plain, s) {
			t.Errorf("%s: %q is not on the screen:\n%s", what, s, plain)
		}
	}
}

// TestReviewScreens: goldens of the review's top and bottom (End) at 80x24
// and 60x20, of a fresh folder and of an edited setup with diffs.
func TestReviewScreens(t *testing.T) {
	for _, size := range []struct{ w, h int }{{80, 24}, {60, 20}} {
		for _, editing := range []bool{false, true} {
			kind := map[bool]string{false: "fresh", true: "editing"}[editing]
			name := fmt.Sprintf("%dx%d/review-%s", size.w, size.h, kind)
			t.Run(name, func(t *testing.T) {
				cryptotest.SetGlobalRandom(t, 1)
				d := newDriver(t, reviewCase(t, editing).opts, size.w, size.h)
				toReview(d)
				top := d.render()
				checkScreen(t, "top", top, size.w, size.h)
				if !strings.Contains(ansi.Strip(top), "Into out:") {
					t.Errorf("the top does not name the folder:\n%s", ansi.Strip(top))
				}
				goldenView(t, name+"-top", top)
				d.press(tea.KeyEnd)
				bottom := d.render()
				checkScreen(t, "bottom", bottom, size.w, size.h)
				if !strings.Contains(ansi.Strip(bottom), "· end ") {
					t.Errorf("End does not reach the end:\n%s", ansi.Strip(bottom))
				}
				goldenView(t, name+"-bottom", bottom)
				d.press(tea.KeyHome)
				if again := d.render(); again != top {
					t.Errorf("Home does not go back to the top:\n%s", ansi.Strip(again))
				}
			})
		}
	}
}

// squeeze drops every space, tabs too: what wrapping and padding change.
func squeeze(s string) string { return strings.Join(strings.Fields(s), "") }

// TestReviewShowsEverything: at every size from 60x20 up, paging down
// through the review shows the folder, every entry (status, mode, owner,
// size, path), the note that Write replaces the changed files keeping
// backups, every warning, every DNS record and every line of every diff;
// the question stays on every screen, and up goes back as down came.
func TestReviewShowsEverything(t *testing.T) {
	sizes := []struct{ w, h int }{{60, 20}, {60, 31}, {67, 21}, {80, 24}, {99, 40}, {100, 24}, {120, 36}, {200, 60}}
	for _, size := range sizes {
		t.Run(fmt.Sprintf("%dx%d", size.w, size.h), func(t *testing.T) {
			r := reviewCase(t, true)
			a := r.opts.Answers
			p, err := r.opts.Plan(a, "out")
			if err != nil {
				t.Fatal(err)
			}
			l, err := r.opts.listing("out", p)
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"Into out:", "3 file(s) differ from what is there. Write replaces them and keeps each old one beside it as NAME.bak.<time>, as --force does."}
			for _, row := range l.Rows {
				size := row.Size()
				if !row.Folder && !row.Secret {
					size += " B"
				}
				want = append(want, fmt.Sprintf("%s %04o %d:%d %s %s", row.Status, row.Mode, row.UID, row.GID, size, row.Path))
				want = append(want, strings.Split(strings.TrimRight(row.Diff, "\n"), "\n")...)
			}
			want = append(append(append(want, l.Warnings...), scaffold.DNSHeading), l.DNS...)
			if len(l.DNS) == 0 || len(l.Warnings) == 0 {
				t.Fatalf("the listing has no DNS records or warnings: %+v", l)
			}

			d := newDriver(t, r.opts, size.w, size.h)
			toReview(d)
			seen := map[int]string{}
			var screens []string
			for i := 0; ; i++ {
				view := d.render()
				screens = append(screens, view)
				checkScreen(t, fmt.Sprintf("screen %d", i), view, size.w, size.h)
				var top, height int
				d.with(func(m *Model) { top, height = m.review.top, m.reviewHeight() })
				body := strings.Split(ansi.Strip(view), "\n")[1 : 1+height]
				for j, line := range body {
					seen[top+j] = line
				}
				if strings.Contains(ansi.Strip(view), "· end ") || strings.Contains(ansi.Strip(view), "all shown") {
					break
				}
				if i > 200 {
					t.Fatal("PgDn never reached the end")
				}
				d.press(tea.KeyPgDown)
			}
			var all strings.Builder
			for i := 0; i < len(seen); i++ {
				line, ok := seen[i]
				if !ok {
					t.Fatalf("line %d was never shown", i+1)
				}
				all.WriteString(line + "\n")
			}
			// A wrapped diff line goes on after a mark.
			text := squeeze(strings.ReplaceAll(all.String(), "\n↪ ", " "))
			for _, w := range want {
				if !strings.Contains(text, squeeze(w)) {
					t.Errorf("the review never showed %q", w)
				}
			}
			// PgUp goes back up, a page at a time, to the top.
			for i := len(screens) - 2; i >= 0; i-- {
				var before int
				d.with(func(m *Model) { before = m.review.top })
				d.press(tea.KeyPgUp)
				d.with(func(m *Model) {
					if h := m.reviewHeight(); m.review.top != max(0, before-(h-1)) {
						t.Errorf("PgUp from line %d went to %d, a page is %d", before+1, m.review.top+1, h-1)
					}
				})
			}
			if got := d.render(); got != screens[0] {
				t.Errorf("PgUp does not reach the top:\n%s", ansi.Strip(got))
			}
		})
	}
}

// TestReviewDryRun: with --dry-run the review is the end: its question
// says so, Enter ends the run with nothing written.
func TestReviewDryRun(t *testing.T) {
	opts, fs := flowOptions(config.Defaults())
	opts.DryRun = true
	d := newDriver(t, opts, 80, 24)
	d.enter()
	d.typeText("example.org")
	toReview(d)
	view := ansi.Strip(d.render())
	for _, s := range []string{"Dry run: nothing will be written", "Done (dry run)", "Go back", "nothing is written"} {
		if !strings.Contains(view, s) {
			t.Errorf("the review lacks %q:\n%s", s, view)
		}
	}
	d.enter()
	m := d.final()
	out := m.Outcome()
	if !out.DryRun || out.Aborted || out.Err != nil || fs.writes != 0 {
		t.Errorf("outcome %+v after %d writes; want a dry run, nothing written", out, fs.writes)
	}
	if len(out.Listing.Rows) != len(out.Plan.Files) {
		t.Errorf("the outcome's listing has %d rows for %d planned files: the review's listing is what main prints", len(out.Listing.Rows), len(out.Plan.Files))
	}
	if len(out.Plan.Files) == 0 || out.Out != "./example.org" {
		t.Errorf("the outcome lacks the plan or the folder: %q, %d files", out.Out, len(out.Plan.Files))
	}
	if got := ansi.Strip(m.render()); !strings.Contains(got, "nothing written") {
		t.Errorf("the last screen: %q", got)
	}
}

// TestReviewWriteFailureSavesAnswers: when writing fails, the answers are
// saved (Options.SaveAnswers) and the last screen says where.
func TestReviewWriteFailureSavesAnswers(t *testing.T) {
	for _, saveErr := range []error{nil, errors.New("disk full")} {
		t.Run(fmt.Sprint(saveErr), func(t *testing.T) {
			opts, _ := flowOptions(config.Defaults())
			opts.Write = func(string, scaffold.Plan) (scaffold.Result, error) {
				return scaffold.Result{}, errors.New("the folder went away")
			}
			var saved []config.Answers
			opts.SaveAnswers = func(_ string, a config.Answers) (string, error) {
				saved = append(saved, a)
				if saveErr != nil {
					return "", saveErr
				}
				return "/home/someone/prosody-wizard-answers-1.yaml", nil
			}
			d := newDriver(t, opts, 60, 20)
			d.enter()
			d.typeText("example.org")
			toReview(d)
			d.enter()
			m := d.final()
			out := m.Outcome()
			if len(saved) != 1 || len(saved[0].Domains) != 1 || saved[0].Domains[0] != "example.org" {
				t.Fatalf("saved %+v, want the answers typed, once", saved)
			}
			screen := squeeze(ansi.Strip(m.render()))
			want := []string{"Writing failed: the folder went away", "Your answers are saved in /home/someone/prosody-wizard-answers-1.yaml (mode 0600"}
			if saveErr != nil {
				want = []string{"Writing failed: the folder went away", "Saving your answers failed too: disk full"}
			}
			for _, s := range want {
				if !strings.Contains(screen, squeeze(s)) {
					t.Errorf("the last screen lacks %q:\n%s", s, ansi.Strip(m.render()))
				}
			}
			if out.Err == nil || (out.Saved != "") != (saveErr == nil) {
				t.Errorf("outcome err %v, saved %q", out.Err, out.Saved)
			}
		})
	}
}

// TestPreviewMasksSecrets: the preview shows the plan that is written,
// masked as --dry-run masks it. A host install with a database: the
// password typed (--edit) or generated never shows in the preview; the
// generated one is the same in every plan of the run (as main plans with
// one scaffold.Generated), so the written config holds the password the
// preview masked.
func TestPreviewMasksSecrets(t *testing.T) {
	for _, typed := range []string{"", "s3cret-Passw0rd"} {
		t.Run(fmt.Sprintf("typed=%q", typed), func(t *testing.T) {
			a := loadAnswers(t, "host")
			a.Database.Password = typed
			opts, fs := flowOptions(a)
			gen := new(scaffold.Generated)
			opts.Plan = func(a config.Answers, out string) (scaffold.Plan, error) {
				in := flowInputs(a, fs)
				in.Generated = gen
				return planAnswers(a, in)
			}
			opts.Write = func(out string, p scaffold.Plan) (scaffold.Result, error) {
				fs.writes++
				return scaffold.Apply(fs.out, p, scaffold.ApplyOptions{Now: flowNow})
			}
			d := newDriver(t, opts, 120, 40)
			var previews []string
			look := func() {
				d.with(func(m *Model) {
					previews = append(previews, strings.Join(m.preview.files[0], "\n"))
					previews = append(previews, ansi.Strip(m.render()))
				})
			}
			look()
			for d.page() != "review" {
				d.enter()
				look()
			}
			d.enter()
			if out := d.outcome(); out.Err != nil || fs.writes != 1 {
				t.Fatalf("outcome %+v, %d writes", out, fs.writes)
			}
			cfg, err := afero.ReadFile(fs.out, scaffold.ConfigPath(a))
			if err != nil {
				t.Fatal(err)
			}
			pw := typed
			if pw == "" {
				p, err := opts.Plan(a, "")
				if err != nil {
					t.Fatal(err)
				}
				pw = p.Secrets[0]
			}
			if !strings.Contains(string(cfg), fmt.Sprintf("password = %q", pw)) {
				t.Fatalf("the written config does not hold the password %q:\n%s", pw, cfg)
			}
			for i, p := range previews {
				if strings.Contains(p, pw) {
					t.Errorf("preview %d shows the password %q", i, pw)
				}
			}
			if !strings.Contains(previews[0], `password = ***`) {
				t.Errorf("the preview does not show the password masked:\n%s", previews[0])
			}
		})
	}
}

// TestAccessibleDryRun: accessible mode honours --dry-run too: the review,
// then the end, nothing written and no question to write.
func TestAccessibleDryRun(t *testing.T) {
	opts, fs := flowOptions(config.Defaults())
	opts.DryRun = true
	out, transcript := runAcc(t, opts, script(append(defaultLines, "y")...), nil)
	if !out.DryRun || out.Err != nil || out.Aborted || fs.writes != 0 || len(out.Plan.Files) == 0 {
		t.Errorf("outcome %+v after %d writes; want a dry run with its plan", out, fs.writes)
	}
	if !strings.Contains(transcript, "Dry run: nothing written.") || strings.Contains(transcript, "Write these files?") {
		t.Errorf("transcript:\n%s", transcript)
	}
}

// TestAccessibleReviewSaysWriteReplaces: the accessible review says what
// Write does with the files that differ, in the words of the TUI's.
func TestAccessibleReviewSaysWriteReplaces(t *testing.T) {
	r := reviewCase(t, true)
	r.opts.BackupDir = "old"
	review := r.accessibleReview(t)
	if want := "3 file(s) differ from what is there. Write replaces them and keeps each old one under old/ (--backup-dir), as --force does."; !strings.Contains(flat(review), want) {
		t.Errorf("the accessible review lacks %q:\n%s", want, review)
	}
}

// TestReviewRefusesAFolderItCannotCompare: when the output folder cannot be
// compared (a link below it, say), the review says why at its top and
// Write is refused with a message wrapped whole on the screen; nothing is
// written, and the page still fits the terminal.
func TestReviewRefusesAFolderItCannotCompare(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {60, 20}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			opts, fs := flowOptions(config.Defaults())
			opts.Compare = func(string, scaffold.Plan) ([]scaffold.Change, error) {
				return nil, errors.New(`/srv/example.org/prosody is a symbolic link (to "/etc")`)
			}
			d := newDriver(t, opts, size[0], size[1])
			d.enter()
			d.typeText("example.org")
			toReview(d)
			d.send(tea.KeyPressMsg{Code: tea.KeyEnter}) // Write: refused, so no move to wait for
			if d.page() != "review" {
				t.Fatalf("left the review for %s", d.page())
			}
			view := d.render()
			checkScreen(t, "refused", view, size[0], size[1])
			screen := squeeze(ansi.Strip(view))
			for _, s := range []string{"is a symbolic link", "the output folder cannot be written as it is"} {
				if !strings.Contains(screen, squeeze(s)) {
					t.Errorf("the screen lacks %q:\n%s", s, ansi.Strip(view))
				}
			}
			if fs.writes != 0 {
				t.Errorf("%d writes", fs.writes)
			}
		})
	}
}
