package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"prosody-wizard/config"
	"prosody-wizard/internal/testkit"
)

// proxyCertCell is a host install behind Debian's nginx with Let's
// Encrypt: certbot gets Prosody's certificate over HTTP-01 through
// nginx's port 80 (the snippet serves certbot's webroot), and nginx serves
// the very files Prosody imports.
var proxyCertCell = e2eCell{name: "host-letsencrypt-behind-nginx", answers: `
deploy: host
domains: [wizard-demo.net]
tls: {mode: letsencrypt, email: hostmaster@wizard-demo.net}
proxy: {kind: nginx}
`}

// TestEndToEndHostLetsEncryptBehindNginx: behind a reverse proxy nothing
// of ours binds port 80. Debian's nginx runs the generated snippet as the
// next steps enable it, Pebble (Let's Encrypt's test server) checks the
// HTTP-01 challenge on nginx's port 80, and the certbot command the next
// steps print (--webroot) gets the first certificate: Prosody serves it
// on the client port, and nginx, reloaded, serves it on 443 for the web
// names (shared files). Runs on both series.
func TestEndToEndHostLetsEncryptBehindNginx(t *testing.T) {
	series, cell := proxyCertSetup(t)
	if err := runCellSteps(t, series, cell, (*cellRun).proxyCertSteps); err != nil {
		t.Fatal(err)
	}
	e2eReport.Write(t)
}

// TestEndToEndHostLetsEncryptBehindCaddy: the same behind Debian's Caddy
// importing the generated Caddyfile: its http:// site for every name of
// Prosody's certificate serves certbot's webroot on port 80. Caddy's own
// certificates for its HTTPS sites come from its internal CA here
// (local_certs in the test's top-level Caddyfile: no ACME server of
// Caddy's is reachable), so only Prosody's certificate is checked.
func TestEndToEndHostLetsEncryptBehindCaddy(t *testing.T) {
	series := e2eNeeds(t, "prosody", "prosodyctl", "ip", "unshare", "setpriv", "certbot", "caddy")
	missing := testkit.PebbleMissing(testkit.PebbleDir())
	e2eNeed(t, missing == "", "Pebble: "+missing)
	cell := proxyCertCell
	cell.name = "host-letsencrypt-behind-caddy"
	cell.answers = strings.Replace(cell.answers, "kind: nginx", "kind: caddy", 1)
	if err := runCellSteps(t, series, cell, (*cellRun).proxyCertSteps); err != nil {
		t.Fatal(err)
	}
	e2eReport.Write(t)
}

// TestEndToEndHostLetsEncryptBehindNginxCatchesNoWebroot proves the test
// above can fail: a snippet whose port-80 block does not serve certbot's
// webroot leaves Pebble's challenge unanswered, and the certbot step
// fails, naming it.
func TestEndToEndHostLetsEncryptBehindNginxCatchesNoWebroot(t *testing.T) {
	series, cell := proxyCertSetup(t)
	cell.name += "-no-webroot"
	// A self-test's cell: its expected failure keeps no folder.
	cell.breakCommand = func(line string) string { return line }
	err := runCellSteps(t, series, cell, func(r *cellRun) []cellStep {
		pr := &proxyCertRun{leRun: &leRun{cellRun: r}, breakSnippet: func(s string) string {
			return strings.Replace(s, "root /var/www/letsencrypt;", "return 404;", 1)
		}}
		return pr.steps()
	})
	if err == nil {
		t.Fatal("the test passed a snippet that does not serve certbot's webroot")
	}
	if !strings.Contains(err.Error(), "step certbot: the printed commands") {
		t.Fatalf("the failure is not the certbot step's: %v", err)
	}
	t.Logf("as expected: %v", testkit.FirstLine(err.Error()))
}

func proxyCertSetup(t *testing.T) (config.Series, e2eCell) {
	series := e2eNeeds(t, "prosody", "prosodyctl", "ip", "unshare", "setpriv", "certbot", "nginx")
	missing := testkit.PebbleMissing(testkit.PebbleDir())
	e2eNeed(t, missing == "", "Pebble: "+missing)
	return series, proxyCertCell
}

// proxyCertRun is the Let's Encrypt run with nginx in front.
type proxyCertRun struct {
	*leRun
	// nginx is the proxy's process, nginx's or Caddy's.
	nginx *proc
	// webroot is bound on /var/www/letsencrypt for nginx and certbot.
	webroot string
	// breakSnippet, for the self-test, changes the snippet nginx reads.
	breakSnippet func(string) string
}

func (r *cellRun) proxyCertSteps() []cellStep {
	return (&proxyCertRun{leRun: &leRun{cellRun: r}}).steps()
}

func (p *proxyCertRun) steps() []cellStep {
	r := p.cellRun
	steps := []cellStep{
		{"scaffold with the CLI", r.scaffold},
		{"network namespace", r.namespace},
		{"check config", r.checkConfig},
		{"start to ready", r.start},
		{"the proxy with the generated snippet", p.startProxy},
		{"Pebble in the namespace", p.startPebble}, // on port 80, the proxy's here
		{"certbot: the printed commands", p.firstCertificate},
		{"first certificate served", func() error { return p.served("first") }},
		{"deploy hook ran once", p.hookRanOnce},
	}
	if r.a.Proxy.Kind == config.ProxyNginx {
		steps = append(steps, cellStep{"nginx serves Prosody's certificate", p.nginxServesIt})
	}
	return append(steps,
		cellStep{"the proxy stops", p.stopProxy},
		cellStep{"Pebble stops", func() error { return r.pebble.Stop() }},
		cellStep{"SIGTERM stops prosody", r.stop},
		cellStep{"log has no errors", r.logClean},
	)
}

// acmeWebroot is the snippet's and the printed certbot command's webroot.
const acmeWebroot = "/var/www/letsencrypt"

// startProxy runs Debian's nginx or Caddy in the cell's namespaces on a
// main config that includes the generated snippet from /etc/prosody, as
// the printed step enables it (nginx: linked into its http block; Caddy:
// imported at the top level). The plumbing: a main config of the test's
// own (pid, logs and Caddy's storage in the cell's folder; Caddy's own
// sites certified by its internal CA) and a folder of the cell's on
// /var/www/letsencrypt.
func (p *proxyCertRun) startProxy() error {
	r := p.cellRun
	file, enable := "nginx.conf", "ln -s /etc/prosody/reverse-proxy/nginx.conf /etc/nginx/sites-enabled/"
	if r.a.Proxy.Kind == config.ProxyCaddy {
		file, enable = "Caddyfile", "/etc/prosody/reverse-proxy/Caddyfile), then check and reload Caddy"
	}
	if !strings.Contains(r.summary, enable) {
		return fmt.Errorf("the next steps do not enable the snippet (%s):\n%s", enable, r.summary)
	}
	if !strings.Contains(r.summary, "mkdir -p "+acmeWebroot) {
		return fmt.Errorf("the next steps do not make certbot's webroot:\n%s", r.summary)
	}
	snippet := filepath.Join(r.confDir, "reverse-proxy", file)
	if p.breakSnippet != nil {
		data, err := os.ReadFile(snippet)
		if err != nil {
			return err
		}
		if err := os.WriteFile(snippet, []byte(p.breakSnippet(string(data))), 0o644); err != nil {
			return err
		}
	}
	p.webroot = filepath.Join(r.dir, "webroot")
	ngx := filepath.Join(r.dir, "nginx")
	for _, d := range []string{p.webroot, ngx} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	main := filepath.Join(ngx, "nginx.conf")
	conf := fmt.Sprintf("daemon off;\npid %s/nginx.pid;\nerror_log %s/error.log;\nevents {}\nhttp {\n\taccess_log %s/access.log;\n\tinclude /etc/prosody/reverse-proxy/nginx.conf;\n}\n", ngx, ngx, ngx)
	mounts := [][2]string{{p.webroot, acmeWebroot}}
	args := []string{"nginx", "-p", ngx, "-e", filepath.Join(ngx, "error.log"), "-c", main}
	var env []string
	if r.a.Proxy.Kind == config.ProxyCaddy {
		main = filepath.Join(ngx, "Caddyfile")
		conf = fmt.Sprintf("{\n\tadmin off\n\tlocal_certs\n\tskip_install_trust\n\tstorage file_system %s/storage\n}\nimport /etc/prosody/reverse-proxy/Caddyfile\n", ngx)
		args = []string{"caddy", "run", "--adapter", "caddyfile", "--config", main}
		env = []string{"HOME=" + ngx, "XDG_DATA_HOME=" + ngx, "XDG_CONFIG_HOME=" + ngx}
	}
	if err := os.WriteFile(main, []byte(conf), 0o644); err != nil {
		return err
	}
	cmd := r.inTreeAsRoot(mounts, env, args...)
	var out testkit.SyncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	proc, err := startProc(cmd)
	if err != nil {
		return err
	}
	p.nginx = proc
	r.t.Cleanup(func() {
		if !proc.exited() {
			_ = proc.cmd.Process.Kill()
			<-proc.done
		}
	})
	if !testkit.WaitUntil(10*time.Second, func() bool {
		c, err := r.ns.dial(context.Background(), "tcp", "127.0.0.1:80")
		if err == nil {
			c.Close()
		}
		return err == nil || proc.exited()
	}) || proc.exited() {
		log, _ := os.ReadFile(filepath.Join(ngx, "error.log"))
		return fmt.Errorf("%s does not listen on port 80 within 10 s: %s\n%s", args[0], out.String(), log)
	}
	return nil
}

// firstCertificate runs the printed certbot commands, as printed, with
// the webroot bound where they name it; none binds port 80 (nginx holds
// it, which certbot --standalone would fail on).
func (p *proxyCertRun) firstCertificate() error {
	lines := p.printedCertbot()
	if len(lines) == 0 {
		return fmt.Errorf("the summary prints no certbot command:\n%s", p.summary)
	}
	for _, line := range lines {
		if strings.Contains(line, "--standalone") {
			return fmt.Errorf("the printed certbot command binds port 80 itself, where the proxy is: %s", line)
		}
		rest, _ := strings.CutPrefix(line, "sudo ")
		p.extraMounts = [][2]string{{p.webroot, acmeWebroot}}
		if _, err := p.certbot(rest); err != nil {
			return err
		}
	}
	return nil
}

// nginxServesIt reloads nginx, as the deploy hook does where nginx runs
// under systemd (here it runs in the test's namespace), and checks that it
// serves the certificate Prosody serves for a web name: the shared files.
func (p *proxyCertRun) nginxServesIt() error {
	r := p.cellRun
	if err := p.nginx.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		return err
	}
	roots, err := p.pebbleRoots()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	upload := config.ALabel(r.a.Components.Upload)
	var got *x509.Certificate
	var lastErr error
	if !testkit.WaitUntil(10*time.Second, func() bool {
		got, lastErr = httpsCert(ctx, r.ns.dial, "127.0.0.1:443", upload, roots)
		if lastErr == nil && slices.Contains(p.serials, got.SerialNumber.String()) {
			return true
		}
		time.Sleep(200 * time.Millisecond)
		return false
	}) {
		if lastErr == nil {
			lastErr = fmt.Errorf("serial %s, not Prosody's %v", got.SerialNumber, p.serials)
		}
		return fmt.Errorf("nginx does not serve Prosody's certificate for %s on 443: %v", upload, lastErr)
	}
	r.t.Logf("%s: nginx serves %s with Prosody's certificate, serial %s", r.cell.name, upload, got.SerialNumber)
	return nil
}

func (p *proxyCertRun) stopProxy() error {
	if exited, _, took := p.nginx.stop(10 * time.Second); !exited {
		return fmt.Errorf("the proxy did not stop on SIGTERM within %v", took)
	}
	return nil
}

// httpsCert is the certificate an HTTPS server presents for name.
func httpsCert(ctx context.Context, dial func(context.Context, string, string) (net.Conn, error), addr, name string, roots *x509.CertPool) (*x509.Certificate, error) {
	raw, err := dial(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	defer raw.Close()
	tc := tls.Client(raw, &tls.Config{ServerName: name, RootCAs: roots})
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, err
	}
	return tc.ConnectionState().PeerCertificates[0], nil
}
