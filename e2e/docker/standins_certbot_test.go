package dockere2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// checkStandinCertbot: certbot runs (as its image entrypoint, and as
// compose runs it: /bin/sh /certbot.sh, a script of the test's here), the
// tools the deploy hook uses are there, and the two variables the Docker
// suite sets for Pebble work: ACME_SERVER is the server certbot talks to,
// REQUESTS_CA_BUNDLE the CA it trusts. The server here is the test's own
// HTTPS listener on the network's gateway (the host), answering the ACME
// directory and refusing the account: certbot reaching that refusal proves
// both; without the CA bundle the TLS check must fail.
func checkStandinCertbot(t *testing.T, e *standinEnv, image string) {
	out, err := e.once(time.Minute, image, "--version")
	if err != nil || !strings.HasPrefix(out, "certbot 2.") {
		t.Fatalf("certbot --version: %q, %v", out, err)
	}
	if out, err := e.once(time.Minute, "--entrypoint", "/bin/sh", image, "-c",
		`for c in cp chown chmod mv kill cat tr sleep; do command -v "$c" >/dev/null || { echo "missing $c"; exit 1; }; done; test -r /proc/1/cmdline`); err != nil {
		t.Fatalf("the deploy hook's tools: %q, %v", out, err)
	}

	gateway := e.must(30*time.Second, "network", "inspect", "--format", "{{range .IPAM.Config}}{{.Gateway}}{{end}}", e.net)
	ca, server := standinACME(t, gateway)
	dir := t.TempDir()
	caFile, script := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "certbot.sh")
	if err := os.WriteFile(caFile, ca, 0o644); err != nil {
		t.Fatal(err)
	}
	err = os.WriteFile(script, []byte("set -eu\ncertbot certificates\ncertbot register --non-interactive --agree-tos --register-unsafely-without-email\n"), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	certbot := func(env ...string) (string, error) {
		args := []string{"-v", caFile + ":/standin-ca.pem:ro", "-v", script + ":/certbot.sh:ro", "--entrypoint", "/bin/sh"}
		for _, v := range env {
			args = append(args, "-e", v)
		}
		return e.once(2*time.Minute, append(args, image, "/certbot.sh")...)
	}
	out, err = certbot("ACME_SERVER="+server.url+"/dir", "REQUESTS_CA_BUNDLE=/standin-ca.pem")
	if err == nil || !strings.Contains(out, "No certificates found") || !strings.Contains(out, standinACMERefusal) {
		t.Fatalf("certbot with ACME_SERVER and REQUESTS_CA_BUNDLE should reach the test server's refusal: %v\n%s", err, out)
	}
	if server.directory.Load() == 0 {
		t.Fatalf("the test server never served its directory")
	}
	served := server.directory.Load()
	out, err = certbot("ACME_SERVER=" + server.url + "/dir")
	if err == nil || !strings.Contains(out, "CERTIFICATE_VERIFY_FAILED") || server.directory.Load() != served {
		t.Fatalf("without REQUESTS_CA_BUNDLE certbot must not trust the test server: %v\n%s", err, out)
	}
}

// standinACMERefusal is the test server's answer to a new account.
const standinACMERefusal = "pw-standin test ACME server: no accounts here"

// standinACMEServer is a stub ACME server: its directory, nonces, and a
// refusal of every account, over HTTPS from a CA of the test's own.
type standinACMEServer struct {
	url       string
	directory atomic.Int32 // how often the directory was served
}

// standinACME starts the stub on ip (a random port) until the test ends
// and returns the PEM of the CA that signed its certificate.
func standinACME(t *testing.T, ip string) ([]byte, *standinACMEServer) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "pw-standin test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: ip},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP(ip)},
		KeyUsage:    x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatal(err)
	}
	s := &standinACMEServer{url: "https://" + ln.Addr().String()}
	mux := http.NewServeMux()
	nonce := func(w http.ResponseWriter) {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		w.Header().Set("Replay-Nonce", base64.RawURLEncoding.EncodeToString(b))
		w.Header().Set("Cache-Control", "no-store")
	}
	mux.HandleFunc("/dir", func(w http.ResponseWriter, r *http.Request) {
		s.directory.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"newNonce": "%[1]s/nonce", "newAccount": "%[1]s/account", "newOrder": "%[1]s/order", "revokeCert": "%[1]s/revoke", "keyChange": "%[1]s/key"}`, s.url)
	})
	mux.HandleFunc("/nonce", func(w http.ResponseWriter, r *http.Request) { nonce(w) })
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		nonce(w)
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, `{"type": "urn:ietf:params:acme:error:unauthorized", "detail": %q, "status": 403}`, standinACMERefusal)
	})
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{{
			Certificate: [][]byte{leafDER}, PrivateKey: key,
		}}},
		// The TLS check certbot must fail makes handshake errors: expected.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	go func() { _ = srv.ServeTLS(ln, "", "") }()
	t.Cleanup(func() { _ = srv.Close() })
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), s
}
