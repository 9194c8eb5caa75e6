package e2e

import (
	"context"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"prosody-wizard/config"
	"prosody-wizard/internal/testkit"
	"prosody-wizard/internal/xmpptest"
	"prosody-wizard/scaffold"
)

// The reverse-proxy suite: for each proxy the answers offer that runs on
// this machine (Debian's nginx-light and caddy), a setup with that answer,
// Prosody started on it, and the real proxy started with the GENERATED
// snippet in front, all in the cell's network namespace. Web clients go
// through the proxy only, at the public URLs: a BOSH login, a WebSocket
// login, messages between them, and an upload whose slot URLs are the
// public ones, fetched back.
//
// What the test adds around the snippet, and nothing else:
//   - nginx: a main nginx.conf (pid, logs, temp folders in the test's
//     folder) that includes the snippet in its http block, as Debian's
//     includes sites-enabled/; the snippet's ssl_certificate and
//     ssl_certificate_key lines name a certificate from a test CA instead
//     of certbot's (compose) or Prosody's (host), which the clients trust.
//   - Caddy: a Caddyfile of global options (local_certs: certificates
//     from Caddy's own CA instead of Let's Encrypt, which the clients
//     trust; no admin endpoint; state in the test's folder) that imports
//     the snippet, as the snippet's header says to.
//
// Listen addresses are left as generated: the namespace has loopback only.
// The cells: the default answers with each proxy, for compose and host;
// the first (nginx, compose) is the self-tests'.
var proxyCells = func() []e2eCell {
	var cells []e2eCell
	for _, deploy := range []string{config.DeployCompose, config.DeployHost} {
		for _, kind := range []string{config.ProxyNginx, config.ProxyCaddy} {
			cells = append(cells, e2eCell{name: "proxy-" + kind + "-" + deploy, answers: fmt.Sprintf(`
deploy: %s
domains: [example.org]
admins: [admin@example.org]
proxy: {kind: %s}
`, deploy, kind)})
		}
	}
	return cells
}()

func TestEndToEndReverseProxy(t *testing.T) {
	series := proxySetup(t)
	for _, cell := range proxyCells {
		t.Run(cell.name, func(t *testing.T) {
			if err := runCellSteps(t, series, cell, (*cellRun).proxySteps); err != nil {
				t.Fatal(err)
			}
		})
	}
	e2eReport.Write(t)
}

// TestEndToEndReverseProxyCatchesNoUpgrade: an nginx snippet without the
// WebSocket upgrade headers passes BOSH but must fail the WebSocket login.
// (Seen with nginx 1.22.1 and Prosody 0.12.3 and 13.0.1: Prosody upgrades
// any GET with a Sec-WebSocket-Key, nginx relays its 101 but had asked
// with "Connection: close", and the connection ends before the server's
// <open/>.)
func TestEndToEndReverseProxyCatchesNoUpgrade(t *testing.T) {
	mustCatchProxy(t, "proxy-no-upgrade", "an nginx snippet without the WebSocket upgrade headers", func(snippet string) string {
		return regexp.MustCompile(`(?m)^\s*proxy_set_header (Upgrade|Connection) .*\n`).ReplaceAllString(snippet, "")
	}, "through the proxy", "nginx's log", "WebSocket at wss://example.org/xmpp-websocket")
}

// TestEndToEndReverseProxyCatchesBodyLimit: without the snippet's
// client_max_body_size, nginx's default (1 MiB) refuses the 3 MiB upload.
func TestEndToEndReverseProxyCatchesBodyLimit(t *testing.T) {
	mustCatchProxy(t, "proxy-body-limit", "an nginx snippet without client_max_body_size", func(snippet string) string {
		return regexp.MustCompile(`(?m)^\s*client_max_body_size .*\n`).ReplaceAllString(snippet, "")
	}, "through the proxy", "upload as alice", "413")
}

// TestEndToEndReverseProxyCatchesForgedForwardedFor: an nginx snippet
// that passes the client's own X-Forwarded-For on ($http_x_forwarded_for
// instead of $proxy_add_x_forwarded_for) lets a client pass for another
// address, and the suite must say so.
func TestEndToEndReverseProxyCatchesForgedForwardedFor(t *testing.T) {
	mustCatchProxy(t, "proxy-forged-xff", "an nginx snippet that passes the client's own X-Forwarded-For on", func(snippet string) string {
		return strings.ReplaceAll(snippet, "$proxy_add_x_forwarded_for", "$http_x_forwarded_for")
	}, "forged X-Forwarded-For", "believed the forged X-Forwarded-For "+forgedIP)
}

// mustCatchProxy runs the first proxy cell (nginx), named name, with its
// snippet changed by breakSnippet, and requires the suite to fail naming
// the cell and every one of want.
func mustCatchProxy(t *testing.T, name, what string, breakSnippet func(string) string, want ...string) {
	t.Helper()
	series := proxySetup(t)
	cell := proxyCells[0]
	cell.name = name
	cell.breakSnippet = breakSnippet
	err := runCellSteps(t, series, cell, (*cellRun).proxySteps)
	if err == nil {
		t.Fatalf("the suite passed %s", what)
	}
	for _, w := range append([]string{name}, want...) {
		if !strings.Contains(err.Error(), w) {
			t.Fatalf("the failure does not say %q: %v", w, err)
		}
	}
	t.Logf("as expected: %v", testkit.FirstLine(err.Error()))
}

func proxySetup(t *testing.T) config.Series {
	t.Helper()
	return e2eNeeds(t, "prosody", "prosodyctl", "ip", "unshare", "setpriv", "nginx", "caddy")
}

func (r *cellRun) proxySteps() []cellStep {
	return []cellStep{
		{"scaffold with the CLI", r.scaffold},
		{"network namespace", r.namespace},
		{"check config", r.checkConfig},
		{"register accounts", r.register},
		{"start to ready", r.start},
		{"start the proxy with the generated snippet", r.startProxy},
		{"through the proxy: BOSH, WebSocket, upload", r.throughProxy},
		{"through the proxy: forged X-Forwarded-For", r.forgedForwardedFor},
		{"plain HTTP without the proxy: no login", r.plainHTTPNoLogin},
		{"the proxy stops", r.stopProxy},
		{"nothing else on the public port", r.publicPortClosed},
		{"SIGTERM stops prosody", r.stop},
		{"log has no errors", r.logClean},
	}
}

// proxyRun is a cell's proxy: its process, its folder, and the roots its
// certificates verify against.
type proxyRun struct {
	proc  *proc
	dir   string
	roots *x509.CertPool
}

// startProxy starts the answers' proxy with the generated snippet (see
// proxyCells for what the test adds) and waits until it serves the first
// public name over TLS.
func (r *cellRun) startProxy() error {
	if !r.a.Proxied() {
		return fmt.Errorf("the answers name no proxy")
	}
	rel := scaffold.ProxySnippet(r.a)
	if rel == "" {
		return fmt.Errorf("the answers' proxy %s has no snippet file", r.a.Proxy.Kind)
	}
	data, err := os.ReadFile(filepath.Join(r.out, rel))
	if err != nil {
		return fmt.Errorf("the CLI wrote no proxy snippet: %w", err)
	}
	snippet := string(data)
	if r.cell.breakSnippet != nil {
		snippet = r.cell.breakSnippet(snippet)
	}
	dir := filepath.Join(r.dir, r.a.Proxy.Kind)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	r.proxy = &proxyRun{dir: dir}
	switch r.a.Proxy.Kind {
	case config.ProxyNginx:
		err = r.startNginx(snippet)
	case config.ProxyCaddy:
		err = r.startCaddy(snippet)
	default:
		return fmt.Errorf("no end-to-end run for proxy %s", r.a.Proxy.Kind)
	}
	if err != nil {
		return err
	}
	names := r.proxyNames()
	var last error
	if !testkit.WaitUntil(20*time.Second, func() bool {
		if r.proxy.proc.exited() {
			return true
		}
		last = r.proxyServes(names[0])
		return last == nil
	}) || r.proxy.proc.exited() {
		return fmt.Errorf("%s does not serve https://%s/ within 20 s (%v); its log:\n%s", r.a.Proxy.Kind, names[0], last, r.proxyLog())
	}
	return nil
}

// proxyNames are the public names the proxy serves: the domains (web
// clients) and the upload host.
func (r *cellRun) proxyNames() []string {
	names := append([]string{}, r.a.Domains...)
	if r.a.Components.Upload != "" {
		names = append(names, r.a.Components.Upload)
	}
	return names
}

// proxyServes: a TLS handshake with the proxy for name verifies against
// its roots.
func (r *cellRun) proxyServes(name string) error {
	if r.proxy.roots == nil {
		if err := r.loadProxyRoots(); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_, err := httpsCert(ctx, r.ns.dial, fmt.Sprintf("127.0.0.1:%d", r.a.Ports.HTTPS), name, r.proxy.roots)
	return err
}

func (r *cellRun) proxyLog() string {
	data, _ := os.ReadFile(filepath.Join(r.proxy.dir, "error.log"))
	return string(data)
}

// startNginx runs nginx in the foreground (its master is our child) with
// a main config that includes the snippet, whose certificate lines name a
// test CA's certificate for the proxy's names.
func (r *cellRun) startNginx(snippet string) error {
	dir := r.proxy.dir
	ca, err := newTestCA()
	if err != nil {
		return err
	}
	chain, key, err := ca.issue(200, r.proxyNames())
	if err != nil {
		return err
	}
	cert, keyFile := filepath.Join(dir, "fullchain.pem"), filepath.Join(dir, "privkey.pem")
	for path, data := range map[string][]byte{cert: chain, keyFile: key} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return err
		}
	}
	r.proxy.roots = x509.NewCertPool()
	r.proxy.roots.AddCert(ca.cert)
	certLine := regexp.MustCompile(`(?m)^(\s*ssl_certificate)\s+\S+;`)
	keyLine := regexp.MustCompile(`(?m)^(\s*ssl_certificate_key)\s+\S+;`)
	if !certLine.MatchString(snippet) || !keyLine.MatchString(snippet) {
		return fmt.Errorf("the nginx snippet has no ssl_certificate and ssl_certificate_key lines:\n%s", snippet)
	}
	snippet = certLine.ReplaceAllString(snippet, "${1} "+cert+"; # the test CA's (test plumbing)")
	snippet = keyLine.ReplaceAllString(snippet, "${1} "+keyFile+"; # the test CA's (test plumbing)")
	site := filepath.Join(dir, "prosody.conf")
	if err := os.WriteFile(site, []byte(snippet), 0o644); err != nil {
		return err
	}
	main := testkit.NginxMain(dir, site)
	conf := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(conf, []byte(main), 0o644); err != nil {
		return err
	}
	args := []string{"-e", filepath.Join(dir, "error.log"), "-p", dir, "-c", conf}
	if out, err := r.ns.command("nginx", append(args, "-t")...).CombinedOutput(); err != nil {
		return fmt.Errorf("nginx -t on the generated snippet: %v\n%s", err, out)
	}
	// nginx writes even its start-up errors to the -e file.
	p, err := startProc(r.ns.command("nginx", args...))
	if err != nil {
		return err
	}
	r.proxy.proc = p
	return nil
}

// startCaddy runs caddy with a Caddyfile of test options that imports the
// snippet; the clients trust Caddy's local CA, made at its first start.
func (r *cellRun) startCaddy(snippet string) error {
	dir := r.proxy.dir
	site := filepath.Join(dir, "prosody.Caddyfile")
	if err := os.WriteFile(site, []byte(snippet), 0o644); err != nil {
		return err
	}
	main := fmt.Sprintf(`# Test plumbing around the generated snippet.
{
	local_certs
	skip_install_trust
	admin off
	storage file_system %[1]s/data
}

import %[2]s
`, dir, site)
	conf := filepath.Join(dir, "Caddyfile")
	if err := os.WriteFile(conf, []byte(main), 0o644); err != nil {
		return err
	}
	env := []string{"HOME=" + dir, "XDG_DATA_HOME=" + dir + "/data", "XDG_CONFIG_HOME=" + dir + "/config"}
	if out, err := r.ns.command("env", append(env, "caddy", "validate", "--config", conf, "--adapter", "caddyfile")...).CombinedOutput(); err != nil {
		return fmt.Errorf("caddy validate on the generated snippet: %v\n%s", err, out)
	}
	log, err := os.Create(filepath.Join(dir, "error.log"))
	if err != nil {
		return err
	}
	cmd := r.ns.command("env", append(env, "caddy", "run", "--config", conf, "--adapter", "caddyfile")...)
	cmd.Stdout, cmd.Stderr = log, log
	p, err := startProc(cmd)
	log.Close()
	if err != nil {
		return err
	}
	r.proxy.proc = p
	return nil
}

// loadProxyRoots reads Caddy's local root certificate, once Caddy made it.
func (r *cellRun) loadProxyRoots() error {
	root := filepath.Join(r.proxy.dir, "data", "pki", "authorities", "local", "root.crt")
	pem, err := os.ReadFile(root)
	if err != nil {
		return fmt.Errorf("no root certificate from Caddy yet: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return fmt.Errorf("%s does not parse", root)
	}
	r.proxy.roots = pool
	return nil
}

// throughProxy: the web clients at the public URLs, reached through the
// proxy only (every name resolves to loopback, where the proxy listens on
// the public port), trusting the proxy's certificate only.
func (r *cellRun) throughProxy() error {
	web := xmpptest.Web{Dial: loopbackDial(r.ns.dial), Roots: r.proxy.roots}
	base := publicURL(r.a.Primary(), r.a.Ports.HTTPS)
	err := webLogins(web, webEndpoints{
		bosh:      base + "http-bind",
		websocket: "wss" + strings.TrimPrefix(base, "https") + "xmpp-websocket",
		domain:    r.a.Primary(),
		upload:    r.a.Components.Upload,
		uploadURL: publicURL(r.a.Components.Upload, r.a.Ports.HTTPS),
		// Larger than nginx's default body limit (1 MiB): the snippet's
		// own limit must be in effect.
		uploadSize: 3 << 20,
	})
	if err != nil {
		return fmt.Errorf("%w\n%s's log:\n%s", err, r.a.Proxy.Kind, r.proxyLog())
	}
	return nil
}

// publicURL is https://host/ on the public port (left out when 443).
func publicURL(host string, port int) string {
	if port == 443 {
		return "https://" + host + "/"
	}
	return fmt.Sprintf("https://%s:%d/", host, port)
}

// stopProxy: SIGTERM, and the proxy exits within 10 s.
func (r *cellRun) stopProxy() error {
	if exited, _, took := r.proxy.proc.stop(10 * time.Second); !exited {
		return fmt.Errorf("%s still running %v after SIGTERM (killed)", r.a.Proxy.Kind, took)
	}
	return nil
}

// The address a client of the proxy comes from (TEST-NET-1, RFC 5737:
// outside every trusted_proxies range the setups use) and the one it
// claims to come from.
const (
	outsideIP = "192.0.2.10"
	forgedIP  = "203.0.113.66"
)

// forgedForwardedFor plays a client that sends its own X-Forwarded-For
// through the proxy, to pass for another address (to get round a ban or
// a limit by address, or to blame someone else in the logs). It comes
// from an address outside the trusted ones (added to the namespace's
// loopback), logs in over BOSH and WebSocket, and Prosody's shell must
// list both sessions with the real address, never the forged one.
func (r *cellRun) forgedForwardedFor() error {
	if out, err := r.ns.command("ip", "addr", "add", outsideIP+"/32", "dev", "lo").CombinedOutput(); err != nil {
		return fmt.Errorf("ip addr add %s: %v: %s", outsideIP, err, out)
	}
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		_, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		return r.ns.dial(ctx, network, net.JoinHostPort(outsideIP, port))
	}
	web := xmpptest.Web{Dial: dial, Roots: r.proxy.roots, Header: http.Header{"X-Forwarded-For": {forgedIP}}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	base := publicURL(r.a.Primary(), r.a.Ports.HTTPS)
	alice, err := xmpptest.DialBOSH(ctx, web, base+"http-bind", r.a.Primary())
	if err != nil {
		return err
	}
	defer alice.Close()
	if err := alice.AuthPlain("alice", e2ePasswordAlice); err != nil {
		return fmt.Errorf("BOSH login from %s: %w", outsideIP, err)
	}
	bob, err := xmpptest.DialWebSocket(ctx, web, "wss"+strings.TrimPrefix(base, "https")+"xmpp-websocket", r.a.Primary())
	if err != nil {
		return err
	}
	defer bob.Close()
	if err := bob.AuthPlain("bob", e2ePasswordBob); err != nil {
		return fmt.Errorf("WebSocket login from %s: %w", outsideIP, err)
	}
	out, err := r.inTree("prosodyctl", "shell", "c2s:show(nil, 'jid ip')").CombinedOutput()
	if err != nil {
		return fmt.Errorf("prosodyctl shell c2s:show: %v\n%s", err, out)
	}
	for _, jid := range []string{alice.JID(), bob.JID()} {
		line := ""
		for _, l := range strings.Split(string(out), "\n") {
			if strings.Contains(l, jid) {
				line = l
			}
		}
		switch {
		case line == "":
			return fmt.Errorf("c2s:show does not list %s:\n%s", jid, out)
		case strings.Contains(line, forgedIP):
			return fmt.Errorf("Prosody believed the forged X-Forwarded-For %s for %s:\n%s", forgedIP, jid, out)
		case !strings.Contains(line, outsideIP):
			return fmt.Errorf("Prosody does not list %s from %s, the client's address:\n%s", jid, outsideIP, out)
		}
	}
	return nil
}

// plainHTTPNoLogin: a BOSH client that skips the proxy and speaks plain
// HTTP to Prosody's port, without X-Forwarded-Proto, is not offered a
// password login (the session is not encrypted).
func (r *cellRun) plainHTTPNoLogin() error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	url := fmt.Sprintf("http://127.0.0.1:%d/http-bind", config.HTTPPort)
	c, err := xmpptest.DialBOSH(ctx, xmpptest.Web{Dial: r.ns.dial}, url, r.a.Primary())
	if err != nil {
		return fmt.Errorf("BOSH on plain HTTP at %s: %w", url, err)
	}
	defer c.Close()
	err = c.AuthPlain("alice", e2ePasswordAlice)
	if err == nil {
		return fmt.Errorf("alice logged in over plain HTTP at %s, without the proxy", url)
	}
	if !strings.Contains(err.Error(), "does not offer PLAIN") {
		return fmt.Errorf("over plain HTTP at %s, want no PLAIN offered, got: %w", url, err)
	}
	return nil
}

// publicPortClosed: once the proxy stopped, nothing answers on the public
// port: the clients before went through the proxy, not to Prosody.
func (r *cellRun) publicPortClosed() error {
	addr := fmt.Sprintf("127.0.0.1:%d", r.a.Ports.HTTPS)
	if r.ns.portOpen(addr) {
		return fmt.Errorf("%s still accepts connections with the proxy stopped", addr)
	}
	return nil
}
