package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"prosody-wizard/internal/testkit"
)

// The wizard as a person drives it: the real binary in a real terminal
// (tmux, 80x24), keys sent one by one, the screen read back. CI installs
// tmux; without it the test skips (PW_REQUIRE_PROSODY=1 makes that a
// failure, as for the rest of the suite). Every wait is bounded.

// screenWait bounds each wait for the screen or for the wizard to exit.
const screenWait = 15 * time.Second

// tmuxWizard is one wizard run in its own tmux server (its own socket,
// in a folder of its own).
type tmuxWizard struct {
	t      *testing.T
	socket string // its path
	exit   string // the file the exit code is written to
}

// startWizard runs the binary with args in dir, in an 80x24 tmux window.
func startWizard(t *testing.T, dir string, args ...string) *tmuxWizard {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("PW_REQUIRE_PROSODY") == "1" {
			t.Fatalf("tmux is not installed (PW_REQUIRE_PROSODY=1): %v", err)
		}
		t.Skipf("tmux is not installed: %v; set PW_REQUIRE_PROSODY=1 to make this a failure", err)
	}
	bin := buildWizard(t)
	// A short path: a socket's may have at most 107 bytes.
	sockDir, err := os.MkdirTemp("", "pw-tmux-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sockDir) })
	w := &tmuxWizard{t: t, socket: filepath.Join(sockDir, "s"), exit: filepath.Join(sockDir, "exit")}
	cmd := []string{shellQuote(bin)}
	for _, a := range args {
		cmd = append(cmd, shellQuote(a))
	}
	// The exit code goes to a file; the window stays, to be read.
	script := fmt.Sprintf("unset ACCESSIBLE NO_COLOR; %s; echo EXIT=$? > %s; sleep 600", strings.Join(cmd, " "), shellQuote(w.exit))
	w.tmux("-f", "/dev/null", "new-session", "-d", "-x", "80", "-y", "24", "-c", dir, "sh", "-c", script)
	t.Cleanup(func() { _ = exec.Command("tmux", "-S", w.socket, "kill-server").Run() })
	return w
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func (w *tmuxWizard) tmux(args ...string) string {
	w.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", w.socket}, args...)...).CombinedOutput()
	if err != nil {
		w.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// screen is what the terminal shows now.
func (w *tmuxWizard) screen() string { return w.tmux("capture-pane", "-p") }

// history is the screen and everything scrolled off it.
func (w *tmuxWizard) history() string { return w.tmux("capture-pane", "-p", "-S", "-") }

// keys presses keys (tmux names: Enter, Down, End…).
func (w *tmuxWizard) keys(keys ...string) { w.tmux(append([]string{"send-keys"}, keys...)...) }

// typeText types text as it is.
func (w *tmuxWizard) typeText(text string) { w.tmux("send-keys", "-l", text) }

// waitFor waits until the screen shows every one of want.
func (w *tmuxWizard) waitFor(want ...string) string {
	w.t.Helper()
	var s string
	err := testkit.WaitFor(screenWait, func() (bool, string) {
		s = w.screen()
		for _, x := range want {
			if !strings.Contains(s, x) {
				return false, s
			}
		}
		return true, s
	})
	if err != nil {
		w.t.Fatalf("waited for %q: %v", want, err)
	}
	return s
}

// enter presses Enter and waits (briefly, bounded) for the screen to
// change and then settle: huh moves between fields asynchronously, and a
// key sent before the move lands on the old field (on the review, a second
// Enter would write).
//
// A move shows as a new page (the header line) or a new focused question
// (its first "┃" line, not empty): a screen between the two, drawn while
// huh finishes a page, does not count, so that a busy machine cannot make
// enterUntil press Enter again before the next page (the review) is
// drawn.
func (w *tmuxWizard) enter() {
	w.t.Helper()
	header, focus := focusOf(w.screen())
	w.keys("Enter")
	testkit.WaitUntil(screenWait, func() bool {
		h, f := focusOf(w.screen())
		return h != header || (f != "" && f != focus) || w.exited()
	})
	w.settle()
}

// focusOf is the screen's header line (the page and its step) and its
// first focused line (huh marks the focused question with "┃").
func focusOf(screen string) (header, focus string) {
	lines := strings.Split(screen, "\n")
	header = lines[0]
	for _, l := range lines[1:] {
		if strings.HasPrefix(l, "┃") {
			return header, strings.TrimSpace(l)
		}
	}
	return header, ""
}

// settle waits (bounded) until the screen stays the same for 100 ms.
func (w *tmuxWizard) settle() {
	last := w.screen()
	testkit.WaitUntil(2*time.Second, func() bool {
		time.Sleep(100 * time.Millisecond)
		now := w.screen()
		same := now == last
		last = now
		return same
	})
}

// enterUntil presses Enter until the screen shows want, at most n times.
func (w *tmuxWizard) enterUntil(want string, n int) string {
	w.t.Helper()
	w.settle()
	for i := 0; i < n; i++ {
		if s := w.screen(); strings.Contains(s, want) {
			return s
		}
		w.enter()
	}
	s := w.screen()
	if !strings.Contains(s, want) {
		w.t.Fatalf("%d times Enter, and no %q on screen:\n%s", n, want, s)
	}
	return s
}

func (w *tmuxWizard) exited() bool {
	_, err := os.Stat(w.exit)
	return err == nil
}

// exitCode waits for the wizard to end and returns its exit code.
func (w *tmuxWizard) exitCode() string {
	w.t.Helper()
	var code string
	err := testkit.WaitFor(screenWait, func() (bool, string) {
		data, err := os.ReadFile(w.exit)
		code = strings.TrimSpace(strings.TrimPrefix(string(data), "EXIT="))
		return err == nil && strings.HasSuffix(string(data), "\n"), w.screen()
	})
	if err != nil {
		w.t.Fatalf("the wizard did not exit: %v", err)
	}
	return code
}

// toDomain starts on the welcome page and goes to the domain field.
func (w *tmuxWizard) toDomain() {
	w.t.Helper()
	w.waitFor("step 1 of")
	w.enter()
	w.waitFor("┃ Domain")
}

func TestWizardInTmux(t *testing.T) {
	t.Run("default path", func(t *testing.T) {
		dir := t.TempDir()
		w := startWizard(t, dir)
		w.toDomain()
		w.typeText("example.org")
		w.enterUntil("Write these files?", 60)
		w.waitFor("Into ./example.org:", "compose.yaml", "Go back")
		w.keys("Enter")
		if code := w.exitCode(); code != "0" {
			t.Fatalf("exit %s:\n%s", code, w.screen())
		}
		for _, f := range []string{"prosody/prosody.cfg.lua", "compose.yaml", ".env", "answers.yaml"} {
			if _, err := os.Stat(filepath.Join(dir, "example.org", f)); err != nil {
				t.Error(err)
			}
		}
		if h := w.history(); !strings.Contains(h, "Wrote ") {
			t.Errorf("no summary:\n%s", h)
		}
	})

	t.Run("editing a generated repo", func(t *testing.T) {
		dir := t.TempDir()
		answers := filepath.Join(dir, "in.yaml")
		if err := os.WriteFile(answers, []byte("version: 1\ndomains: [example.org]\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		repo := filepath.Join(dir, "example.org")
		if out, err := exec.Command(buildWizard(t), "--answers", answers, "--out", repo).CombinedOutput(); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		w := startWizard(t, repo)
		w.toDomain()
		w.enterUntil("┃ Registration", 10)
		w.keys("Down")
		w.waitFor("┃ > invite")
		s := w.enterUntil("Write these files?", 60)
		if !strings.Contains(s, "backups kept") {
			t.Errorf("the question does not say the changed files are replaced, keeping backups:\n%s", s)
		}
		w.waitFor("differ from what is there. Write replaces them and keeps")
		w.keys("End")
		w.waitFor("+registration_invite_only = true", "· end ")
		w.keys("Enter")
		if code := w.exitCode(); code != "0" {
			t.Fatalf("exit %s:\n%s", code, w.screen())
		}
		data, err := os.ReadFile(filepath.Join(repo, "answers.yaml"))
		if err != nil || !strings.Contains(string(data), "registration: invite") {
			t.Errorf("answers.yaml: %v\n%s", err, data)
		}
		bak, _ := filepath.Glob(filepath.Join(repo, "answers.yaml.bak.*"))
		cfg, _ := filepath.Glob(filepath.Join(repo, "prosody", "prosody.cfg.lua.bak.*"))
		if len(bak) != 1 || len(cfg) != 1 {
			t.Errorf("backups of answers.yaml %q and prosody.cfg.lua %q; want one each", bak, cfg)
		}
		if h := w.history(); !strings.Contains(h, "kept the old") {
			t.Errorf("the summary does not name the backups:\n%s", h)
		}
	})

	t.Run("bad domain", func(t *testing.T) {
		w := startWizard(t, t.TempDir())
		w.toDomain()
		w.typeText("exa mple..org")
		w.keys("Enter")
		// Enter keeps the focus on the domain, and config's message is
		// under it, on screen.
		time.Sleep(300 * time.Millisecond) // let a move that should not happen show
		w.waitFor("step 2 of", "┃ Domain", "┃ > exa mple..org", "is not a valid domain name: it contains a space")
	})

	t.Run("dry run", func(t *testing.T) {
		dir := t.TempDir()
		w := startWizard(t, dir, "--dry-run")
		w.toDomain()
		w.typeText("example.org")
		w.enterUntil("Done (dry run)", 60)
		w.waitFor("nothing is written", "Into ./example.org:")
		w.keys("Enter")
		if code := w.exitCode(); code != "0" {
			t.Fatalf("exit %s:\n%s", code, w.screen())
		}
		if h := w.history(); !strings.Contains(h, "Dry run: nothing written.") || !strings.Contains(h, "nothing written:") {
			t.Errorf("the run does not say that nothing was written:\n%s", h)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("a dry run wrote %v", entries)
		}
	})
}
