package main

// Tests of the tool with root in its hands, against what a hostile folder
// or input can do: links below the output folder, FIFOs and endless files
// as inputs, huge files in the tree, two runs at once, a full disk, names
// too long for the filesystem.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"prosody-wizard/internal/testkit"
	"prosody-wizard/safeio"
	"prosody-wizard/scaffold"
)

// tree records every path below dir with its kind, mode, owner and bytes.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := os.Lstat(p)
		if err != nil {
			return err
		}
		st := info.Sys().(*syscall.Stat_t)
		e := fmt.Sprintf("%v %d:%d", info.Mode(), st.Uid, st.Gid)
		switch {
		case info.Mode().IsRegular():
			data, _ := os.ReadFile(p)
			e += " " + string(data)
		case info.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			e += " -> " + target
		}
		m[p] = e
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func sameTree(t *testing.T, what string, before, after map[string]string) {
	t.Helper()
	for p, b := range before {
		if a, ok := after[p]; !ok {
			t.Errorf("%s: %s was removed", what, p)
		} else if a != b {
			t.Errorf("%s: %s changed:\n  was %.120q\n  now %.120q", what, p, b, a)
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			t.Errorf("%s: %s was created", what, p)
		}
	}
}

// openTempDir is a temporary folder every user may enter (t.TempDir's
// parents are private to the user running the tests).
func openTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "pw-hostile-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// wizardBinary copies the built binary where any user may run it.
func wizardBinary(t *testing.T) string {
	t.Helper()
	dir := openTempDir(t)
	data, err := os.ReadFile(buildWizard(t))
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "prosody-wizard")
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	return bin
}

// runBinary runs the built binary with a deadline and, where prlimit
// exists, at most 2 GiB of address space, so that a run that hangs or
// reads without end fails the test instead of the machine. asUser runs it
// as that uid:gid (root only).
func runBinary(t *testing.T, bin string, stdin io.Reader, asUser []int, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runBinaryIn(t, "", bin, stdin, asUser, args...)
}

// runBinaryIn is runBinary in the folder dir ("" = the test's own).
func runBinaryIn(t *testing.T, dir, bin string, stdin io.Reader, asUser []int, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	argv := append([]string{bin}, args...)
	if _, err := exec.LookPath("prlimit"); err == nil {
		argv = append([]string{"prlimit", "--as=2147483648", "--"}, argv...)
	}
	if asUser != nil {
		argv = append([]string{"setpriv", fmt.Sprintf("--reuid=%d", asUser[0]), fmt.Sprintf("--regid=%d", asUser[1]), "--clear-groups", "--"}, argv...)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Stdin = stdin
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%v did not finish within 20 s (hung)\nstderr:\n%s", args, e.String())
	}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return code, o.String(), e.String()
}

// linkCase plants a link below the output folder.
type linkCase struct {
	name   string
	host   bool   // deploy: host, else compose
	kube   bool   // deploy: kubernetes
	link   string // path of the link below the output folder
	folder bool   // the link points at a folder (else at a file)
	real   []string
}

var linkCases = []linkCase{
	{name: "config folder", link: "prosody", folder: true},
	{name: "certs folder", link: "prosody/certs", folder: true, real: []string{"prosody"}},
	{name: "config file", link: "prosody/prosody.cfg.lua", real: []string{"prosody"}},
	{name: "private key", link: "prosody/certs/example.org.key", real: []string{"prosody/certs"}},
	{name: "env file", link: ".env"},
	{name: "compose file", link: "compose.yaml"},
	{name: "data folder", link: "data", folder: true},
	{name: "kubernetes manifests folder", kube: true, link: "kubernetes", folder: true},
	{name: "kustomization", kube: true, link: "kustomization.yaml"},
	{name: "kubernetes secrets folder", kube: true, link: "secrets", folder: true},
	{name: "kubernetes own config folder", kube: true, link: "prosody/local.d", folder: true, real: []string{"prosody"}},
	{name: "host etc", host: true, link: "etc", folder: true},
	{name: "host config folder", host: true, link: "etc/prosody", folder: true, real: []string{"etc"}},
	{name: "host data parent", host: true, link: "var/lib", folder: true, real: []string{"var"}},
	{name: "host certificate", host: true, link: "etc/prosody/certs/example.org.crt", real: []string{"etc/prosody/certs"}},
}

// plant makes base/out with the case's link to base/outside (a folder
// holding a secret, or a secret file), all owned by uid:gid.
func (c linkCase) plant(t *testing.T, base string, uid, gid int) (out, outside string) {
	t.Helper()
	out, outside = filepath.Join(base, "out"), filepath.Join(base, "outside")
	for _, d := range append([]string{"."}, c.real...) {
		if err := os.MkdirAll(filepath.Join(out, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(outside, 0o755); err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(outside, "secret")
	if err := os.WriteFile(secret, []byte("root-only secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	target := outside
	if !c.folder {
		target = secret
	}
	if err := os.Symlink(target, filepath.Join(out, c.link)); err != nil {
		t.Fatal(err)
	}
	err := filepath.WalkDir(base, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	})
	if err != nil {
		t.Fatal(err)
	}
	return out, outside
}

func (c linkCase) answers(uid, gid int) string {
	body := "version: 1\ndomains: [example.org]\n"
	if c.host {
		body += "deploy: host\n"
	}
	if c.kube {
		// With a database server, so that secrets/ is written.
		body += "deploy: kubernetes\ndatabase: {driver: postgres, host: db.example.org}\n"
	}
	return body + fmt.Sprintf("owner: {uid: %d, gid: %d}\n", max(uid, 1), max(gid, 1))
}

// TestLinksBelowOutAreRefused plants a link at every level of the output
// tree, for compose and host layouts. Whether writing, forcing, keeping
// backups in a folder or only showing a dry run, as root and as a normal
// user, the run stops with exit 1 before its first write, naming the link
// and what it points to; nothing outside changes, nothing inside is
// written, and no byte of what the link points at is shown.
func TestLinksBelowOutAreRefused(t *testing.T) {
	type who struct {
		name     string
		uid, gid int
		binary   bool
	}
	users := []who{{name: "this user", uid: os.Getuid(), gid: os.Getgid()}}
	if os.Getuid() == 0 {
		users = append(users, who{name: "nobody", uid: 65534, gid: 65534, binary: true})
	}
	modes := [][]string{nil, {"--dry-run"}, {"--force"}, {"--force", "--backup-dir", "backups"}}
	var bin string
	for _, u := range users {
		if u.binary {
			bin = wizardBinary(t)
		}
		for _, c := range linkCases {
			for _, mode := range modes {
				t.Run(u.name+"/"+c.name+"/"+strings.Join(append([]string{"write"}, mode...), " "), func(t *testing.T) {
					base := openTempDir(t)
					out, outside := c.plant(t, base, u.uid, u.gid)
					ans := filepath.Join(base, "answers.yaml")
					if err := os.WriteFile(ans, []byte(c.answers(u.uid, u.gid)), 0o644); err != nil {
						t.Fatal(err)
					}
					before, beforeOut := tree(t, outside), tree(t, out)
					args := append([]string{"--answers", ans, "--out", out}, mode...)
					var code int
					var stdout, stderr string
					if u.binary {
						code, stdout, stderr = runBinary(t, bin, nil, []int{u.uid, u.gid}, args...)
					} else {
						code, stdout, stderr = runCLI(t, args...)
					}
					if code != exitFailed {
						t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitFailed, stdout, stderr)
					}
					link := filepath.Join(out, c.link)
					if !strings.Contains(stderr, link+" is a symbolic link") || !strings.Contains(stderr, outside) {
						t.Errorf("stderr does not name the link %s and its target:\n%s", link, stderr)
					}
					if strings.Contains(stdout+stderr, "root-only secret") {
						t.Errorf("the link's target was shown:\n%s%s", stdout, stderr)
					}
					sameTree(t, "outside", before, tree(t, outside))
					sameTree(t, "output folder", beforeOut, tree(t, out))
				})
			}
		}
	}
}

// TestBackupFolderLinkRefused: --backup-dir pointing through a link stops
// a --force run before the first write.
func TestBackupFolderLinkRefused(t *testing.T) {
	base := t.TempDir()
	out, outside := filepath.Join(base, "out"), filepath.Join(base, "outside")
	ans := ownedCopy(t, base, "minimal")
	if code, _, stderr := runCLI(t, "--answers", ans, "--out", out); code != exitOK {
		t.Fatalf("first run: exit %d\n%s", code, stderr)
	}
	if err := os.WriteFile(filepath.Join(out, "README.md"), []byte("edited\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(outside, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(out, "backups")); err != nil {
		t.Fatal(err)
	}
	beforeOut := tree(t, out)
	code, stdout, stderr := runCLI(t, "--answers", ans, "--out", out, "--force", "--backup-dir", "backups")
	if code != exitFailed || !strings.Contains(stderr, filepath.Join(out, "backups")+" is a symbolic link") {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if entries, _ := os.ReadDir(outside); len(entries) > 0 {
		t.Errorf("a backup was written through the link: %v", entries)
	}
	after := tree(t, out)
	if after[filepath.Join(out, "README.md")] != beforeOut[filepath.Join(out, "README.md")] {
		t.Error("README.md was replaced although its backup could not be kept")
	}
}

// TestOutItselfMayBeALink: the folder the person names may be a link; the
// files land in its target.
func TestOutItselfMayBeALink(t *testing.T) {
	base := t.TempDir()
	real := filepath.Join(base, "real")
	if err := os.Mkdir(real, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(real, filepath.Join(base, "out")); err != nil {
		t.Fatal(err)
	}
	ans := ownedCopy(t, base, "minimal")
	if code, _, stderr := runCLI(t, "--answers", ans, "--out", filepath.Join(base, "out")); code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(real, "prosody", "prosody.cfg.lua")); err != nil {
		t.Error(err)
	}
}

// endless is a reader that never ends.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	return len(p), nil
}

// TestInputsMustBeRegularFiles: tls.cert, tls.key and --answers are read
// only when they are regular files of a sane size; a FIFO without a writer,
// /dev/zero, a folder, a huge file or an endless standard input get exit 2
// at once, naming the field, and nothing is written.
func TestInputsMustBeRegularFiles(t *testing.T) {
	bin := wizardBinary(t)
	base := t.TempDir()
	fifo := filepath.Join(base, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	huge := filepath.Join(base, "huge.pem")
	if err := os.WriteFile(huge, bytes.Repeat([]byte("-----BEGIN CERTIFICATE-----\n"), 80000), 0o600); err != nil {
		t.Fatal(err)
	}
	tlsAnswers := func(cert, key string) string {
		p := filepath.Join(t.TempDir(), "answers.yaml")
		body := fmt.Sprintf("version: 1\ndomains: [example.org]\ntls: {mode: existing, cert: %q, key: %q}\n", cert, key)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := filepath.Join(base, "good.yaml")
	if err := os.WriteFile(good, []byte("version: 1\ndomains: [example.org]\nowner: {uid: 1000, gid: 1000}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		answers string
		stdin   io.Reader
		field   string
		why     string
	}{
		{"tls.cert is a FIFO", tlsAnswers(fifo, huge), nil, "tls.cert", "FIFO"},
		{"tls.key is a FIFO", tlsAnswers(huge, fifo), nil, "tls.key", "FIFO"},
		{"tls.cert is /dev/zero", tlsAnswers("/dev/zero", fifo), nil, "tls.cert", "character device"},
		{"tls.cert is a folder", tlsAnswers(base, fifo), nil, "tls.cert", "folder"},
		{"tls.cert is huge", tlsAnswers(huge, fifo), nil, "tls.cert", "larger than 1024 KiB"},
		{"--answers is a FIFO", fifo, nil, "--answers", "FIFO"},
		{"--answers is /dev/zero", "/dev/zero", nil, "--answers", "character device"},
		{"--answers - never ends", "-", endless{}, "--answers", "larger than 1024 KiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			code, _, stderr := runBinary(t, bin, tc.stdin, nil, "--answers", tc.answers, "--out", out)
			if code != exitUsage {
				t.Errorf("exit %d, want %d\nstderr:\n%.2000s", code, exitUsage, stderr)
			}
			if !strings.Contains(stderr, tc.field) || !strings.Contains(stderr, tc.why) {
				t.Errorf("stderr does not name %s and say %q:\n%.2000s", tc.field, tc.why, stderr)
			}
			mustNotExist(t, out)
		})
	}
	t.Run("--answers - reads standard input", func(t *testing.T) {
		data, err := os.ReadFile(good)
		if err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(t.TempDir(), "out")
		code, _, stderr := runBinary(t, bin, bytes.NewReader(data), nil, "--answers", "-", "--out", out)
		if code != exitOK {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
	})
}

// TestFoundAnswersIsNotFollowed: the answers.yaml the wizard finds in the
// current folder (which may be anyone's: it runs under sudo in repos other
// people made) is read only as a regular file of at most 1 MiB, never
// through a link: a link to a secret file is refused by name, and nothing
// of the secret is echoed (its lines would be "unknown keys"). A regular
// answers.yaml is the wizard's start (the input then ends: exit 130).
func TestFoundAnswersIsNotFollowed(t *testing.T) {
	bin := wizardBinary(t)
	secret := filepath.Join(t.TempDir(), "shadow")
	if err := os.WriteFile(secret, []byte("root: hunter2-secret-hash\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile("testdata/answers/minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		plant func(path string) error
		code  int
		want  string
	}{
		{"link to a secret", func(p string) error { return os.Symlink(secret, p) }, exitUsage, `is a symbolic link (to "` + secret + `")`},
		{"dangling link", func(p string) error { return os.Symlink("/nonexistent/answers.yaml", p) }, exitUsage, "is a symbolic link"},
		{"FIFO", func(p string) error { return syscall.Mkfifo(p, 0o644) }, exitUsage, "is a FIFO (named pipe), not a regular file"},
		{"huge", func(p string) error { return os.WriteFile(p, bytes.Repeat([]byte("# x\n"), 300_000), 0o644) }, exitUsage, "larger than 1024 KiB"},
		{"regular file", func(p string) error { return os.WriteFile(p, good, 0o644) }, exitAborted, "stopped; nothing was written"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := tc.plant(filepath.Join(dir, "answers.yaml")); err != nil {
				t.Fatal(err)
			}
			code, stdout, stderr := runBinaryIn(t, dir, bin, strings.NewReader(""), nil, "--accessible")
			if code != tc.code || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, want %d and %q on stderr:\n%s", code, tc.code, tc.want, stderr)
			}
			if strings.Contains(stdout+stderr, "hunter2") {
				t.Errorf("the secret was echoed:\n%s%s", stdout, stderr)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Errorf("the folder holds %d entries, want only answers.yaml", len(entries))
			}
		})
	}
}

// TestFoundAnswersNamingCertificates: run as root in a folder whose
// answers.yaml belongs to someone else and names certificate files, the
// wizard refuses to start from it (the write would copy those files, as
// root, into the folder); the invoker's own file (SUDO_UID), or one without
// certificate files, starts as usual (the input then ends: exit 130).
func TestFoundAnswersNamingCertificates(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root: the case is root copying another user's choice of files")
	}
	bin := wizardBinary(t)
	secretDir := t.TempDir()
	for _, f := range []string{"key.pem", "cert.pem"} {
		if err := os.WriteFile(filepath.Join(secretDir, f), []byte("-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	existing := fmt.Sprintf("version: 1\ndomains: [example.org]\ntls: {mode: existing, cert: %q, key: %q}\n", filepath.Join(secretDir, "cert.pem"), filepath.Join(secretDir, "key.pem"))
	for _, tc := range []struct {
		name    string
		answers string
		owner   int
		sudoUID string
		code    int
		want    string
	}{
		{"another user's, naming certificates", existing, 65534, "", exitUsage, "belongs to uid 65534, not to you"},
		{"the sudo user's own", existing, 65534, "65534", exitAborted, "stopped; nothing was written"},
		{"another user's, self-signed", "version: 1\ndomains: [example.org]\n", 65534, "", exitAborted, "stopped; nothing was written"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "answers.yaml")
			if err := os.WriteFile(p, []byte(tc.answers), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Chown(p, tc.owner, tc.owner); err != nil {
				t.Fatal(err)
			}
			t.Setenv("SUDO_UID", tc.sudoUID)
			t.Setenv("SUDO_GID", tc.sudoUID) // sudo sets both
			code, _, stderr := runBinaryIn(t, dir, bin, strings.NewReader(""), nil, "--accessible")
			if code != tc.code || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, want %d and %q on stderr:\n%s", code, tc.code, tc.want, stderr)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Errorf("the folder holds %d entries, want only answers.yaml", len(entries))
			}
		})
	}
}

// TestOddFilesInTheTree: a FIFO where a file is planned stops even a dry
// run at once; a huge (sparse) file there is compared without reading it.
func TestOddFilesInTheTree(t *testing.T) {
	bin := wizardBinary(t)
	base := t.TempDir()
	ans := ownedCopy(t, base, "minimal")
	t.Run("FIFO", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "out")
		if err := os.MkdirAll(out, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := syscall.Mkfifo(filepath.Join(out, "compose.yaml"), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, mode := range []string{"--dry-run", "--force"} {
			code, _, stderr := runBinary(t, bin, nil, nil, "--answers", ans, "--out", out, mode)
			if code != exitFailed || !strings.Contains(stderr, "compose.yaml: want a file, but a FIFO (named pipe) is there") {
				t.Errorf("%s: exit %d\n%s", mode, code, stderr)
			}
		}
	})
	t.Run("huge sparse file", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "out")
		if err := os.MkdirAll(filepath.Join(out, "prosody"), 0o755); err != nil {
			t.Fatal(err)
		}
		f, err := os.Create(filepath.Join(out, "README.md"))
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Truncate(8 << 30); err != nil {
			t.Fatal(err)
		}
		f.Close()
		code, stdout, stderr := runBinary(t, bin, nil, nil, "--answers", ans, "--out", out, "--dry-run")
		if code != exitOK || !strings.Contains(stdout, "README.md: changed (8589934592 →") {
			t.Errorf("exit %d\nstdout:\n%.3000s\nstderr:\n%s", code, stdout, stderr)
		}
	})
}

// holdLock takes out's lock as another run would.
func holdLock(t *testing.T, out string) *safeio.Tree {
	t.Helper()
	other, err := safeio.OpenTree(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Lock(time.Second, nil); err != nil {
		t.Fatal(err)
	}
	return other
}

// TestOneRunAtATime: a run waits, saying so, while another holds the output
// folder, and gives up after the bounded wait with exit 1 and nothing
// written; once the other is done, it goes on and plans against what the
// other wrote.
func TestOneRunAtATime(t *testing.T) {
	defer func(w time.Duration) { lockWait = w }(lockWait)
	base := t.TempDir()
	ans := ownedCopy(t, base, "minimal")

	t.Run("gives up", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "out")
		if err := os.Mkdir(out, 0o755); err != nil {
			t.Fatal(err)
		}
		other := holdLock(t, out)
		defer other.Close()
		lockWait = 300 * time.Millisecond
		code, _, stderr := runCLI(t, "--answers", ans, "--out", out)
		if code != exitFailed || !strings.Contains(stderr, "another prosody-wizard run is writing to "+out) {
			t.Errorf("exit %d\n%s", code, stderr)
		}
		if entries, _ := os.ReadDir(out); len(entries) > 0 {
			t.Errorf("written while another run held the folder: %v", entries)
		}
	})

	t.Run("waits", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "out")
		if err := os.Mkdir(out, 0o755); err != nil {
			t.Fatal(err)
		}
		other := holdLock(t, out)
		lockWait = 30 * time.Second
		var stdout, stderr testkit.SyncBuffer
		done := make(chan int, 1)
		go func() { done <- run([]string{"--answers", ans, "--out", out}, devNull(t), &stdout, &stderr) }()
		if err := testkit.WaitFor(10*time.Second, func() (bool, string) {
			return strings.Contains(stderr.String(), "waiting up to"), stderr.String()
		}); err != nil {
			other.Close()
			t.Fatalf("no waiting message: %v", err)
		}
		if entries, _ := os.ReadDir(out); len(entries) > 0 {
			t.Errorf("written while another run held the folder: %v", entries)
		}
		other.Close()
		select {
		case code := <-done:
			if code != exitOK || !strings.Contains(stdout.String(), "Wrote") {
				t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
			}
		case <-time.After(20 * time.Second):
			t.Fatal("the waiting run did not go on once the folder was free")
		}
	})

	t.Run("six at once", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "out")
		lockWait = time.Minute
		const n = 6
		var wg sync.WaitGroup
		codes, stdouts := make([]int, n), make([]string, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var o, e bytes.Buffer
				codes[i] = run([]string{"--answers", ans, "--out", out, "--force"}, devNull(t), &o, &e)
				stdouts[i] = o.String() + e.String()
			}()
		}
		wg.Wait()
		wrote := 0
		for i, code := range codes {
			if code != exitOK {
				t.Errorf("run %d: exit %d\n%s", i, code, stdouts[i])
			}
			if strings.Contains(stdouts[i], "Wrote") {
				wrote++
			}
			if strings.Contains(stdouts[i], "kept the old") {
				t.Errorf("run %d replaced what another had just written:\n%s", i, stdouts[i])
			}
		}
		if wrote != 1 {
			t.Errorf("%d runs wrote; want exactly one, the others finding nothing to change", wrote)
		}
		certs := filepath.Join(out, "prosody", "certs", "example.org")
		if err := exec.Command("sh", "-c", `[ "$(openssl x509 -noout -pubkey -in "$1.crt")" = "$(openssl pkey -pubout -in "$1.key")" ]`, "sh", certs).Run(); err != nil {
			t.Errorf("the key does not match the certificate: %v", err)
		}
	})
}

// TestNamesTooLong: a primary domain that DNS accepts but no file can be
// named after is refused before anything is written, naming the field.
func TestNamesTooLong(t *testing.T) {
	label := strings.Repeat("a", 59)
	domain := strings.Join([]string{label, label, label, label}, ".") + ".org" // 243 bytes
	base := t.TempDir()
	ans := answersFile(t, base, fmt.Sprintf("version: 1\ndomains: [%s]\ncomponents: {muc: \"\", upload: \"\"}\nowner: {uid: 1000, gid: 1000}\n", domain))
	out := filepath.Join(base, "out")
	code, _, stderr := runCLI(t, "--answers", ans, "--out", out)
	if code != exitUsage || !strings.Contains(stderr, "domains[0]: is 243 bytes long") {
		t.Errorf("exit %d\n%s", code, stderr)
	}
	mustNotExist(t, out)
}

// TestFullDisk: on a filesystem too small for the setup (a 64 KiB tmpfs in
// a mount namespace of its own), the run stops before its first write,
// saying how much it needs; nothing is left there.
func TestFullDisk(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	bin := wizardBinary(t)
	base := t.TempDir()
	ans := ownedCopy(t, base, "minimal")
	mnt := filepath.Join(base, "small")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	script := `mount -t tmpfs -o size=64k tmpfs "$1" || exit 99
"$2" --answers "$3" --out "$1/out"
echo "exit=$?"
echo "left:"; find "$1" -mindepth 1`
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", mnt, bin, ans)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v\nstdout:\n%s\nstderr:\n%s", err, o.String(), e.String())
	}
	if !strings.Contains(o.String(), "exit=1\nleft:\n") || !strings.HasSuffix(o.String(), "left:\n") {
		t.Errorf("want exit 1 and nothing left on the small filesystem:\n%s", o.String())
	}
	if !strings.Contains(e.String(), "KiB free, and the setup needs") || !strings.Contains(e.String(), "nothing was written") || strings.Contains(e.String(), "sudo") {
		t.Errorf("stderr does not explain the missing space:\n%s", e.String())
	}
}

// TestIncompleteWriteMessage: a write that fails midway lists what was
// written and what was not, and says that the same command completes it.
func TestIncompleteWriteMessage(t *testing.T) {
	var e bytes.Buffer
	err := fmt.Errorf("write out/README.md: %w", &scaffold.IncompleteError{
		Written:    []string{".", "compose.yaml"},
		NotWritten: []string{"README.md", "prosody/prosody.cfg.lua"},
		Err:        syscall.ENOSPC,
	})
	if code := exitCode(&e, err); code != exitFailed {
		t.Errorf("exit %d", code)
	}
	for _, want := range []string{"no space left on device", "Written (2)", "  compose.yaml", "Not written (2)", "  prosody/prosody.cfg.lua", "run the same command again"} {
		if !strings.Contains(e.String(), want) {
			t.Errorf("the message lacks %q:\n%s", want, e.String())
		}
	}
}

// TestOutputFolderNamedByPath: "--out ." is named by its path in what the
// run says, not as ".".
func TestOutputFolderNamedByPath(t *testing.T) {
	dir := t.TempDir()
	ans := ownedCopy(t, t.TempDir(), "minimal")
	t.Chdir(dir)
	for _, args := range [][]string{{"--dry-run"}, nil} {
		code, stdout, stderr := runCLI(t, append([]string{"--answers", ans, "--out", "."}, args...)...)
		if code != exitOK {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
		first, _, _ := strings.Cut(stdout, "\n")
		if !strings.Contains(first, " "+dir) || strings.Contains(first, " . ") || strings.Contains(first, " .\n") {
			t.Errorf("%v: the output folder is not named by its path: %q", args, first)
		}
	}
}
