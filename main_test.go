package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

const answersDir = "testdata/answers"

// devNull is a stdin that is not a terminal.
func devNull(t *testing.T) *os.File {
	t.Helper()
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// runCLI runs the command with stdin on /dev/null.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(args, devNull(t), &o, &e)
	return code, o.String(), e.String()
}

// testOwner is an owner chown can give files to in this process: the
// current user, or 1000:1000 when running as root.
func testOwner() (uid, gid int) {
	if os.Getuid() == 0 {
		return 1000, 1000
	}
	return os.Getuid(), os.Getgid()
}

// answersFile writes body to a file in dir and returns its path.
func answersFile(t *testing.T, dir, body string) string {
	t.Helper()
	p := filepath.Join(dir, "answers.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// ownedCopy copies testdata/answers/NAME.yaml into dir with an explicit
// owner, so that the output does not depend on who runs the test.
func ownedCopy(t *testing.T, dir, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(answersDir, name+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	uid, gid := testOwner()
	return answersFile(t, dir, fmt.Sprintf("%s\nowner:\n  uid: %d\n  gid: %d\n", data, uid, gid))
}

func mustNotExist(t *testing.T, p string) {
	t.Helper()
	if _, err := os.Lstat(p); err == nil {
		var names []string
		_ = filepath.WalkDir(p, func(q string, _ fs.DirEntry, _ error) error {
			names = append(names, q)
			return nil
		})
		t.Errorf("%s exists, but nothing should have been written: %v", p, names)
	} else if !os.IsNotExist(err) {
		t.Errorf("%s: %v", p, err)
	}
}

func wantMode(t *testing.T, p string, want fs.FileMode) {
	t.Helper()
	info, err := os.Stat(p)
	if err != nil {
		t.Errorf("%v", err)
		return
	}
	if info.IsDir() != want.IsDir() {
		t.Errorf("%s: folder %v, want folder %v", p, info.IsDir(), want.IsDir())
	}
	if info.Mode().Perm() != want.Perm() {
		t.Errorf("%s: mode %04o, want %04o", p, info.Mode().Perm(), want.Perm())
	}
}

// mtimes returns every path under dir with its modification time.
func mtimes(t *testing.T, dir string) map[string]time.Time {
	t.Helper()
	m := map[string]time.Time{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		m[p] = info.ModTime()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestInvalidAnswers(t *testing.T) {
	const base = "version: 1\ndomains: [example.org]\n"
	cases := []struct {
		name, body string
		want       []string // fields named on stderr
	}{
		{"unknown key", base + "colour: blue\n", []string{"colour:"}},
		{"unknown nested key", base + "tls:\n  mdoe: existing\n", []string{"tls.mdoe:"}},
		{"bad domain", "version: 1\ndomains: [\"exa mple.org\"]\n", []string{"domains[0]:"}},
		{"bad second domain", "version: 1\ndomains: [example.org, \"bad..example\"]\n", []string{"domains[1]:"}},
		{"no domains", "version: 1\n", []string{"domains:"}},
		{"admin on unknown domain", base + "admins: [admin@example.net]\n", []string{"admins[0]:"}},
		{"port collision", base + "ports:\n  c2s: 5269\n", []string{"ports.s2s:"}},
		{"port out of range", base + "ports:\n  c2s: 70000\n", []string{"ports.c2s:"}},
		{"unknown module", base + "modules:\n  enable: [carbonz]\n", []string{"modules.enable[0]:"}},
		{"module missing in series", "version: 1\nprosody: \"0.12\"\ndomains: [example.org]\nmodules:\n  enable: [account_activity]\n", []string{"modules.enable[0]:"}},
		{"postgres host without database.host", "version: 1\ndeploy: host\ndomains: [example.org]\ndatabase:\n  driver: postgres\n", []string{"database.host:"}},
		{"tls existing without files", base + "tls:\n  mode: existing\n", []string{"tls.cert:", "tls.key:"}},
		{"wrong type bool", base + "federation: \"yes\"\n", []string{"federation:"}},
		{"wrong type quoted port", base + "ports:\n  c2s: \"5222\"\n", []string{"ports.c2s:"}},
		{"wrong type list", "version: 1\ndomains: example.org\n", []string{"domains:"}},
		{"missing version", "domains: [example.org]\n", []string{"version:"}},
		{"unsupported version", "version: 2\ndomains: [example.org]\n", []string{"version:"}},
		{"bad registration", base + "registration: maybe\n", []string{"registration:"}},
		{"owner root", base + "owner:\n  uid: 0\n  gid: 0\n", []string{"owner.uid:"}},
		{"several problems", "version: 1\ndomains: [example.org]\nadmins: [x@y.z]\nregistration: maybe\n", []string{"admins[0]:", "registration:"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "out")
			for _, extra := range [][]string{nil, {"--dry-run"}, {"--force"}} {
				args := append([]string{"--answers", answersFile(t, dir, c.body), "--out", out}, extra...)
				code, stdout, stderr := runCLI(t, args...)
				if code != exitUsage {
					t.Errorf("%v: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", extra, code, exitUsage, stdout, stderr)
				}
				for _, w := range c.want {
					if !strings.Contains(stderr, "  "+w+" ") {
						t.Errorf("%v: stderr does not name %q:\n%s", extra, w, stderr)
					}
				}
				if !strings.Contains(stderr, "nothing was written") {
					t.Errorf("%v: stderr does not say nothing was written:\n%s", extra, stderr)
				}
				mustNotExist(t, out)
			}
		})
	}
}

func TestTLSExistingMissingFiles(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	uid, gid := testOwner()
	body := fmt.Sprintf("version: 1\ndomains: [example.org]\ntls:\n  mode: existing\n  cert: %s\n  key: %s\nowner: {uid: %d, gid: %d}\n",
		filepath.Join(dir, "missing.crt"), filepath.Join(dir, "missing.key"), uid, gid)
	code, _, stderr := runCLI(t, "--answers", answersFile(t, dir, body), "--out", out)
	if code != exitUsage {
		t.Errorf("exit %d, want %d; stderr:\n%s", code, exitUsage, stderr)
	}
	if !strings.Contains(stderr, "tls.cert:") {
		t.Errorf("stderr does not name tls.cert:\n%s", stderr)
	}
	mustNotExist(t, out)
}

func TestUsage(t *testing.T) {
	dir := t.TempDir()
	minimal := filepath.Join(answersDir, "minimal.yaml")
	cases := []struct {
		name string
		args []string
		code int
	}{
		{"unknown flag", []string{"--bogus"}, exitUsage},
		{"unknown flag with answers", []string{"--answers", minimal, "--out", filepath.Join(dir, "out"), "--frce"}, exitUsage},
		{"stray argument", []string{minimal}, exitUsage},
		{"stray argument after flags", []string{"--answers", minimal, "--out", filepath.Join(dir, "out"), "extra"}, exitUsage},
		{"help", []string{"--help"}, exitOK},
		{"h", []string{"-h"}, exitOK},
		{"answers file missing", []string{"--answers", filepath.Join(dir, "nope.yaml"), "--out", filepath.Join(dir, "out")}, exitUsage},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, c.args...)
			if code != c.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, c.code, stderr)
			}
			if c.code == exitUsage && stderr == "" {
				t.Error("nothing on stderr")
			}
		})
	}
	mustNotExist(t, filepath.Join(dir, "out"))

	code, stdout, _ := runCLI(t, "--version")
	if code != exitOK || !strings.Contains(stdout, "prosody-wizard") {
		t.Errorf("--version: exit %d, stdout %q", code, stdout)
	}
}

func TestNoAnswersNoTerminal(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	for name, stdin := range map[string]*os.File{"pipe": r, "devnull": devNull(t)} {
		var o, e bytes.Buffer
		code := run(nil, stdin, &o, &e)
		if code != exitUsage {
			t.Errorf("%s: exit %d, want %d", name, code, exitUsage)
		}
		if s := e.String(); !strings.Contains(s, "--answers") || !strings.Contains(s, "terminal") {
			t.Errorf("%s: stderr should mention --answers and a terminal:\n%s", name, s)
		}
	}
}

func TestWriteComposeAndRerun(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	ans := ownedCopy(t, dir, "minimal")
	code, stdout, stderr := runCLI(t, "--answers", ans, "--out", out)
	if code != exitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	wantMode(t, out, fs.ModeDir|0o755)
	wantMode(t, filepath.Join(out, "prosody/prosody.cfg.lua"), 0o640)
	wantMode(t, filepath.Join(out, "prosody"), fs.ModeDir|0o750)
	wantMode(t, filepath.Join(out, "prosody/certs"), fs.ModeDir|0o750)
	wantMode(t, filepath.Join(out, ".env"), 0o600)
	wantMode(t, filepath.Join(out, "data"), fs.ModeDir|0o750)
	wantMode(t, filepath.Join(out, "compose.yaml"), 0o644)
	wantMode(t, filepath.Join(out, "healthcheck.sh"), 0o755)
	keys, _ := filepath.Glob(filepath.Join(out, "prosody/certs/*.key"))
	if len(keys) == 0 {
		t.Error("no prosody/certs/*.key written")
	}
	for _, k := range keys {
		wantMode(t, k, 0o600)
	}
	uid, gid := testOwner()
	for p := range mtimes(t, out) {
		info, err := os.Lstat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st := info.Sys().(*syscall.Stat_t); int(st.Uid) != uid || int(st.Gid) != gid {
			t.Errorf("%s: owner %d:%d, want %d:%d", p, st.Uid, st.Gid, uid, gid)
		}
		if strings.Contains(filepath.Base(p), ".tmp-") {
			t.Errorf("temporary file left behind: %s", p)
		}
	}

	// A second identical run changes nothing, not even a timestamp.
	past := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	for p := range mtimes(t, out) {
		if err := os.Chtimes(p, past, past); err != nil {
			t.Fatal(err)
		}
	}
	before := mtimes(t, out)
	code, stdout, stderr = runCLI(t, "--answers", ans, "--out", out)
	if code != exitOK {
		t.Fatalf("second run: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "Nothing to change") {
		t.Errorf("second run does not say Nothing to change:\n%s", stdout)
	}
	after := mtimes(t, out)
	if len(after) != len(before) {
		t.Errorf("second run changed the set of files: %d before, %d after", len(before), len(after))
	}
	for p, m := range after {
		if !m.Equal(before[p]) {
			t.Errorf("%s: modified by the second run (mtime %v, was %v)", p, m, before[p])
		}
	}
}

// dryRunLines are the fields of the dry run's rows: the lines after the
// heading, up to the first empty one (diffs and warnings follow it).
func dryRunLines(t *testing.T, stdout string) [][]string {
	t.Helper()
	var lines [][]string
	for _, l := range strings.Split(stdout, "\n")[1:] {
		if l == "" {
			break
		}
		lines = append(lines, strings.Fields(l))
	}
	if len(lines) == 0 {
		t.Fatalf("no plan lines in:\n%s", stdout)
	}
	return lines
}

func TestDryRun(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	ans := ownedCopy(t, dir, "minimal")

	code, stdout, stderr := runCLI(t, "--answers", ans, "--out", out, "--dry-run")
	if code != exitOK {
		t.Fatalf("exit %d\nstderr:\n%s", code, stderr)
	}
	mustNotExist(t, out)
	sawCfg, sawKey := false, false
	for _, f := range dryRunLines(t, stdout) {
		if f[0] != "new" {
			t.Errorf("fresh folder: %v is not new", f)
		}
		name := f[len(f)-1]
		if !strings.HasPrefix(name, out) {
			t.Errorf("%v: path not under %s", f, out)
		}
		if strings.HasSuffix(name, "prosody/prosody.cfg.lua") {
			sawCfg = true
			if f[1] != "0640" {
				t.Errorf("%v: want mode 0640", f)
			}
		}
		if strings.HasSuffix(name, ".key") {
			sawKey = true
			if !strings.Contains(strings.Join(f, " "), "secret") {
				t.Errorf("%v: a private key's size should be masked as secret", f)
			}
		}
	}
	if !sawCfg || !sawKey {
		t.Errorf("dry run does not list prosody.cfg.lua and the key:\n%s", stdout)
	}
	// The warnings the reviews show too.
	if !strings.Contains(stdout, "\nBefore going live:\n  - open port 5222/tcp") {
		t.Errorf("dry run does not show the warnings:\n%s", stdout)
	}

	if code, _, stderr := runCLI(t, "--answers", ans, "--out", out); code != exitOK {
		t.Fatalf("write: exit %d\n%s", code, stderr)
	}
	before := mtimes(t, out)
	code, stdout, stderr = runCLI(t, "--answers", ans, "--out", out, "--dry-run")
	if code != exitOK {
		t.Fatalf("exit %d\nstderr:\n%s", code, stderr)
	}
	for _, f := range dryRunLines(t, stdout) {
		if f[0] != "same" {
			t.Errorf("after a run: %v is not same", f)
		}
	}
	after := mtimes(t, out)
	for p, m := range after {
		if !m.Equal(before[p]) {
			t.Errorf("dry run modified %s", p)
		}
	}
	if len(after) != len(before) {
		t.Errorf("dry run changed the set of files")
	}
}

func TestConflictAndForce(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	ans := ownedCopy(t, dir, "minimal")
	if code, _, stderr := runCLI(t, "--answers", ans, "--out", out); code != exitOK {
		t.Fatalf("write: exit %d\n%s", code, stderr)
	}
	cfg := filepath.Join(out, "prosody/prosody.cfg.lua")
	generated, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	edited := append(append([]byte{}, generated...), "\n-- edited by hand\n"...)
	if err := os.WriteFile(cfg, edited, 0o640); err != nil {
		t.Fatal(err)
	}

	code, stdout, stderr := runCLI(t, "--answers", ans, "--out", out)
	if code != exitFailed {
		t.Errorf("conflict: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitFailed, stdout, stderr)
	}
	if !strings.Contains(stderr, cfg) {
		t.Errorf("conflict: stderr does not name %s:\n%s", cfg, stderr)
	}
	if got, _ := os.ReadFile(cfg); !bytes.Equal(got, edited) {
		t.Error("conflict: the hand-edited file was changed")
	}
	if baks, _ := filepath.Glob(cfg + ".bak.*"); len(baks) > 0 {
		t.Errorf("conflict: backups written: %v", baks)
	}

	code, stdout, stderr = runCLI(t, "--answers", ans, "--out", out, "--force")
	if code != exitOK {
		t.Fatalf("--force: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if got, _ := os.ReadFile(cfg); !bytes.Equal(got, generated) {
		t.Error("--force: the file was not regenerated")
	}
	wantMode(t, cfg, 0o640)
	baks, _ := filepath.Glob(cfg + ".bak.*")
	if len(baks) != 1 {
		t.Fatalf("--force: want one backup, got %v", baks)
	}
	if got, _ := os.ReadFile(baks[0]); !bytes.Equal(got, edited) {
		t.Errorf("%s does not hold the hand-edited bytes", baks[0])
	}
	wantMode(t, baks[0], 0o640)
	if !strings.Contains(stdout, filepath.Base(baks[0])) {
		t.Errorf("--force: stdout does not mention the backup %s:\n%s", baks[0], stdout)
	}
}

func TestHostDeploy(t *testing.T) {
	ans := filepath.Join(answersDir, "host.yaml")

	t.Run("no prosody user", func(t *testing.T) {
		out := t.TempDir()
		if err := os.MkdirAll(filepath.Join(out, "etc"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(out, "etc/passwd"), []byte("root:x:0:0:root:/root:/bin/bash\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(out, "etc/group"), []byte("root:x:0:\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		code, _, stderr := runCLI(t, "--answers", ans, "--out", out)
		if code != exitFailed {
			t.Errorf("exit %d, want %d; stderr:\n%s", code, exitFailed, stderr)
		}
		for _, w := range []string{"install", "prosody", "owner.uid", "owner.gid"} {
			if !strings.Contains(stderr, w) {
				t.Errorf("stderr does not mention %q:\n%s", w, stderr)
			}
		}
		mustNotExist(t, filepath.Join(out, "etc/prosody"))
		mustNotExist(t, filepath.Join(out, "var"))
	})

	t.Run("no passwd", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "root")
		code, _, stderr := runCLI(t, "--answers", ans, "--out", out)
		if code != exitFailed {
			t.Errorf("exit %d, want %d; stderr:\n%s", code, exitFailed, stderr)
		}
		if !strings.Contains(stderr, "owner.uid") {
			t.Errorf("stderr does not mention owner.uid:\n%s", stderr)
		}
		mustNotExist(t, out)
	})

	t.Run("prosody user", func(t *testing.T) {
		out := t.TempDir()
		uid, gid := os.Getuid(), os.Getgid()
		if uid == 0 {
			uid, gid = 102, 105
		}
		if err := os.MkdirAll(filepath.Join(out, "etc"), 0o755); err != nil {
			t.Fatal(err)
		}
		passwd := fmt.Sprintf("root:x:0:0:root:/root:/bin/bash\nprosody:x:%d:%d:Prosody XMPP Server,,,:/var/lib/prosody:/usr/sbin/nologin\n", uid, gid)
		group := fmt.Sprintf("root:x:0:\nprosody:x:%d:\n", gid)
		if err := os.WriteFile(filepath.Join(out, "etc/passwd"), []byte(passwd), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(out, "etc/group"), []byte(group), 0o644); err != nil {
			t.Fatal(err)
		}
		code, stdout, stderr := runCLI(t, "--answers", ans, "--out", out)
		if code != exitOK {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
		}
		wantMode(t, filepath.Join(out, "etc/prosody/prosody.cfg.lua"), 0o640)
		wantMode(t, filepath.Join(out, "etc/prosody/certs"), fs.ModeDir|0o750)
		wantMode(t, filepath.Join(out, "var/lib/prosody"), fs.ModeDir|0o750)
		// Folders on the way to the data folder must let prosody through.
		for _, d := range []string{"var", "var/lib"} {
			info, err := os.Stat(filepath.Join(out, d))
			if err != nil {
				t.Error(err)
			} else if info.Mode().Perm()&0o001 == 0 {
				t.Errorf("%s: mode %04o, not traversable by the prosody user", d, info.Mode().Perm())
			}
		}
		if os.Getuid() == 0 {
			for p, want := range map[string][2]int{
				"etc/prosody/prosody.cfg.lua": {0, gid},
				"etc/prosody/certs":           {0, gid},
				"var/lib/prosody":             {uid, gid},
			} {
				info, err := os.Stat(filepath.Join(out, p))
				if err != nil {
					t.Fatal(err)
				}
				if st := info.Sys().(*syscall.Stat_t); int(st.Uid) != want[0] || int(st.Gid) != want[1] {
					t.Errorf("%s: owner %d:%d, want %d:%d", p, st.Uid, st.Gid, want[0], want[1])
				}
			}
		}
		// Again: nothing to change.
		code, stdout, stderr = runCLI(t, "--answers", ans, "--out", out)
		if code != exitOK || !strings.Contains(stdout, "Nothing to change") {
			t.Errorf("second run: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
		}
	})
}

// TestOutChecked: --out is checked as the wizard's Output folder question
// checks it (config.OutProblem): a compose repo is never written into /.
func TestOutChecked(t *testing.T) {
	minimal := filepath.Join(answersDir, "minimal.yaml")
	for _, out := range []string{"/", "//", "x\u202ey"} {
		code, stdout, stderr := runCLI(t, "--answers", minimal, "--out", out, "--dry-run")
		if code != exitUsage || !strings.Contains(stderr, "--out") {
			t.Errorf("--out %q: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", out, code, exitUsage, stdout, stderr)
		}
	}
}
