package e2e

import (
	"bufio"
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"prosody-wizard/config"
	"prosody-wizard/internal/testkit"
	"prosody-wizard/internal/xmpptest"
)

// e2eCell is one cell of the matrix: answers without version and prosody,
// which the suite adds for the installed series.
type e2eCell struct {
	name    string
	answers string
	// defaults: these are the default answers (one domain); compliance and
	// feature checks run here.
	defaults bool
	// breakConfig, for the self-test, corrupts the generated config.
	breakConfig func(cfg string) string
	// breakCommand, for a self-test, changes a printed command before it
	// runs.
	breakCommand func(line string) string
	// breakSnippet, for a self-test, changes the generated reverse-proxy
	// snippet before the proxy reads it.
	breakSnippet func(snippet string) string
	// ownCA: the cell brings a certificate from a test CA (tls.mode
	// existing, paths {{cert}} and {{key}}), and clients trust only the CA.
	ownCA bool
}

var e2eCells = []e2eCell{
	{name: "compose-internal-defaults", defaults: true, answers: `
domains: [example.org]
admins: [admin@example.org]
`},
	{name: "compose-sqlite-closed-nocomponents", answers: `
domains: [example.net]
admins: [admin@example.net]
federation: false
database: {driver: sqlite}
components: {muc: "", upload: ""}
`},
	{name: "compose-postgres-twodomains-invite", answers: `
domains: [example.org, example.com]
admins: [boss@example.com]
registration: invite
database: {driver: postgres}
`},
	{name: "compose-existing-ca-directtls", ownCA: true, answers: `
domains: [example.org]
tls: {mode: existing, cert: "{{cert}}", key: "{{key}}"}
ports: {c2s_direct_tls: 5223}
`},
	{name: "compose-letsencrypt-renewal", answers: `
domains: [wizard-demo.net]
tls: {mode: letsencrypt, email: hostmaster@wizard-demo.net}
ports: {c2s_direct_tls: 5223}
`},
	{name: "host-letsencrypt-renewal", answers: `
deploy: host
domains: [wizard-demo.net]
tls: {mode: letsencrypt, email: hostmaster@wizard-demo.net}
`},
	{name: "host-mariadb-proxy65-open", answers: `
deploy: host
domains: [example.org]
admins: [admin@example.org]
registration: open
database: {driver: mysql, host: 127.0.0.1, password: "e2e-Mariadb-pw"}
components: {upload: "", proxy65: proxy.example.org}
turn: {secret: "a b#c\"d'$x\\y=z; ü"}
`},
}

const (
	e2ePasswordAlice = "alice-secret-1"
	e2ePasswordBob   = "bob-secret-2"
)

// e2eReport collects step timings for the report.
var e2eReport = &testkit.Report{Title: "end-to-end timings (series, cell, step, time)"}

func TestEndToEnd(t *testing.T) {
	series := e2eSetup(t)
	bin := buildWizard(t)
	for _, cell := range e2eCells {
		t.Run(cell.name, func(t *testing.T) {
			if err := runCell(t, bin, series, cell); err != nil {
				t.Fatal(err)
			}
		})
	}
	e2eReport.Write(t)
}

// TestEndToEndCatchesBrokenConfig proves the suite fails, naming the cell
// and the step, when the generated config is broken: here encryption is
// turned off and mod_tls dropped, which a client refusing plain text must
// notice.
func TestEndToEndCatchesBrokenConfig(t *testing.T) {
	mustCatch(t, "broken-template", "a config without TLS", func(cfg string) string {
		cfg = strings.Replace(cfg, `"tls";`, "", 1)
		return strings.Replace(cfg, "c2s_require_encryption = true", "c2s_require_encryption = false", 1)
	}, "broken-template", "step ")
}

// mustCatch runs the first cell, named name, with its generated config
// changed by breakConfig, and requires the suite to fail with every one of
// want in its error: a self-test that the suite notices what (the broken
// config) is wrong.
func mustCatch(t *testing.T, name, what string, breakConfig func(string) string, want ...string) {
	t.Helper()
	series := e2eSetup(t)
	bin := buildWizard(t)
	cell := e2eCells[0]
	cell.name = name
	cell.breakConfig = breakConfig
	err := runCell(t, bin, series, cell)
	if err == nil {
		t.Fatalf("the suite passed %s", what)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Fatalf("the failure does not say %q: %v", w, err)
		}
	}
	t.Logf("as expected: %v", testkit.FirstLine(err.Error()))
}

// e2eSetup checks the machine can run the suite: root, prosody, the
// clients. Missing, it skips, unless PW_REQUIRE_PROSODY=1 (CI), where it
// fails.
func e2eSetup(t *testing.T) config.Series {
	t.Helper()
	return e2eNeeds(t, "prosody", "prosodyctl", "go-sendxmpp", "ip", "unshare", "setpriv", "sqlite3", "psql", "mariadb-install-db", "turnserver", "turnutils_uclient", "systemd-analyze")
}

// e2eNeeds is e2eSetup for a test that needs only these tools (and root
// and Debian's prosody).
func e2eNeeds(t *testing.T, tools ...string) config.Series {
	t.Helper()
	e2eNeed(t, os.Getuid() == 0, "root (mount and network namespaces)")
	for _, tool := range tools {
		_, err := exec.LookPath(tool)
		e2eNeed(t, err == nil, tool)
	}
	out, err := exec.Command("dpkg-query", "-W", "-f=${Version}", "prosody").Output()
	e2eNeed(t, err == nil, "Debian's prosody package")
	for _, s := range config.AllSeries {
		if strings.HasPrefix(string(out), string(s)+".") {
			return s
		}
	}
	t.Fatalf("installed prosody %s is neither 0.12 nor 13.0", out)
	return ""
}

// TestMain removes the binary the suite built once every test has run.
func TestMain(m *testing.M) {
	code := m.Run()
	testkit.RemoveBinary()
	os.Exit(code)
}

// buildWizard builds the real binary (the module's root package) once per
// test run.
func buildWizard(t *testing.T) string { return testkit.Binary(t, "..") }

// cellRun holds one cell's state while its steps run.
type cellRun struct {
	t       *testing.T
	cell    e2eCell
	series  config.Series
	a       config.Answers
	dir     string // temp folder: answers, out, databases
	out     string // the generated tree
	confDir string // what is bound on /etc/prosody
	dataDir string // what is bound on /var/lib/prosody
	uid     string // prosody runs as this (numeric, or "prosody")
	gid     string
	env     []string // prosody's environment additions (compose: from .env)
	summary string   // what the CLI printed
	ns      *netns
	roots   *x509.CertPool
	prosody *proc
	log     *testkit.SyncBuffer
	db      *dbServer
	dbPass  string
	// trustFile is the certificate clients trust (SSL_CERT_FILE): the
	// generated one, or the test CA.
	trustFile string
	ca        *testCA
	// pebble is the ACME server of the Let's Encrypt test, in the cell's
	// namespace.
	pebble *testkit.Pebble
	// proxy is the reverse proxy in front of the web side (proxy_test.go).
	proxy *proxyRun
}

// step runs one named step, times it, and wraps its error.
func (r *cellRun) step(name string, fn func() error) error {
	return e2eReport.Step(r.t, fmt.Sprintf("%-8s %-40s", r.series, r.cell.name), r.cell.name, name, fn)
}

// cellStep is one named step of a cell.
type cellStep struct {
	name string
	fn   func() error
}

func runCell(t *testing.T, bin string, series config.Series, cell e2eCell) (err error) {
	return runCellSteps(t, series, cell, (*cellRun).steps)
}

// steps are the matrix cells' steps.
func (r *cellRun) steps() []cellStep {
	return []cellStep{
		{"scaffold with the CLI", r.scaffold},
		{"own config: edits survive --force", r.ownConfigSurvives},
		{"network namespace", r.namespace},
		{"database server", r.startDatabase},
		{"check config", r.checkConfig},
		{"check certs", r.checkCerts},
		{"register accounts", r.register},
		{"start to ready", r.start},
		{"own config in effect", r.ownConfigInEffect},
		{"admin: the printed command", r.createAdmin},
		{"admin: login and admin rights", r.adminRights},
		{"sign-up without an invitation", r.signUpWithoutInvitation},
		{"healthcheck: healthy and quiet", r.healthy},
		{"login and offline message", r.offlineMessage},
		{"direct TLS login", r.directTLS},
		{"offline store holds it", r.offlineStored},
		{"live message", r.liveMessage},
		{"wrong password refused", r.wrongPassword},
		{"plain-text client refused", r.plainRefused},
		{"storage holds the accounts", r.accountsStored},
		{"components", r.components},
		{"web clients: BOSH, WebSocket, upload", r.webClients},
		{"TURN credentials work", r.turn},
		{"deploy hook renews the certificate", r.renewal},
		{"compliance", r.compliance},
		{"check features", r.checkFeatures},
		{"SIGTERM stops prosody", r.stop},
		{"healthcheck: unhealthy once stopped", r.unhealthy},
		{"log has no errors", r.logClean},
	}
}

// runCellSteps runs a cell's steps, in a temp folder kept on failure, and
// cleans up after them.
func runCellSteps(t *testing.T, series config.Series, cell e2eCell, steps func(*cellRun) []cellStep) (err error) {
	dir, mkErr := os.MkdirTemp("", "pw-e2e-")
	if mkErr != nil {
		return mkErr
	}
	_ = os.Chmod(dir, 0o755)
	r := &cellRun{t: t, cell: cell, series: series, dir: dir}
	defer func() {
		if cleanupErr := r.cleanup(); err == nil && cleanupErr != nil {
			err = cleanupErr
		}
		// A self-test breaks the cell on purpose: its failure is expected,
		// and its folder is not kept.
		if err == nil || cell.breakConfig != nil || cell.breakCommand != nil || cell.breakSnippet != nil {
			os.RemoveAll(dir)
		} else {
			t.Logf("kept %s for inspection", dir)
		}
	}()
	for _, s := range steps(r) {
		if err := r.step(s.name, s.fn); err != nil {
			return err
		}
	}
	return nil
}

func (r *cellRun) cleanup() error {
	var errs []string
	if r.prosody != nil && !r.prosody.exited() {
		_ = r.prosody.cmd.Process.Kill()
		<-r.prosody.done
	}
	if r.proxy != nil && r.proxy.proc != nil && !r.proxy.proc.exited() {
		r.proxy.proc.stop(10 * time.Second)
	}
	if r.pebble != nil {
		if err := r.pebble.Stop(); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if r.db != nil {
		if err := r.db.stop(); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if r.ns != nil {
		if left := r.leftInNamespace(); len(left) > 0 {
			errs = append(errs, fmt.Sprintf("processes left running in the namespace: %v", left))
		}
		r.ns.delete()
	}
	if len(errs) > 0 {
		return &testkit.StepError{Cell: r.cell.name, Step: "cleanup", Err: fmt.Errorf("%s", strings.Join(errs, "; "))}
	}
	return nil
}

// leftInNamespace lists the processes still in the cell's network
// namespace once everything it started was stopped, after a bounded wait:
// a server whose stop command has returned may still be exiting (pg_ctl
// stop -w returns when the postmaster has removed its pidfile, a moment
// before it exits; seen on a loaded machine).
func (r *cellRun) leftInNamespace() []string {
	const grace = 10 * time.Second
	if testkit.WaitUntil(grace, func() bool { return len(r.ns.pids()) == 0 }) {
		return nil
	}
	var left []string
	for _, pid := range r.ns.pids() {
		cmdline, _ := os.ReadFile("/proc/" + pid + "/cmdline")
		left = append(left, fmt.Sprintf("%s (%s, still there after %v)", pid, strings.ReplaceAll(strings.TrimRight(string(cmdline), "\x00"), "\x00", " "), grace))
	}
	return left
}

// scaffold writes the answers and runs the real CLI on them.
func (r *cellRun) scaffold() error {
	text := fmt.Sprintf("version: 1\nprosody: %q\n%s", r.series, r.cell.answers)
	if r.cell.ownCA {
		var err error
		if text, err = r.prepareCA(text); err != nil {
			return err
		}
	}
	answers, a, err := r.writeAnswers(text)
	if err != nil {
		return err
	}
	r.a = a
	r.out = filepath.Join(r.dir, "out")
	if a.Deploy == config.DeployHost {
		// A host root with this machine's prosody user.
		if err := os.MkdirAll(filepath.Join(r.out, "etc"), 0o755); err != nil {
			return err
		}
		for _, f := range []string{"passwd", "group"} {
			data, err := exec.Command("grep", "^prosody:", "/etc/"+f).Output()
			if err != nil {
				return fmt.Errorf("no prosody user in /etc/%s: %v", f, err)
			}
			if err := os.WriteFile(filepath.Join(r.out, "etc", f), data, 0o644); err != nil {
				return err
			}
		}
	}
	cmd := exec.Command(buildWizard(r.t), "--answers", answers, "--out", r.out)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("prosody-wizard failed: %v\n%s", err, out)
	}
	r.summary = string(out)
	if a.Deploy == config.DeployHost {
		r.confDir = filepath.Join(r.out, "etc/prosody")
		r.dataDir = filepath.Join(r.out, "var/lib/prosody")
		r.uid, r.gid = "prosody", "prosody"
		r.dbPass = a.Database.Password
	} else {
		r.confDir = filepath.Join(r.out, "prosody")
		r.dataDir = filepath.Join(r.out, "data")
		compose, err := os.ReadFile(filepath.Join(r.out, "compose.yaml"))
		if err != nil {
			return err
		}
		m := regexp.MustCompile(`(?m)^    user: "(\d+):(\d+)"`).FindSubmatch(compose)
		if m == nil {
			return fmt.Errorf("compose.yaml names no numeric user")
		}
		r.uid, r.gid = string(m[1]), string(m[2])
		env, err := os.ReadFile(filepath.Join(r.out, ".env"))
		if err != nil {
			return err
		}
		for _, l := range strings.Split(string(env), "\n") {
			if k, v, ok := strings.Cut(l, "="); ok && !strings.HasPrefix(k, "#") {
				r.env = append(r.env, l)
				if k == "PROSODY_DB_PASSWORD" {
					r.dbPass = v
				}
			}
		}
	}
	if err := r.breakConfig(); err != nil {
		return err
	}
	if r.trustFile == "" {
		// Trust the generated (self-signed) certificate itself.
		certs, err := filepath.Glob(filepath.Join(r.confDir, "certs", "*.crt"))
		if err != nil || len(certs) == 0 {
			return fmt.Errorf("no certificate in %s/certs", r.confDir)
		}
		r.trustFile = certs[0]
	}
	r.roots = x509.NewCertPool()
	pem, _ := os.ReadFile(r.trustFile)
	if !r.roots.AppendCertsFromPEM(pem) {
		return fmt.Errorf("%s does not parse", r.trustFile)
	}
	return nil
}

// writeAnswers writes the answers text to the cell's answers.yaml, which
// the CLI is run on, and parses it.
func (r *cellRun) writeAnswers(text string) (string, config.Answers, error) {
	answers := filepath.Join(r.dir, "answers.yaml")
	if err := os.WriteFile(answers, []byte(text), 0o644); err != nil {
		return "", config.Answers{}, err
	}
	a, err := config.Parse([]byte(text))
	return answers, a, err
}

func (r *cellRun) namespace() error {
	ns, err := newNetns(fmt.Sprintf("pwe2e%d", os.Getpid()%100000))
	r.ns = ns
	return err
}

func (r *cellRun) startDatabase() error {
	var err error
	switch r.a.Database.Driver {
	case config.DriverPostgres:
		r.db, err = startPostgres(r.ns, filepath.Join(r.dir, "pg"), r.a.Database.User, r.dbPass, r.a.Database.Name)
	case config.DriverMySQL:
		r.db, err = startMariaDB(r.ns, filepath.Join(r.dir, "mariadb"), r.a.Database.User, r.dbPass, r.a.Database.Name)
	}
	return err
}

// inTree runs a command the way the deployment runs prosody: inside the
// cell's network namespace, in a private mount namespace with the tree on
// /etc/prosody and /var/lib/prosody, as the deployment's user, with the
// environment compose would give it.
func (r *cellRun) inTree(args ...string) *exec.Cmd {
	user := []string{"--reuid=" + r.uid, "--regid=" + r.gid}
	if r.uid == "prosody" {
		user = append(user, "--init-groups")
	} else {
		user = append(user, "--clear-groups")
	}
	script := `mount --bind "$1" /etc/prosody && mount --bind "$2" /var/lib/prosody && shift 2 && exec "$@"`
	full := []string{"--mount", "--propagation", "private", "--", "sh", "-c", script, "sh", r.confDir, r.dataDir, "env"}
	full = append(full, r.env...)
	full = append(full, "setpriv")
	full = append(full, user...)
	full = append(full, "--")
	full = append(full, args...)
	return r.ns.command("unshare", full...)
}

// inTreeAsRoot runs a command as root in the cell's namespaces with the
// tree mounted, plus extra bind mounts (source, target): how certbot runs
// its hooks on a host.
func (r *cellRun) inTreeAsRoot(extra [][2]string, env []string, args ...string) *exec.Cmd {
	script := `mount --bind "$1" /etc/prosody && mount --bind "$2" /var/lib/prosody && shift 2`
	full := []string{"--mount", "--propagation", "private", "--", "sh", "-c", "", "sh", r.confDir, r.dataDir}
	for _, m := range extra {
		script += fmt.Sprintf(` && mkdir -p %q && mount --bind %q %q`, m[1], m[0], m[1])
	}
	full[6] = script + ` && exec "$@"`
	full = append(full, "env")
	full = append(full, env...)
	full = append(full, args...)
	return r.ns.command("unshare", full...)
}

// checkOutput runs a prosodyctl check and requires exit 0 and no advice
// beyond what the answers ask for.
func (r *cellRun) prosodyctlCheck(what string) error {
	out, err := r.inTree("prosodyctl", "check", what).CombinedOutput()
	if err != nil {
		return fmt.Errorf("prosodyctl check %s: %v\n%s", what, err, out)
	}
	var advice []string
	skip := 0
	for _, l := range strings.Split(string(out), "\n") {
		l = strings.TrimSpace(l)
		switch {
		case skip > 0:
			if l == "" {
				skip--
			}
			continue
		case r.a.Registration == config.RegistrationOpen && strings.HasPrefix(l, "Public registration"):
			skip = 2
			continue
		case strings.Contains(l, "missing features"):
			skip = 1 // judged by the check features step
			continue
		case l == "", strings.HasPrefix(l, "Checking "), l == "Done.", strings.HasPrefix(l, "All checks passed"),
			strings.HasPrefix(l, "The following configuration files"), strings.HasPrefix(l, "- "),
			strings.HasPrefix(l, "Certificate: "):
			continue
		}
		advice = append(advice, l)
	}
	if len(advice) > 0 {
		return fmt.Errorf("prosodyctl check %s printed warnings:\n%s", what, strings.Join(advice, "\n"))
	}
	return nil
}

func (r *cellRun) checkConfig() error { return r.prosodyctlCheck("config") }
func (r *cellRun) checkCerts() error  { return r.prosodyctlCheck("certs") }

func (r *cellRun) register() error {
	for _, u := range [][2]string{{"alice", e2ePasswordAlice}, {"bob", e2ePasswordBob}} {
		out, err := r.inTree("prosodyctl", "register", u[0], r.a.Primary(), u[1]).CombinedOutput()
		if err != nil {
			return fmt.Errorf("register %s: %v\n%s", u[0], err, out)
		}
	}
	return nil
}

// start runs prosody -F and waits until it is really up: the port accepts,
// our pid is alive and in the pidfile, and the log says c2s is active.
// Prosody 0.12 can hang on a failed start, so the wait is bounded.
func (r *cellRun) start() error {
	r.log = &testkit.SyncBuffer{}
	cmd := r.inTree("prosody", "-F")
	cmd.Stdout, cmd.Stderr = r.log, r.log
	p, err := startProc(cmd)
	if err != nil {
		return err
	}
	r.prosody = p
	c2s := fmt.Sprintf("127.0.0.1:%d", r.a.Ports.C2S)
	ready := testkit.WaitUntil(20*time.Second, func() bool {
		if p.exited() {
			return true
		}
		pid, _ := os.ReadFile(filepath.Join(r.dataDir, "prosody.pid"))
		return strings.Contains(r.log.String(), "Activated service 'c2s'") &&
			strings.TrimSpace(string(pid)) == strconv.Itoa(cmd.Process.Pid) && r.ns.portOpen(c2s)
	})
	if p.exited() {
		return fmt.Errorf("prosody exited during start (%v):\n%s", p.err, r.log.String())
	}
	if !ready {
		return fmt.Errorf("prosody not ready within 20 s:\n%s", r.log.String())
	}
	return nil
}

// healthcheck runs the generated healthcheck.sh as the container would:
// as prosody's user, in its namespaces, on the client port.
func (r *cellRun) healthcheck() ([]byte, error) {
	script := filepath.Join(r.out, "healthcheck.sh")
	if r.a.Deploy == config.DeployHost {
		return nil, nil // host installs are watched by systemd
	}
	return r.inTree("sh", script, strconv.Itoa(r.a.Ports.C2S)).CombinedOutput()
}

// healthy: the healthcheck passes against the running prosody without
// connecting to it (a probe that connects makes Prosody log a client
// connection at every interval). The same detector must see a bare TCP
// connection made the same way, so the check can fail.
func (r *cellRun) healthy() error {
	conns, err := r.connectionsDuring(func() error {
		if out, err := r.healthcheck(); err != nil {
			return fmt.Errorf("healthcheck.sh says unhealthy: %v\n%s", err, out)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(conns) > 0 {
		return fmt.Errorf("the healthcheck connected to prosody's client port; prosody logged:\n%s", strings.Join(conns, "\n"))
	}
	c2s := fmt.Sprintf("127.0.0.1:%d", r.a.Ports.C2S)
	conns, err = r.connectionsDuring(func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, err := r.ns.dial(ctx, "tcp", c2s)
		if err != nil {
			return fmt.Errorf("bare TCP connection to %s: %w", c2s, err)
		}
		return c.Close()
	})
	if err != nil {
		return fmt.Errorf("self-test: %w", err)
	}
	if len(conns) != 1 {
		return fmt.Errorf("self-test: the detector saw %d client connections for one bare TCP connection to %s:\n%s",
			len(conns), c2s, strings.Join(conns, "\n"))
	}
	return nil
}

// c2sConnected matches the line Prosody (0.12 and 13.0, mod_c2s) logs at
// info level when it accepts a connection on a client port: the source is
// the new session's logger, "c2s" and the hex address of the session
// (core/sessionmanager.lua). A bare TCP connect and close logs it, then
// "Client disconnected: connection closed" (0.12.3) or "Client
// disconnected: closed" (13.0.1), from the same source. Lines of other
// sources (mod_cron's periodic tasks, mam, http_file_share pruning, ...)
// are not about connections. (On a direct TLS port a bare connection logs
// nothing at info; the healthcheck probes the STARTTLS client port.)
var c2sConnected = regexp.MustCompile(`^(c2s[0-9a-f]+)\s+info\tClient connected$`)

// connectionsDuring runs action between two log barriers and returns the
// "Client connected" lines (with the lines of the same sessions) of the
// connections made during it, the barriers' own excluded.
func (r *cellRun) connectionsDuring(action func() error) ([]string, error) {
	before, _, err := r.logBarrier()
	if err != nil {
		return nil, err
	}
	if err := action(); err != nil {
		return nil, err
	}
	upto, barrier, err := r.logBarrier()
	if err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimSuffix(upto[len(before):], "\n"), "\n")
	// The barrier's own session is the last one that connected with its
	// name (a name is an address, which a later session may reuse).
	own := -1
	for i, l := range lines {
		if m := c2sConnected.FindStringSubmatch(l); m != nil && m[1] == barrier {
			own = i
		}
	}
	var conns []string
	for i, l := range lines {
		m := c2sConnected.FindStringSubmatch(l)
		if m == nil || i == own {
			continue
		}
		session := []string{l}
		for _, s := range lines[i+1:] {
			if f := strings.Fields(s); len(f) == 0 || f[0] != m[1] {
				continue
			}
			if c2sConnected.MatchString(s) {
				break // the next session at this address
			}
			session = append(session, s)
		}
		conns = append(conns, strings.Join(session, "\n"))
	}
	return conns, nil
}

var barrierCount struct {
	sync.Mutex
	n int
}

// logBarrier opens a client stream and closes it with a stream error whose
// text is new each time; Prosody logs "Session closed by remote with
// error: undefined-condition (TEXT)" from that session. It waits (bounded)
// until that line is in the log and returns the log up to and including
// it, and the session's logger name. Prosody accepts connections one at a
// time in the order they arrived, logs "Client connected" as it accepts
// each, and its console log is line-buffered: so every connection made
// before the barrier has its "Client connected" line before the returned
// end, and every one made after has it after.
func (r *cellRun) logBarrier() (upto, session string, err error) {
	barrierCount.Lock()
	barrierCount.n++
	text := fmt.Sprintf("pw-e2e-log-barrier-%d-%d", os.Getpid(), barrierCount.n)
	barrierCount.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := r.dialC2S(ctx, r.a.Primary(), nil)
	if err != nil {
		return "", "", fmt.Errorf("log barrier: %w", err)
	}
	_, err = fmt.Fprintf(c.Net, "<stream:error><undefined-condition xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"+
		"<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>%s</text></stream:error></stream:stream>", text)
	if err == nil {
		// Read until prosody closes, so that our close cannot reset the
		// connection before prosody has read the error.
		_, err = io.Copy(io.Discard, c.Net)
	}
	c.Net.Close()
	if err != nil {
		return "", "", fmt.Errorf("log barrier: %w", err)
	}
	marker := regexp.MustCompile(`(?m)^(c2s[0-9a-f]+)\s+info\tSession closed by remote with error: undefined-condition \(` + text + `\)\n`)
	var m []int
	const limit = 15 * time.Second
	if !testkit.WaitUntil(limit, func() bool {
		m = marker.FindStringSubmatchIndex(r.log.String())
		return m != nil
	}) {
		return "", "", fmt.Errorf("log barrier: prosody did not log the stream error %q within %v:\n%s", text, limit, r.log.String())
	}
	log := r.log.String()
	return log[:m[1]], log[m[2]:m[3]], nil
}

// unhealthy: once prosody has stopped, the healthcheck fails.
func (r *cellRun) unhealthy() error {
	if r.a.Deploy == config.DeployHost {
		return nil
	}
	if out, err := r.healthcheck(); err == nil {
		return fmt.Errorf("healthcheck.sh says healthy after prosody stopped:\n%s", out)
	}
	return nil
}

// sendxmpp runs go-sendxmpp, a real XMPP client, in the namespace. It
// verifies the server's certificate against the generated one
// (SSL_CERT_FILE), never skipping verification.
func (r *cellRun) sendxmpp(ctx context.Context, stdin string, args ...string) *exec.Cmd {
	return r.sendxmppAt(ctx, r.a.Ports.C2S, stdin, args...)
}

// sendxmppAt runs go-sendxmpp against port, trusting r.trustFile only.
func (r *cellRun) sendxmppAt(ctx context.Context, port int, stdin string, args ...string) *exec.Cmd {
	full := append([]string{"SSL_CERT_FILE=" + r.trustFile, "go-sendxmpp", "-j", fmt.Sprintf("127.0.0.1:%d", port)}, args...)
	cmd := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", r.ns.name, "env"}, full...)...)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	return cmd
}

func (r *cellRun) jid(user string) string { return user + "@" + r.a.Primary() }

const offlineBody = "e2e offline message"

func (r *cellRun) offlineMessage() error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	out, err := r.sendxmpp(ctx, offlineBody, "-u", r.jid("alice"), "-p", e2ePasswordAlice, r.jid("bob")).CombinedOutput()
	if err != nil {
		return fmt.Errorf("go-sendxmpp as alice: %v\n%s", err, out)
	}
	return nil
}

// offlineStored finds the message in bob's offline store, in whatever
// storage the answers chose.
func (r *cellRun) offlineStored() error {
	return testkit.WaitFor(5*time.Second, func() (bool, string) {
		got := r.storageQuery("offline")
		return strings.Contains(got, offlineBody), got
	})
}

// storageQuery reads a store for bob (offline) or the accounts.
func (r *cellRun) storageQuery(store string) string {
	host := prosodyPathEncode(r.a.Primary())
	switch r.a.Database.Driver {
	case config.DriverInternal:
		if store == "offline" {
			data, _ := os.ReadFile(filepath.Join(r.dataDir, host, "offline", "bob.list"))
			return string(data)
		}
		names, _ := filepath.Glob(filepath.Join(r.dataDir, host, "accounts", "*.dat"))
		return strings.Join(names, "\n")
	case config.DriverSQLite:
		db := filepath.Join(r.dataDir, r.a.Database.Name+".sqlite")
		q := "select value from prosodyarchive where store='offline' and \"user\"='bob'"
		if store == "accounts" {
			q = "select distinct \"user\" from prosody where store='accounts'"
		}
		out, _ := exec.Command("sqlite3", db, q).CombinedOutput()
		return string(out)
	case config.DriverPostgres:
		q := "select value from prosodyarchive where store='offline' and \"user\"='bob'"
		if store == "accounts" {
			q = "select distinct \"user\" from prosody where store='accounts'"
		}
		cmd := r.ns.command("psql", "-h", "127.0.0.1", "-U", r.a.Database.User, "-d", r.a.Database.Name, "-tA", "-c", q)
		cmd.Env = append(os.Environ(), "PGPASSWORD="+r.dbPass)
		out, _ := cmd.CombinedOutput()
		return string(out)
	case config.DriverMySQL:
		q := "select value from prosodyarchive where store='offline' and `user`='bob'"
		if store == "accounts" {
			q = "select distinct `user` from prosody where store='accounts'"
		}
		out, _ := r.ns.command("mariadb", "--no-defaults", "-h", "127.0.0.1", "-u", r.a.Database.User, "-p"+r.dbPass,
			r.a.Database.Name, "-N", "-e", q).CombinedOutput()
		return string(out)
	}
	return ""
}

// prosodyPathEncode encodes a name the way Prosody's datamanager does for
// file names: every non-alphanumeric byte as %xx.
func prosodyPathEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02x", c)
		}
	}
	return b.String()
}

// liveMessage logs bob in with a listening client, which first gets the
// offline message, then a message alice sends now.
func (r *cellRun) liveMessage() error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	listener := r.sendxmpp(ctx, "", "-u", r.jid("bob"), "-p", e2ePasswordBob, "-l")
	var out testkit.SyncBuffer
	listener.Stdout, listener.Stderr = &out, &out
	if err := listener.Start(); err != nil {
		return err
	}
	defer func() { _ = listener.Process.Kill(); _ = listener.Wait() }()
	if err := testkit.WaitFor(10*time.Second, func() (bool, string) { return strings.Contains(out.String(), offlineBody), out.String() }); err != nil {
		return fmt.Errorf("bob did not get the offline message: %w", err)
	}
	live := fmt.Sprintf("e2e live message %d", time.Now().UnixNano())
	if msg, err := r.sendxmpp(ctx, live, "-u", r.jid("alice"), "-p", e2ePasswordAlice, r.jid("bob")).CombinedOutput(); err != nil {
		return fmt.Errorf("go-sendxmpp as alice: %v\n%s", err, msg)
	}
	if err := testkit.WaitFor(10*time.Second, func() (bool, string) { return strings.Contains(out.String(), live), out.String() }); err != nil {
		return fmt.Errorf("bob's listening client did not print the live message: %w", err)
	}
	return nil
}

func (r *cellRun) wrongPassword() error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	out, err := r.sendxmpp(ctx, "should not arrive", "-u", r.jid("alice"), "-p", "wrong-password", r.jid("bob")).CombinedOutput()
	if err == nil {
		return fmt.Errorf("go-sendxmpp logged in with a wrong password:\n%s", out)
	}
	return nil
}

// plainRefused: a client that will not do TLS is offered no login, and a
// PLAIN attempt in clear text fails.
func (r *cellRun) plainRefused() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := r.dialC2S(ctx, r.a.Primary(), nil)
	if err != nil {
		return err
	}
	defer c.Close()
	if !strings.Contains(c.Features, "<required") || !strings.Contains(c.Features, "xmpp-tls") {
		return fmt.Errorf("STARTTLS is not required: %s", c.Features)
	}
	if err := c.AuthPlain("alice", e2ePasswordAlice); err == nil {
		return fmt.Errorf("logged in without TLS")
	}
	return nil
}

func (r *cellRun) accountsStored() error {
	got := r.storageQuery("accounts")
	for _, u := range []string{"alice", "bob"} {
		if !strings.Contains(got, u) {
			return fmt.Errorf("%s storage has no account %s:\n%s", r.a.Database.Driver, u, got)
		}
	}
	return nil
}

// dialC2S opens a stream to domain on the cell's client port (STARTTLS,
// the certificate checked against roots; nil: not checked).
func (r *cellRun) dialC2S(ctx context.Context, domain string, roots *x509.CertPool) (*xmpptest.Conn, error) {
	return xmpptest.Dial(ctx, r.ns.dial, fmt.Sprintf("127.0.0.1:%d", r.a.Ports.C2S), domain, roots)
}

// login opens an authenticated stream as alice with our own client.
func (r *cellRun) login(ctx context.Context) (*xmpptest.Conn, error) {
	c, err := r.dialC2S(ctx, r.a.Primary(), r.roots)
	if err != nil {
		return nil, err
	}
	if err := c.AuthPlain("alice", e2ePasswordAlice); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// components: the server lists every enabled component; the MUC accepts a
// room join; the file share hands out an upload slot and takes an HTTP PUT.
func (r *cellRun) components() error {
	return r.asAlice(r.componentsAs)
}

// asAlice runs fn on a logged-in stream of alice's, closed afterwards.
func (r *cellRun) asAlice(fn func(ctx context.Context, c *xmpptest.Conn) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := r.login(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	return fn(ctx, c)
}

func (r *cellRun) componentsAs(ctx context.Context, c *xmpptest.Conn) error {
	items, err := c.IQ("get", r.a.Primary(), "<query xmlns='http://jabber.org/protocol/disco#items'/>")
	if err != nil {
		return err
	}
	for _, host := range []string{r.a.Components.MUC, r.a.Components.Upload, r.a.Components.Proxy65} {
		if host != "" && !listsJID(items, host) {
			return fmt.Errorf("disco#items of %s does not list %s: %s", r.a.Primary(), host, items)
		}
	}
	for _, d := range r.a.Domains[1:] {
		other, err := c.IQ("get", d, "<query xmlns='http://jabber.org/protocol/disco#items'/>")
		if err != nil {
			return err
		}
		for _, host := range []string{r.a.Components.MUC, r.a.Components.Upload} {
			if host != "" && !listsJID(other, host) {
				return fmt.Errorf("disco#items of %s does not list %s: %s", d, host, other)
			}
		}
	}
	if muc := r.a.Components.MUC; muc != "" {
		if err := c.JoinRoom("e2e@" + muc); err != nil {
			return err
		}
	}
	if up := r.a.Components.Upload; up != "" {
		if _, err := r.upload(ctx, c, up, "hello from e2e\n"); err != nil {
			return err
		}
	}
	return nil
}

// upload shares body through the file share up (XEP-0363): a slot, the
// PUT, a GET of it; the URL it is served at.
func (r *cellRun) upload(ctx context.Context, c *xmpptest.Conn, up, body string) (string, error) {
	s, err := c.Upload(ctx, r.web(), up, "hello.txt", "text/plain", []byte(body))
	return s.Get, err
}

// listsJID reports whether a disco#items result has an item for jid.
func listsJID(items, jid string) bool {
	return strings.Contains(items, "jid='"+jid+"'") || strings.Contains(items, `jid="`+jid+`"`)
}

// httpClient reaches the cell's HTTPS side as web does, trusting the
// cell's certificate only.
func (r *cellRun) httpClient() *http.Client { return r.web().Client() }

// stop sends SIGTERM: prosody must exit 0 within 5 s, and nothing it
// started may be left in the namespace.
func (r *cellRun) stop() error {
	exited, code, took := r.prosody.stop(5 * time.Second)
	if !exited {
		return fmt.Errorf("prosody still running 5 s after SIGTERM (killed)")
	}
	if code != 0 {
		return fmt.Errorf("prosody exited %d after SIGTERM (%v):\n%s", code, took, r.log.String())
	}
	if r.db == nil {
		if left := r.leftInNamespace(); len(left) > 0 {
			return fmt.Errorf("processes left after prosody stopped: %v", left)
		}
	}
	return nil
}

// logClean: prosody logged no error-level line.
func (r *cellRun) logClean() error {
	var errs []string
	sc := bufio.NewScanner(strings.NewReader(r.log.String()))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[1] == "error" {
			errs = append(errs, sc.Text())
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("prosody logged errors:\n%s\n\nthe whole log:\n%s", strings.Join(errs, "\n"), r.log.String())
	}
	return nil
}
