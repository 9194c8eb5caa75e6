package e2e

import (
	"context"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"prosody-wizard/config"
	"prosody-wizard/internal/testkit"
	"prosody-wizard/scaffold"
)

// TestEndToEndHostLetsEncryptPebble runs the host Let's Encrypt flow
// against a real ACME server: Pebble (Let's Encrypt's test server) and its
// mock DNS run in the cell's network namespace on loopback, and Debian's
// certbot runs the commands the CLI's next steps print, as printed. The
// first certificate must be served by the running Prosody, then a forced
// renewal's, without a restart.
func TestEndToEndHostLetsEncryptPebble(t *testing.T) {
	series, cell := letsEncryptSetup(t)
	if err := runCellSteps(t, series, cell, (*cellRun).letsEncryptSteps); err != nil {
		t.Fatal(err)
	}
	e2eReport.Write(t)
}

// TestEndToEndHostLetsEncryptCatchesNoImport proves the test above can
// fail the way the host flow did: with the first certificate got by
// certonly without --deploy-hook (the next step as it was), certbot
// succeeds but runs no hook, and Prosody keeps serving the self-signed
// placeholder; the test says so, naming the step.
func TestEndToEndHostLetsEncryptCatchesNoImport(t *testing.T) {
	series, cell := letsEncryptSetup(t)
	cell.name = "host-letsencrypt-no-import"
	cell.breakCommand = func(line string) string {
		return strings.Replace(line, " --deploy-hook /etc/letsencrypt/renewal-hooks/deploy/prosody", "", 1)
	}
	err := runCellSteps(t, series, cell, (*cellRun).letsEncryptSteps)
	if err == nil {
		t.Fatal("the test passed a first certificate that was never imported")
	}
	for _, want := range []string{"step first certificate served", "still serves the generated self-signed placeholder"} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("the failure does not say %q: %v", want, err)
		}
	}
	t.Logf("as expected: %v", testkit.FirstLine(err.Error()))
}

// letsEncryptSetup checks what the Let's Encrypt test needs (root,
// prosody, Debian's certbot, Pebble) and returns the series and the cell.
func letsEncryptSetup(t *testing.T) (config.Series, e2eCell) {
	series := e2eNeeds(t, "prosody", "prosodyctl", "ip", "unshare", "setpriv", "certbot")
	missing := testkit.PebbleMissing(testkit.PebbleDir())
	e2eNeed(t, missing == "", "Pebble: "+missing)
	_, err := os.Stat(debianCertbotService)
	e2eNeed(t, err == nil, "Debian's certbot package ("+debianCertbotService+")")
	i := slices.IndexFunc(e2eCells, func(c e2eCell) bool { return c.name == "host-letsencrypt-renewal" })
	cell := e2eCells[i]
	cell.name = "host-letsencrypt-pebble"
	return series, cell
}

func (r *cellRun) letsEncryptSteps() []cellStep {
	le := &leRun{cellRun: r}
	return []cellStep{
		{"scaffold with the CLI", r.scaffold},
		{"network namespace", r.namespace},
		{"check config", r.checkConfig},
		{"start to ready", r.start},
		{"Pebble in the namespace", le.startPebble},
		{"certbot: the printed commands", le.firstCertificate},
		{"first certificate served", func() error { return le.served("first") }},
		{"deploy hook ran once", le.hookRanOnce},
		{"certbot: forced renewal", le.forcedRenewal},
		{"renewed certificate served", func() error { return le.served("renewed") }},
		{"deploy hook ran once more", le.hookRanOnce},
		{"Pebble stops", func() error { return r.pebble.Stop() }},
		{"SIGTERM stops prosody", r.stop},
		{"log has no errors", r.logClean},
	}
}

// debianCertbotService is Debian's unit for certbot.timer; its ExecStart
// is how a Debian host renews.
const debianCertbotService = "/lib/systemd/system/certbot.service"

// leRun is a cell's state in the Let's Encrypt test.
type leRun struct {
	*cellRun
	// leDir is the tree's etc/letsencrypt, mounted on /etc/letsencrypt.
	leDir string
	// served are the serials Prosody served, in order.
	serials []string
	// pid is prosody's process, which must stay the same.
	pid int
	// certbotLog is the certbot log read so far.
	certbotLog int
	// extraMounts are bound for certbot besides its own folders (a
	// webroot the proxy serves).
	extraMounts [][2]string
}

func (r *leRun) startPebble() error {
	r.pid = r.prosody.cmd.Process.Pid
	work := filepath.Join(r.dir, "pebble")
	if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	p, err := testkit.StartPebble(testkit.PebbleConfig{
		Work:    work,
		Address: "127.0.0.1",
		// certbot --standalone's default port: the printed command
		// says no other.
		HTTPPort: 80,
		Command:  r.ns.command,
		Dial:     r.ns.dial,
	})
	r.pebble = p
	return err
}

// pebbleRoots are the roots Pebble's certificates chain to.
func (r *leRun) pebbleRoots() (*x509.CertPool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rootCerts, _, err := r.pebble.Issuers(ctx)
	if err != nil {
		return nil, err
	}
	roots := x509.NewCertPool()
	for _, c := range rootCerts {
		roots.AddCert(c)
	}
	return roots, nil
}

// certbot runs a certbot command line as root in the cell's namespaces,
// with the tree on /etc/prosody and /var/lib/prosody and the tree's
// etc/letsencrypt on /etc/letsencrypt, as on the host the tree was written
// to. The test plumbing is only this: in /etc/letsencrypt, cli.ini is
// Debian's plus "server = " Pebble's directory, and REQUESTS_CA_BUNDLE
// names the CA of Pebble's own HTTPS; certbot's work and log folders are
// private folders of the cell's.
func (r *leRun) certbot(line string) (string, error) {
	if r.leDir == "" {
		r.leDir = filepath.Join(r.out, "etc", "letsencrypt")
		ini, err := os.ReadFile("/etc/letsencrypt/cli.ini") // Debian's
		if err != nil && !os.IsNotExist(err) {
			return "", err
		}
		ini = append(ini, "\n# the test's ACME server\nserver = "+r.pebble.DirectoryURL+"\n"...)
		if err := os.MkdirAll(r.leDir, 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(r.leDir, "cli.ini"), ini, 0o644); err != nil {
			return "", err
		}
		for _, d := range []string{"certbot-lib", "certbot-log"} {
			if err := os.MkdirAll(filepath.Join(r.dir, d), 0o700); err != nil {
				return "", err
			}
		}
	}
	mounts := [][2]string{
		{r.leDir, "/etc/letsencrypt"},
		{filepath.Join(r.dir, "certbot-lib"), "/var/lib/letsencrypt"},
		{filepath.Join(r.dir, "certbot-log"), "/var/log/letsencrypt"},
	}
	mounts = append(mounts, r.extraMounts...)
	cmd := r.inTreeAsRoot(mounts, []string{"REQUESTS_CA_BUNDLE=" + r.pebble.CABundle}, "sh", "-c", line)
	var out testkit.SyncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	p, err := startProc(cmd)
	if err != nil {
		return "", err
	}
	const limit = 120 * time.Second
	select {
	case <-p.done:
	case <-time.After(limit):
		// What it started is killed with the namespace.
		_ = p.cmd.Process.Kill()
		<-p.done
		return out.String(), fmt.Errorf("%s: not done within %v\n%s\n%s", line, limit, out.String(), r.pebble.Logs())
	}
	if p.err != nil {
		return out.String(), fmt.Errorf("%s: %v\n%s\n%s", line, p.err, out.String(), r.pebble.Logs())
	}
	r.t.Logf("%s: %s:\n%s", r.cell.name, line, out.String())
	return out.String(), nil
}

// newCertbotLog is what certbot logged since the last call.
func (r *leRun) newCertbotLog() string {
	data, _ := os.ReadFile(filepath.Join(r.dir, "certbot-log", "letsencrypt.log"))
	if len(data) < r.certbotLog {
		r.certbotLog = 0 // rotated
	}
	s := string(data[r.certbotLog:])
	r.certbotLog = len(data)
	return s
}

// hookRuns counts certbot's runs of the generated deploy hook in log.
func hookRuns(log string) int {
	return len(regexp.MustCompile(`(?m)Running deploy-hook command: /etc/letsencrypt/renewal-hooks/deploy/prosody$`).FindAllString(log, -1))
}

// printedCertbot are the certbot commands of the summary's next steps: the
// lines that are a command, certbot's or sudo certbot's, each as printed.
func (r *leRun) printedCertbot() []string {
	var lines []string
	for _, l := range strings.Split(r.summary, "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "certbot ") || strings.HasPrefix(l, "sudo certbot ") {
			lines = append(lines, l)
		}
	}
	return lines
}

// firstCertificate runs the certbot commands the next steps print, as
// printed; sudo (which the summary prints before commands that need root)
// becomes root in the cell's namespaces, as createAdmin does.
func (r *leRun) firstCertificate() error {
	lines := r.printedCertbot()
	if len(lines) == 0 {
		return fmt.Errorf("the summary prints no certbot command:\n%s", r.summary)
	}
	for _, line := range lines {
		rest, _ := strings.CutPrefix(line, scaffold.ShellCommand("sudo")+" ")
		if r.cell.breakCommand != nil {
			rest = r.cell.breakCommand(rest)
		}
		if _, err := r.certbot(rest); err != nil {
			return err
		}
	}
	return nil
}

// forcedRenewal runs what Debian's certbot.timer runs (certbot.service's
// ExecStart), with --force-renewal.
func (r *leRun) forcedRenewal() error {
	unit, err := os.ReadFile(debianCertbotService)
	if err != nil {
		return err
	}
	m := regexp.MustCompile(`(?m)^ExecStart=(\S*certbot .*)$`).FindSubmatch(unit)
	if m == nil {
		return fmt.Errorf("%s has no certbot ExecStart", debianCertbotService)
	}
	_, err = r.certbot(string(m[1]) + " --force-renewal")
	return err
}

// hookRanOnce: certbot ran the generated deploy hook once since the last
// check (its log says so): on renewal too, where it finds the hook both in
// renewal-hooks/deploy and as the lineage's renew_hook.
func (r *leRun) hookRanOnce() error {
	log := r.newCertbotLog()
	if n := hookRuns(log); n != 1 {
		return fmt.Errorf("certbot ran the deploy hook %d times, want 1; its log:\n%s", n, log)
	}
	return nil
}

// served waits (bounded) until a client on the STARTTLS client port gets a
// certificate for the domain that chains to Pebble's root, new (a serial
// not seen before), from the same prosody process.
func (r *leRun) served(which string) error {
	roots, err := r.pebbleRoots()
	if err != nil {
		return err
	}
	const limit = 15 * time.Second
	var got *x509.Certificate
	var lastErr error
	if !testkit.WaitUntil(limit, func() bool {
		got, lastErr = r.serverCert(r.a.Ports.C2S, r.a.Primary(), roots)
		if lastErr == nil && !slices.Contains(r.serials, got.SerialNumber.String()) {
			return true
		}
		time.Sleep(250 * time.Millisecond) // each try is a connection in prosody's log
		return false
	}) {
		if lastErr == nil {
			lastErr = fmt.Errorf("still the earlier certificate, serial %s", got.SerialNumber)
		}
		placeholder := ""
		if c, err := r.serverCert(r.a.Ports.C2S, r.a.Primary(), r.roots); err == nil {
			placeholder = fmt.Sprintf(" (it still serves the generated self-signed placeholder, serial %s)", c.SerialNumber)
		}
		log := strings.Split(r.log.String(), "\n")
		return fmt.Errorf("prosody does not serve the %s certificate from Pebble within %v%s: %v\nthe end of prosody's log:\n%s",
			which, limit, placeholder, lastErr, strings.Join(log[max(0, len(log)-15):], "\n"))
	}
	for _, h := range certHosts(r.a) {
		if !slices.Contains(got.DNSNames, h) {
			return fmt.Errorf("the served certificate names %v, not %s", got.DNSNames, h)
		}
	}
	r.serials = append(r.serials, got.SerialNumber.String())
	if r.prosody.exited() || r.prosody.cmd.Process.Pid != r.pid {
		return fmt.Errorf("prosody was restarted")
	}
	pid, _ := os.ReadFile(filepath.Join(r.dataDir, "prosody.pid"))
	if strings.TrimSpace(string(pid)) != strconv.Itoa(r.pid) {
		return fmt.Errorf("the pidfile says %q, not prosody's pid %d", pid, r.pid)
	}
	r.t.Logf("%s: Prosody serves the %s certificate, serial %s, issued by %q", r.cell.name, which, got.SerialNumber, got.Issuer.CommonName)
	return nil
}
