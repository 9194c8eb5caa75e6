package dockere2e

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"prosody-wizard/config"
	"prosody-wizard/internal/kubecheck"
	"prosody-wizard/internal/testkit"
	"prosody-wizard/internal/xmpptest"
	"prosody-wizard/scaffold"
)

// kubeCell is one deploy: kubernetes repo whose pod the suite runs on the
// Docker Engine (see podMirror).
type kubeCell struct {
	name    string
	series  config.Series
	answers string // YAML lines, without version, prosody, deploy and kubernetes
	// port is where the pod's c2s port is published on 127.0.0.1; direct
	// TLS is on port+1. In 16100–16199.
	port int
	// postgres: run the postgres stand-in on the test's network, as
	// kubeDBHost.
	postgres bool
	// breakPod, for the self-test, changes the rendered pod before it runs.
	breakPod func(*corev1.PodSpec)
	// image, when set, is the image's name instead of the cell's own (the
	// self-test builds the 13.0 cell's, which the cache then has).
	image string
}

// kubeDBHost is the database's host name in the answers: the stand-in's
// alias on the test's own network, as a cluster's Service name would be.
const kubeDBHost = "pw-pod-postgres"

// kubePassword is hostilePassword with a shell's command substitutions
// too: it goes from secrets/ through the Secret, the pod's environment
// and Prosody's ENV_ to PostgreSQL.
const kubePassword = hostilePassword + " `id` $(id)"

var kubeCells = []kubeCell{
	{name: "13.0-internal", series: config.Series13, port: 16122, answers: `
domains: [example.org]
admins: [admin@example.org]
`},
	{name: "0.12-postgres", series: config.Series012, port: 16132, postgres: true, answers: `
domains: [example.net]
admins: [admin@example.net]
database: {driver: postgres, host: ` + kubeDBHost + `, password: ` + strconv.Quote(kubePassword) + `}
`},
}

// TestDockerKubernetes runs each cell's generated pod on the Docker
// Engine as the cluster would: the image the repo's Dockerfile builds,
// the ConfigMaps and Secrets kustomize renders mounted where the
// StatefulSet says, as its uid, read-only root, no capabilities. An admin
// is made as the README says, two accounts exchange a message, and a
// renewed certificate is served after the probe's reload.
func TestDockerKubernetes(t *testing.T) {
	dockerSetup(t)
	bin := testkit.Binary(t, "../..")
	t.Cleanup(func() { report.Write(t) })
	for _, cell := range kubeCells {
		t.Run(cell.name, func(t *testing.T) {
			if err := runKubeCell(t, bin, cell); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestDockerKubernetesCatchesNoFSGroup proves the pod cell can fail: the
// same pod without its fsGroup can neither write its data volume nor read
// its key (root's, 0440), so the startup probe never passes.
func TestDockerKubernetesCatchesNoFSGroup(t *testing.T) {
	dockerSetup(t)
	t.Cleanup(func() { report.Write(t) })
	cell := kubeCells[0]
	cell.name = "selftest-no-fsgroup"
	cell.image = kubeImage(kubeCells[0])
	cell.breakPod = func(p *corev1.PodSpec) { p.SecurityContext.FSGroup = nil }
	err := runKubeCell(t, testkit.Binary(t, "../.."), cell)
	if err == nil {
		t.Fatal("the pod passed without its fsGroup")
	}
	for _, want := range []string{"selftest-no-fsgroup", "step startup probe"} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("the failure does not say %q: %v", want, err)
		}
	}
	t.Logf("as expected: %s", testkit.FirstLine(err.Error()))
}

// kubeRun holds one cell's state while its steps run.
type kubeRun struct {
	t      *testing.T
	cell   kubeCell
	bin    string
	dir    string // temp folder: answers, repo, volumes
	repo   string
	name   string // pw-pod-<cell>-<pid>: every container and network's name
	image  string
	a      config.Answers
	setup  config.Setup
	readme string
	// What kustomize rendered from the CLI's files.
	objs  []kubecheck.Object
	sts   *appsv1.StatefulSet
	names []string // the Certificate's dnsNames
	tls   map[string][]byte
	roots *x509.CertPool
	pod   *podMirror
	// network is the test's own network ("" without a database).
	network string
}

func runKubeCell(t *testing.T, bin string, cell kubeCell) (err error) {
	dir, err := os.MkdirTemp("", "pw-pod-")
	if err != nil {
		return err
	}
	_ = os.Chmod(dir, 0o755)
	clean := regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(cell.name, "")
	r := &kubeRun{t: t, cell: cell, bin: bin, dir: dir, repo: filepath.Join(dir, "repo"),
		name:  fmt.Sprintf("pw-pod-%s-%d", clean, os.Getpid()),
		image: cell.image}
	if r.image == "" {
		r.image = kubeImage(cell)
	}
	defer func() {
		rmErr := r.step("cleanup: nothing left on the engine", r.remove)
		if err == nil {
			err = rmErr
		}
		if err == nil || cell.breakPod != nil {
			os.RemoveAll(dir)
		} else {
			t.Logf("kept %s for inspection", dir)
		}
	}()
	steps := []cellStep{
		{"scaffold with the CLI", r.scaffold},
		{"kustomize build of the CLI's files", r.render},
		{"docker build (README)", r.build},
		{"postgres stand-in on the test's network", r.database},
		{"certificate for the Certificate's names", r.certificate},
		{"docker run of the StatefulSet's pod", r.run},
		{"startup probe passes", r.started},
		{"admin: the README's command", r.admin},
		{"alice to bob (STARTTLS, direct TLS)", r.message},
		{"read-only root, the pod's uid", r.confined},
		{"renewed certificate: probe reloads", r.renew},
		{"Prosody's log", r.logs},
	}
	for _, s := range steps {
		if err := r.step(s.name, s.fn); err != nil {
			return err
		}
	}
	return nil
}

// kubeImage is the name of a cell's image.
func kubeImage(cell kubeCell) string {
	clean := regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(cell.name, "")
	return fmt.Sprintf("prosody-wizard-e2e/k8s-%s:%s", clean, cell.series)
}

// step runs one named step of the cell, timed in the suite's report.
func (r *kubeRun) step(name string, fn func() error) error {
	cell := "k8s-" + r.cell.name
	return report.Step(r.t, fmt.Sprintf("%-22s", cell), cell, name, fn)
}

// docker runs docker ARGS with env added to its environment, bounded.
func (r *kubeRun) docker(limit time.Duration, env []string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, "docker", args...)
	cmd.Dir = r.repo
	cmd.Env = append(os.Environ(), env...)
	cmd.WaitDelay = time.Second
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		return string(out), fmt.Errorf("docker %s: still running after %v (killed)\n%s", strings.Join(args, " "), limit, out)
	}
	if err != nil {
		return string(out), fmt.Errorf("docker %s: %v\n%s", strings.Join(args, " "), err, lastLines(string(out), 30))
	}
	return strings.TrimSpace(string(out)), nil
}

// scaffold runs the real CLI, as root, on the cell's answers with deploy:
// kubernetes and the test's image name.
func (r *kubeRun) scaffold() error {
	text := fmt.Sprintf("version: 1\nprosody: %q\ndeploy: kubernetes\n%skubernetes: {image: %s}\n",
		r.cell.series, strings.TrimLeft(r.cell.answers, "\n"), r.image)
	answers := filepath.Join(r.dir, "answers.yaml")
	if err := os.WriteFile(answers, []byte(text), 0o644); err != nil {
		return err
	}
	a, err := config.Parse([]byte(text))
	if err != nil {
		return err
	}
	s, problems := config.Resolve(a)
	if len(problems) > 0 {
		return problems
	}
	r.a, r.setup = a, s
	out, err := exec.Command(r.bin, "--answers", answers, "--out", r.repo).CombinedOutput()
	if err != nil {
		return fmt.Errorf("prosody-wizard failed: %v\n%s", err, out)
	}
	readme, err := os.ReadFile(filepath.Join(r.repo, "README.md"))
	r.readme = string(readme)
	return err
}

// render reads the files the CLI wrote into a plan and has kustomize
// build it, as kubectl apply -k does; the objects decode strictly.
func (r *kubeRun) render() error {
	var p scaffold.Plan
	err := filepath.WalkDir(r.repo, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(r.repo, path)
		info, err := d.Info()
		if err != nil {
			return err
		}
		f := scaffold.File{Path: filepath.ToSlash(rel), Mode: info.Mode()}
		if !d.IsDir() {
			if f.Data, err = os.ReadFile(path); err != nil {
				return err
			}
		}
		p.Files = append(p.Files, f)
		return nil
	})
	if err != nil {
		return err
	}
	stream, err := kubecheck.Render(p)
	if err != nil {
		return err
	}
	if r.objs, err = kubecheck.Decode(stream); err != nil {
		return err
	}
	o, ok := kubecheck.Find(r.objs, "StatefulSet", "prosody")
	if !ok {
		return fmt.Errorf("no StatefulSet prosody among the rendered objects")
	}
	r.sts = o.Typed.(*appsv1.StatefulSet)
	cert, ok := kubecheck.Find(r.objs, "Certificate", "prosody")
	if !ok {
		return fmt.Errorf("no Certificate prosody among the rendered objects")
	}
	var c struct {
		Spec struct {
			SecretName string   `json:"secretName"`
			CommonName string   `json:"commonName"`
			DNSNames   []string `json:"dnsNames"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(cert.YAML, &c); err != nil {
		return err
	}
	if c.Spec.SecretName != tlsSecret || len(c.Spec.DNSNames) == 0 {
		return fmt.Errorf("the Certificate makes Secret %q for %v", c.Spec.SecretName, c.Spec.DNSNames)
	}
	r.names = c.Spec.DNSNames
	return nil
}

// tlsSecret is the Secret cert-manager keeps the certificate in, which
// the test makes in its stead.
const tlsSecret = "prosody-tls"

// build runs the README's docker build line in the repo.
func (r *kubeRun) build() error {
	line := scaffold.ShellCommand("docker", "build", "-t", r.image, ".")
	if !hasLine(r.readme, line) {
		return fmt.Errorf("README.md does not give %s on a line of its own", line)
	}
	ctx, cancel := context.WithTimeout(context.Background(), buildLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", line)
	cmd.Dir, cmd.WaitDelay = r.repo, time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %v\n%s", line, err, lastLines(string(out), 30))
	}
	return nil
}

// database starts the postgres stand-in on the test's own network, by
// the answers' host name, with the answers' database, user and password.
func (r *kubeRun) database() error {
	if !r.cell.postgres {
		return nil
	}
	if r.a.Database.Host != kubeDBHost {
		return fmt.Errorf("the answers' database host is %q", r.a.Database.Host)
	}
	r.network = r.name
	if _, err := r.docker(time.Minute, nil, "network", "create", "--label", "prosody-wizard.test="+r.name, r.network); err != nil {
		return err
	}
	pg := r.name + "-postgres"
	env := []string{"POSTGRES_DB=" + r.setup.Answers.Database.Name, "POSTGRES_USER=" + r.setup.Answers.Database.User, "POSTGRES_PASSWORD=" + kubePassword}
	if _, err := r.docker(time.Minute, env, "run", "-d", "--name", pg, "--label", "prosody-wizard.test="+r.name,
		"--network", r.network, "--network-alias", kubeDBHost,
		"-e", "POSTGRES_DB", "-e", "POSTGRES_USER", "-e", "POSTGRES_PASSWORD", standinImage(r.t, "postgres")); err != nil {
		return err
	}
	return testkit.WaitFor(2*time.Minute, func() (bool, string) {
		out, err := r.docker(30*time.Second, nil, "exec", pg, "pg_isready", "-h", "127.0.0.1", "-U", r.setup.Answers.Database.User)
		return err == nil, out
	})
}

// certificate makes what cert-manager would put in the Secret
// prosody-tls: a self-signed certificate for the Certificate's names.
func (r *kubeRun) certificate() error {
	data, pool, err := selfSigned(r.names)
	r.tls, r.roots = data, pool
	return err
}

// selfSigned is a Secret of type kubernetes.io/tls for names (tls.crt,
// tls.key, ca.crt) and a pool that trusts it.
func selfSigned(names []string) (map[string][]byte, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: names[0]}, DNSNames: names,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	crt := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(crt)
	return map[string][]byte{
		"tls.crt": crt,
		"tls.key": pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
		"ca.crt":  crt,
	}, pool, nil
}

// secrets gives the pod's Secrets: the rendered ones, and prosody-tls.
func (r *kubeRun) secrets(name string) (map[string][]byte, error) {
	if name == tlsSecret {
		return r.tls, nil
	}
	o, ok := kubecheck.Find(r.objs, "Secret", name)
	if !ok {
		return nil, fmt.Errorf("no Secret %s among the rendered objects", name)
	}
	return o.Typed.(*corev1.Secret).Data, nil
}

// containerPort is the container's port of that name.
func (r *kubeRun) containerPort(name string) (int32, error) {
	for _, p := range r.sts.Spec.Template.Spec.Containers[0].Ports {
		if p.Name == name {
			return p.ContainerPort, nil
		}
	}
	return 0, fmt.Errorf("the container has no port named %s", name)
}

// run makes the pod's volumes and starts it with docker run; c2s and
// c2s-tls are published on the cell's ports.
func (r *kubeRun) run() error {
	sts := r.sts.DeepCopy()
	if r.cell.breakPod != nil {
		r.cell.breakPod(&sts.Spec.Template.Spec)
	}
	publish := map[int32]int{}
	for i, name := range []string{"c2s", "c2s-tls"} {
		p, err := r.containerPort(name)
		if err != nil {
			return err
		}
		publish[p] = r.cell.port + i
	}
	for port := range publish {
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", publish[port]))
		if err != nil {
			return fmt.Errorf("port %d, which the cell publishes, is in use: %v", publish[port], err)
		}
		l.Close()
	}
	pod, err := mirrorPod(sts, r.objs, r.secrets, r.dir, r.name, r.network, publish)
	if err != nil {
		return err
	}
	r.pod = pod
	r.t.Logf("%s: docker %s", r.cell.name, strings.Join(pod.args, " "))
	_, err = r.docker(time.Minute, pod.env, pod.args...)
	return err
}

// exec runs a command in the pod, as kubectl exec would.
func (r *kubeRun) exec(limit time.Duration, words ...string) (string, error) {
	return r.docker(limit, nil, append([]string{"exec", r.name}, words...)...)
}

// started waits, within the startup probe's bound, until the probe's
// command succeeds; a container that stops fails at once.
func (r *kubeRun) started() error {
	var last string
	err := testkit.WaitFor(r.pod.probeLimit, func() (bool, string) {
		status, _ := r.docker(10*time.Second, nil, "inspect", "--format", "{{.State.Status}}", r.name)
		if status != "running" {
			return true, ""
		}
		out, err := r.exec(10*time.Second, r.pod.probe...)
		last = out
		return err == nil, out
	})
	status, _ := r.docker(10*time.Second, nil, "inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", r.name)
	if err == nil && strings.HasPrefix(status, "running") {
		return nil
	}
	logs, _ := r.docker(30*time.Second, nil, "logs", r.name)
	return fmt.Errorf("the pod is %s, probe %v: %v %s\n%s", status, r.pod.probe, err, last, lastLines(logs, 40))
}

// admin makes the admin with the README's command, kubectl exec's words
// after -- run by docker exec: 13.0 prints an invitation a client
// redeems; 0.12 asks for the password twice at a terminal (exec -it). The
// admin then logs in and may run an admin command.
func (r *kubeRun) admin() error {
	account := scaffold.FirstAccount(r.setup)
	line := account.String()
	if !hasLine(r.readme, line) {
		return fmt.Errorf("README.md does not give %s on a line of its own", line)
	}
	i := slices.Index(account.Wrapper, "--")
	if account.Wrapper[0] != "kubectl" || i < 0 || !slices.Contains(account.Wrapper, "prosody-0") {
		return fmt.Errorf("the README's command is not a kubectl exec in prosody-0: %s", line)
	}
	user, domain, _ := strings.Cut(account.JID, "@")
	if account.Invite {
		out, err := r.exec(time.Minute, account.Args...)
		if err != nil {
			return err
		}
		m := xmpptest.InviteLink.FindStringSubmatch(out)
		if m == nil || m[1] != account.JID {
			return fmt.Errorf("no invitation link for %s in:\n%s", account.JID, out)
		}
		if err := r.withConn(domain, false, func(c *xmpptest.Conn) error { return c.SignUp(user, passwordAdmin, m[2]) }); err != nil {
			return err
		}
	} else {
		// The README's words as they stand: kubectl exec without -it
		// gives prosodyctl no terminal and no input; what it does is
		// logged for the report.
		out, err := r.exec(30*time.Second, account.Args...)
		r.t.Logf("%s: the README's words without -it: %v\n%s", r.cell.name, err, out)
		exec := scaffold.ShellCommand(append([]string{"docker", "exec", "-it", r.name}, account.Args...)...)
		if err := typeAtPrompts(r.repo, os.Environ(), exec, []string{"Enter new password:", "Retype new password:"}, passwordAdmin); err != nil {
			return err
		}
	}
	return r.withConn(domain, false, func(c *xmpptest.Conn) error {
		if err := c.AuthPlain(user, passwordAdmin); err != nil {
			return err
		}
		return c.ListModulesOn(domain)
	})
}

// withConn opens a stream to domain: STARTTLS on the c2s port, or direct
// TLS on the other; the certificate checked against the test's.
func (r *kubeRun) withConn(domain string, direct bool, fn func(*xmpptest.Conn) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if !direct {
		var d net.Dialer
		c, err := xmpptest.Dial(ctx, d.DialContext, fmt.Sprintf("127.0.0.1:%d", r.cell.port), domain, r.roots)
		if err != nil {
			return err
		}
		defer c.Close()
		return fn(c)
	}
	d := tls.Dialer{Config: &tls.Config{ServerName: domain, RootCAs: r.roots, MinVersion: tls.VersionTLS12}}
	conn, err := d.DialContext(ctx, "tcp", fmt.Sprintf("127.0.0.1:%d", r.cell.port+1))
	if err != nil {
		return fmt.Errorf("direct TLS: %w", err)
	}
	dl, _ := ctx.Deadline()
	_ = conn.SetDeadline(dl)
	c := xmpptest.New(conn, domain)
	defer c.Close()
	if err := c.Open(); err != nil {
		return err
	}
	return fn(c)
}

// message: alice and bob are registered in the pod; bob, online over
// direct TLS, gets what alice sends over STARTTLS.
func (r *kubeRun) message() error {
	domain := r.a.Primary()
	for _, u := range [][2]string{{"alice", passwordAlice}, {"bob", passwordBob}} {
		if _, err := r.exec(time.Minute, "prosodyctl", "register", u[0], domain, u[1]); err != nil {
			return err
		}
	}
	if r.cell.postgres {
		// The accounts are in PostgreSQL: Prosody logged in with the
		// password from the Secret.
		out, err := r.docker(30*time.Second, nil, "exec", r.name+"-postgres", "psql", "-U", r.a.Database.User, "-d", r.a.Database.Name,
			"-XtAc", `SELECT string_agg(DISTINCT "user", ',' ORDER BY "user") FROM prosody WHERE store = 'accounts' AND host = '`+domain+"'")
		if want := "admin,alice,bob"; err != nil || out != want {
			return fmt.Errorf("PostgreSQL holds the accounts %q of %s (%v), want %s", out, domain, err, want)
		}
	}
	const body = "pod e2e: alice to bob"
	return r.withConn(domain, true, func(bob *xmpptest.Conn) error {
		if err := bob.AuthPlain("bob", passwordBob); err != nil {
			return fmt.Errorf("bob over direct TLS: %w", err)
		}
		if err := bob.Send("<presence/>"); err != nil {
			return err
		}
		// A round trip: the presence is in before alice sends.
		if _, err := bob.IQ("get", "", "<query xmlns='jabber:iq:roster'/>"); err != nil {
			return err
		}
		err := r.withConn(domain, false, func(alice *xmpptest.Conn) error {
			if err := alice.AuthPlain("alice", passwordAlice); err != nil {
				return fmt.Errorf("alice over STARTTLS: %w", err)
			}
			if err := alice.SendChat("bob@"+domain, body); err != nil {
				return err
			}
			_, err := alice.IQ("get", "", "<query xmlns='jabber:iq:roster'/>")
			return err
		})
		if err != nil {
			return err
		}
		return bob.WaitForChat(body)
	})
}

// confined: the root file system is read-only, the process runs as the
// pod's uid, and Prosody wrote its pid on the data volume (writable).
func (r *kubeRun) confined() error {
	if out, err := r.exec(10*time.Second, "touch", "/etc/x"); err == nil {
		return fmt.Errorf("touch /etc/x succeeded in the pod: the root is writable %s", out)
	}
	uid, err := r.exec(10*time.Second, "id", "-u")
	if err != nil {
		return err
	}
	if uid != strconv.Itoa(r.pod.uid) {
		return fmt.Errorf("the pod runs as uid %s, want %d", uid, r.pod.uid)
	}
	top, err := r.exec(10*time.Second, "sh", "-c", "ps -o uid= -p 1 2>/dev/null || stat -c %u /proc/1")
	if err != nil || strings.TrimSpace(top) != uid {
		return fmt.Errorf("PID 1 runs as %q (%v), want %s", top, err, uid)
	}
	_, err = os.Stat(filepath.Join(r.pod.volumes["data"], "prosody.pid"))
	return err
}

// certsVolume is the pod's volume of the Secret prosody-tls.
func (r *kubeRun) certsVolume() (corev1.Volume, error) {
	for _, v := range r.sts.Spec.Template.Spec.Volumes {
		if v.Secret != nil && v.Secret.SecretName == tlsSecret {
			return v, nil
		}
	}
	return corev1.Volume{}, fmt.Errorf("no volume of the Secret %s", tlsSecret)
}

// renew does what cert-manager and kubelet do on a renewal: a new
// certificate in the Secret, swapped into the volume atomically (a new
// ..<timestamp> folder, ..data renamed onto it). The probe's command, run
// once, has Prosody reload; a new connection then gets the new
// certificate, and Prosody's pid is the same (a reload, no restart).
func (r *kubeRun) renew() error {
	domain := r.a.Primary()
	before, err := servedCert(r.cell.port, domain, r.roots)
	if err != nil {
		return err
	}
	pid, err := r.exec(10*time.Second, "cat", "/var/lib/prosody/prosody.pid")
	if err != nil {
		return err
	}
	data, roots, err := selfSigned(r.names)
	if err != nil {
		return err
	}
	v, err := r.certsVolume()
	if err != nil {
		return err
	}
	files, err := projected(data, v.Secret.Items, v.Secret.DefaultMode)
	if err != nil {
		return err
	}
	if err := atomicWrite(r.pod.volumes[v.Name], files, r.pod.fsGroup, true); err != nil {
		return err
	}
	out, err := r.exec(30*time.Second, r.pod.probe...)
	if err != nil {
		return fmt.Errorf("the probe after the renewal: %w", err)
	}
	r.t.Logf("%s: probe after the renewal: %s", r.cell.name, out)
	var after *x509.Certificate
	err = testkit.WaitFor(20*time.Second, func() (bool, string) {
		var err error
		after, err = servedCert(r.cell.port, domain, roots)
		if err != nil {
			return false, err.Error()
		}
		return true, ""
	})
	if err != nil {
		return fmt.Errorf("the renewed certificate is not served (the old one was %s): %w", fingerprint(before), err)
	}
	if bytes.Equal(before.Raw, after.Raw) {
		return fmt.Errorf("the same certificate after the renewal")
	}
	r.t.Logf("%s: certificate %s, then %s", r.cell.name, fingerprint(before), fingerprint(after))
	now, err := r.exec(10*time.Second, "cat", "/var/lib/prosody/prosody.pid")
	if err != nil {
		return err
	}
	if now != pid {
		return fmt.Errorf("prosody's pid was %s, is %s: a restart, not a reload", pid, now)
	}
	restarts, _ := r.docker(10*time.Second, nil, "inspect", "--format", "{{.RestartCount}}", r.name)
	if restarts != "0" {
		return fmt.Errorf("the container restarted %s times", restarts)
	}
	r.roots = roots
	return nil
}

// fingerprint is a certificate's SHA-256, short.
func fingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return hex.EncodeToString(sum[:8])
}

// logs: Prosody's log (kubectl logs is docker logs here) shows the start
// and the logins; its warnings and errors are logged for the report.
func (r *kubeRun) logs() error {
	out, err := r.docker(30*time.Second, nil, "logs", r.name)
	if err != nil {
		return err
	}
	for _, want := range []string{"Hello and welcome to Prosody", "Authenticated as alice@" + r.a.Primary()} {
		if !strings.Contains(out, want) {
			return fmt.Errorf("the pod's log has no %q:\n%s", want, lastLines(out, 40))
		}
	}
	for _, l := range strings.Split(out, "\n") {
		if regexp.MustCompile(`\s(warn|error)\s`).MatchString(l) {
			r.t.Logf("%s: prosody: %s", r.cell.name, l)
		}
	}
	return nil
}

// remove deletes the pod, the stand-in and the network, then checks
// nothing of the cell's name is left. The image stays, under the test's
// name (prosody-wizard-e2e/…), so that the next build is cached.
func (r *kubeRun) remove() error {
	_, _ = r.docker(time.Minute, nil, "rm", "-f", "-v", r.name, r.name+"-postgres")
	if r.network != "" {
		_, _ = r.docker(time.Minute, nil, "network", "rm", r.network)
	}
	var left []string
	for _, q := range [][]string{
		{"ps", "-aq", "--filter", "label=prosody-wizard.test=" + r.name},
		{"network", "ls", "-q", "--filter", "label=prosody-wizard.test=" + r.name},
		{"volume", "ls", "-q", "--filter", "label=prosody-wizard.test=" + r.name},
	} {
		out, err := r.docker(30*time.Second, nil, q...)
		if err != nil {
			return err
		}
		left = append(left, strings.Fields(out)...)
	}
	if len(left) > 0 {
		return fmt.Errorf("left on the engine: %v", left)
	}
	return nil
}
