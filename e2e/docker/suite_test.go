package dockere2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"prosody-wizard/config"
	"prosody-wizard/internal/testkit"
	"prosody-wizard/internal/xmpptest"
	"prosody-wizard/scaffold"
)

// dockerCell is one generated repo the suite runs: the answers (without
// version, prosody and ports, which the suite adds) and the stand-ins its
// override file names.
type dockerCell struct {
	name   string
	series config.Series
	// answers, as YAML lines.
	answers string
	// portBase: the cell's published ports are portBase+22 (c2s), +23
	// (direct TLS), +69 (s2s) and +81 (https), so cells run side by side.
	// 5200 gives the conventional ports.
	portBase int
	// breakProsody, for the self-test only, is added to the prosody
	// service in the override file.
	breakProsody string
	// steps, when set, are the cell's steps instead of the matrix's.
	steps func(*cellRun) []cellStep
}

// The password the SQL cells give their database: quotes, $, a backslash
// and spaces, all legal in answers, must reach the server through .env
// and compose's interpolation unchanged.
const hostilePassword = `p'a "s$HOME \x  y`

var dockerCells = []dockerCell{
	{name: "13.0-internal-turn", series: config.Series13, portBase: 5200, answers: `
domains: [example.org]
admins: [admin@example.org]
`},
	{name: "13.0-sqlite", series: config.Series13, portBase: 15100, answers: `
domains: [example.net]
admins: [admin@example.net]
database: {driver: sqlite}
turn: {host: ""}
`},
	{name: "13.0-postgres", series: config.Series13, portBase: 15200, answers: `
domains: [example.org, example.com]
admins: [boss@example.com]
registration: invite
database: {driver: postgres, password: ` + strconv.Quote(hostilePassword) + `}
turn: {host: ""}
`},
	{name: "13.0-mariadb", series: config.Series13, portBase: 15300, answers: `
domains: [example.com]
admins: [admin@example.com]
database: {driver: mysql, name: xmpp, user: xmpp, password: ` + strconv.Quote(hostilePassword) + `}
turn: {host: ""}
`},
	{name: "0.12-internal", series: config.Series012, portBase: 15400, answers: `
domains: [example.org]
admins: [admin@example.org]
turn: {host: ""}
`},
	{name: "0.12-postgres", series: config.Series012, portBase: 15500, answers: `
domains: [example.net]
admins: [admin@example.net]
database: {driver: postgres, password: ` + strconv.Quote(hostilePassword) + `}
turn: {host: ""}
`},
}

const (
	passwordAlice = "alice-secret-1"
	passwordBob   = `bob "secret" 2`
	passwordAdmin = `adm1n "pw" $HOME;'x`
)

// Bounds. The generated healthcheck runs every 30 s and the engine's first
// check comes one interval after the start, so healthy takes 30 s at
// least; a cold SQL server's first start takes a few seconds more.
const (
	buildLimit   = 10 * time.Minute
	healthyLimit = 3 * time.Minute
)

func TestDocker(t *testing.T) {
	dockerSetup(t)
	bin := testkit.Binary(t, "../..")
	// Two cells at a time: most of a cell is waiting for healthchecks.
	sem := make(chan struct{}, 2)
	for _, cell := range dockerCells {
		t.Run(cell.name, func(t *testing.T) {
			t.Parallel()
			sem <- struct{}{}
			defer func() { <-sem }()
			if err := runCell(t, bin, cell); err != nil {
				t.Fatal(err)
			}
		})
	}
	t.Cleanup(func() { report.Write(t) })
}

// TestDockerCatchesUidMismatch proves the suite fails, naming the cell and
// the step, when prosody runs as another uid than the files' owner (the
// mismatch people meet with hand-made setups): prosody cannot read its
// config and the container stops, so "every service healthy" must fail.
func TestDockerCatchesUidMismatch(t *testing.T) {
	dockerSetup(t)
	cell := dockerCells[len(dockerCells)-2]
	cell.name = "selftest-uid-mismatch"
	cell.breakProsody = `user: "4321:4321"`
	err := runCell(t, testkit.Binary(t, "../.."), cell)
	if err == nil {
		t.Fatal("the suite passed prosody running as 4321:4321 on files of 1000:1000")
	}
	for _, want := range []string{"selftest-uid-mismatch", "step every service healthy", "service prosody is"} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("the failure does not say %q: %v", want, err)
		}
	}
	t.Logf("as expected: %s", testkit.FirstLine(err.Error()))
}

// TestMain removes the binary the suite built once every test has run.
func TestMain(m *testing.M) {
	code := m.Run()
	testkit.RemoveBinary()
	os.Exit(code)
}

// dockerSetup checks the machine can run the suite: root, a Docker Engine,
// Compose v2, the base image and a client. Missing, it skips, unless
// PW_REQUIRE_DOCKER=1 (CI), where it fails.
func dockerSetup(t *testing.T) {
	t.Helper()
	need := func(ok bool, what string) { testkit.Need(t, "PW_REQUIRE_DOCKER", ok, what) }
	need(os.Getuid() == 0, "root")
	need(exec.Command("docker", "info").Run() == nil, "a running Docker Engine (docker info)")
	out, _ := exec.Command("docker", "compose", "version", "--short").Output()
	need(strings.HasPrefix(strings.TrimSpace(string(out)), "2."), "Docker Compose v2 (docker compose; .ci/docker builds it)")
	need(exec.Command("docker", "image", "inspect", "debian:bookworm-slim").Run() == nil, "the debian:bookworm-slim image (.ci/docker makes it)")
	for _, tool := range []string{"go-sendxmpp", "turnutils_uclient", "script"} {
		_, err := exec.LookPath(tool)
		need(err == nil, tool)
	}
}

// report collects step timings for the report.
var report = &testkit.Report{Title: "Docker end-to-end timings (cell, step, time)"}

// cellRun holds one cell's state while its steps run.
type cellRun struct {
	t       *testing.T
	cell    dockerCell
	bin     string
	dir     string // temp folder: answers, override, backups
	a       config.Answers
	setup   config.Setup
	p       *project
	summary string // what the CLI printed
	uid     int    // the compose owner, from compose.yaml's user:
	gid     int
	roots   *x509.CertPool
	certPEM string // the generated certificate, for go-sendxmpp
	// services are the project's services (docker compose config).
	services []string
	// acme: the Let's Encrypt cell's Pebble; nil in the others.
	acme *acme
}

// cellStep is one named step of a cell.
type cellStep struct {
	name string
	fn   func() error
}

// step runs one named step of the cell, times it and wraps its error.
func (r *cellRun) step(name string, fn func() error) error {
	return report.Step(r.t, fmt.Sprintf("%-22s", r.cell.name), r.cell.name, name, fn)
}

func runCell(t *testing.T, bin string, cell dockerCell) (err error) {
	dir, mkErr := os.MkdirTemp("", "pw-docker-")
	if mkErr != nil {
		return mkErr
	}
	_ = os.Chmod(dir, 0o755)
	r := &cellRun{t: t, cell: cell, bin: bin, dir: dir}
	r.p = &project{name: projectName(cell.name), dir: filepath.Join(dir, "repo")}
	defer func() {
		rmErr := r.step("cleanup: nothing left on the engine", r.p.remove)
		if r.acme != nil && r.acme.pebble != nil {
			if stopErr := r.acme.pebble.Stop(); rmErr == nil {
				rmErr = stopErr
			}
		}
		if err == nil {
			err = rmErr
		}
		// A self-test's failure is expected: nothing to inspect.
		if err == nil || cell.breakProsody != "" {
			os.RemoveAll(dir)
		} else {
			t.Logf("kept %s for inspection", dir)
		}
	}()
	steps := r.steps()
	switch {
	case cell.steps != nil:
		steps = cell.steps(r)
	case cell.name == leCell.name:
		steps = r.leSteps()
	}
	for _, s := range steps {
		if err := r.step(s.name, s.fn); err != nil {
			return err
		}
	}
	return nil
}

// steps are a cell's steps, but for the Let's Encrypt cell's (leSteps).
func (r *cellRun) steps() []cellStep {
	return append(r.startSteps(),
		cellStep{"admin: login and admin rights", r.adminRights},
		cellStep{"accounts alice and bob", r.register},
		cellStep{"messages both ways (STARTTLS, direct TLS)", r.messages},
		cellStep{"own config in effect: no OS in version replies", r.ownConfigInEffect},
		cellStep{"TURN credentials work", r.turn},
		cellStep{"logs show Prosody's log", r.logs},
		cellStep{"offline message, then restart", r.restart},
		cellStep{"after restart: account and message kept", r.afterRestart},
		cellStep{"data/ belongs to the compose owner", r.owners},
		cellStep{"README backup, down -v, README restore", r.backupRestore},
		cellStep{"down: in the grace period, prosody exits 0", r.down},
	)
}

// startSteps make the repo and start it as the README says, the admin
// included: how every cell begins.
func (r *cellRun) startSteps() []cellStep {
	return []cellStep{
		{"scaffold with the CLI", r.scaffold},
		{"a file of one's own in local.d", r.ownConfig},
		{"override: stand-ins only", r.override},
		{"docker compose build", r.build},
		{"docker compose up -d --build (README)", r.up},
		{"every service healthy", r.healthy},
		{"admin: the README's command", r.admin},
	}
}

// projectName is the cell's compose project: the test's own prefix, the
// cell and this process, so that nothing of another run is touched.
func projectName(cell string) string {
	clean := regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(strings.ToLower(cell), "")
	return fmt.Sprintf("pwdock-%s-%d", clean, os.Getpid())
}

// scaffold writes the answers and runs the real CLI on them, as root, so
// the owner is the CLI's default for compose (1000:1000 under root).
func (r *cellRun) scaffold() error {
	b := r.cell.portBase
	text := fmt.Sprintf("version: 1\nprosody: %q\ndeploy: compose\n%sports: {c2s: %d, c2s_direct_tls: %d, s2s: %d, https: %d}\n",
		r.cell.series, strings.TrimLeft(r.cell.answers, "\n"), b+22, b+23, b+69, b+81)
	answers := filepath.Join(r.dir, "answers.yaml")
	if err := os.WriteFile(answers, []byte(text), 0o644); err != nil {
		return err
	}
	a, err := config.Parse([]byte(text))
	if err != nil {
		return err
	}
	r.a = a
	s, problems := config.Resolve(a)
	if len(problems) > 0 {
		return problems
	}
	r.setup = s
	out, err := exec.Command(r.bin, "--answers", answers, "--out", r.p.dir).CombinedOutput()
	if err != nil {
		return fmt.Errorf("prosody-wizard failed: %v\n%s", err, out)
	}
	r.summary = string(out)
	compose, err := os.ReadFile(filepath.Join(r.p.dir, "compose.yaml"))
	if err != nil {
		return err
	}
	m := regexp.MustCompile(`(?m)^    user: "(\d+):(\d+)"`).FindSubmatch(compose)
	if m == nil {
		return fmt.Errorf("compose.yaml names no numeric user")
	}
	r.uid, _ = strconv.Atoi(string(m[1]))
	r.gid, _ = strconv.Atoi(string(m[2]))
	cert, err := os.ReadFile(filepath.Join(r.p.dir, "prosody", "certs", r.a.Primary()+".crt"))
	if err != nil {
		return err
	}
	r.certPEM = filepath.Join(r.dir, "trust.pem")
	if err := os.WriteFile(r.certPEM, cert, 0o644); err != nil {
		return err
	}
	r.roots = x509.NewCertPool()
	if !r.roots.AppendCertsFromPEM(cert) {
		return fmt.Errorf("the generated certificate does not parse")
	}
	return nil
}

// override writes the test's compose file: for each service whose image
// can't be pulled here, a local stand-in built from Debian's packages
// (standins/, named by the image's last path element: postgres, mariadb,
// coturn, certbot), and nothing else. It reads the services from compose
// itself (docker compose config), before the override exists.
func (r *cellRun) override() error {
	out, err := r.p.compose(30*time.Second, "config", "--format", "json")
	if err != nil {
		return err
	}
	var cfg struct {
		Services map[string]struct {
			Image string          `json:"image"`
			Build json.RawMessage `json:"build"`
		} `json:"services"`
	}
	if err := json.Unmarshal([]byte(out), &cfg); err != nil {
		return fmt.Errorf("docker compose config: %v", err)
	}
	r.services = r.services[:0]
	for name := range cfg.Services {
		r.services = append(r.services, name)
	}
	slices.Sort(r.services)
	if !slices.Contains(r.services, "prosody") {
		return fmt.Errorf("docker compose config names no prosody service: %v", r.services)
	}
	var b strings.Builder
	b.WriteString("# The Docker suite's override: stand-ins for the images that can't be\n# pulled here (no registry); nothing else.\nservices:\n")
	if r.cell.breakProsody != "" {
		fmt.Fprintf(&b, "  prosody:\n    %s\n", r.cell.breakProsody)
	}
	pulled := 0
	for _, service := range r.services {
		svc := cfg.Services[service]
		if svc.Build != nil || svc.Image == "" {
			continue // built here (prosody)
		}
		pulled++
		ref, _, _ := strings.Cut(svc.Image, ":")
		fmt.Fprintf(&b, "  %s:\n    image: %s\n", service, standinImage(r.t, path.Base(ref)))
		if service == "certbot" && r.acme != nil {
			b.WriteString(r.leOverride())
		}
	}
	if pulled == 0 && r.cell.breakProsody == "" {
		return nil // prosody alone: built here, no override
	}
	r.p.override = filepath.Join(r.dir, "compose.override.test.yaml")
	return os.WriteFile(r.p.override, []byte(b.String()), 0o644)
}

func (r *cellRun) build() error {
	_, err := r.p.compose(buildLimit, "build")
	return err
}

// startLine is how the README and the summary say to start.
const startLine = "docker compose up -d --build"

// up runs the README's start command as text in the repo folder (the
// image is built already, so --build finds it up to date).
func (r *cellRun) up() error {
	readme, err := os.ReadFile(filepath.Join(r.p.dir, "README.md"))
	if err != nil {
		return err
	}
	if !hasLine(string(readme), startLine) || !strings.Contains(r.summary, startLine) {
		return fmt.Errorf("README.md or the summary does not say %s", startLine)
	}
	if err := r.portsFree(); err != nil {
		return err
	}
	_, err = r.p.shell(5*time.Minute, "", startLine)
	return err
}

// portsFree: the ports the cell publishes are free on this machine, so a
// failure to start says so instead of the engine's "port is already
// allocated" (a Prosody of the machine's own on 5222, say).
func (r *cellRun) portsFree() error {
	b := r.cell.portBase
	ports := []int{b + 22, b + 23, b + 69, b + 81}
	if r.acme != nil {
		ports = append(ports, 80) // certbot's HTTP-01
	}
	for _, port := range ports {
		l, err := net.Listen("tcp", fmt.Sprintf(":%d", port))
		if err != nil {
			return fmt.Errorf("port %d, which the cell publishes, is in use on this machine: %v", port, err)
		}
		l.Close()
	}
	return nil
}

func (r *cellRun) healthy() error { return r.p.waitHealthy(healthyLimit, r.services) }

// account is the admin command the README and the summary give.
func (r *cellRun) account() scaffold.AccountCommand { return scaffold.FirstAccount(r.setup) }

// admin runs the README's command for the admin, as text, in the repo
// folder: 13.0 prints an invitation link, which a client redeems over the
// published port choosing passwordAdmin; 0.12's prosodyctl adduser asks
// for the password twice, typed at a terminal (script gives it one).
func (r *cellRun) admin() error {
	account := r.account()
	line := account.String()
	readme, err := os.ReadFile(filepath.Join(r.p.dir, "README.md"))
	if err != nil {
		return err
	}
	if !hasLine(string(readme), line) {
		return fmt.Errorf("README.md does not give %s on a line of its own", line)
	}
	if !slices.ContainsFunc(strings.Split(r.summary, "\n"), func(l string) bool { return strings.TrimSpace(l) == line }) {
		return fmt.Errorf("the summary does not print %s on a line of its own:\n%s", line, r.summary)
	}
	if account.Invite {
		out, err := r.p.shell(time.Minute, "", line)
		if err != nil {
			return err
		}
		m := xmpptest.InviteLink.FindStringSubmatch(out)
		if m == nil || m[1] != account.JID {
			return fmt.Errorf("no invitation link for %s in:\n%s", account.JID, out)
		}
		user, domain, _ := strings.Cut(account.JID, "@")
		return r.withConn(domain, r.cell.portBase+22, func(c *xmpptest.Conn) error { return c.SignUp(user, passwordAdmin, m[2]) })
	}
	// As typed at a terminal: script runs the line on a pseudo-terminal,
	// so docker compose exec gives prosodyctl one, and the password is
	// typed at each of its two prompts, after the prompt shows.
	return r.typeAtPrompts(line, []string{"Enter new password:", "Retype new password:"}, passwordAdmin)
}

// typeAtPrompts runs line on a pseudo-terminal (script) in the repo and
// types answer at each prompt once it shows, as a person does; the answer
// (a password) must not be echoed back.
func (r *cellRun) typeAtPrompts(line string, prompts []string, answer string) error {
	return typeAtPrompts(r.p.dir, r.p.env(), line, prompts, answer)
}

// typeAtPrompts runs line on a pseudo-terminal (script) in dir with env
// and types answer at each prompt once it shows; the answer must not be
// echoed back.
func typeAtPrompts(dir string, env []string, line string, prompts []string, answer string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "script", "-qec", line, "/dev/null")
	cmd.Dir, cmd.Env, cmd.WaitDelay = dir, env, time.Second
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	var out testkit.SyncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	seen := 0
	for _, prompt := range prompts {
		if err := testkit.WaitFor(30*time.Second, func() (bool, string) {
			return strings.Count(out.String(), prompt) > 0 && len(out.String()) > seen, out.String()
		}); err != nil {
			return fmt.Errorf("%s: no prompt %q: %w", line, prompt, err)
		}
		seen = len(out.String())
		if _, err := io.WriteString(stdin, answer+"\n"); err != nil {
			return err
		}
	}
	stdin.Close()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-ctx.Done():
		return fmt.Errorf("%s: still running after a minute:\n%s", line, out.String())
	}
	if err != nil {
		return fmt.Errorf("%s: %v\n%s", line, err, out.String())
	}
	if strings.Contains(out.String(), answer) {
		return fmt.Errorf("%s echoed the password at the terminal:\n%s", line, out.String())
	}
	return nil
}

// adminRights: the admin logs in and may run an admin-only command.
func (r *cellRun) adminRights() error {
	user, domain, _ := strings.Cut(r.account().JID, "@")
	return r.withConn(domain, r.cell.portBase+22, func(c *xmpptest.Conn) error {
		if err := c.AuthPlain(user, passwordAdmin); err != nil {
			return err
		}
		return c.ListModulesOn(domain)
	})
}

// Own config: a person's file in the repo's own-config folder, with an
// option Prosody 0.12 and 13.0 read alike and a client sees (mod_version's
// hide_os_type), as the README's "Your own settings" says.
const (
	ownConfigFile = "docker-e2e.cfg.lua"
	ownConfigText = "-- Added by the Docker suite: answer version queries without the OS.\nhide_os_type = true\n"
)

// ownConfig adds the person's own file before the first start. It is
// written as the compose owner (as a person on the host would), mode 0644.
func (r *cellRun) ownConfig() error {
	dir := filepath.Join(r.p.dir, "prosody", scaffold.OwnConfigDir)
	if _, err := os.Stat(filepath.Join(dir, "example.cfg.lua")); err != nil {
		return fmt.Errorf("the repo has no own-config example: %v", err)
	}
	file := filepath.Join(dir, ownConfigFile)
	if err := os.WriteFile(file, []byte(ownConfigText), 0o644); err != nil {
		return err
	}
	return os.Chown(file, r.uid, r.gid)
}

// ownConfigInEffect: alice asks the server its version; the reply names
// Prosody but not the operating system.
func (r *cellRun) ownConfigInEffect() error {
	return r.withConn(r.a.Primary(), r.cell.portBase+22, func(c *xmpptest.Conn) error {
		if err := c.AuthPlain("alice", passwordAlice); err != nil {
			return err
		}
		if err := c.VersionWithoutOS(r.a.Primary()); err != nil {
			return fmt.Errorf("hide_os_type from prosody/%s/%s is not in effect: %w", scaffold.OwnConfigDir, ownConfigFile, err)
		}
		return nil
	})
}

// register makes alice and bob on the primary domain with prosodyctl in
// the running container.
func (r *cellRun) register() error {
	for _, u := range [][2]string{{"alice", passwordAlice}, {"bob", passwordBob}} {
		if _, err := r.p.compose(time.Minute, "exec", "-T", "prosody", "prosodyctl", "register", u[0], r.a.Primary(), u[1]); err != nil {
			return err
		}
	}
	return nil
}

// withConn opens a STARTTLS stream to domain on the published port, the
// certificate checked against the generated one, and runs fn on it.
func (r *cellRun) withConn(domain string, port int, fn func(*xmpptest.Conn) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var d net.Dialer
	c, err := xmpptest.Dial(ctx, d.DialContext, fmt.Sprintf("127.0.0.1:%d", port), domain, r.roots)
	if err != nil {
		return err
	}
	defer c.Close()
	return fn(c)
}

func (r *cellRun) jid(user string) string { return user + "@" + r.a.Primary() }

// sendxmpp runs go-sendxmpp, a real client, from the host against a
// published port, trusting only the generated certificate.
func (r *cellRun) sendxmpp(ctx context.Context, stdin string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "go-sendxmpp", args...)
	cmd.Env = append(os.Environ(), "SSL_CERT_FILE="+r.certPEM)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.WaitDelay = time.Second
	return cmd
}

// as is go-sendxmpp's login for user: over STARTTLS on the client port,
// or direct TLS on the other.
func (r *cellRun) as(user, password string, directTLS bool) []string {
	if directTLS {
		return []string{"-t", "-j", fmt.Sprintf("127.0.0.1:%d", r.cell.portBase+23), "-u", r.jid(user), "-p", password}
	}
	return []string{"-j", fmt.Sprintf("127.0.0.1:%d", r.cell.portBase+22), "-u", r.jid(user), "-p", password}
}

// exchange has to listen (over STARTTLS) while from sends it body (over
// direct TLS if directTLS); the listener must print it.
func (r *cellRun) exchange(from, fromPass, to, toPass string, directTLS bool, body string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	listener := r.sendxmpp(ctx, "", append(r.as(to, toPass, false), "-l")...)
	var out testkit.SyncBuffer
	listener.Stdout, listener.Stderr = &out, &out
	if err := listener.Start(); err != nil {
		return err
	}
	defer func() { _ = listener.Process.Kill(); _ = listener.Wait() }()
	// The listener is online once the server has its presence; until then
	// the message would go to the offline store, and arrive all the same.
	send := r.sendxmpp(ctx, body, append(r.as(from, fromPass, directTLS), r.jid(to))...)
	if msg, err := send.CombinedOutput(); err != nil {
		return fmt.Errorf("go-sendxmpp as %s: %v\n%s", from, err, msg)
	}
	if err := testkit.WaitFor(15*time.Second, func() (bool, string) { return strings.Contains(out.String(), body), out.String() }); err != nil {
		return fmt.Errorf("%s's client did not print %q: %w", to, body, err)
	}
	return nil
}

// messages: alice to bob over STARTTLS, bob to alice over direct TLS.
func (r *cellRun) messages() error {
	if err := r.exchange("alice", passwordAlice, "bob", passwordBob, false, "docker e2e: alice to bob"); err != nil {
		return err
	}
	return r.exchange("bob", passwordBob, "alice", passwordAlice, true, "docker e2e: bob to alice over direct TLS")
}

// turn: with coturn in the repo, Prosody hands alice TURN credentials
// (XEP-0215) and coturn, on the host's network, accepts them for an
// allocation; the relay to a loopback peer is refused.
func (r *cellRun) turn() error {
	if !slices.Contains(r.services, "coturn") {
		return nil
	}
	var services string
	err := r.withConn(r.a.Primary(), r.cell.portBase+22, func(c *xmpptest.Conn) error {
		if err := c.AuthPlain("alice", passwordAlice); err != nil {
			return err
		}
		var err error
		services, err = c.IQ("get", r.a.Primary(), "<services xmlns='urn:xmpp:extdisco:2'/>")
		return err
	})
	if err != nil {
		return err
	}
	var user, pass string
	for _, svc := range regexp.MustCompile(`<service [^>]*>`).FindAllString(services, -1) {
		if attr(svc, "type") == "turn" && attr(svc, "transport") == "udp" {
			user, pass = attr(svc, "username"), attr(svc, "password")
		}
	}
	if user == "" || pass == "" {
		return fmt.Errorf("no TURN credentials in %s", services)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	out, _ := exec.CommandContext(ctx, "turnutils_uclient", "-u", user, "-w", pass, "-p", strconv.Itoa(r.a.TURN.Port),
		"-n", "1", "-m", "1", "-e", "127.0.0.1", "127.0.0.1").CombinedOutput()
	switch {
	case strings.Contains(string(out), "Cannot complete Allocation") || strings.Contains(string(out), "401"):
		logs, _ := r.p.compose(30*time.Second, "logs", "--no-color", "coturn")
		return fmt.Errorf("coturn refused Prosody's credentials:\n%s\ncoturn:\n%s", out, logs)
	case !strings.Contains(string(out), "Forbidden IP"):
		return fmt.Errorf("coturn relayed to a loopback peer, or the allocation did not happen:\n%s", out)
	}
	return nil
}

// attr is an XML attribute's value in a tag, quoted either way.
func attr(tag, name string) string {
	m := regexp.MustCompile(`\s` + name + `=(?:'([^']*)'|"([^"]*)")`).FindStringSubmatch(tag)
	if m == nil {
		return ""
	}
	return m[1] + m[2]
}

// logs: docker compose logs prosody shows Prosody's own log (it logs to
// the console in the container), the start and the logins among it.
func (r *cellRun) logs() error {
	out, err := r.p.compose(30*time.Second, "logs", "--no-color", "prosody")
	if err != nil {
		return err
	}
	for _, want := range []string{"Hello and welcome to Prosody", "Activated service 'c2s'", "Authenticated as alice@" + r.a.Primary()} {
		if !strings.Contains(out, want) {
			return fmt.Errorf("docker compose logs prosody has no %q:\n%s", want, lastLines(out, 40))
		}
	}
	return nil
}

const offlineBody = "docker e2e: while bob was away"

// restart: alice sends bob a message while he is offline, then docker
// compose restart, and every service is healthy again.
func (r *cellRun) restart() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if out, err := r.sendxmpp(ctx, offlineBody, append(r.as("alice", passwordAlice, false), r.jid("bob"))...).CombinedOutput(); err != nil {
		return fmt.Errorf("go-sendxmpp as alice: %v\n%s", err, out)
	}
	if _, err := r.p.compose(2*time.Minute, "restart"); err != nil {
		return err
	}
	return r.p.waitHealthy(healthyLimit, r.services)
}

// afterRestart: bob logs in with his password and gets the message.
func (r *cellRun) afterRestart() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	listener := r.sendxmpp(ctx, "", append(r.as("bob", passwordBob, false), "-l")...)
	var out testkit.SyncBuffer
	listener.Stdout, listener.Stderr = &out, &out
	if err := listener.Start(); err != nil {
		return err
	}
	defer func() { _ = listener.Process.Kill(); _ = listener.Wait() }()
	return testkit.WaitFor(15*time.Second, func() (bool, string) { return strings.Contains(out.String(), offlineBody), out.String() })
}

// owners: on the host, everything under data/ belongs to the owner
// compose.yaml runs prosody as (no uid mismatch), and there is something
// there (the accounts at least, or the SQLite file).
func (r *cellRun) owners() error {
	wrong, n, err := dataOwners(filepath.Join(r.p.dir, "data"), r.uid, r.gid)
	if err != nil {
		return err
	}
	if len(wrong) > 0 {
		return fmt.Errorf("under data/, not owned by %d:%d: %s", r.uid, r.gid, strings.Join(wrong, ", "))
	}
	if n < 2 && r.a.Database.Driver != config.DriverPostgres && r.a.Database.Driver != config.DriverMySQL {
		return fmt.Errorf("data/ is empty: prosody stored nothing there")
	}
	return nil
}

// down: docker compose down stops prosody within its stop_grace_period
// (10 s) and prosody exits 0 (docker wait, started before, reports the
// exit code of the container down then removes).
func (r *cellRun) down() error {
	id, err := r.p.compose(30*time.Second, "ps", "-q", "prosody")
	if err != nil {
		return err
	}
	id = strings.TrimSpace(id)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	wait := exec.CommandContext(ctx, "docker", "wait", id)
	var code testkit.SyncBuffer
	wait.Stdout = &code
	if err := wait.Start(); err != nil {
		return err
	}
	start := time.Now()
	out, err := r.p.compose(time.Minute, "down")
	took := time.Since(start)
	waitErr := wait.Wait()
	if err != nil {
		return err
	}
	if waitErr != nil {
		return fmt.Errorf("docker wait %s: %v", id, waitErr)
	}
	if c := strings.TrimSpace(code.String()); c != "0" {
		return fmt.Errorf("prosody exited %s on docker compose down:\n%s", c, out)
	}
	if took > 10*time.Second {
		return fmt.Errorf("docker compose down took %v, more than the 10 s grace period", took.Round(time.Millisecond))
	}
	return r.p.noNamelessVolumes()
}

// ownerOf is a file's numeric owner.
func ownerOf(info os.FileInfo) (int, int) {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return -1, -1
	}
	return int(st.Uid), int(st.Gid)
}

// servedCert is the leaf certificate a STARTTLS client sees for domain on
// port, checked against roots.
func servedCert(port int, domain string, roots *x509.CertPool) (*x509.Certificate, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var d net.Dialer
	c, err := xmpptest.Dial(ctx, d.DialContext, fmt.Sprintf("127.0.0.1:%d", port), domain, roots)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.Net.(*tls.Conn).ConnectionState().PeerCertificates[0], nil
}

// TestDockerLegacyBuilder builds the generated Dockerfile, as is, with the
// legacy builder (DOCKER_BUILDKIT=0): what Debian's own docker.io 20.10
// and docker-compose 1.29 use, without BuildKit. Then the image's prosody
// must be the series the answers chose.
func TestDockerLegacyBuilder(t *testing.T) {
	dockerSetup(t)
	bin := testkit.Binary(t, "../..")
	t.Cleanup(func() { report.Write(t) })
	for _, series := range config.AllSeries {
		t.Run(string(series), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			answers := filepath.Join(dir, "answers.yaml")
			text := fmt.Sprintf("version: 1\nprosody: %q\ndomains: [example.org]\nturn: {host: \"\"}\n", series)
			if err := os.WriteFile(answers, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			repo := filepath.Join(dir, "repo")
			if out, err := exec.Command(bin, "--answers", answers, "--out", repo).CombinedOutput(); err != nil {
				t.Fatalf("prosody-wizard: %v\n%s", err, out)
			}
			tag := fmt.Sprintf("pwdock-legacy-%s-%d", strings.ReplaceAll(string(series), ".", ""), os.Getpid())
			t.Cleanup(func() { _ = exec.Command("docker", "image", "rm", "--force", tag).Run() })
			name := "legacy-" + string(series)
			err := report.Step(t, fmt.Sprintf("%-22s", name), name, "DOCKER_BUILDKIT=0 docker build", func() error {
				ctx, cancel := context.WithTimeout(context.Background(), buildLimit)
				defer cancel()
				build := exec.CommandContext(ctx, "docker", "build", "--force-rm", "--build-arg", "PROSODY_SERIES="+string(series), "-t", tag, ".")
				build.Dir = repo
				build.Env = append(os.Environ(), "DOCKER_BUILDKIT=0")
				out, err := build.CombinedOutput()
				if err != nil {
					return fmt.Errorf("the legacy builder refused the generated Dockerfile: %v\n%s", err, lastLines(string(out), 30))
				}
				if !strings.Contains(string(out), "Successfully built") {
					return fmt.Errorf("not the legacy builder's output:\n%s", lastLines(string(out), 30))
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			version, err := exec.Command("docker", "run", "--rm", "--entrypoint", "dpkg-query", tag, "-W", "-f=${Version}", "prosody").Output()
			if err != nil || !strings.HasPrefix(string(version), string(series)+".") {
				t.Fatalf("the image has prosody %q (%v), want %s", version, err, series)
			}
		})
	}
}

// backupRestore runs the README's backup lines (scaffold.Backup), then
// docker compose down -v, which deletes the named volumes (a database
// service's data), and for storage in data/ the folder is lost as well;
// then the README's restore lines. Every service is healthy again, alice
// logs in and her message archive still holds what she sent.
func (r *cellRun) backupRestore() error {
	cmds := scaffold.Backup(r.setup)
	if len(cmds.Backup) == 0 {
		return fmt.Errorf("scaffold.Backup gives no commands for %s", r.a.Database.Driver)
	}
	readme, err := os.ReadFile(filepath.Join(r.p.dir, "README.md"))
	if err != nil {
		return err
	}
	for _, line := range append(slices.Clone(cmds.Backup), cmds.Restore...) {
		if !hasLine(string(readme), line) {
			return fmt.Errorf("README.md does not give %s on a line of its own", line)
		}
	}
	for _, line := range cmds.Backup {
		if _, err := r.p.shell(3*time.Minute, "", line); err != nil {
			return fmt.Errorf("backup: %w", err)
		}
	}
	if info, err := os.Stat(filepath.Join(r.p.dir, cmds.File)); err != nil || info.Size() == 0 {
		return fmt.Errorf("backup: no %s after the backup lines (%v)", cmds.File, err)
	}
	if _, err := r.p.compose(2*time.Minute, "down", "-v"); err != nil {
		return err
	}
	if !r.setup.Driver.Network {
		if err := os.RemoveAll(filepath.Join(r.p.dir, "data")); err != nil {
			return err
		}
	}
	for _, line := range cmds.Restore {
		if _, err := r.p.shell(5*time.Minute, "", line); err != nil {
			return fmt.Errorf("restore: %w", err)
		}
	}
	if err := r.p.waitHealthy(healthyLimit, r.services); err != nil {
		return fmt.Errorf("after the restore: %w", err)
	}
	return r.archiveHolds("docker e2e: alice to bob")
}

// archiveHolds: alice logs in and her message archive (XEP-0313, mod_mam)
// has a message with body.
func (r *cellRun) archiveHolds(body string) error {
	return r.withConn(r.a.Primary(), r.cell.portBase+22, func(c *xmpptest.Conn) error {
		if err := c.AuthPlain("alice", passwordAlice); err != nil {
			return fmt.Errorf("alice cannot log in: %w", err)
		}
		if err := c.Send("<iq type='set' id='mam1'><query xmlns='urn:xmpp:mam:2' queryid='q1'/></iq>"); err != nil {
			return err
		}
		var found []string
		_, err := c.WaitFor(func(s xmpptest.Stanza) bool {
			if s.XMLName.Local == "message" && strings.Contains(s.Inner, "urn:xmpp:mam:2") {
				found = append(found, s.Inner)
			}
			return s.XMLName.Local == "iq" && s.Attr("id") == "mam1"
		})
		if err != nil {
			return fmt.Errorf("alice's archive: %w", err)
		}
		for _, m := range found {
			if strings.Contains(m, body) {
				return nil
			}
		}
		return fmt.Errorf("alice's archive has no %q among %d messages:\n%s", body, len(found), strings.Join(found, "\n"))
	})
}
