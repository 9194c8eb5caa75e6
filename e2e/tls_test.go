package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"prosody-wizard/config"
	"prosody-wizard/internal/testkit"
	"prosody-wizard/internal/xmpptest"
)

// testCA is a throw-away certificate authority: certificates it signs are
// what a real deployment gets from a CA, so clients verify them for real.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newTestCA() (*testCA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "prosody-wizard e2e test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(90 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, _ := x509.ParseCertificate(der)
	return &testCA{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}, nil
}

// issue signs a server certificate for hosts; it returns the chain (leaf,
// then the CA, as certbot's fullchain.pem has it) and the key, in PEM.
func (ca *testCA) issue(serial int64, hosts []string) (chain, key []byte, err error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: hosts[0]}, DNSNames: hosts,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(90 * 24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &k.PublicKey, ca.key)
	if err != nil {
		return nil, nil, err
	}
	kder, _ := x509.MarshalPKCS8PrivateKey(k)
	chain = append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), ca.pem...)
	return chain, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), nil
}

// certHosts are the names a certificate for the answers must cover.
func certHosts(a config.Answers) []string {
	hosts := append([]string{}, a.Domains...)
	for _, h := range []string{a.Components.MUC, a.Components.Upload, a.Components.Proxy65} {
		if h != "" {
			hosts = append(hosts, h)
		}
	}
	return hosts
}

// prepareCA, for cells that bring their own certificate: a test CA, a
// certificate it signs for every host, written where the answers point.
func (r *cellRun) prepareCA(text string) (string, error) {
	a, err := config.Parse([]byte(strings.NewReplacer("{{cert}}", "/x", "{{key}}", "/y").Replace(text)))
	if err != nil {
		return "", err
	}
	ca, err := newTestCA()
	if err != nil {
		return "", err
	}
	chain, key, err := ca.issue(100, certHosts(a))
	if err != nil {
		return "", err
	}
	dir := filepath.Join(r.dir, "tls")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	cert, keyFile := filepath.Join(dir, "fullchain.pem"), filepath.Join(dir, "privkey.pem")
	r.trustFile = filepath.Join(dir, "ca.pem")
	for path, data := range map[string][]byte{cert: chain, keyFile: key, r.trustFile: ca.pem} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return "", err
		}
	}
	r.ca = ca
	return strings.NewReplacer("{{cert}}", cert, "{{key}}", keyFile).Replace(text), nil
}

// directTLS logs in with go-sendxmpp over direct TLS (XEP-0368), verifying
// the certificate against the trusted one.
func (r *cellRun) directTLS() error {
	if r.a.Ports.C2SDirectTLS == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	out, err := r.sendxmppAt(ctx, r.a.Ports.C2SDirectTLS, "e2e over direct TLS", "-t", "-u", r.jid("alice"), "-p", e2ePasswordAlice, r.jid("alice")).CombinedOutput()
	if err != nil {
		return fmt.Errorf("go-sendxmpp over direct TLS: %v\n%s", err, out)
	}
	return nil
}

// serverCert is the certificate a client sees on port, verified for host
// against roots.
func (r *cellRun) serverCert(port int, host string, roots *x509.CertPool) (*x509.Certificate, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if port == r.a.Ports.C2S {
		c, err := xmpptest.Dial(ctx, r.ns.dial, fmt.Sprintf("127.0.0.1:%d", port), host, roots)
		if err != nil {
			return nil, err
		}
		defer c.Close()
		return c.Net.(*tls.Conn).ConnectionState().PeerCertificates[0], nil
	}
	raw, err := r.ns.dial(ctx, "tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return nil, err
	}
	tc := tls.Client(raw, &tls.Config{ServerName: host, RootCAs: roots, NextProtos: []string{"xmpp-client"}})
	if err := tc.HandshakeContext(ctx); err != nil {
		tc.Close()
		return nil, err
	}
	// Behave like a client: open a stream and close it properly. Closing
	// straight after the handshake races Prosody 0.12's epoll loop, which
	// then logs "attempt to index a nil value (local 'conn')".
	c := xmpptest.New(tc, host)
	if dl, ok := ctx.Deadline(); ok {
		_ = tc.SetDeadline(dl)
	}
	if err := c.Open(); err != nil {
		tc.Close()
		return nil, err
	}
	c.Close()
	return tc.ConnectionState().PeerCertificates[0], nil
}

// renewal plays certbot: a renewed certificate from the test CA in a
// lineage folder whose files are symlinks into archive/, as certbot makes
// them; the generated deploy hook installs it, and afterwards a client sees
// the new certificate on STARTTLS and on direct TLS, verified against the CA.
func (r *cellRun) renewal() error {
	if r.a.TLS.Mode != config.TLSLetsEncrypt {
		return nil
	}
	ca, err := newTestCA()
	if err != nil {
		return err
	}
	chain, key, err := ca.issue(4242, certHosts(r.a))
	if err != nil {
		return err
	}
	archive := filepath.Join(r.dir, "letsencrypt", "archive", r.a.Primary())
	live := filepath.Join(r.dir, "letsencrypt", "live", r.a.Primary())
	for _, d := range []string{archive, live} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return err
		}
	}
	for name, data := range map[string][]byte{"fullchain": chain, "privkey": key} {
		if err := os.WriteFile(filepath.Join(archive, name+"1.pem"), data, 0o600); err != nil {
			return err
		}
		if err := os.Symlink(filepath.Join("..", "..", "archive", r.a.Primary(), name+"1.pem"), filepath.Join(live, name+".pem")); err != nil {
			return err
		}
	}
	if r.a.Deploy == config.DeployHost {
		// certbot on a host runs the hooks in renewal-hooks/deploy as root,
		// with RENEWED_DOMAINS set; /etc/letsencrypt is the test's.
		hookPath := "/etc/letsencrypt/renewal-hooks/deploy/prosody"
		le := filepath.Join(r.dir, "letsencrypt")
		if err := os.MkdirAll(filepath.Join(le, "renewal-hooks", "deploy"), 0o755); err != nil {
			return err
		}
		generated, err := os.ReadFile(filepath.Join(r.out, hookPath))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(le, "renewal-hooks", "deploy", "prosody"), generated, 0o755); err != nil {
			return err
		}
		out, err := r.inTreeAsRoot([][2]string{{le, "/etc/letsencrypt"}},
			[]string{"RENEWED_LINEAGE=/etc/letsencrypt/live/" + r.a.Primary(), "RENEWED_DOMAINS=" + strings.Join(certHosts(r.a), " ")},
			"sh", hookPath).CombinedOutput()
		if err != nil {
			return fmt.Errorf("host deploy hook: %v\n%s", err, out)
		}
	} else {
		// The certbot container cannot signal prosody; prosody's
		// healthcheck, which compose runs every 30 s, sees the new files
		// and has prosody reload.
		hook := exec.Command("sh", filepath.Join(r.out, "certbot-deploy-hook.sh"))
		hook.Env = append(os.Environ(), "RENEWED_LINEAGE="+live, "PROSODY_CERTS_DIR="+filepath.Join(r.confDir, "certs"))
		if out, err := hook.CombinedOutput(); err != nil {
			return fmt.Errorf("deploy hook: %v\n%s", err, out)
		}
		if out, err := r.healthcheck(); err != nil || !strings.Contains(string(out), "asked prosody to reload") {
			return fmt.Errorf("the healthcheck did not have prosody reload the new certificate: %v\n%s", err, out)
		}
		keyInfo, err := os.Stat(filepath.Join(r.confDir, "certs", r.a.Primary()+".key"))
		if err != nil {
			return err
		}
		if keyInfo.Mode().Perm() != 0o600 {
			return fmt.Errorf("the installed key has mode %04o, want 0600", keyInfo.Mode().Perm())
		}
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(ca.pem)
	for _, port := range []int{r.a.Ports.C2S, r.a.Ports.C2SDirectTLS} {
		if port == 0 {
			continue
		}
		var got *x509.Certificate
		var lastErr error
		if !testkit.WaitUntil(5*time.Second, func() bool {
			got, lastErr = r.serverCert(port, r.a.Primary(), roots)
			return lastErr == nil && got.SerialNumber.Int64() == 4242
		}) {
			return fmt.Errorf("port %d does not serve the renewed certificate after the hook (last: %v)", port, lastErr)
		}
	}
	r.roots, r.trustFile = roots, filepath.Join(r.dir, "renewed-ca.pem")
	return os.WriteFile(r.trustFile, ca.pem, 0o644)
}
