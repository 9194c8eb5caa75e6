package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"prosody-wizard/config"
	"prosody-wizard/scaffold"
	"prosody-wizard/ui"
)

// reviewAndWrite is a front end that does what the wizard's review does
// with its Options: plan the answers, compare (the review's listing), and,
// unless a dry run, write the plan it compared. before runs between the
// review and the write.
func reviewAndWrite(t *testing.T, a config.Answers, before func()) func(ui.Options) (ui.Outcome, error) {
	return func(opts ui.Options) (ui.Outcome, error) {
		p, err := opts.Plan(a, opts.Out)
		if err != nil {
			t.Fatal(err)
		}
		changes, err := opts.Compare(opts.Out, p)
		if err != nil {
			t.Fatal(err)
		}
		out := ui.Outcome{Answers: a, Out: opts.Out, Plan: p}
		if opts.DryRun {
			// As the wizard's review: its listing ends the run.
			out.DryRun = true
			out.Listing = scaffold.Describe(p, changes, func(c scaffold.Change) string { return opts.Diff(opts.Out, c) })
			return out, nil
		}
		if before != nil {
			before()
		}
		out.Result, out.Err = opts.Write(opts.Out, p)
		return out, nil
	}
}

// loadMinimal is testdata's minimal answers (read before wizardEnv's Chdir).
func loadMinimal(t *testing.T) config.Answers {
	t.Helper()
	a, err := config.Load(filepath.Join(answersDir, "minimal.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// backups lists the NAME.bak.<time> files under dir.
func backups(t *testing.T, dir string) []string {
	t.Helper()
	var found []string
	_ = filepath.WalkDir(dir, func(p string, _ os.DirEntry, err error) error {
		if err == nil && strings.Contains(filepath.Base(p), ".bak.") {
			rel, _ := filepath.Rel(dir, p)
			found = append(found, rel)
		}
		return nil
	})
	return found
}

// wizardWrote runs the wizard once (its front end faked to confirm the
// review of a) into a new folder, and returns it: the setup a later run
// edits.
func wizardWrote(t *testing.T, a config.Answers) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "site")
	fakeFrontEnds(t, reviewAndWrite(t, a, nil))
	var o, e bytes.Buffer
	if code := run([]string{"--accessible", "--out", out}, devNull(t), &o, &e); code != exitOK {
		t.Fatalf("first run: exit %d\n%s", code, e.String())
	}
	return out
}

// TestWizardEditWrites: a re-run of the wizard that changes an answer
// writes after its review, replacing the files that differ and keeping
// each old one (beside it, or under --backup-dir), exit 0; without
// --force or a review it would have been a conflict.
func TestWizardEditWrites(t *testing.T) {
	for _, backupDir := range []string{"", "old"} {
		t.Run("backup-dir="+backupDir, func(t *testing.T) {
			a := loadMinimal(t)
			wizardEnv(t)
			out := wizardWrote(t, a)
			var o, e bytes.Buffer
			a.Registration = config.RegistrationInvite
			got := fakeFrontEnds(t, reviewAndWrite(t, a, nil))
			args := []string{"--accessible", "--out", out}
			if backupDir != "" {
				args = append(args, "--backup-dir", backupDir)
			}
			o.Reset()
			e.Reset()
			if code := run(args, devNull(t), &o, &e); code != exitOK {
				t.Fatalf("edit: exit %d\n%s", code, e.String())
			}
			if got.BackupDir != backupDir || got.DryRun {
				t.Errorf("the wizard got backup dir %q, dry run %v", got.BackupDir, got.DryRun)
			}
			data, _ := os.ReadFile(filepath.Join(out, "answers.yaml"))
			if !strings.Contains(string(data), "registration: invite") {
				t.Errorf("answers.yaml was not rewritten:\n%s", data)
			}
			bak := backups(t, out)
			if len(bak) != 3 {
				t.Errorf("backups %q, want the 3 files that changed", bak)
			}
			for _, b := range bak {
				if backupDir != "" && !strings.HasPrefix(b, backupDir+string(filepath.Separator)) {
					t.Errorf("backup %s is not under --backup-dir %s", b, backupDir)
				}
				if !strings.Contains(o.String(), "kept the old ") {
					t.Errorf("the summary does not name the backups:\n%s", o.String())
				}
			}
		})
	}
}

// TestWizardRefusesWhatTheReviewDidNotShow: a file that changed after
// the review (another program wrote it) is not replaced: nothing is
// written, exit 1, and the answers are saved, mode 0600, where stderr
// says. With --force it is replaced, keeping a backup.
func TestWizardRefusesWhatTheReviewDidNotShow(t *testing.T) {
	for _, force := range []bool{false, true} {
		t.Run(map[bool]string{false: "review", true: "force"}[force], func(t *testing.T) {
			a := loadMinimal(t)
			wizardEnv(t)
			cwd, _ := os.Getwd()
			out := wizardWrote(t, a)
			var o, e bytes.Buffer
			a.Registration = config.RegistrationInvite
			a.Database = config.Database{Driver: config.DriverPostgres, Name: "prosody", User: "prosody", Password: "typed Passw0rd"}
			readme := filepath.Join(out, "README.md")
			fakeFrontEnds(t, reviewAndWrite(t, a, func() {
				if err := os.WriteFile(readme, []byte("edited after the review\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}))
			args := []string{"--accessible", "--out", out}
			if force {
				args = append(args, "--force")
			}
			o.Reset()
			e.Reset()
			code := run(args, devNull(t), &o, &e)
			data, _ := os.ReadFile(readme)
			if force {
				if code != exitOK || strings.Contains(string(data), "edited after") || len(backups(t, out)) == 0 {
					t.Errorf("--force: exit %d, README %q, backups %q\n%s", code, data, backups(t, out), e.String())
				}
				return
			}
			if code != exitFailed || string(data) != "edited after the review\n" || len(backups(t, out)) != 0 {
				t.Fatalf("exit %d, README %q, backups %q; want 1, untouched, none\n%s", code, data, backups(t, out), e.String())
			}
			for _, s := range []string{"README.md", "changed after the review", "nothing was written", "Your answers are saved in", "mode 0600"} {
				if !strings.Contains(e.String(), s) {
					t.Errorf("stderr lacks %q:\n%s", s, e.String())
				}
			}
			// In the output folder, nowhere else.
			saved, _ := filepath.Glob(filepath.Join(out, "prosody-wizard-answers-*.yaml"))
			elsewhere, _ := filepath.Glob(filepath.Join(cwd, "prosody-wizard-answers-*.yaml"))
			if len(saved) != 1 || len(elsewhere) != 0 {
				t.Fatalf("saved answers: %q in the output folder, %q in the current one", saved, elsewhere)
			}
			if !strings.Contains(e.String(), saved[0]) {
				t.Errorf("stderr does not name %s:\n%s", saved[0], e.String())
			}
			wantMode(t, saved[0], 0o600)
			back, err := config.Load(saved[0])
			if err != nil || back.Registration != config.RegistrationInvite || back.Database.Password != "typed Passw0rd" {
				t.Errorf("the saved answers read back as %+v, %v", back, err)
			}
		})
	}
}

// TestSaveAnswers: each save is a new file at the top of the output folder
// (never one that is there, nor through a link), mode 0600; where the
// output folder is missing or takes no file, in the temporary folder.
func TestSaveAnswers(t *testing.T) {
	a := loadMinimal(t)
	a.Database.Password = "typed Passw0rd"
	out := t.TempDir()
	t.Chdir(t.TempDir())
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	first, err := saveAnswers(out, a)
	if err != nil {
		t.Fatal(err)
	}
	second, err := saveAnswers(out, a)
	if err != nil {
		t.Fatal(err)
	}
	if first == second || filepath.Dir(first) != out || filepath.Dir(second) != out {
		t.Errorf("saved in %s and %s, want two files in %s", first, second, out)
	}
	for _, p := range []string{first, second} {
		wantMode(t, p, 0o600)
		if data, _ := os.ReadFile(p); !bytes.Equal(data, config.Marshal(a)) {
			t.Errorf("%s holds %q", p, data)
		}
	}
	if here, _ := os.ReadDir("."); len(here) != 0 {
		t.Errorf("the current folder got %v", here)
	}
	notAFolder := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notAFolder, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, where := range []string{filepath.Join(t.TempDir(), "missing"), notAFolder} {
		p, err := saveAnswers(where, a)
		if err != nil || filepath.Dir(p) != tmp {
			t.Errorf("output folder %s: saved in %s, %v; want a file in %s", where, p, err, tmp)
		}
		wantMode(t, p, 0o600)
	}
	mustNotExist(t, filepath.Join(filepath.Dir(notAFolder), "missing"))
}

// TestWizardDryRun: with --dry-run the wizard ends at its review: nothing
// written, exit 0, the listing on stdout.
func TestWizardDryRun(t *testing.T) {
	a := loadMinimal(t)
	wizardEnv(t)
	out := filepath.Join(t.TempDir(), "site")
	got := fakeFrontEnds(t, reviewAndWrite(t, a, func() { t.Error("a dry run wrote") }))
	var o, e bytes.Buffer
	if code := run([]string{"--accessible", "--dry-run", "--out", out}, devNull(t), &o, &e); code != exitOK {
		t.Fatalf("exit %d\n%s", code, e.String())
	}
	if !got.DryRun {
		t.Error("the wizard was not told it is a dry run")
	}
	mustNotExist(t, out)
	for _, s := range []string{"nothing written", "new     0640", "prosody/prosody.cfg.lua", scaffold.DNSHeading} {
		if !strings.Contains(o.String(), s) {
			t.Errorf("stdout lacks %q:\n%s", s, o.String())
		}
	}
	// Write itself refuses too.
	if _, err := got.Write(out, scaffold.Plan{}); err == nil {
		t.Error("Write wrote in a dry run")
	}
	mustNotExist(t, out)
}

// TestWizardWriteFailureKeepsAnswers: a front end that did not save the
// answers (accessible mode) still gets them saved by main.
func TestWizardWriteFailureKeepsAnswers(t *testing.T) {
	a := loadMinimal(t)
	wizardEnv(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // the output folder was never made: saved here
	fakeFrontEnds(t, func(opts ui.Options) (ui.Outcome, error) {
		if opts.SaveAnswers == nil {
			t.Error("the wizard cannot save answers")
		}
		return ui.Outcome{Answers: a, Out: opts.Out, Err: &scaffold.IncompleteError{Err: errors.New("disk full")}}, nil
	})
	var o, e bytes.Buffer
	code := run([]string{"--accessible", "--out", filepath.Join(t.TempDir(), "site")}, devNull(t), &o, &e)
	saved, _ := filepath.Glob(filepath.Join(tmp, "prosody-wizard-answers-*.yaml"))
	if code != exitFailed || len(saved) != 1 || !strings.Contains(e.String(), saved[0]) || !strings.Contains(e.String(), "disk full") {
		t.Errorf("exit %d, saved %q\n%s", code, saved, e.String())
	}
}
