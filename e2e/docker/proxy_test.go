package dockere2e

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"prosody-wizard/config"
	"prosody-wizard/internal/testkit"
	"prosody-wizard/internal/xmpptest"
	"prosody-wizard/scaffold"
)

// nginxCell is a 13.0 repo behind a reverse proxy: Debian's nginx on this
// machine, with the repo's generated snippet, in front of the container's
// plain HTTP, which compose publishes on the host's loopback only.
var nginxCell = dockerCell{name: "13.0-behind-nginx", series: config.Series13, portBase: 15900, answers: `
domains: [example.org]
admins: [admin@example.org]
turn: {host: ""}
proxy: {kind: nginx}
`, steps: func(r *cellRun) []cellStep {
	return append(r.startSteps(),
		cellStep{"accounts alice and bob", r.register},
		cellStep{"plain HTTP published on loopback only", r.plainHTTPLoopbackOnly},
		cellStep{"nginx with the generated snippet", r.startNginx},
		cellStep{"through nginx: BOSH, WebSocket, 3 MiB upload", r.throughNginx},
		cellStep{"down: in the grace period, prosody exits 0", r.down},
	)
}}

// TestDockerBehindNginx runs the nginx cell: the web clients reach the
// containerised Prosody through the real nginx only (BOSH login, WebSocket
// login, a message between them, an upload larger than nginx's default
// body limit fetched back from the public slot URL).
func TestDockerBehindNginx(t *testing.T) {
	dockerSetup(t)
	if _, err := exec.LookPath("nginx"); err != nil {
		if os.Getenv("PW_REQUIRE_DOCKER") == "1" {
			t.Fatal("nginx is missing (Debian's nginx-light; .ci/run installs it)")
		}
		t.Skip("nginx is missing (Debian's nginx-light)")
	}
	bin := testkit.Binary(t, "../..")
	if err := runCell(t, bin, nginxCell); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { report.Write(t) })
}

// plainHTTPLoopbackOnly: compose publishes Prosody's plain HTTP port on
// 127.0.0.1 and nowhere else, and nothing publishes Prosody's HTTPS.
func (r *cellRun) plainHTTPLoopbackOnly() error {
	out, err := r.p.compose(30*time.Second, "port", "prosody", "5280")
	if err != nil {
		return err
	}
	if got := strings.TrimSpace(out); got != "127.0.0.1:5280" {
		return fmt.Errorf("prosody's 5280 is published at %q, want 127.0.0.1:5280 only", got)
	}
	if out, err := r.p.compose(30*time.Second, "port", "prosody", "5281"); err == nil && !unpublished(out) {
		return fmt.Errorf("prosody's HTTPS port 5281 is published behind a proxy: %s", out)
	}
	return nil
}

// unpublished: docker compose port's answer for a port compose publishes
// nowhere (Compose v2 prints ":0").
func unpublished(out string) bool {
	out = strings.TrimSpace(out)
	return out == "" || out == ":0"
}

// startNginx runs Debian's nginx in the foreground as our child with a
// main config that includes the generated snippet. Test plumbing, and only
// this: listen addresses on loopback, and the certificate lines pointed at
// the repo's generated (self-signed) certificate, which names every host.
func (r *cellRun) startNginx() error {
	snippet, err := os.ReadFile(filepath.Join(r.p.dir, scaffold.ProxySnippet(r.a)))
	if err != nil {
		return fmt.Errorf("the CLI wrote no nginx snippet: %w", err)
	}
	dir := filepath.Join(r.dir, "nginx")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	certs := filepath.Join(r.p.dir, "prosody", "certs", r.a.Primary())
	text := string(snippet)
	for _, e := range []struct{ re, with string }{
		{`(?m)^(\s*)listen \[::\]:\d+[^;]*;\n`, ""},
		{`(?m)^(\s*)listen 80;`, fmt.Sprintf("${1}listen 127.0.0.1:%d; # test plumbing", r.cell.portBase+80)},
		{`(?m)^(\s*)listen (\d+) ssl;`, "${1}listen 127.0.0.1:${2} ssl; # test plumbing"},
		{`(?m)^(\s*ssl_certificate)\s+\S+;`, "${1} " + certs + ".crt; # test plumbing"},
		{`(?m)^(\s*ssl_certificate_key)\s+\S+;`, "${1} " + certs + ".key; # test plumbing"},
	} {
		re := regexp.MustCompile(e.re)
		if !re.MatchString(text) {
			return fmt.Errorf("the nginx snippet has no line matching %s:\n%s", e.re, snippet)
		}
		text = re.ReplaceAllString(text, e.with)
	}
	site := filepath.Join(dir, "prosody.conf")
	if err := os.WriteFile(site, []byte(text), 0o644); err != nil {
		return err
	}
	conf := filepath.Join(dir, "nginx.conf")
	main := testkit.NginxMain(dir, site)
	if err := os.WriteFile(conf, []byte(main), 0o644); err != nil {
		return err
	}
	args := []string{"-e", filepath.Join(dir, "error.log"), "-p", dir, "-c", conf}
	if out, err := exec.Command("nginx", append(args, "-t")...).CombinedOutput(); err != nil {
		return fmt.Errorf("nginx -t on the generated snippet: %v\n%s", err, out)
	}
	cmd := exec.Command("nginx", args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	r.t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	})
	addr := fmt.Sprintf("127.0.0.1:%d", r.a.Ports.HTTPS)
	if !testkit.WaitUntil(20*time.Second, func() bool {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
		}
		return err == nil
	}) {
		log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
		return fmt.Errorf("nginx does not listen on %s within 20 s; its log:\n%s", addr, log)
	}
	return nil
}

// throughNginx: the web clients at the public URLs, every name sent to
// nginx on loopback, trusting only the generated certificate.
func (r *cellRun) throughNginx() error {
	nginx := fmt.Sprintf("127.0.0.1:%d", r.a.Ports.HTTPS)
	var d net.Dialer
	web := xmpptest.Web{Roots: r.roots, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, nginx)
	}}
	base := fmt.Sprintf("https://%s:%d/", r.a.Primary(), r.a.Ports.HTTPS)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	alice, err := xmpptest.DialBOSH(ctx, web, base+"http-bind", r.a.Primary())
	if err != nil {
		return fmt.Errorf("BOSH through nginx: %w", err)
	}
	defer alice.Close()
	if err := alice.AuthPlain("alice", passwordAlice); err != nil {
		return fmt.Errorf("BOSH login as alice: %w", err)
	}
	bob, err := xmpptest.DialWebSocket(ctx, web, "wss://"+strings.TrimPrefix(base, "https://")+"xmpp-websocket", r.a.Primary())
	if err != nil {
		return fmt.Errorf("WebSocket through nginx: %w", err)
	}
	defer bob.Close()
	if err := bob.AuthPlain("bob", passwordBob); err != nil {
		return fmt.Errorf("WebSocket login as bob: %w", err)
	}
	if err := bob.Send("<presence/>"); err != nil {
		return err
	}
	text := fmt.Sprintf("through nginx at %d", time.Now().UnixNano())
	if err := alice.Send(fmt.Sprintf("<message to='%s' type='chat'><body>%s</body></message>", xmpptest.Text(bob.JID()), text)); err != nil {
		return err
	}
	if _, err := bob.WaitFor(func(s xmpptest.Stanza) bool {
		return s.XMLName.Local == "message" && strings.Contains(s.Inner, text)
	}); err != nil {
		return fmt.Errorf("bob (WebSocket) got no message from alice (BOSH): %w", err)
	}
	// Larger than nginx's default body limit (1 MiB): the snippet's own
	// limit must be in effect.
	body := bytes.Repeat([]byte("shared through nginx\n"), 3<<20/21+1)[:3<<20]
	slot, err := alice.Upload(ctx, web, r.a.Components.Upload, "nginx.txt", "text/plain", body)
	if err != nil {
		return fmt.Errorf("a 3 MiB upload through nginx: %w", err)
	}
	public := fmt.Sprintf("https://%s:%d/", r.a.Components.Upload, r.a.Ports.HTTPS)
	for _, u := range []string{slot.Put, slot.Get} {
		if !strings.HasPrefix(u, public) {
			return fmt.Errorf("the upload slot's URL %s is not under the public %s", u, public)
		}
	}
	return nil
}
