package kubetest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Bounds of the start-up waits: generous for a 2-core machine shared with
// a CI run.
const (
	etcdReadyWithin      = 30 * time.Second
	apiserverReadyWithin = 90 * time.Second
)

// APIServer is a running kube-apiserver over its own etcd, both on
// 127.0.0.1, both stopped when the test ends. Requests go with Token, an
// admin's; authorization is AlwaysAllow anyway.
type APIServer struct {
	// URL is the server's base, https://127.0.0.1:PORT.
	URL string
	// Token is the bearer token of an admin (a member of system:masters).
	Token string
	// CAFile verifies the server's certificate.
	CAFile string
	// Kubeconfig is a kubeconfig file for the server and Token, for a tool
	// such as kubectl.
	Kubeconfig string
	// Versions are the versions running.
	Versions Versions

	client *http.Client
	mu     sync.Mutex
	// resources is the discovery cache: the resources of each
	// groupVersion asked for, refreshed when a kind is not found.
	resources map[string][]apiResource
}

// Start starts etcd and kube-apiserver with fresh data, keys and ports, and
// returns once /readyz says ok (at most 90 s). Both are stopped by their
// pids when t ends, whether it passed or not; their logs stay in t's
// temporary folder and their tails are printed when t failed. Without the
// binaries .ci/kube builds, t is skipped, or fails under PW_REQUIRE_KUBE=1.
func Start(t testing.TB) *APIServer {
	t.Helper()
	v := CurrentVersions()
	if missing := v.Missing(); missing != "" {
		if os.Getenv("PW_REQUIRE_KUBE") == "1" {
			t.Fatalf("kube-apiserver harness: missing %s (PW_REQUIRE_KUBE=1)", missing)
		}
		t.Skipf("kube-apiserver harness: missing %s; set PW_REQUIRE_KUBE=1 to make this a failure", missing)
	}
	dir := t.TempDir()
	s := &APIServer{Token: randomToken(), Versions: v, resources: map[string][]apiResource{}}
	files, err := writeServerFiles(dir, s.Token)
	if err != nil {
		t.Fatalf("kube-apiserver harness: keys: %v", err)
	}
	s.CAFile = files.CA
	ports, err := freePorts(3)
	if err != nil {
		t.Fatalf("kube-apiserver harness: free ports: %v", err)
	}
	client, peer, secure := ports[0], ports[1], ports[2]
	s.URL = "https://127.0.0.1:" + strconv.Itoa(secure)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(files.caPEM)
	s.client = &http.Client{Timeout: 60 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	s.Kubeconfig = filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(s.Kubeconfig, kubeconfig(s.URL, files.CA, s.Token), 0o600); err != nil {
		t.Fatalf("kube-apiserver harness: %v", err)
	}

	var procs []*process
	t.Cleanup(func() {
		// The API server first, then its etcd.
		for i := len(procs) - 1; i >= 0; i-- {
			if err := procs[i].stop(); err != nil {
				t.Errorf("kube-apiserver harness: %v", err)
			}
		}
		if t.Failed() {
			for _, p := range procs {
				t.Logf("--- %s log (%s), tail:\n%s", p.name, p.log, p.tail(16<<10))
			}
		}
	})

	started := time.Now()
	etcdURL := "http://127.0.0.1:" + strconv.Itoa(client)
	peerURL := "http://127.0.0.1:" + strconv.Itoa(peer)
	etcd, err := startProcess("etcd", v.Bin("etcd"), filepath.Join(dir, "etcd.log"),
		"--name=default", "--data-dir="+filepath.Join(dir, "etcd-data"),
		"--listen-client-urls="+etcdURL, "--advertise-client-urls="+etcdURL,
		"--listen-peer-urls="+peerURL, "--initial-advertise-peer-urls="+peerURL,
		"--initial-cluster=default="+peerURL,
		// Test data: no fsync, a smaller log.
		"--unsafe-no-fsync", "--log-level=warn")
	if err != nil {
		t.Fatalf("kube-apiserver harness: %v", err)
	}
	procs = append(procs, etcd)
	plain := &http.Client{Timeout: 5 * time.Second}
	if err := waitReady(etcd, plain, etcdURL+"/health", `"health":"true"`, etcdReadyWithin, nil); err != nil {
		t.Fatalf("kube-apiserver harness: %v", err)
	}
	etcdReady := time.Since(started)

	apiserver, err := startProcess("kube-apiserver", v.Bin("kube-apiserver"), filepath.Join(dir, "kube-apiserver.log"),
		"--etcd-servers="+etcdURL,
		"--bind-address=127.0.0.1", "--secure-port="+strconv.Itoa(secure),
		// Advertised in the "kubernetes" Service's endpoints, which nothing
		// reconciles here (a loopback address is no valid endpoint):
		// without it the server would look for a host interface address.
		"--advertise-address=127.0.0.1", "--endpoint-reconciler-type=none",
		"--tls-cert-file="+files.Cert, "--tls-private-key-file="+files.Key,
		"--cert-dir="+filepath.Join(dir, "certs"),
		"--token-auth-file="+files.Tokens, "--authorization-mode=AlwaysAllow",
		"--service-account-key-file="+files.SAKey, "--service-account-signing-key-file="+files.SAKey,
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		// Only allocated from, never reached: no node, no kube-proxy.
		"--service-cluster-ip-range=10.96.0.0/12",
		"--enable-priority-and-fairness=false", "--profiling=false")
	if err != nil {
		t.Fatalf("kube-apiserver harness: %v", err)
	}
	procs = append(procs, apiserver)
	if err := waitReady(apiserver, s.client, s.URL+"/readyz", "ok", apiserverReadyWithin, s.authorize); err != nil {
		t.Fatalf("kube-apiserver harness: %v", err)
	}
	t.Logf("kube-apiserver %s on %s, etcd %s: etcd ready after %v, the pair after %v",
		v.Kube, s.URL, v.Etcd, etcdReady.Round(10*time.Millisecond), time.Since(started).Round(10*time.Millisecond))
	return s
}

// waitReady polls url every 200 ms until it answers 200 with want in its
// body, the process exits, or within has passed.
func waitReady(p *process, c *http.Client, url, want string, within time.Duration, prepare func(*http.Request)) error {
	deadline := time.Now().Add(within)
	last := "no answer yet"
	for time.Now().Before(deadline) {
		if p.exited() {
			return fmt.Errorf("%s exited while starting: %v", p.name, p.err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			cancel()
			return err
		}
		if prepare != nil {
			prepare(req)
		}
		resp, err := c.Do(req)
		if err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && strings.Contains(string(body), want) {
				cancel()
				return nil
			}
			last = fmt.Sprintf("%s: %s", resp.Status, body)
		} else {
			last = err.Error()
		}
		cancel()
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("%s not ready within %v (%s): last answer: %s", p.name, within, url, last)
}

// authorize adds the admin's bearer token to req.
func (s *APIServer) authorize(req *http.Request) {
	req.Header.Set("Authorization", "Bearer "+s.Token)
}

// kubeconfig is a kubeconfig for url, verified with the CA in caFile, as
// the holder of token.
func kubeconfig(url, caFile, token string) []byte {
	return fmt.Appendf(nil, `apiVersion: v1
kind: Config
clusters:
- name: kubetest
  cluster:
    server: %s
    certificate-authority: %s
users:
- name: admin
  user:
    token: %s
contexts:
- name: kubetest
  context:
    cluster: kubetest
    user: admin
    namespace: default
current-context: kubetest
`, url, caFile, token)
}
