package scaffold

import (
	"bufio"
	"bytes"
	"encoding/gob"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/afero"

	"prosody-wizard/config"
	"prosody-wizard/safeio"
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

// TestCrashChild is the child process of the crash tests: it applies the
// plan in PW_CRASH_PLAN to the folder PW_CRASH_DIR (a safeio.Tree, slowed
// down), with Force when PW_CRASH_FORCE is set.
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
	tree, err := safeio.OpenTree(dir)
	if err != nil {
		t.Fatal(err)
	}
	fsys := slowFs{tree}
	os.Stdout.WriteString("applying\n") // the parent times its kill from here
	if _, err := Apply(fsys, p, ApplyOptions{Force: os.Getenv("PW_CRASH_FORCE") != "", Now: goldenNow}); err != nil {
		t.Fatal(err)
	}
}

// crashHarness runs TestCrashChild processes on one plan and kills them.
type crashHarness struct {
	t        *testing.T
	planFile string
	force    bool
}

func newCrashHarness(t *testing.T, p Plan, force bool) *crashHarness {
	planFile := filepath.Join(t.TempDir(), "plan.gob")
	f, err := os.Create(planFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := gob.NewEncoder(f).Encode(p); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return &crashHarness{t: t, planFile: planFile, force: force}
}

// start starts a child on dir and returns once it begins applying.
func (h *crashHarness) start(dir string) (*exec.Cmd, error) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$")
	cmd.Env = append(os.Environ(), "PW_CRASH_DIR="+dir, "PW_CRASH_PLAN="+h.planFile)
	if h.force {
		cmd.Env = append(cmd.Env, "PW_CRASH_FORCE=1")
	}
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

// timeApply measures a whole, unkilled apply into the folder fresh makes.
func (h *crashHarness) timeApply(fresh func() string) time.Duration {
	cmd, err := h.start(fresh())
	if err != nil {
		h.t.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Wait(); err != nil {
		h.t.Fatalf("child: %v", err)
	}
	return time.Since(start)
}

// kill starts a child on dir and kills it after delay; it reports whether
// the kill landed before the apply finished.
func (h *crashHarness) kill(dir string, delay time.Duration) bool {
	cmd, err := h.start(dir)
	if err != nil {
		h.t.Fatal(err)
	}
	time.Sleep(delay)
	_ = cmd.Process.Signal(syscall.SIGKILL)
	err = cmd.Wait()
	ee, ok := err.(*exec.ExitError)
	return ok && ee.Sys().(syscall.WaitStatus).Signaled()
}

// tempFiles lists temporary files (Apply's and earlier versions') anywhere
// below dir.
func tempFiles(t *testing.T, dir string) []string {
	var temps []string
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if strings.Contains(info.Name(), ".tmp-") {
			temps = append(temps, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return temps
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
	h := newCrashHarness(t, newPlan, true)
	base := t.TempDir()
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
	whole := h.timeApply(func() string { dir, _ := fresh("timing"); return dir })

	const runs = 200
	killedMidway := 0
	for i := 0; i < runs; i++ {
		dir, fsys := fresh("run")
		if h.kill(dir, whole*time.Duration(i)/runs) {
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
		if temps := tempFiles(t, dir); len(temps) > 0 {
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

// TestRerunAfterSIGKILLNeedsNoForce kills a first run into an empty folder
// at 200 points spread over its apply. Each time the plain re-run (the same
// answers planned again against what the killed run left, applied without
// Force) completes, leaves every planned file, a key that matches its
// certificate under every name, and no temporary file. Before keys were
// written first and kept, a certificate left without its key made the
// re-run generate a new pair and refuse ("existing files differ").
func TestRerunAfterSIGKILLNeedsNoForce(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns 600 processes")
	}
	for _, tc := range []struct{ name, answers string }{
		{"one domain", "version: 1\ndomains: [example.org]\n"},
		{"many domains", `version: 1
domains: [example.org, example.net, example.com, one.example.org, two.example.org, three.example.org]
admins: [admin@example.org]
database: {driver: postgres}
components: {proxy65: proxy.example.org}
ports: {c2s_direct_tls: 5223}
`},
		{"IDN domains", "version: 1\ndomains: [bücher.example, пример.example, 例え.example, example.org]\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a, err := config.Parse([]byte(tc.answers))
			if err != nil {
				t.Fatal(err)
			}
			in := Inputs{Now: goldenNow, Owner: config.Owner{UID: os.Getuid(), GID: os.Getgid()}, Source: testSource()}
			first, err := planAnswers(a, in)
			if err != nil {
				t.Fatal(err)
			}
			h := newCrashHarness(t, first, false)
			base := t.TempDir()
			fresh := func() string {
				dir := filepath.Join(base, "run")
				os.RemoveAll(dir)
				if err := os.Mkdir(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				return dir
			}
			whole := h.timeApply(fresh)
			const runs = 200
			killedMidway, reused := 0, 0
			for i := 0; i < runs; i++ {
				dir := fresh()
				if h.kill(dir, whole*time.Duration(i)/runs) {
					killedMidway++
				}
				tree, err := safeio.OpenTree(dir)
				if err != nil {
					t.Fatal(err)
				}
				in := in
				in.Existing = afero.NewReadOnlyFs(tree)
				again, err := planAnswers(a, in)
				if err != nil {
					t.Fatalf("run %d: planning the re-run: %v", i, err)
				}
				if _, err := Apply(tree, again, ApplyOptions{Now: goldenNow}); err != nil {
					t.Fatalf("run %d: the plain re-run failed: %v", i, err)
				}
				tree.Close()
				fsys := afero.NewBasePathFs(afero.NewOsFs(), dir)
				checkPlanned(t, fsys, again)
				checkPairs(t, fsys, again)
				if f, _ := again.File("prosody/certs/" + a.Primary() + ".key"); bytes.Equal(f.Data, keyOf(first)) {
					reused++
				}
				if temps := tempFiles(t, dir); len(temps) > 0 {
					t.Fatalf("run %d: temporary files left after the re-run: %v", i, temps)
				}
			}
			if killedMidway < runs/2 {
				t.Fatalf("only %d of %d runs were killed before finishing; the apply (%v) is too fast to test", killedMidway, runs, whole)
			}
			t.Logf("%d kills over an apply of %v (%d mid-apply); %d plain re-runs completed, %d of them kept the killed run's key", runs, whole, killedMidway, runs, reused)
		})
	}
}

func keyOf(p Plan) []byte {
	for _, f := range p.Files {
		if path.Ext(f.Path) == ".key" {
			return f.Data
		}
	}
	return nil
}

// checkPairs: every certificate file has a key file of the same name that
// belongs to it.
func checkPairs(t *testing.T, fsys afero.Fs, p Plan) {
	t.Helper()
	n := 0
	for _, f := range p.Files {
		if path.Ext(f.Path) != ".crt" {
			continue
		}
		certPEM, err1 := afero.ReadFile(fsys, f.Path)
		keyPEM, err2 := afero.ReadFile(fsys, strings.TrimSuffix(f.Path, ".crt")+".key")
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: %v %v", f.Path, err1, err2)
		}
		key, err := parseKey(keyPEM)
		leaf := firstCert(certPEM)
		if err != nil || leaf == nil || !keyMatches(key, leaf) {
			t.Fatalf("%s: the key does not match the certificate (%v)", f.Path, err)
		}
		n++
	}
	if n == 0 {
		t.Fatal("no certificate in the plan")
	}
}
