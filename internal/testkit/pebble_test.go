package testkit

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// needPebble skips without Pebble, or fails under PW_REQUIRE_PROSODY=1
// (CI), as the end-to-end suite does.
func needPebble(t *testing.T) {
	t.Helper()
	missing := PebbleMissing(PebbleDir())
	if missing == "" {
		return
	}
	if os.Getenv("PW_REQUIRE_PROSODY") == "1" {
		t.Fatalf("no Pebble: %s (PW_REQUIRE_PROSODY=1)", missing)
	}
	t.Skipf("no Pebble: %s", missing)
}

// TestPebbleOnAnAddress runs Pebble on a host address, as the Docker suite
// does on a network's gateway: here a random loopback address (all of
// 127/8 is local), so that it meets no other server's ports. Its directory
// answers over HTTPS verified by CABundle, Issuers gives a root and an
// intermediate it signed, and Stop ends both processes.
func TestPebbleOnAnAddress(t *testing.T) {
	needPebble(t)
	addr := fmt.Sprintf("127.%d.%d.%d", 100+rand.IntN(100), rand.IntN(256), 1+rand.IntN(254))
	// Free ports, not Pebble's defaults: another test's Pebble (the Docker
	// suite's, in the same go test ./...) may hold those on every address.
	ports := PebblePorts{ACME: freePort(t), Management: freePort(t), DNS: freePort(t), ChallSrv: freePort(t)}
	p, err := StartPebble(PebbleConfig{Work: t.TempDir(), Address: addr, HTTPPort: 5002, Ports: ports})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()

	bundle, err := os.ReadFile(p.CABundle)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(bundle)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "localhost"},
	}}
	resp, err := client.Get(p.DirectoryURL)
	if err != nil {
		t.Fatalf("GET %s: %v\n%s", p.DirectoryURL, err, p.Logs())
	}
	dir, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(dir), `"newOrder"`) {
		t.Fatalf("%s is no ACME directory: %s", p.DirectoryURL, dir)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	roots, intermediates, err := p.Issuers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !roots[0].IsCA || roots[0].CheckSignatureFrom(roots[0]) != nil {
		t.Errorf("the root %q is no self-signed CA", roots[0].Subject)
	}
	if err := intermediates[0].CheckSignatureFrom(roots[0]); err != nil {
		t.Errorf("the intermediate %q is not signed by the root %q: %v", intermediates[0].Subject, roots[0].Subject, err)
	}

	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	for _, proc := range []*pebbleProc{p.pebble, p.chall} {
		if !proc.exited() {
			t.Errorf("%s still runs after Stop", proc.name)
		}
	}
}

// TestPebbleFailsToStart: on an address that is not this machine's,
// StartPebble fails at once (not at the end of a wait: pebble-challtestsrv
// logs that it cannot listen and keeps running), says which binary, shows
// its log, and stops it.
func TestPebbleFailsToStart(t *testing.T) {
	needPebble(t)
	start := time.Now()
	_, err := StartPebble(PebbleConfig{Work: t.TempDir(), Address: "192.0.2.1"}) // TEST-NET-1
	if err == nil {
		t.Fatal("Pebble started on 192.0.2.1")
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("the failure took %v", took)
	}
	for _, want := range []string{"pebble-challtestsrv cannot listen", "--- pebble-challtestsrv"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q: %v", want, err)
		}
	}
}

// freePort is a TCP port free on loopback now (the system's choice).
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
