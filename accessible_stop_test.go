package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"prosody-wizard/internal/testkit"
)

// TestAccessibleStopSaysSoOnce: piped answers that end before the last
// question stop the real accessible wizard, at any question: exit 130,
// nothing written, and one message saying so.
func TestAccessibleStopSaysSoOnce(t *testing.T) {
	lines := []string{"", "example.org", "", "", "", "", "", "", "", "", "", "", "", "", "", "", ""}
	for _, n := range []int{0, 1, 2, 8, 9, len(lines)} {
		t.Run(strings.Repeat("answer ", n)+"end", func(t *testing.T) {
			wizardEnv(t)
			t.Setenv("NO_COLOR", "1")
			out := filepath.Join(t.TempDir(), "site")
			stdin := devNull(t)
			if n > 0 {
				stdin = pipeStdin(t, lines[:n])
			}
			var o, e bytes.Buffer
			code := run([]string{"--accessible", "--out", out}, stdin, &o, &e)
			if code != exitAborted {
				t.Errorf("exit %d, want %d\n%s", code, exitAborted, e.String())
			}
			if got := strings.Count(strings.ToLower(e.String()), "stopped"); got != 1 {
				t.Errorf("stderr says \"stopped\" %d times, want once:\n%s", got, e.String())
			}
			if !strings.HasSuffix(e.String(), "prosody-wizard: stopped; nothing was written.\n") {
				t.Errorf("stderr does not end saying nothing was written:\n%s", e.String())
			}
			mustNotExist(t, out)
		})
	}
}

// TestAccessibleCtrlC: ctrl+c (SIGINT) while the built binary waits for an
// answer: exit 130, nothing written, one message.
func TestAccessibleCtrlC(t *testing.T) {
	bin := buildWizard(t)
	dir := t.TempDir()
	cmd := exec.Command(bin, "--accessible", "--out", filepath.Join(dir, "site"))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NO_COLOR=1", "TERM=dumb")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	var stderr testkit.SyncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	_, _ = io.WriteString(stdin, "\nexample.org\n")
	if err := testkit.WaitFor(10*time.Second, func() (bool, string) {
		return strings.Contains(stderr.String(), "More domains:"), stderr.String()
	}); err != nil {
		_ = cmd.Process.Kill()
		t.Fatalf("no second question: %v", err)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != exitAborted {
		t.Errorf("exit %d (%v), want %d\n%s", code, err, exitAborted, stderr.String())
	}
	if got := strings.Count(stderr.String(), "stopped"); got != 1 {
		t.Errorf("stderr says \"stopped\" %d times, want once:\n%s", got, stderr.String())
	}
	mustNotExist(t, filepath.Join(dir, "site"))
}
