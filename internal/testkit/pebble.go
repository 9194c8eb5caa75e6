package testkit

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"time"
)

// DefaultPebbleDir is where .ci/docker builds Pebble v2.10.3 (Let's
// Encrypt's test ACME server, github.com/letsencrypt/pebble/v2): the
// binaries pebble and pebble-challtestsrv, and the module's test/ folder
// with the certificates Pebble serves its own HTTPS with.
const DefaultPebbleDir = "/var/cache/prosody-wizard/pebble-v2.10.3"

// PebblePorts are the ports Pebble and its mock DNS listen on.
type PebblePorts struct {
	ACME       int // the ACME API, HTTPS
	Management int // /roots/0, /intermediates/0, HTTPS
	DNS        int // pebble-challtestsrv's DNS, UDP and TCP
	ChallSrv   int // pebble-challtestsrv's management, HTTP
}

// DefaultPebblePorts are Pebble's own defaults.
var DefaultPebblePorts = PebblePorts{ACME: 14000, Management: 15000, DNS: 8053, ChallSrv: 8055}

// PebbleCertNames are the names the certificate of Pebble's HTTPS
// (test/certs/localhost) is valid for. A client that reaches Pebble on
// another address (a Docker network's gateway) must use one of these names
// for it, e.g. "pebble" in the container's hosts file (compose:
// extra_hosts).
var PebbleCertNames = []string{"localhost", "pebble", "127.0.0.1"}

// PebbleDir is where the tests find Pebble: $PW_PEBBLE_DIR, else
// DefaultPebbleDir.
func PebbleDir() string {
	if d := os.Getenv("PW_PEBBLE_DIR"); d != "" {
		return d
	}
	return DefaultPebbleDir
}

// PebbleMissing says what of Pebble is missing in dir ("" if nothing), for
// a test to skip, or fail under PW_REQUIRE_PROSODY=1.
func PebbleMissing(dir string) string {
	for _, f := range []string{"pebble", "pebble-challtestsrv", "test/certs/pebble.minica.pem",
		"test/certs/localhost/cert.pem", "test/certs/localhost/key.pem"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			return fmt.Sprintf("%s (run .ci/docker, or set PW_PEBBLE_DIR)", filepath.Join(dir, f))
		}
	}
	return ""
}

// PebbleConfig says where and how to run Pebble.
type PebbleConfig struct {
	// Dir holds the binaries and test/ ("": PebbleDir()).
	Dir string
	// Work is a folder of the caller's for Pebble's config file.
	Work string
	// Address is the IPv4 address Pebble and its mock DNS listen on:
	// 127.0.0.1 inside a network namespace of the test's own, or a Docker
	// network's gateway on the host.
	Address string
	// AnswerIPv4 is what the mock DNS answers for every name, so where
	// Pebble goes to validate HTTP-01 ("": Address). It answers no AAAA
	// queries, so validation goes over IPv4 only.
	AnswerIPv4 string
	// HTTPPort is the port Pebble validates HTTP-01 on (0: 80, where
	// certbot --standalone listens by default).
	HTTPPort int
	// TLSPort is the port Pebble validates TLS-ALPN-01 on (0: 443).
	TLSPort int
	// Ports are where Pebble and its DNS listen (zero: DefaultPebblePorts).
	Ports PebblePorts
	// Command makes the command for a binary and its arguments, e.g. one
	// that runs it inside a network namespace (ip netns exec NAME ...),
	// which must exec it so that the process is the binary itself (it is
	// stopped by its pid). Nil: exec.Command.
	Command func(name string, args ...string) *exec.Cmd
	// Dial connects to Pebble from the test (readiness, management API),
	// e.g. from inside the namespace. Nil: a plain net.Dialer.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Pebble is a running Pebble with its mock DNS (pebble-challtestsrv, its
// own HTTP-01, HTTPS and TLS-ALPN-01 servers off): Pebble resolves every
// name through it and validates challenges at the answer, for real.
type Pebble struct {
	// DirectoryURL is the ACME directory, https://Address:14000/dir (for
	// a name Pebble's certificate covers, see PebbleCertNames).
	DirectoryURL string
	// Ports are where Pebble and its DNS listen.
	Ports PebblePorts
	// CABundle is the file (test/certs/pebble.minica.pem) that verifies
	// Pebble's own HTTPS: what certbot's REQUESTS_CA_BUNDLE names. It does
	// not verify the certificates Pebble issues (see Issuers).
	CABundle string

	address string
	dial    func(ctx context.Context, network, addr string) (net.Conn, error)
	pebble  *pebbleProc
	chall   *pebbleProc
}

// pebbleProc is one started binary, its log and its single waiter.
type pebbleProc struct {
	name string
	cmd  *exec.Cmd
	log  SyncBuffer
	done chan struct{}
	err  error
}

func (p *pebbleProc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM, waits up to 5 s, then SIGKILLs and waits up to 5 s
// more.
func (p *pebbleProc) stop() error {
	if p.exited() {
		return nil
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return nil
	case <-time.After(5 * time.Second):
	}
	_ = p.cmd.Process.Kill()
	select {
	case <-p.done:
		return nil
	case <-time.After(5 * time.Second):
		return fmt.Errorf("%s (pid %d) did not exit 5 s after SIGKILL", p.name, p.cmd.Process.Pid)
	}
}

// StartPebble starts pebble-challtestsrv, then Pebble, and waits (bounded)
// until both accept connections. On failure it stops what it started; the
// error carries their logs.
func StartPebble(c PebbleConfig) (*Pebble, error) {
	if c.Dir == "" {
		c.Dir = PebbleDir()
	}
	if missing := PebbleMissing(c.Dir); missing != "" {
		return nil, fmt.Errorf("no Pebble: %s", missing)
	}
	if c.Work == "" || c.Address == "" {
		return nil, fmt.Errorf("StartPebble needs Work and Address")
	}
	if c.AnswerIPv4 == "" {
		c.AnswerIPv4 = c.Address
	}
	if c.HTTPPort == 0 {
		c.HTTPPort = 80
	}
	if c.TLSPort == 0 {
		c.TLSPort = 443
	}
	if c.Ports == (PebblePorts{}) {
		c.Ports = DefaultPebblePorts
	}
	if c.Command == nil {
		c.Command = exec.Command
	}
	if c.Dial == nil {
		c.Dial = (&net.Dialer{Timeout: 5 * time.Second}).DialContext
	}
	hostPort := func(port int) string { return net.JoinHostPort(c.Address, strconv.Itoa(port)) }
	certs := filepath.Join(c.Dir, "test", "certs")
	p := &Pebble{
		DirectoryURL: "https://" + hostPort(c.Ports.ACME) + "/dir",
		Ports:        c.Ports,
		CABundle:     filepath.Join(certs, "pebble.minica.pem"),
		address:      c.Address,
		dial:         c.Dial,
	}
	conf := map[string]any{"pebble": map[string]any{
		"listenAddress":                  hostPort(c.Ports.ACME),
		"managementListenAddress":        hostPort(c.Ports.Management),
		"certificate":                    filepath.Join(certs, "localhost", "cert.pem"),
		"privateKey":                     filepath.Join(certs, "localhost", "key.pem"),
		"httpPort":                       c.HTTPPort,
		"tlsPort":                        c.TLSPort,
		"ocspResponderURL":               "",
		"externalAccountBindingRequired": false,
	}}
	data, _ := json.MarshalIndent(conf, "", "  ")
	confPath := filepath.Join(c.Work, "pebble-config.json")
	if err := os.WriteFile(confPath, data, 0o644); err != nil {
		return nil, err
	}

	var err error
	p.chall, err = startPebbleProc("pebble-challtestsrv", c.Command(filepath.Join(c.Dir, "pebble-challtestsrv"),
		"-dnsserver", hostPort(c.Ports.DNS), "-management", hostPort(c.Ports.ChallSrv),
		"-defaultIPv4", c.AnswerIPv4, "-defaultIPv6", "",
		"-http01", "", "-https01", "", "-tlsalpn01", "", "-doh", ""), nil)
	if err != nil {
		return nil, err
	}
	if err := p.waitListening(p.chall, hostPort(c.Ports.DNS), 15*time.Second); err != nil {
		_ = p.Stop()
		return nil, err
	}
	// VA_NOSLEEP: validate at once, not after a random pause of up to 15 s;
	// WFE_NONCEREJECT=0: accept every valid nonce (by default Pebble rejects
	// 5% of them, to exercise clients' retries: certbot retries, but
	// needless flakiness is not what this test is about).
	p.pebble, err = startPebbleProc("pebble", c.Command(filepath.Join(c.Dir, "pebble"),
		"-config", confPath, "-dnsserver", hostPort(c.Ports.DNS)),
		[]string{"PEBBLE_VA_NOSLEEP=1", "PEBBLE_WFE_NONCEREJECT=0"})
	if err != nil {
		_ = p.Stop()
		return nil, err
	}
	for _, port := range []int{c.Ports.ACME, c.Ports.Management} {
		if err := p.waitListening(p.pebble, hostPort(port), 20*time.Second); err != nil {
			_ = p.Stop()
			return nil, err
		}
	}
	return p, nil
}

func startPebbleProc(name string, cmd *exec.Cmd, env []string) (*pebbleProc, error) {
	p := &pebbleProc{name: name, cmd: cmd, done: make(chan struct{})}
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = &p.log, &p.log
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// listenFailed matches the line pebble-challtestsrv logs when it cannot
// listen (it logs it and keeps running).
var listenFailed = regexp.MustCompile(`listen (tcp|udp)[46]? \S+: .*`)

// waitListening waits until addr accepts TCP connections, for at most
// limit, failing early if proc exits or logs that it cannot listen.
func (p *Pebble) waitListening(proc *pebbleProc, addr string, limit time.Duration) error {
	var failed string
	ok := WaitUntil(limit, func() bool {
		if proc.exited() {
			return true
		}
		if failed = listenFailed.FindString(proc.log.String()); failed != "" {
			return true
		}
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		conn, err := p.dial(ctx, "tcp", addr)
		if err != nil {
			return false
		}
		conn.Close()
		return true
	})
	if proc.exited() {
		return fmt.Errorf("%s exited while starting (%v):\n%s", proc.name, proc.err, p.Logs())
	}
	if failed != "" {
		return fmt.Errorf("%s cannot listen (%s):\n%s", proc.name, failed, p.Logs())
	}
	if !ok {
		return fmt.Errorf("%s does not accept on %s within %v:\n%s", proc.name, addr, limit, p.Logs())
	}
	return nil
}

// Issuers fetches, from Pebble's management API, the root
// (/roots/0) and the intermediate (/intermediates/0) that sign what Pebble
// issues now. Pebble makes a new CA each time it starts, so a test asks the
// running Pebble and trusts only its roots.
func (p *Pebble) Issuers(ctx context.Context) (roots, intermediates []*x509.Certificate, err error) {
	bundle, err := os.ReadFile(p.CABundle)
	if err != nil {
		return nil, nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(bundle) {
		return nil, nil, fmt.Errorf("%s holds no certificate", p.CABundle)
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		DialContext: p.dial,
		// The management API serves test/certs/localhost, valid for
		// localhost whatever address it listens on.
		TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "localhost"},
	}}
	defer client.CloseIdleConnections()
	get := func(path string) ([]*x509.Certificate, error) {
		url := "https://" + net.JoinHostPort(p.address, strconv.Itoa(p.Ports.Management)) + path
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return nil, err
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("GET %s: %s: %s", url, resp.Status, body)
		}
		var certs []*x509.Certificate
		for block, rest := pem.Decode(body); block != nil; block, rest = pem.Decode(rest) {
			cert, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("GET %s: %w", url, err)
			}
			certs = append(certs, cert)
		}
		if len(certs) == 0 {
			return nil, fmt.Errorf("GET %s: no certificate in %q", url, body)
		}
		return certs, nil
	}
	if roots, err = get("/roots/0"); err != nil {
		return nil, nil, err
	}
	if intermediates, err = get("/intermediates/0"); err != nil {
		return nil, nil, err
	}
	return roots, intermediates, nil
}

// Logs is what pebble-challtestsrv and Pebble printed, for failure
// messages.
func (p *Pebble) Logs() string {
	var s string
	for _, proc := range []*pebbleProc{p.chall, p.pebble} {
		if proc != nil {
			s += fmt.Sprintf("--- %s (pid %d):\n%s", proc.name, proc.cmd.Process.Pid, proc.log.String())
		}
	}
	return s
}

// Stop stops Pebble, then its DNS, by pid (SIGTERM, SIGKILL after 5 s).
func (p *Pebble) Stop() error {
	var errs []error
	for _, proc := range []*pebbleProc{p.pebble, p.chall} {
		if proc != nil {
			errs = append(errs, proc.stop())
		}
	}
	return errors.Join(errs...)
}
