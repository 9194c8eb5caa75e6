package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"prosody-wizard/config"
	"prosody-wizard/scaffold"
	"prosody-wizard/ui"
)

// fakeFrontEnds replaces both wizard front ends for the test: the
// accessible one with fn (recording the Options it got), the terminal one
// with a failure (stdin is never a terminal here). They are restored after.
func fakeFrontEnds(t *testing.T, fn func(ui.Options) (ui.Outcome, error)) *ui.Options {
	t.Helper()
	oldWizard, oldAccessible := runWizard, runAccessible
	t.Cleanup(func() { runWizard, runAccessible = oldWizard, oldAccessible })
	got := new(ui.Options)
	runAccessible = func(opts ui.Options, _ io.Reader, _ io.Writer, _ []string) (ui.Outcome, error) {
		*got = opts
		return fn(opts)
	}
	runWizard = func(ui.Options, io.Reader, io.Writer, []string) (ui.Outcome, error) {
		t.Error("the terminal wizard ran, but stdin is not a terminal")
		return ui.Outcome{Aborted: true}, nil
	}
	return got
}

// wizardEnv pins the environment the wizard's choice of front end reads,
// and runs in an empty folder (no answers.yaml to start from).
func wizardEnv(t *testing.T) {
	t.Setenv("TERM", "xterm-256color")
	t.Setenv("ACCESSIBLE", "")
	os.Unsetenv("ACCESSIBLE")
	t.Chdir(t.TempDir())
}

func TestWizardAbortExits130(t *testing.T) {
	wizardEnv(t)
	out := filepath.Join(t.TempDir(), "site")
	got := fakeFrontEnds(t, func(ui.Options) (ui.Outcome, error) { return ui.Outcome{Aborted: true}, nil })
	var o, e bytes.Buffer
	code := run([]string{"--accessible", "--out", out}, devNull(t), &o, &e)
	if code != exitAborted {
		t.Errorf("exit %d, want %d; stderr:\n%s", code, exitAborted, e.String())
	}
	if !strings.Contains(e.String(), "nothing was written") {
		t.Errorf("stderr does not say nothing was written:\n%s", e.String())
	}
	if o.Len() != 0 {
		t.Errorf("stdout after an abort: %q", o.String())
	}
	mustNotExist(t, out)
	if got.Out != out || got.Plan == nil || got.Compare == nil || got.Write == nil {
		t.Errorf("the wizard got out %q and plan/compare/write %v/%v/%v", got.Out, got.Plan != nil, got.Compare != nil, got.Write != nil)
	}
	if !equalAnswers(got.Answers, config.Defaults()) {
		t.Errorf("the wizard did not start from the defaults: %+v", got.Answers)
	}
}

func equalAnswers(a, b config.Answers) bool {
	return bytes.Equal(config.Marshal(a), config.Marshal(b))
}

// The accessible front end is chosen by the flag, ACCESSIBLE or TERM=dumb.
func TestWizardAccessibleChoice(t *testing.T) {
	for name, setup := range map[string]func(t *testing.T) []string{
		"flag":       func(*testing.T) []string { return []string{"--accessible"} },
		"ACCESSIBLE": func(t *testing.T) []string { t.Setenv("ACCESSIBLE", "1"); return nil },
		"TERM=dumb":  func(t *testing.T) []string { t.Setenv("TERM", "dumb"); return nil },
	} {
		t.Run(name, func(t *testing.T) {
			wizardEnv(t)
			calls := 0
			fakeFrontEnds(t, func(ui.Options) (ui.Outcome, error) { calls++; return ui.Outcome{Aborted: true}, nil })
			var o, e bytes.Buffer
			args := append(setup(t), "--out", filepath.Join(t.TempDir(), "site"))
			if code := run(args, devNull(t), &o, &e); code != exitAborted || calls != 1 {
				t.Errorf("exit %d, accessible wizard ran %d times; want %d and once\n%s", code, calls, exitAborted, e.String())
			}
		})
	}
}

func TestWizardConflictExits1(t *testing.T) {
	wizardEnv(t)
	fakeFrontEnds(t, func(ui.Options) (ui.Outcome, error) {
		return ui.Outcome{Err: &scaffold.ConflictError{Paths: []string{"prosody/prosody.cfg.lua"}}}, nil
	})
	var o, e bytes.Buffer
	code := run([]string{"--accessible", "--out", filepath.Join(t.TempDir(), "site")}, devNull(t), &o, &e)
	if code != exitFailed {
		t.Errorf("exit %d, want %d", code, exitFailed)
	}
	for _, s := range []string{"prosody/prosody.cfg.lua", "--force", "nothing was written"} {
		if !strings.Contains(e.String(), s) {
			t.Errorf("stderr lacks %q:\n%s", s, e.String())
		}
	}
}

// Answers the wizard could not plan (say, a certificate file that does not
// exist) are invalid answers: exit 2, each problem naming its field.
func TestWizardProblemsExit2(t *testing.T) {
	wizardEnv(t)
	fakeFrontEnds(t, func(ui.Options) (ui.Outcome, error) {
		return ui.Outcome{Err: config.Problems{{Field: "tls.cert", Message: "/nowhere/fullchain.pem does not exist"}}}, nil
	})
	var o, e bytes.Buffer
	code := run([]string{"--accessible", "--out", filepath.Join(t.TempDir(), "site")}, devNull(t), &o, &e)
	if code != exitUsage {
		t.Errorf("exit %d, want %d", code, exitUsage)
	}
	s := e.String()
	if !strings.Contains(s, "tls.cert: /nowhere/fullchain.pem does not exist") || !strings.Contains(s, "nothing was written") {
		t.Errorf("stderr should list the problem and say nothing was written:\n%s", s)
	}
	if strings.Contains(s, "prosody-wizard:  has") {
		t.Errorf("stderr names no file or setup before \"has\":\n%s", s)
	}
}

func TestWizardWrittenExits0(t *testing.T) {
	a, err := config.Load(filepath.Join(answersDir, "minimal.yaml")) // before wizardEnv's Chdir
	if err != nil {
		t.Fatal(err)
	}
	wizardEnv(t)
	out := filepath.Join(t.TempDir(), "site")
	fakeFrontEnds(t, func(opts ui.Options) (ui.Outcome, error) {
		return ui.Outcome{
			Answers: a, Out: opts.Out,
			Plan:   scaffold.Plan{NextSteps: []string{"Start it: docker compose up -d"}, Warnings: []string{"Open port 5222"}},
			Result: scaffold.Result{Written: []string{"prosody", "prosody/prosody.cfg.lua"}, Unchanged: []string{"."}},
		}, nil
	})
	var o, e bytes.Buffer
	code := run([]string{"--accessible", "--out", out}, devNull(t), &o, &e)
	if code != exitOK {
		t.Errorf("exit %d, want 0; stderr:\n%s", code, e.String())
	}
	for _, s := range []string{"Wrote 2 file(s) and folder(s) in " + out + " (1 already up to date)", "1. Start it:\n       docker compose up -d\n", "- Open port 5222"} {
		if !strings.Contains(o.String(), s) {
			t.Errorf("stdout lacks %q:\n%s", s, o.String())
		}
	}
}

// TestWizardAccessibleEndToEnd runs the real accessible wizard through run()
// with the answers piped in: every default, the domain example.org, "y".
func TestWizardAccessibleEndToEnd(t *testing.T) {
	out := filepath.Join(t.TempDir(), "site")
	wizardEnv(t)
	t.Setenv("NO_COLOR", "1")
	lines := []string{
		"",                 // Prosody version
		"example.org",      // Domain
		"", "", "", "", "", // more domains, admins, abuse contact, registration, federation
		"",             // certificates
		"",             // storage
		"0",            // modules
		"", "", "", "", // MUC, upload, proxy65, TURN
		"",             // reverse proxy
		"", "", "", "", // deploy, output folder (--out), uid, gid
		"y",
	}
	var o, e bytes.Buffer
	code := run([]string{"--accessible", "--out", out}, pipeStdin(t, lines), &o, &e)
	if code != exitOK {
		t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, o.String(), e.String())
	}
	wantMode(t, filepath.Join(out, "prosody", "prosody.cfg.lua"), 0o640)
	data, err := os.ReadFile(filepath.Join(out, "prosody", "prosody.cfg.lua"))
	if err != nil || !bytes.Contains(data, []byte(`VirtualHost "example.org"`)) {
		t.Errorf("prosody.cfg.lua: %v\n%s", err, data)
	}
	if !strings.Contains(o.String(), "Wrote ") {
		t.Errorf("no summary on stdout:\n%s", o.String())
	}
	if !strings.Contains(e.String(), "Write these files?") {
		t.Errorf("the prompts are not on stderr:\n%s", e.String())
	}
	if strings.Contains(e.String(), "\x1b[") {
		t.Errorf("ANSI escapes on stderr with NO_COLOR and a non-terminal")
	}
}

// pipeStdin is a pipe holding lines, closed after them, as a script's
// stdin would be.
func pipeStdin(t *testing.T, lines []string) *os.File {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	go func() {
		defer w.Close()
		_, _ = io.WriteString(w, strings.Join(lines, "\n")+"\n")
	}()
	return r
}

// Certificate files that do not exist: the real accessible wizard cannot
// plan, so nothing is written and the exit code is 2, naming the field.
func TestWizardAccessibleUnplannableExit2(t *testing.T) {
	out := filepath.Join(t.TempDir(), "site")
	wizardEnv(t)
	lines := []string{
		"", "example.org", "", "", "", "", "",
		"2", "/nowhere/fullchain.pem", "/nowhere/privkey.pem", // existing TLS
		"", "0", "", "", "", "", "", "", "", "", "", // storage, modules, services, reverse proxy, deployment
	}
	var o, e bytes.Buffer
	code := run([]string{"--accessible", "--out", out}, pipeStdin(t, lines), &o, &e)
	if code != exitUsage {
		t.Errorf("exit %d, want %d\n%s", code, exitUsage, e.String())
	}
	if !strings.Contains(e.String(), "tls.cert: /nowhere/fullchain.pem does not exist") {
		t.Errorf("stderr does not name tls.cert:\n%s", e.String())
	}
	mustNotExist(t, out)
}

func TestWizardNoTerminalNoAnswersExit2(t *testing.T) {
	wizardEnv(t)
	fakeFrontEnds(t, func(ui.Options) (ui.Outcome, error) {
		t.Error("a wizard ran without a terminal or --accessible")
		return ui.Outcome{Aborted: true}, nil
	})
	var o, e bytes.Buffer
	code := run(nil, devNull(t), &o, &e)
	if code != exitUsage {
		t.Errorf("exit %d, want %d", code, exitUsage)
	}
	for _, s := range []string{"--answers", "--accessible"} {
		if !strings.Contains(e.String(), s) {
			t.Errorf("stderr does not name %s:\n%s", s, e.String())
		}
	}
}

// TestWizardEditsARepoInPlace: --answers DIR/answers.yaml --edit of a
// repo (compose, or a cluster's kustomize base, which keep their answers
// at their root) writes back into DIR; a host install's answers go to its
// own default, /.
func TestWizardEditsARepoInPlace(t *testing.T) {
	for _, c := range []struct{ answers, want string }{
		{"minimal", "repo"}, {"kubernetes", "repo"}, {"host", ""},
	} {
		t.Run(c.answers, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "answers", c.answers+".yaml"))
			if err != nil {
				t.Fatal(err)
			}
			wizardEnv(t)
			dir := filepath.Join(t.TempDir(), "repo")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "answers.yaml"), data, 0o644); err != nil {
				t.Fatal(err)
			}
			got := fakeFrontEnds(t, func(ui.Options) (ui.Outcome, error) { return ui.Outcome{Aborted: true}, nil })
			var o, e bytes.Buffer
			if code := run([]string{"--accessible", "--answers", filepath.Join(dir, "answers.yaml"), "--edit"}, devNull(t), &o, &e); code != exitAborted {
				t.Fatalf("exit %d, want %d\n%s", code, exitAborted, e.String())
			}
			want := c.want
			if want != "" {
				want = dir
			}
			if got.Out != want || got.Answers.Deploy == "" {
				t.Errorf("the wizard got out %q (deploy %q), want %q", got.Out, got.Answers.Deploy, want)
			}
		})
	}
}
