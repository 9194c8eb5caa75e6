package dockere2e

import (
	"context"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"prosody-wizard/config"
	"prosody-wizard/internal/testkit"
)

// leCell is the compose repo with Let's Encrypt. Its certbot service (the
// stand-in running the generated certbot.sh and deploy hook) gets its
// certificates from Pebble, Let's Encrypt's test server, on the host.
var leCell = dockerCell{name: "13.0-letsencrypt", series: config.Series13, portBase: 15600, answers: `
domains: [wizard-demo.net]
admins: [admin@wizard-demo.net]
tls: {mode: letsencrypt, email: hostmaster@wizard-demo.net}
turn: {host: ""}
`}

// TestDockerLetsEncrypt runs the compose flow against a real ACME server:
// docker compose up starts prosody on the self-signed placeholder and
// certbot, which gets the first certificate over HTTP-01 on the published
// port 80; the deploy hook puts it in prosody/certs, and prosody's
// healthcheck has prosody reload it: served without a restart. A forced renewal (certbot renew
// --force-renewal, in the certbot container) is served the same way.
func TestDockerLetsEncrypt(t *testing.T) {
	dockerSetup(t)
	if missing := testkit.PebbleMissing(testkit.PebbleDir()); missing != "" {
		if os.Getenv("PW_REQUIRE_DOCKER") == "1" {
			t.Fatalf("the Docker suite needs Pebble: %s", missing)
		}
		t.Skipf("the Docker suite needs Pebble: %s", missing)
	}
	t.Cleanup(func() { report.Write(t) })
	if err := runCell(t, testkit.Binary(t, "../.."), leCell); err != nil {
		t.Fatal(err)
	}
}

// acme is the Let's Encrypt cell's test plumbing: Pebble on the host, on
// the address of Docker's default bridge (the host as containers see it:
// extra_hosts host-gateway), and what prosody served before.
type acme struct {
	pebble    *testkit.Pebble
	gateway   string
	started   string // prosody's container start time, to see it never restarts
	firstCert *x509.Certificate
}

// leSteps are the Let's Encrypt cell's steps.
func (r *cellRun) leSteps() []cellStep {
	return []cellStep{
		{"scaffold with the CLI", r.scaffold},
		{"pebble on the Docker bridge", r.startPebble},
		{"override: stand-ins and Pebble's address", r.override},
		{"docker compose build", r.build},
		{"docker compose up -d --build (README)", r.up},
		{"every service healthy", r.healthy},
		{"certbot cannot see data/", r.certbotMounts},
		{"first certificate served, no restart", r.firstCertificate},
		{"prosody killed: it restarts, certbot runs on", r.killProsody},
		{"forced renewal served, no restart", r.renewal},
		{"down: in the grace period, prosody exits 0", r.down},
	}
}

// startPebble runs Pebble and its mock DNS on the bridge's gateway
// address. The mock DNS answers 127.0.0.1 for every name: Pebble, on the
// host, validates HTTP-01 at 127.0.0.1:80, the port compose publishes for
// certbot.
func (r *cellRun) startPebble() error {
	gateway, err := bridgeAddress()
	if err != nil {
		return err
	}
	r.acme = &acme{gateway: gateway}
	r.acme.pebble, err = testkit.StartPebble(testkit.PebbleConfig{Work: r.dir, Address: r.acme.gateway, AnswerIPv4: "127.0.0.1"})
	return err
}

// bridgeAddress is the host's IPv4 address on Docker's default bridge
// (docker0): what host-gateway in extra_hosts stands for. (The engine
// 20.10 leaves the bridge's IPAM gateway empty, so it is read off the
// interface.)
func bridgeAddress() (string, error) {
	out, err := exec.Command("docker", "network", "inspect", "bridge", "--format", `{{index .Options "com.docker.network.bridge.name"}}`).Output()
	if err != nil {
		return "", fmt.Errorf("docker network inspect bridge: %v", err)
	}
	name := strings.TrimSpace(string(out))
	if name == "" || name == "<no value>" {
		name = "docker0"
	}
	iface, err := net.InterfaceByName(name)
	if err != nil {
		return "", fmt.Errorf("the default bridge %s: %v", name, err)
	}
	addrs, err := iface.Addrs()
	if err != nil {
		return "", err
	}
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && ipn.IP.To4() != nil {
			return ipn.IP.String(), nil
		}
	}
	return "", fmt.Errorf("the default bridge %s has no IPv4 address", name)
}

// leOverride is the Let's Encrypt cell's addition to the certbot service:
// Pebble's address under a name its certificate has, the ACME server the
// stand-in hands certbot, and the CA that verifies Pebble's HTTPS.
func (r *cellRun) leOverride() string {
	return fmt.Sprintf(`    # Test plumbing: Pebble, Let's Encrypt's test server, on the host.
    extra_hosts: ["pebble:host-gateway"]
    environment:
      ACME_SERVER: https://pebble:%d/dir
      REQUESTS_CA_BUNDLE: /pebble-ca.pem
    volumes:
      - %s:/pebble-ca.pem:ro
`, r.acme.pebble.Ports.ACME, r.acme.pebble.CABundle)
}

// certbotMounts: the certbot container mounts nothing of data/ (everyone's
// accounts and messages).
func (r *cellRun) certbotMounts() error {
	id, err := r.p.compose(30*time.Second, "ps", "-q", "certbot")
	if err != nil {
		return err
	}
	out, err := exec.Command("docker", "inspect", "--format", `{{range .Mounts}}{{.Source}} -> {{.Destination}}{{"\n"}}{{end}}`, strings.TrimSpace(id)).Output()
	if err != nil {
		return fmt.Errorf("docker inspect certbot: %v", err)
	}
	data := filepath.Join(r.p.dir, "data")
	for _, m := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if src, _, _ := strings.Cut(m, " -> "); src == data || strings.HasPrefix(src, data+"/") {
			return fmt.Errorf("the certbot container mounts %s", m)
		}
	}
	return nil
}

// pebbleRoots is a pool of the running Pebble's roots.
func (r *cellRun) pebbleRoots() (*x509.CertPool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	roots, _, err := r.acme.pebble.Issuers(ctx)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	for _, c := range roots {
		pool.AddCert(c)
	}
	return pool, nil
}

// startedAt is when prosody's container last started.
func (r *cellRun) startedAt() (string, error) {
	id, err := r.p.compose(30*time.Second, "ps", "-q", "prosody")
	if err != nil {
		return "", err
	}
	out, err := exec.Command("docker", "inspect", "--format", "{{.State.StartedAt}} {{.RestartCount}}", strings.TrimSpace(id)).Output()
	if err != nil {
		return "", fmt.Errorf("docker inspect prosody: %v", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// servedByPebble waits, at most limit, until prosody serves, on the
// client port (STARTTLS) and on the direct TLS port, a certificate for
// the domain that chains to Pebble's root and is not old; then checks
// prosody's container did not restart.
func (r *cellRun) servedByPebble(limit time.Duration, old *x509.Certificate) (*x509.Certificate, error) {
	roots, err := r.pebbleRoots()
	if err != nil {
		return nil, err
	}
	var got *x509.Certificate
	var last error
	if !testkit.WaitUntil(limit, func() bool {
		got, last = servedCert(r.cell.portBase+22, r.a.Primary(), roots)
		if last == nil && old != nil && got.SerialNumber.Cmp(old.SerialNumber) == 0 {
			last = fmt.Errorf("still the certificate with serial %s", old.SerialNumber)
		}
		return last == nil
	}) {
		logs, _ := r.p.compose(30*time.Second, "logs", "--no-color", "certbot")
		return nil, fmt.Errorf("prosody serves no new certificate from Pebble within %v (last: %v)\ncertbot:\n%s\n%s", limit, last, lastLines(logs, 40), lastLines(r.acme.pebble.Logs(), 20))
	}
	for _, host := range r.setup.Hosts {
		if !slices.Contains(got.DNSNames, host.ASCII) {
			return nil, fmt.Errorf("the certificate names %v, not %s", got.DNSNames, host.ASCII)
		}
	}
	if started, err := r.startedAt(); err != nil || started != r.acme.started {
		return nil, fmt.Errorf("prosody's container restarted (%s, was %s; %v)", started, r.acme.started, err)
	}
	return got, nil
}

func (r *cellRun) firstCertificate() (err error) {
	if r.acme.started, err = r.startedAt(); err != nil {
		return err
	}
	// Before: the self-signed placeholder, which does not chain to Pebble.
	r.acme.firstCert, err = r.servedByPebble(2*time.Minute, nil)
	return err
}

// killProsody kills prosody (SIGKILL, as a crash or the OOM killer
// would): its restart policy brings it back, healthy, and the
// certbot container is not touched (it shares nothing with prosody's).
func (r *cellRun) killProsody() error {
	certbotBefore, err := r.serviceStart("certbot")
	if err != nil {
		return err
	}
	id, err := r.p.compose(30*time.Second, "ps", "-q", "prosody")
	if err != nil {
		return err
	}
	// From the host, by pid, as the kernel's OOM killer would: docker kill
	// counts as stopping it by hand, which no restart policy undoes.
	out, err := exec.Command("docker", "inspect", "--format", "{{.State.Pid}}", strings.TrimSpace(id)).Output()
	if err != nil {
		return fmt.Errorf("docker inspect prosody: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil || pid <= 1 {
		return fmt.Errorf("prosody's pid on the host: %q", out)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		return fmt.Errorf("kill -9 %d: %v", pid, err)
	}
	var last string
	if !testkit.WaitUntil(healthyLimit, func() bool {
		states, err := r.p.states()
		if err != nil {
			last = err.Error()
			return false
		}
		last = fmt.Sprint(states)
		for _, st := range states {
			if st.service == "prosody" && st.status == "running" && st.restarts == 1 && st.health == "healthy" {
				return true
			}
		}
		return false
	}) {
		return fmt.Errorf("prosody did not come back healthy after a kill within %v (last: %s)", healthyLimit, last)
	}
	certbotAfter, err := r.serviceStart("certbot")
	if err != nil {
		return err
	}
	if certbotAfter != certbotBefore || !strings.HasPrefix(certbotAfter, "running ") {
		return fmt.Errorf("the certbot container was affected: %s, was %s", certbotAfter, certbotBefore)
	}
	r.acme.started, err = r.startedAt()
	return err
}

// serviceStart is a service's container status, start time and restart
// count.
func (r *cellRun) serviceStart(service string) (string, error) {
	id, err := r.p.compose(30*time.Second, "ps", "-q", service)
	if err != nil {
		return "", err
	}
	out, err := exec.Command("docker", "inspect", "--format", "{{.State.Status}} {{.State.StartedAt}} {{.RestartCount}}", strings.TrimSpace(id)).Output()
	if err != nil {
		return "", fmt.Errorf("docker inspect %s: %v", service, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// renewal forces a renewal the way the certbot service's loop renews:
// certbot renew, which runs the deploy hook certonly saved. Without a
// terminal certbot renew first sleeps a random while (up to 8 minutes,
// to spread the load on Let's Encrypt); the loop may, the test does not.
func (r *cellRun) renewal() error {
	if _, err := r.p.compose(2*time.Minute, "exec", "-T", "certbot", "certbot", "renew", "--force-renewal", "--non-interactive", "--no-random-sleep-on-renew"); err != nil {
		log, _ := r.p.compose(30*time.Second, "exec", "-T", "certbot", "tail", "-n", "60", "/var/log/letsencrypt/letsencrypt.log")
		return fmt.Errorf("%w\ncertbot's log:\n%s\n%s", err, log, lastLines(r.acme.pebble.Logs(), 30))
	}
	_, err := r.servedByPebble(time.Minute, r.acme.firstCert)
	return err
}
