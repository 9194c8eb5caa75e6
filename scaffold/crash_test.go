package scaffold

import (
	"bufio"
	"bytes"
	"encoding/gob"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/afero"
)

// slowFs makes every mutating call and every write take a little time, so
// that a kill lands inside the apply rather than before or after it.
type slowFs struct{ afero.Fs }

const slowStep = 300 * time.Microsecond

func (s slowFs) OpenFile(name string, flag int, perm os.FileMode) (afero.File, error) {
	time.Sleep(slowStep)
	f, err := s.Fs.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return slowFile{f}, nil
}
func (s slowFs) Rename(o, n string) error { time.Sleep(slowStep); return s.Fs.Rename(o, n) }
func (s slowFs) Chmod(n string, m os.FileMode) error {
	time.Sleep(slowStep)
	return s.Fs.Chmod(n, m)
}
func (s slowFs) Chown(n string, u, g int) error { time.Sleep(slowStep); return s.Fs.Chown(n, u, g) }
func (s slowFs) Mkdir(n string, m os.FileMode) error {
	time.Sleep(slowStep)
	return s.Fs.Mkdir(n, m)
}

type slowFile struct{ afero.File }

// Write writes in two halves with a pause between, so a kill can leave a
// temporary file half written.
func (f slowFile) Write(p []byte) (int, error) {
	half := len(p) / 2
	n, err := f.File.Write(p[:half])
	if err != nil {
		return n, err
	}
	time.Sleep(slowStep)
	m, err := f.File.Write(p[half:])
	return n + m, err
}
func (f slowFile) Sync() error { time.Sleep(slowStep); return f.File.Sync() }

// TestCrashChild is the child process of TestApplySurvivesSIGKILL: it
// applies the plan in PW_CRASH_PLAN to PW_CRASH_DIR, slowly.
func TestCrashChild(t *testing.T) {
	dir, planFile := os.Getenv("PW_CRASH_DIR"), os.Getenv("PW_CRASH_PLAN")
	if dir == "" {
		t.Skip("runs only as the crash test's child process")
	}
	f, err := os.Open(planFile)
	if err != nil {
		t.Fatal(err)
	}
	var p Plan
	if err := gob.NewDecoder(f).Decode(&p); err != nil {
		t.Fatal(err)
	}
	fsys := slowFs{afero.NewBasePathFs(afero.NewOsFs(), dir)}
	os.Stdout.WriteString("applying\n") // the parent times its kill from here
	if _, err := Apply(fsys, p, ApplyOptions{Force: true, Now: goldenNow}); err != nil {
		t.Fatal(err)
	}
}

// TestApplySurvivesSIGKILL kills a process applying a plan at 200 points
// spread over the whole apply. After each kill every file is byte for byte
// its old or its new version (never a mix, never truncated), and the next
// run completes and leaves exactly the new files.
func TestApplySurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns 200 processes")
	}
	_, oldPlan := goldenPlan(t, "minimal")
	_, newPlan := goldenPlan(t, "full-postgres")
	for _, p := range []*Plan{&oldPlan, &newPlan} {
		for i := range p.Files {
			p.Files[i].UID, p.Files[i].GID = os.Getuid(), os.Getgid()
		}
	}
	base := t.TempDir()
	planFile := filepath.Join(base, "plan.gob")
	f, err := os.Create(planFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := gob.NewEncoder(f).Encode(newPlan); err != nil {
		t.Fatal(err)
	}
	f.Close()
	old := map[string][]byte{}
	for _, f := range oldPlan.Files {
		if !f.IsDir() {
			old[f.Path] = f.Data
		}
	}

	fresh := func(name string) (string, afero.Fs) {
		dir := filepath.Join(base, name)
		fsys := afero.NewBasePathFs(afero.NewOsFs(), dir)
		if _, err := Apply(fsys, oldPlan, ApplyOptions{}); err != nil {
			t.Fatal(err)
		}
		return dir, fsys
	}
	child := func(dir string) *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$")
		cmd.Env = append(os.Environ(), "PW_CRASH_DIR="+dir, "PW_CRASH_PLAN="+planFile)
		return cmd
	}

	// startChild starts a child and returns once it begins applying.
	startChild := func(dir string) (*exec.Cmd, error) {
		cmd := child(dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			return nil, err
		}
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		line, err := bufio.NewReader(out).ReadString('\n')
		if err != nil || line != "applying\n" {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			return nil, fmt.Errorf("the child did not start applying: %q %v", line, err)
		}
		go func() { _, _ = io.Copy(io.Discard, out) }()
		return cmd, nil
	}

	// How long the apply itself takes.
	dir, _ := fresh("timing")
	cmd, err := startChild(dir)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v", err)
	}
	whole := time.Since(start)

	const runs = 200
	killedMidway := 0
	for i := 0; i < runs; i++ {
		dir, fsys := fresh("run")
		cmd, err := startChild(dir)
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(whole * time.Duration(i) / runs)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		err = cmd.Wait()
		if ee, ok := err.(*exec.ExitError); ok && ee.Sys().(syscall.WaitStatus).Signaled() {
			killedMidway++
		}
		changed := 0
		for _, f := range newPlan.Files {
			if f.IsDir() {
				continue
			}
			got, err := afero.ReadFile(fsys, f.Path)
			was, existed := old[f.Path]
			switch {
			case err != nil && !existed:
				// not written yet: fine
			case err != nil:
				t.Fatalf("run %d: %s vanished: %v", i, f.Path, err)
			case bytes.Equal(got, f.Data):
				if existed && !bytes.Equal(was, f.Data) {
					changed++
				}
			case existed && bytes.Equal(got, was):
			default:
				t.Fatalf("run %d: %s is neither its old nor its new version (%d bytes)", i, f.Path, len(got))
			}
		}
		// The next run completes and leaves exactly the new files.
		if _, err := Apply(fsys, newPlan, ApplyOptions{Force: true, Now: goldenNow}); err != nil {
			t.Fatalf("run %d: the next apply failed: %v", i, err)
		}
		for _, f := range newPlan.Files {
			if got, _ := afero.ReadFile(fsys, f.Path); !f.IsDir() && !bytes.Equal(got, f.Data) {
				t.Fatalf("run %d: after the next apply %s is not the new version", i, f.Path)
			}
		}
		var temps []string
		for _, pattern := range []string{".*.tmp-*", "prosody/.*.tmp-*", "prosody/certs/.*.tmp-*"} {
			found, _ := afero.Glob(fsys, pattern)
			temps = append(temps, found...)
		}
		if len(temps) > 0 {
			t.Fatalf("run %d: temporary files left after the next apply: %v", i, temps)
		}
		os.RemoveAll(dir)
	}
	// The kills must really have landed inside applies, not only before or
	// after them.
	if killedMidway < runs/2 {
		t.Fatalf("only %d of %d runs were killed before finishing; the apply (%v) is too fast to test", killedMidway, runs, whole)
	}
	t.Logf("%d runs killed at evenly spread points of an apply of %v; %d were still applying", runs, whole, killedMidway)
}
