package ui

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/cryptotest"
	"testing/iotest"
	"time"

	"charm.land/huh/v2"
	"github.com/spf13/afero"

	"prosody-wizard/config"
	"prosody-wizard/internal/golden"
	"prosody-wizard/scaffold"
)

// accNow pins the plan's clock in the accessible tests.
var accNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// accRig is what RunAccessible's Options read and write: tls files in
// source, the output folder in out, and a record of every Write call.
type accRig struct {
	t      *testing.T
	source afero.Fs
	out    afero.Fs
	writes []string // the out argument of each Write call
}

func (r *accRig) inputs() scaffold.Inputs {
	return scaffold.Inputs{Now: accNow, Owner: config.Owner{UID: 1000, GID: 1000}, Source: r.source}
}

// plan is planAnswers with the pinned inputs and a pinned random source, so
// that two plans of the same answers are byte-equal (keys, secrets).
func (r *accRig) plan(a config.Answers) (scaffold.Plan, error) {
	cryptotest.SetGlobalRandom(r.t, 1)
	return planAnswers(a, r.inputs())
}

func newAccRig(t *testing.T) (*accRig, Options) {
	r := &accRig{t: t, source: afero.NewMemMapFs(), out: afero.NewMemMapFs()}
	opts := Options{
		Answers: config.Defaults(),
		Plan:    func(a config.Answers, out string) (scaffold.Plan, error) { return r.plan(a) },
		Compare: func(out string, p scaffold.Plan) ([]scaffold.Change, error) { return scaffold.Compare(r.out, p) },
		Diff:    func(out string, c scaffold.Change) string { return scaffold.Diff(r.out, c) },
		Write: func(out string, p scaffold.Plan) (scaffold.Result, error) {
			r.writes = append(r.writes, out)
			return scaffold.Apply(r.out, p, scaffold.ApplyOptions{Now: accNow, Root: out})
		},
	}
	return r, opts
}

// runAcc runs the accessible wizard on a scripted input and returns the
// outcome and everything it printed.
func runAcc(t *testing.T, opts Options, input string, env []string) (Outcome, string) {
	t.Helper()
	var out bytes.Buffer
	o, err := RunAccessible(opts, strings.NewReader(input), &out, env)
	if err != nil {
		t.Fatalf("RunAccessible: %v\n%s", err, out.String())
	}
	return o, out.String()
}

// script joins answer lines, one per prompt, each ended by a newline.
func script(lines ...string) string { return strings.Join(lines, "\n") + "\n" }

// defaultLines are what a person types to accept every default after
// giving the domain example.org, up to (not including) "Write these files?".
var defaultLines = []string{
	"",             // Prosody version: 13.0
	"example.org",  // Domain
	"",             // More domains
	"",             // Admins
	"",             // Abuse contact
	"",             // Registration: closed
	"",             // Federation: yes
	"",             // Certificates: self-signed
	"",             // Storage: internal
	"",             // Modules: keep the recommended set
	"", "", "", "", // MUC, file sharing, proxy65, TURN
	"",             // Reverse proxy: none
	"", "", "", "", // deploy, output folder, uid, gid
}

func defaultScript(last ...string) string {
	return script(append(slices.Clone(defaultLines), last...)...)
}

func loadMinimal(t *testing.T) config.Answers {
	t.Helper()
	a, err := config.Load(filepath.Join("..", "testdata", "answers", "minimal.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// planFile returns a file of the plan, failing the test when it is missing.
func planFile(t *testing.T, p scaffold.Plan, path string) []byte {
	t.Helper()
	f, ok := p.File(path)
	if !ok {
		t.Fatalf("the plan has no %s", path)
	}
	return f.Data
}

func TestAccessibleDefaultRun(t *testing.T) {
	rig, opts := newAccRig(t)
	// An empty line at the last question writes, as Enter does on the
	// terminal UI's review.
	o, out := runAcc(t, opts, defaultScript(""), nil)

	want := loadMinimal(t)
	if !strings.HasSuffix(out, "Write these files? [Y/n] \n") {
		t.Errorf("the last question is not \"Write these files?\" with Write as its default:\n%s", out)
	}
	if !reflect.DeepEqual(o.Answers, want) {
		t.Errorf("answers:\n got %+v\nwant %+v", o.Answers, want)
	}
	if o.Aborted || o.Err != nil {
		t.Fatalf("outcome: aborted %v, err %v\n%s", o.Aborted, o.Err, out)
	}
	if o.Out != "./example.org" || !slices.Equal(rig.writes, []string{"./example.org"}) {
		t.Errorf("out %q, writes %q; want ./example.org once", o.Out, rig.writes)
	}
	wantPlan, err := rig.plan(want)
	if err != nil {
		t.Fatal(err)
	}
	const cfg = "prosody/prosody.cfg.lua"
	if got := planFile(t, o.Plan, cfg); !bytes.Equal(got, planFile(t, wantPlan, cfg)) {
		t.Errorf("%s differs from the one minimal.yaml gives:\n%s", cfg, got)
	}
	// The key and certificate too, with the random source pinned.
	for _, f := range []string{"prosody/certs/example.org.crt", "prosody/certs/example.org.key"} {
		if !bytes.Equal(planFile(t, o.Plan, f), planFile(t, wantPlan, f)) {
			t.Errorf("%s differs from the one minimal.yaml gives", f)
		}
	}
	// Written to the output folder, as planned.
	data, err := afero.ReadFile(rig.out, cfg)
	if err != nil || !bytes.Equal(data, planFile(t, wantPlan, cfg)) {
		t.Errorf("%s on the output fs: %v", cfg, err)
	}
	for _, s := range []string{"The files for ./example.org:", "Before going live:", "Write these files?"} {
		if !strings.Contains(out, s) {
			t.Errorf("the transcript lacks %q:\n%s", s, out)
		}
	}
	// The row names the mode and owner, as the other reviews do.
	if !hasRow(out, "new", "0640", "1000:1000", cfg) {
		t.Errorf("the transcript lacks the row of %s with its mode and owner:\n%s", cfg, out)
	}
	// Modules pulled in by others say so, as on the terminal UI.
	if !regexp.MustCompile(`\d+\. needed http +.*\(needed by bosh\)\n`).MatchString(out) {
		t.Errorf("the modules list does not show http as needed by bosh:\n%s", out)
	}
	// Follow-up questions that do not apply are not asked.
	for _, s := range []string{"\nCertificate chain", "\nPrivate key", "\nE-mail for the ACME", "\nPassword", "\nDatabase connection", "\nHost"} {
		if strings.Contains(out, s) {
			t.Errorf("the transcript asks %q, which does not apply:\n%s", s, out)
		}
	}
}

// hasRow reports whether text has a listing row with status, mode and
// owner that ends in path.
func hasRow(text, status, mode, owner, path string) bool {
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) == 5 && f[0] == status && f[1] == mode && f[2] == owner && f[4] == path {
			return true
		}
	}
	return false
}

// accWritePair puts a matching ECDSA P-256 certificate and key into fsys,
// with a SAN for every host.
func accWritePair(t *testing.T, fsys afero.Fs, certPath, keyPath string, hosts []string) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(42),
		Subject:      pkix.Name{CommonName: hosts[0]},
		DNSNames:     hosts,
		NotBefore:    accNow.Add(-time.Hour),
		NotAfter:     accNow.Add(90 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := afero.WriteFile(fsys, certPath, certPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	if err := afero.WriteFile(fsys, keyPath, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return certPEM
}

// moduleNumber is the number the modules prompt shows for a module: its
// place in Choosable, counting from 1.
func moduleNumber(t *testing.T, series config.Series, name string) string {
	t.Helper()
	i := slices.IndexFunc(config.Catalog().Choosable(series), func(m config.Module) bool { return m.Name == name })
	if i < 0 {
		t.Fatalf("%s is not choosable on %s", name, series)
	}
	return strconv.Itoa(i + 1)
}

func TestAccessibleCustomRun(t *testing.T) {
	rig, opts := newAccRig(t)
	hosts := []string{"example.org", "example.net", "conference.example.org", "upload.example.org", "proxy.example.org"}
	certPEM := accWritePair(t, rig.source, "/certs/fullchain.pem", "/certs/privkey.pem", hosts)

	// The modules to change must be what they seem: motd an extra, uptime
	// recommended for these answers.
	rec := config.Recommended(config.Answers{Prosody: config.Series13, Registration: config.RegistrationInvite, Federation: true, Ports: config.Defaults().Ports})
	if slices.Contains(rec, "motd") || !slices.Contains(rec, "uptime") {
		t.Fatalf("motd and uptime are no longer an extra and a recommended module: %v", rec)
	}
	input := script(
		"",                  // Prosody version: 13.0
		"example.org",       // Domain
		"example.net",       // More domains
		"admin@example.org", // Admins
		"",                  // Abuse contact: the admin's account
		"2",                 // Registration: invite
		"",                  // Federation: yes
		"2",                 // Certificates: existing
		"/certs/fullchain.pem",
		"/certs/privkey.pem",
		"3",              // Storage: postgres
		"db.example.org", // Host
		"5433",           // Port
		"",               // Database: prosody
		"xmpp",           // User
		"Str0ng-passw0rd",
		moduleNumber(t, config.Series13, "motd"), // toggle on
		moduleNumber(t, config.Series13, "uptime"), // toggle off
		"0",
		"", "", "proxy.example.org", "-", // MUC, upload kept; proxy65 on; TURN off
		"2",            // Reverse proxy: nginx
		"", "", "", "", // deploy, output folder, uid, gid
		"y",
	)
	o, out := runAcc(t, opts, input, nil)
	if o.Aborted || o.Err != nil {
		t.Fatalf("outcome: aborted %v, err %v\n%s", o.Aborted, o.Err, out)
	}

	want, err := config.Parse([]byte(`version: 1
prosody: "13.0"
deploy: compose
domains: [example.org, example.net]
admins: [admin@example.org]
registration: invite
federation: true
tls:
  mode: existing
  cert: /certs/fullchain.pem
  key: /certs/privkey.pem
database:
  driver: postgres
  host: db.example.org
  port: 5433
  name: prosody
  user: xmpp
  password: Str0ng-passw0rd
components:
  muc: conference.example.org
  upload: upload.example.org
  proxy65: proxy.example.org
turn:
  host: ""
modules:
  enable: [motd]
  disable: [uptime]
proxy:
  kind: nginx
`))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(o.Answers, want) {
		t.Errorf("answers:\n got %+v\nwant %+v", o.Answers, want)
	}
	if len(rig.writes) != 1 {
		t.Errorf("Write called %d times, want once", len(rig.writes))
	}
	// The follow-ups were asked, and the existing certificate is used.
	for _, s := range []string{"\nCertificate chain (PEM): ", "\nPrivate key (PEM): ", "\nPort: ", "\nPassword: "} {
		if !strings.Contains(out, s) {
			t.Errorf("the transcript lacks the question %q:\n%s", s, out)
		}
	}
	if got := planFile(t, o.Plan, "prosody/certs/example.org.crt"); !bytes.Equal(got, certPEM) {
		t.Errorf("the planned certificate is not the existing one")
	}
	cfg := string(planFile(t, o.Plan, "prosody/prosody.cfg.lua"))
	for _, s := range []string{`"motd"`, `"proxy.example.org"`, `"example.net"`} {
		if !strings.Contains(cfg, s) {
			t.Errorf("prosody.cfg.lua lacks %s", s)
		}
	}
	for _, s := range []string{`"uptime"`, `"turn_external"`} {
		if strings.Contains(cfg, s) {
			t.Errorf("prosody.cfg.lua still has %s", s)
		}
	}
}

// TestAccessibleInputEndsEarly: input that ends at any question, the last
// one included, stops the run: nothing written, and not a word about it
// from the prompts (main says "stopped; nothing was written" once).
func TestAccessibleInputEndsEarly(t *testing.T) {
	for n := 0; n <= len(defaultLines); n++ {
		name := "nothing at all"
		if n > 0 {
			name = fmt.Sprintf("after %d answers", n)
		}
		t.Run(name, func(t *testing.T) {
			rig, opts := newAccRig(t)
			input := ""
			if n > 0 {
				input = script(defaultLines[:n]...)
			}
			o, out := runAcc(t, opts, input, nil)
			if !o.Aborted || o.Err != nil {
				t.Errorf("aborted %v, err %v; want an aborted run\n%s", o.Aborted, o.Err, out)
			}
			if len(rig.writes) != 0 {
				t.Errorf("Write was called: %q", rig.writes)
			}
			if strings.Contains(strings.ToLower(out), "stopped") || strings.Contains(strings.ToLower(out), "nothing written") {
				t.Errorf("the prompts report the stop themselves (main does, once):\n%s", out)
			}
			if !strings.HasSuffix(out, "\n") {
				t.Errorf("the transcript ends inside a prompt line: %q", out[max(0, len(out)-60):])
			}
		})
	}
}

// TestAccessibleInterrupted: ctrl+c while a question waits for its answer
// stops the run, at any question: nothing written, no message of its own.
func TestAccessibleInterrupted(t *testing.T) {
	for _, n := range []int{0, 1, 8, len(defaultLines)} {
		t.Run(fmt.Sprintf("after %d answers", n), func(t *testing.T) {
			rig, opts := newAccRig(t)
			pr, pw := io.Pipe()
			defer pw.Close()
			interrupt := make(chan os.Signal, 1)
			go func() {
				// The pipe hands the lines over as they are read; once
				// they are all taken, the next question waits.
				if n > 0 {
					_, _ = io.WriteString(pw, script(defaultLines[:n]...))
				}
				interrupt <- os.Interrupt
			}()
			var out bytes.Buffer
			o, err := runAccessible(opts, pr, &out, nil, interrupt)
			if err != nil || !o.Aborted || len(rig.writes) != 0 {
				t.Errorf("err %v, aborted %v, Write calls %d; want aborted, nothing written\n%s", err, o.Aborted, len(rig.writes), out.String())
			}
			if strings.Contains(strings.ToLower(out.String()), "stopped") {
				t.Errorf("the prompts report the stop themselves:\n%s", out.String())
			}
		})
	}
}

// TestAccessibleAnswerNoGoesBack: "no" at "Write these files?" asks the
// questions again, each answer kept (as "Go back" on the terminal UI).
func TestAccessibleAnswerNoGoesBack(t *testing.T) {
	rig, opts := newAccRig(t)
	again := make([]string, len(defaultLines)) // empty lines keep every answer
	o, out := runAcc(t, opts, defaultScript(append([]string{"n"}, append(again, "y")...)...), nil)
	if o.Aborted || o.Err != nil || len(rig.writes) != 1 {
		t.Fatalf("aborted %v, err %v, Write calls %d; want written once\n%s", o.Aborted, o.Err, len(rig.writes), out)
	}
	if !reflect.DeepEqual(o.Answers, loadMinimal(t)) {
		t.Errorf("answers after going back:\n got %+v\nwant minimal.yaml", o.Answers)
	}
	if n := strings.Count(out, "Now: example.org\n"); n < 2 {
		t.Errorf("the second round does not show the domain typed in the first:\n%s", out)
	}
	if n := strings.Count(out, "Write these files?"); n != 2 {
		t.Errorf("asked to write %d times, want 2", n)
	}

	// "no" and then the input ends: nothing written.
	rig, opts = newAccRig(t)
	o, out = runAcc(t, opts, defaultScript("n"), nil)
	if !o.Aborted || len(rig.writes) != 0 {
		t.Errorf("aborted %v, Write calls %q; want nothing written\n%s", o.Aborted, rig.writes, out)
	}
	if entries, _ := afero.ReadDir(rig.out, "/"); len(entries) != 0 {
		t.Errorf("the output fs has %d entries", len(entries))
	}
}

func TestAccessibleNoColor(t *testing.T) {
	_, opts := newAccRig(t)
	o, out := runAcc(t, opts, defaultScript("y"), []string{"NO_COLOR=1", "TERM=xterm-256color"})
	if o.Aborted || o.Err != nil {
		t.Fatalf("not written: aborted %v, err %v\n%s", o.Aborted, o.Err, out)
	}
	if i := strings.Index(out, "\x1b["); i >= 0 {
		t.Errorf("the output has an ANSI escape sequence at %d: %q", i, out[max(0, i-40):min(len(out), i+40)])
	}
	// The check means something: forced colour does give escapes.
	_, opts = newAccRig(t)
	_, colored := runAcc(t, opts, defaultScript("y"), []string{"CLICOLOR_FORCE=1", "TERM=xterm-256color"})
	if !strings.Contains(colored, "\x1b[") {
		t.Errorf("no escape sequences even with CLICOLOR_FORCE=1: the NO_COLOR check above proves nothing")
	}
}

func TestAccessibleInvalidAnswersRepeat(t *testing.T) {
	rig, opts := newAccRig(t)
	lines := slices.Clone(defaultLines)
	// A bad domain before the good one, a registration number out of
	// range before accepting the default, and an admin that is not a JID.
	lines = slices.Replace(lines, 1, 2, "not a domain!", "example.org")
	lines = slices.Replace(lines, 4, 5, "bob", "") // Admins: not user@domain, then none
	lines = slices.Replace(lines, 7, 8, "9", "")   // Registration: out of range, then the default
	o, out := runAcc(t, opts, script(append(lines, "y")...), nil)
	if o.Err != nil || o.Aborted {
		t.Fatalf("err %v, aborted %v; want the run to complete\n%s", o.Err, o.Aborted, out)
	}
	if !reflect.DeepEqual(o.Answers, loadMinimal(t)) {
		t.Errorf("answers:\n got %+v\nwant minimal.yaml", o.Answers)
	}
	if len(rig.writes) != 1 {
		t.Errorf("Write called %d times", len(rig.writes))
	}
	msg := config.DomainProblem(config.NormalizeDomain("not a domain!"))
	if msg == "" {
		t.Fatal(`"not a domain!" is a valid domain?`)
	}
	// The wizard says what validation says about an answer.
	admin := config.AdminProblem("bob", []string{"example.org"})
	if !strings.Contains(admin, "write user@domain") {
		t.Fatalf("config's message for the admin \"bob\" is %q", admin)
	}
	for _, s := range []string{msg, admin, "Invalid: must be a number between 1 and 3"} {
		if !strings.Contains(out, s) {
			t.Errorf("the transcript lacks the message %q:\n%s", s, out)
		}
	}
	// Introduced once, asked twice.
	if n := strings.Count(out, "Domain: "); n != 3 {
		t.Errorf("\"Domain: \" shows %d times, want 3 (the question, its prompt, asked again after the bad one):\n%s", n, out)
	}
	if n := strings.Count(out, "Admins: "); n != 3 {
		t.Errorf("\"Admins: \" shows %d times, want 3:\n%s", n, out)
	}
}

// TestAccessibleLastLineWithoutNewline: input whose last answer is not
// followed by a newline (printf 'y', a file saved without one) still
// answers the last question.
func TestAccessibleLastLineWithoutNewline(t *testing.T) {
	rig, opts := newAccRig(t)
	o, out := runAcc(t, opts, strings.TrimSuffix(defaultScript("y"), "\n"), nil)
	if o.Err != nil || o.Aborted || len(rig.writes) != 1 {
		t.Errorf("err %v, aborted %v, Write calls %d; want written once\n%s", o.Err, o.Aborted, len(rig.writes), out)
	}
	// A reader that returns the end together with the last byte.
	for _, input := range []string{defaultScript("y"), strings.TrimSuffix(defaultScript("y"), "\n")} {
		rig, opts = newAccRig(t)
		var buf bytes.Buffer
		o, err := RunAccessible(opts, iotest.DataErrReader(strings.NewReader(input)), &buf, nil)
		if err != nil || o.Err != nil || o.Aborted || len(rig.writes) != 1 {
			t.Errorf("EOF with the last byte (%q at the end): err %v, outcome err %v, aborted %v, Write calls %d\n%s",
				input[len(input)-2:], err, o.Err, o.Aborted, len(rig.writes), buf.String())
		}
	}
	// But a missing answer before it still aborts.
	rig, opts = newAccRig(t)
	o, out = runAcc(t, opts, strings.Join(defaultLines[:5], "\n"), nil)
	if !o.Aborted || len(rig.writes) != 0 {
		t.Errorf("aborted %v, Write calls %d; want aborted\n%s", o.Aborted, len(rig.writes), out)
	}
}

// Answers that cannot be planned (certificate files that do not exist) end
// the run with the problems and without asking to write.
func TestAccessibleUnplannableAnswers(t *testing.T) {
	rig, opts := newAccRig(t)
	lines := slices.Clone(defaultLines)
	lines = slices.Replace(lines, 7, 8, "2", "/nowhere/fullchain.pem", "/nowhere/privkey.pem")
	o, out := runAcc(t, opts, script(lines...), nil)
	var problems config.Problems
	if !errors.As(o.Err, &problems) || o.Aborted || len(rig.writes) != 0 {
		t.Fatalf("err %v, aborted %v, Write calls %d; want the problems\n%s", o.Err, o.Aborted, len(rig.writes), out)
	}
	if problems[0].Field != "tls.cert" {
		t.Errorf("problems: %v", problems)
	}
	if strings.Contains(out, "Write these files?") {
		t.Errorf("asked to write answers that do not plan:\n%s", out)
	}
}

// TestAccessibleEditKeepsEveryAnswer: started from a saved answers file,
// empty lines keep every value, shown on its question: the answers come
// back identical.
func TestAccessibleEditKeepsEveryAnswer(t *testing.T) {
	for _, name := range []string{"minimal", "full-postgres", "mysql", "sqlite-012", "sqlite-13", "host", "letsencrypt", "host-letsencrypt", "turn-ip"} {
		t.Run(name, func(t *testing.T) {
			start := loadAnswers(t, name)
			rig, opts := newAccRig(t)
			opts.Answers = start
			o, out := runAcc(t, opts, strings.Repeat("\n", 80), nil)
			if o.Aborted || o.Err != nil || len(rig.writes) != 1 {
				t.Fatalf("aborted %v, err %v, Write calls %d; want written once\n%s", o.Aborted, o.Err, len(rig.writes), out)
			}
			if !reflect.DeepEqual(o.Answers, start) {
				t.Fatalf("answers changed by empty lines:\n got %#v\nwant %#v\n%s", o.Answers, start, out)
			}
			if strings.Contains(out, "Invalid") {
				t.Errorf("an empty line was refused:\n%s", out)
			}
			// Each value kept is shown on its question.
			shown := []string{"Now: " + start.Primary() + "\n"}
			if len(start.Domains) > 1 {
				shown = append(shown, "Now: "+strings.Join(start.Domains[1:], " ")+"\n")
			}
			if len(start.Admins) > 0 {
				shown = append(shown, "Now: "+strings.Join(start.Admins, " ")+"\n")
			}
			for _, h := range []string{start.Components.MUC, start.Components.Upload, start.Components.Proxy65, start.TURN.Host, start.TLS.Email} {
				if h != "" {
					shown = append(shown, "Now: "+h+"\n")
				}
			}
			proxy := config.ProxyNone
			if start.Proxied() {
				proxy = start.Proxy.Kind
			}
			for _, v := range []string{start.Registration, start.TLS.Mode, start.Database.Driver, start.Deploy, string(start.Prosody), proxy} {
				shown = append(shown, ". "+v)
			}
			for _, s := range shown {
				if !strings.Contains(out, s) {
					t.Errorf("the transcript lacks %q:\n%s", s, out)
				}
			}
			// Each select marks the option it keeps.
			for _, line := range strings.Split(out, "\n") {
				if strings.HasSuffix(line, "(now)") && !slices.ContainsFunc([]string{start.Registration, start.TLS.Mode, start.Database.Driver, start.Deploy, string(start.Prosody), proxy},
					func(v string) bool { return strings.Contains(line, ". "+v) }) {
					t.Errorf("%q is marked as the value now", line)
				}
			}
		})
	}
}

// TestAccessibleDefaultsMatchTheWizard: typing only the domain gives the
// same answers on both front ends (the wizard driven with Enter on every
// question), and both write them.
func TestAccessibleDefaultsMatchTheWizard(t *testing.T) {
	opts, fs := flowOptions(config.Defaults())
	d := newDriver(t, opts, 80, 24)
	d.enter()
	d.typeText("example.org")
	for i := 0; i < 60 && d.phase() == asking; i++ {
		d.enter()
	}
	tui := d.outcome()
	if tui.Aborted || tui.Err != nil || fs.writes != 1 {
		t.Fatalf("the wizard did not write: %+v", tui)
	}

	rig, aopts := newAccRig(t)
	acc, out := runAcc(t, aopts, script("", "example.org")+strings.Repeat("\n", 60), nil)
	if acc.Aborted || acc.Err != nil || len(rig.writes) != 1 {
		t.Fatalf("the accessible wizard did not write: aborted %v, err %v\n%s", acc.Aborted, acc.Err, out)
	}
	if !reflect.DeepEqual(acc.Answers, tui.Answers) {
		t.Errorf("answers differ:\naccessible %#v\n    wizard %#v", acc.Answers, tui.Answers)
	}
	if acc.Out != tui.Out {
		t.Errorf("output folder %q, the wizard's %q", acc.Out, tui.Out)
	}
}

// TestAccessiblePasswordKeepsSpaces: a password is stored as typed, spaces
// around it included (huh trims what its prompts read), and never shown.
func TestAccessiblePasswordKeepsSpaces(t *testing.T) {
	for _, pw := range []string{"  two words  ", " Zq9", "Str0ng-passw0rd", `"quoted" $HOME \ `} {
		t.Run(strings.TrimSpace(pw), func(t *testing.T) {
			rig, opts := newAccRig(t)
			lines := slices.Clone(defaultLines)
			// Storage: postgres; host, port, database, user kept; the password.
			lines = slices.Replace(lines, 8, 9, "3", "", "", "", "", pw)
			o, out := runAcc(t, opts, script(append(lines, "")...), nil)
			if o.Aborted || o.Err != nil || len(rig.writes) != 1 {
				t.Fatalf("aborted %v, err %v, Write calls %d\n%s", o.Aborted, o.Err, len(rig.writes), out)
			}
			if got := o.Answers.Database.Password; got != pw {
				t.Errorf("password %q, want %q as typed", got, pw)
			}
			if strings.Contains(out, strings.TrimSpace(pw)) {
				t.Errorf("the transcript shows the password:\n%s", out)
			}
		})
	}
	// Editing: the password is kept by an empty line, and not shown.
	start := loadAnswers(t, "full-postgres")
	start.Database.Password = " kept pw "
	rig, opts := newAccRig(t)
	opts.Answers = start
	o, out := runAcc(t, opts, strings.Repeat("\n", 80), nil)
	if o.Err != nil || len(rig.writes) != 1 || o.Answers.Database.Password != " kept pw " {
		t.Errorf("err %v, Write calls %d, password %q; want \" kept pw \" kept", o.Err, len(rig.writes), o.Answers.Database.Password)
	}
	if strings.Contains(out, "kept pw") || !strings.Contains(out, "Now: set (not shown)") {
		t.Errorf("the password question shows the password, or not that it is set:\n%s", out)
	}
}

// TestAccessibleModulesList: numbers toggle (several on a line), a wrong
// number is refused and asked again, an empty line or 0 ends the list.
func TestAccessibleModulesList(t *testing.T) {
	motd, uptime := moduleNumber(t, config.Series13, "motd"), moduleNumber(t, config.Series13, "uptime")
	smacks, sasl2sm := moduleNumber(t, config.Series13, "smacks"), moduleNumber(t, config.Series13, "sasl2_sm")
	for name, c := range map[string]struct {
		answers []string
		enable  []string
		disable []string
	}{
		"empty line":          {[]string{""}, []string{}, []string{}},
		"zero":                {[]string{"0"}, []string{}, []string{}},
		"two on a line":       {[]string{motd + " " + uptime, ""}, []string{"motd"}, []string{"uptime"}},
		"comma and zero":      {[]string{motd + "," + uptime + ",0"}, []string{"motd"}, []string{"uptime"}},
		"twice is off again":  {[]string{motd, motd, ""}, []string{}, []string{}},
		"wrong, then correct": {[]string{"999", "x", motd, ""}, []string{"motd"}, []string{}},
		// As on the terminal UI: what a module needs comes back with it,
		// and stays on while it is needed.
		"a dependency comes back": {[]string{smacks, sasl2sm, ""}, []string{"sasl2_sm"}, []string{}},
		"a needed module stays":   {[]string{sasl2sm, smacks, ""}, []string{"sasl2_sm"}, []string{}},
	} {
		t.Run(name, func(t *testing.T) {
			rig, opts := newAccRig(t)
			lines := slices.Replace(slices.Clone(defaultLines), 9, 10, c.answers...)
			o, out := runAcc(t, opts, script(append(lines, "")...), nil)
			if o.Aborted || o.Err != nil || len(rig.writes) != 1 {
				t.Fatalf("aborted %v, err %v, Write calls %d\n%s", o.Aborted, o.Err, len(rig.writes), out)
			}
			if !slices.Equal(o.Answers.Modules.Enable, c.enable) || !slices.Equal(o.Answers.Modules.Disable, c.disable) {
				t.Errorf("modules %+v, want enable %v disable %v", o.Answers.Modules, c.enable, c.disable)
			}
			if wrong := slices.Contains(c.answers, "999"); wrong != strings.Contains(out, `Invalid: "999"`) {
				t.Errorf("wrong number refused: %v, want %v\n%s", !wrong, wrong, out)
			}
		})
	}
}

// TestAccessibleFieldTexts: every question of every page has the title,
// description and options huh was given as the prompts read them (huh
// has no getters; a new huh that moves them fails here).
func TestAccessibleFieldTexts(t *testing.T) {
	d := fromAnswers(loadAnswers(t, "full-postgres"), "out")
	d.accessible = true
	d.TLSMode, d.Driver = config.TLSExisting, config.DriverPostgres
	in := huh.NewInput().Title("T").Description("D").Placeholder("P")
	if fieldText(in, "title") != "T" || fieldText(in, "description") != "D" || fieldText(in, "placeholder") != "P" {
		t.Fatalf("an Input's texts read as %q, %q, %q", fieldText(in, "title"), fieldText(in, "description"), fieldText(in, "placeholder"))
	}
	sel := huh.NewMultiSelect[string]().Options(huh.NewOption("a label", "a").Selected(true), huh.NewOption("b label", "b"))
	if got := fieldOptions(sel); !slices.Equal(got, []option{{"a label", "a", true}, {"b label", "b", false}}) {
		t.Fatalf("a MultiSelect's options read as %+v", got)
	}
	for _, p := range pages {
		steps := p.steps
		if p.accessibleSteps != nil {
			steps = p.accessibleSteps
		}
		for _, s := range steps {
			for _, f := range s.fields(d, config.Series13) {
				if fieldText(f, "title") == "" {
					t.Errorf("%s: a %T without a title", p.name, f)
				}
				switch f.(type) {
				case *huh.Select[string], *huh.MultiSelect[string]:
					if len(fieldOptions(f)) == 0 {
						t.Errorf("%s: %q has no options", p.name, fieldText(f, "title"))
					}
				case *huh.Input, *huh.Confirm:
				default:
					t.Errorf("%s: the prompts cannot ask a %T", p.name, f)
				}
			}
		}
	}
}

// TestAccessibleTranscript: a whole session on the default path, as a
// screen reader reads it, with the answers echoed as a terminal shows them.
func TestAccessibleTranscript(t *testing.T) {
	rig, opts := newAccRig(t)
	var out bytes.Buffer
	// The wizard reads only while it waits for an answer, so the echo
	// and its own output take turns.
	o, err := RunAccessible(opts, io.TeeReader(strings.NewReader(defaultScript("")), &out), &out, []string{"NO_COLOR=1"})
	if err != nil || o.Aborted || len(rig.writes) != 1 {
		t.Fatalf("err %v, aborted %v, Write calls %d\n%s", err, o.Aborted, len(rig.writes), out.String())
	}
	golden.File(t, filepath.Join("..", "testdata", "ui", "accessible-default.golden"), out.Bytes())
}
