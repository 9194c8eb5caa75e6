package scaffold

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"prosody-wizard/internal/testkit"
)

// TestHealthcheckReloadsRenewedCertificates runs the generated
// healthcheck.sh against a stand-in prosody (a shell that counts the
// SIGHUPs it gets) with a pidfile, a listening port and a certs folder:
// it is healthy, and it asks for a reload exactly when a file in the certs
// folder is newer than prosody's start and than the last reload.
func TestHealthcheckReloadsRenewedCertificates(t *testing.T) {
	_, plan := goldenPlan(t, "letsencrypt")
	script, ok := plan.File("healthcheck.sh")
	if !ok {
		t.Fatal("no healthcheck.sh")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "healthcheck.sh")
	if err := os.WriteFile(path, script.Data, 0o755); err != nil {
		t.Fatal(err)
	}
	data, certs := filepath.Join(dir, "data"), filepath.Join(dir, "certs")
	for _, d := range []string{data, certs} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	hups := filepath.Join(dir, "hups")
	fake := exec.Command("sh", "-c", `trap 'echo hup >>"$1"' HUP; echo ready >"$1.ready"; while :; do sleep 0.05; done`, "fake", hups)
	if err := fake.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fake.Process.Kill(); _ = fake.Wait() })
	if !testkit.WaitUntil(10*time.Second, func() bool { _, err := os.Stat(hups + ".ready"); return err == nil }) {
		t.Fatal("the stand-in prosody did not start")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	port := l.Addr().(*net.TCPAddr).Port

	pidfile := filepath.Join(data, "prosody.pid")
	touch := func(path string, at time.Time) {
		t.Helper()
		if err := os.WriteFile(path, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, at, at); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now().Add(-time.Hour)
	touch(filepath.Join(certs, "wizard-demo.net.crt"), start.Add(-time.Minute)) // the placeholder, older than the start
	touch(pidfile, start)
	if err := os.WriteFile(pidfile, []byte(fmt.Sprint(fake.Process.Pid)), 0o644); err != nil {
		t.Fatal(err)
	}
	_ = os.Chtimes(pidfile, start, start)

	check := func(step string, wantHups int) {
		t.Helper()
		cmd := exec.Command("sh", path, fmt.Sprint(port))
		cmd.Env = append(os.Environ(), "PROSODY_PIDFILE="+pidfile, "PROSODY_CERTS_DIR="+certs)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: unhealthy: %v\n%s", step, err, out)
		}
		var got int
		if !testkit.WaitUntil(2*time.Second, func() bool {
			b, _ := os.ReadFile(hups)
			got = strings.Count(string(b), "hup")
			return got == wantHups
		}) || func() bool {
			time.Sleep(200 * time.Millisecond)
			b, _ := os.ReadFile(hups)
			return strings.Count(string(b), "hup") != wantHups
		}() {
			t.Fatalf("%s: prosody got %d SIGHUPs in all, want %d (healthcheck said %q)", step, got, wantHups, out)
		}
	}
	check("nothing changed since the start", 0)
	touch(filepath.Join(certs, "wizard-demo.net.crt"), start.Add(time.Minute))
	check("a certificate newer than the start", 1)
	check("the same certificate, checked again", 1)
	// Renewed just after the last reload (the stamp's time).
	stamp, err := os.Stat(filepath.Join(data, ".certs-reloaded"))
	if err != nil {
		t.Fatalf("no stamp after a reload: %v", err)
	}
	touch(filepath.Join(certs, "wizard-demo.net.key"), stamp.ModTime().Add(time.Millisecond))
	check("a renewed key", 2)
	check("and again", 2)

}
