package dockere2e

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"prosody-wizard/internal/testkit"
)

// The stand-ins (standins/<name>/, see standins/README.md) replace the
// images the generated compose.yaml names but that can't be pulled here:
// postgres, mariadb, coturn and certbot, each built from Debian's package
// on the local debian:bookworm-slim. They are not the official images.

// standinLabel marks every container, network and volume TestStandins
// makes; each also has a name starting with pw-standin-test-.
const standinLabel = "prosody-wizard.test=standins"

// standinPassword has what a password may hold that a shell, SQL or a
// config file could take for syntax: both quotes, $, a backslash, spaces.
const standinPassword = `it's "a" $HOME \x  pw`

// standinBuilds holds one build per stand-in per test binary.
var standinBuilds struct {
	sync.Mutex
	m map[string]*standinBuild
}

type standinBuild struct {
	once sync.Once
	tag  string
	err  error
}

// standinImage returns the tag of the stand-in image name (postgres,
// mariadb, coturn, certbot), pw-standin-<name>:<hash>, building it once
// per test binary. The hash covers the stand-in's folder (names, modes,
// contents) and the base image's id, so a changed Dockerfile or a new base
// builds anew, and an unchanged one is reused between runs on a machine,
// as the base image is. Old tags stay: they cost disk, not correctness.
func standinImage(t testing.TB, name string) string {
	t.Helper()
	standinBuilds.Lock()
	if standinBuilds.m == nil {
		standinBuilds.m = map[string]*standinBuild{}
	}
	b := standinBuilds.m[name]
	if b == nil {
		b = &standinBuild{}
		standinBuilds.m[name] = b
	}
	standinBuilds.Unlock()
	b.once.Do(func() {
		start := time.Now()
		var built bool
		b.tag, built, b.err = buildStandin(name)
		if b.err == nil && built {
			t.Logf("stand-in %s: built in %v", b.tag, time.Since(start).Round(time.Second))
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.tag
}

// buildStandin builds standins/<name> unless its tag exists, and reports
// whether it built.
func buildStandin(name string) (tag string, built bool, err error) {
	dir := filepath.Join("standins", name)
	base, err := standinDocker(30*time.Second, "image", "inspect", "--format", "{{.Id}}", "debian:bookworm-slim")
	if err != nil {
		return "", false, fmt.Errorf("the stand-ins are built on debian:bookworm-slim (.ci/docker makes it): %v", err)
	}
	hash, err := standinHash(dir, base)
	if err != nil {
		return "", false, err
	}
	tag = "pw-standin-" + name + ":" + hash
	if _, err := standinDocker(30*time.Second, "image", "inspect", tag); err == nil {
		return tag, false, nil
	}
	// docker build, not compose: the tag is the test's; plain "docker
	// build" takes the legacy builder or BuildKit, whichever the client
	// has, and the Dockerfiles suit both.
	if _, err := standinDocker(10*time.Minute, "build", "--force-rm", "-q", "-t", tag, dir); err != nil {
		return "", false, fmt.Errorf("stand-in %s: %v", name, err)
	}
	label, err := standinDocker(30*time.Second, "image", "inspect", "--format", `{{index .Config.Labels "prosody-wizard.standin"}}`, tag)
	if err != nil || label != name {
		return "", false, fmt.Errorf("stand-in %s: the image is not labelled prosody-wizard.standin=%s (%q, %v)", tag, name, label, err)
	}
	return tag, true, nil
}

// standinHash is a short sha256 of the files under dir (path, mode and
// content of each, in lexical order) and of base.
func standinHash(dir, base string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "base %s\n", base)
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		fmt.Fprintf(h, "%s %o %d\n", filepath.ToSlash(rel), info.Mode(), info.Size())
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(h, f)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("stand-in folder %s: %v", dir, err)
	}
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}

// standinDocker runs docker ARGS, bounded by limit, and returns its output
// trimmed; the error carries the command and all of its output.
func standinDocker(limit time.Duration, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, "docker", args...)
	cmd.WaitDelay = time.Second
	out, err := cmd.CombinedOutput()
	text := strings.TrimSpace(string(out))
	if ctx.Err() != nil {
		return text, fmt.Errorf("docker %s: still running after %v (killed)\n%s", strings.Join(args, " "), limit, out)
	}
	if err != nil {
		return text, fmt.Errorf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return text, nil
}

// standinsGate skips the test unless it runs as root with a Docker Engine
// answering; with PW_REQUIRE_DOCKER=1 (CI) it fails instead.
func standinsGate(t *testing.T) {
	t.Helper()
	testkit.Need(t, "PW_REQUIRE_DOCKER", os.Geteuid() == 0, "root")
	_, err := standinDocker(30*time.Second, "info")
	testkit.Need(t, "PW_REQUIRE_DOCKER", err == nil, "a running Docker Engine (docker info)")
}

// TestStandins builds each stand-in and checks that it honours what the
// generated compose.yaml asks of the official image it replaces, and
// that its checks can fail (a wrong password, a wrong secret, a server
// that is not up).
func TestStandins(t *testing.T) {
	standinsGate(t)
	for _, c := range []struct {
		name  string
		check func(*testing.T, *standinEnv, string)
	}{
		{"postgres", checkStandinPostgres},
		{"mariadb", checkStandinMariaDB},
		{"coturn", checkStandinCoturn},
		{"certbot", checkStandinCertbot},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			image := standinImage(t, c.name)
			c.check(t, newStandinEnv(t, c.name), image)
		})
	}
}

// standinEnv is one subtest's Docker objects: a user network, and the
// containers and volumes it makes, named pw-standin-test-<name>-<random>,
// labelled, and removed when the test ends, also after a failure.
type standinEnv struct {
	t    *testing.T
	name string
	net  string
}

func newStandinEnv(t *testing.T, name string) *standinEnv {
	e := &standinEnv{t: t, name: name}
	e.net = e.newName()
	e.must(time.Minute, "network", "create", "--label", standinLabel, e.net)
	t.Cleanup(func() { e.cleanup("network", "rm", e.net) })
	return e
}

// newName is a fresh pw-standin-test-<name>-<random>.
func (e *standinEnv) newName() string {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		e.t.Fatal(err)
	}
	return "pw-standin-test-" + e.name + "-" + hex.EncodeToString(b)
}

func (e *standinEnv) cleanup(args ...string) {
	if _, err := standinDocker(time.Minute, args...); err != nil && !strings.Contains(err.Error(), "No such") {
		e.t.Logf("cleanup: %v", err)
	}
}

// docker runs docker ARGS bounded by limit.
func (e *standinEnv) docker(limit time.Duration, args ...string) (string, error) {
	return standinDocker(limit, args...)
}

// must is docker that fails the test on an error.
func (e *standinEnv) must(limit time.Duration, args ...string) string {
	e.t.Helper()
	out, err := standinDocker(limit, args...)
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// volume makes a named volume, removed at the end.
func (e *standinEnv) volume() string {
	e.t.Helper()
	v := e.newName()
	e.must(time.Minute, "volume", "create", "--label", standinLabel, v)
	e.t.Cleanup(func() { e.cleanup("volume", "rm", "-f", v) })
	return v
}

// start runs a detached container on the network with ARGS (options, the
// image, its command) and returns its name; it is removed, with its
// anonymous volumes, at the end.
func (e *standinEnv) start(args ...string) string {
	e.t.Helper()
	c := e.newName()
	e.t.Cleanup(func() { e.cleanup("rm", "-f", "-v", c) })
	e.must(time.Minute, append([]string{"run", "-d", "--name", c, "--label", standinLabel, "--network", e.net}, args...)...)
	return c
}

// once runs a container on the network to its end, bounded by limit, and
// returns its output.
func (e *standinEnv) once(limit time.Duration, args ...string) (string, error) {
	c := e.newName()
	e.t.Cleanup(func() { e.cleanup("rm", "-f", "-v", c) })
	return e.docker(limit, append([]string{"run", "--rm", "--name", c, "--label", standinLabel, "--network", e.net}, args...)...)
}

// wait polls check every half second until it reports done, for at most
// limit; the failure names what and shows what check last saw.
func (e *standinEnv) wait(what string, limit time.Duration, check func() (bool, string)) {
	e.t.Helper()
	var last string
	for deadline := time.Now().Add(limit); ; time.Sleep(500 * time.Millisecond) {
		var done bool
		if done, last = check(); done {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%s: not within %v; last seen:\n%s", what, limit, last)
		}
	}
}

// stop stops container c as docker compose down does (SIGTERM, or the
// image's STOPSIGNAL, then SIGKILL after grace) and requires a clean exit
// before the grace period ended.
func (e *standinEnv) stop(c string, grace time.Duration) {
	e.t.Helper()
	start := time.Now()
	e.must(grace+time.Minute, "stop", "--time", fmt.Sprint(int(grace.Seconds())), c)
	took := time.Since(start)
	code := e.must(30*time.Second, "inspect", "--format", "{{.State.ExitCode}}", c)
	if code != "0" || took >= grace {
		logs, _ := e.docker(30*time.Second, "logs", "--tail", "20", c)
		e.t.Fatalf("docker stop %s: exit status %s after %v (want 0 within %v); last log lines:\n%s", c, code, took.Round(time.Millisecond), grace, logs)
	}
}

// logs is a container's whole log, stdout and stderr.
func (e *standinEnv) logs(c string) string {
	e.t.Helper()
	return e.must(30*time.Second, "logs", c)
}

// pid1 is the command name and the owner of a container's PID 1.
func (e *standinEnv) pid1(c string) (comm, user string) {
	e.t.Helper()
	out := e.must(30*time.Second, "exec", c, "sh", "-c", "cat /proc/1/comm; stat -c %U /proc/1")
	comm, user, _ = strings.Cut(out, "\n")
	return comm, strings.TrimSpace(user)
}

// standinWant fails unless got contains every one of want.
func standinWant(t *testing.T, what, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Fatalf("%s: want %q in:\n%s", what, w, got)
		}
	}
}
