package ui

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"testing/cryptotest"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/spf13/afero"

	"prosody-wizard/config"
	"prosody-wizard/scaffold"
)

var flowNow = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// flowFs is what the wizard's Options read and write in these tests.
type flowFs struct {
	source   afero.Fs // tls.cert and tls.key live here
	out      afero.Fs // the output folder
	writes   int
	compared scaffold.Plan // the plan the review listed last
	written  scaffold.Plan // the plan given to Write
}

func flowInputs(a config.Answers, fs *flowFs) scaffold.Inputs {
	owner := config.Owner{UID: 1000, GID: 1000}
	if a.Deploy == config.DeployHost {
		owner = config.Owner{UID: 102, GID: 105}
	}
	return scaffold.Inputs{Now: flowNow, Owner: owner, Source: fs.source}
}

// planAnswers resolves the answers (config.Resolve) and plans them, as
// main's Plan does.
func planAnswers(a config.Answers, in scaffold.Inputs) (scaffold.Plan, error) {
	s, problems := config.Resolve(a)
	if len(problems) > 0 {
		return scaffold.Plan{}, problems
	}
	return scaffold.NewPlan(s, in)
}

// flowOptions wires the wizard to memory filesystems, as main wires it to
// the disk.
func flowOptions(start config.Answers) (Options, *flowFs) {
	fs := &flowFs{source: afero.NewMemMapFs(), out: afero.NewMemMapFs()}
	return Options{
		Answers: start,
		Plan: func(a config.Answers, out string) (scaffold.Plan, error) {
			return planAnswers(a, flowInputs(a, fs))
		},
		Compare: func(out string, p scaffold.Plan) ([]scaffold.Change, error) {
			fs.compared = p
			return scaffold.Compare(fs.out, p)
		},
		Write: func(out string, p scaffold.Plan) (scaffold.Result, error) {
			fs.writes++
			fs.written = p
			return scaffold.Apply(fs.out, p, scaffold.ApplyOptions{Now: flowNow})
		},
	}, fs
}

func loadAnswers(t *testing.T, name string) config.Answers {
	t.Helper()
	a, err := config.Load(filepath.Join("..", "testdata", "answers", name+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestDefaultRun: one domain typed, Enter on every page, gives exactly the
// setup of the simplest answers file, byte for byte.
func TestDefaultRun(t *testing.T) {
	cryptotest.SetGlobalRandom(t, 1)
	opts, fs := flowOptions(config.Defaults())
	d := newDriver(t, opts, 80, 24)
	d.enter()
	if d.page() != "domains" {
		t.Fatalf("after welcome: %s", d.page())
	}
	d.typeText("example.org")
	for i := 0; i < 40 && d.phase() == asking; i++ {
		d.enter()
	}
	out := d.outcome()
	if out.Aborted || out.Err != nil || fs.writes != 1 {
		t.Fatalf("not written (writes %d): %+v\n%s", fs.writes, out, d.render())
	}
	want := loadAnswers(t, "minimal")
	if !reflect.DeepEqual(out.Answers, want) {
		t.Fatalf("answers differ from minimal.yaml:\n got %#v\nwant %#v", out.Answers, want)
	}
	if out.Out != "./example.org" {
		t.Errorf("output folder %q, want ./example.org", out.Out)
	}
	// What the review listed is what was written, generated key included.
	if !reflect.DeepEqual(fs.compared, fs.written) {
		t.Error("the plan written differs from the plan the review showed")
	}
	// The files equal the ones minimal.yaml plans (same pinned inputs).
	cryptotest.SetGlobalRandom(t, 1)
	p, err := planAnswers(want, flowInputs(want, fs))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range p.Files {
		if f.IsDir() || f.Secret || filepath.Ext(f.Path) == ".crt" {
			continue // generated secrets and keys differ by design
		}
		got, err := afero.ReadFile(fs.out, f.Path)
		if err != nil || !bytes.Equal(got, f.Data) {
			t.Errorf("%s differs from the minimal.yaml plan", f.Path)
		}
	}
}

// writePair puts a matching certificate and key for hosts into fs.
func writePair(t *testing.T, fs afero.Fs, cert, key string, hosts []string) {
	t.Helper()
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: hosts[0]}, DNSNames: hosts,
		NotBefore: flowNow.Add(-time.Hour), NotAfter: flowNow.Add(90 * 24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalPKCS8PrivateKey(k)
	_ = afero.WriteFile(fs, cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	_ = afero.WriteFile(fs, key, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600)
}

// TestCustomRun: two domains, an admin, PostgreSQL, existing TLS, extra
// modules: the follow-up questions appear, and the answers and plan say so.
func TestCustomRun(t *testing.T) {
	opts, fs := flowOptions(config.Defaults())
	writePair(t, fs.source, "/certs/fullchain.pem", "/certs/privkey.pem",
		[]string{"example.org", "example.net", "conference.example.org", "upload.example.org"})
	d := newDriver(t, opts, 120, 40)
	d.enter() // welcome: 13.0
	d.typeText("example.org")
	d.enter()
	d.typeText("example.net")
	d.enter()
	// The admin field holds admin@example.org already; replace it.
	d.ctrl('u')
	d.typeText("boss@example.net")
	d.enter()
	d.enter() // abuse contact: the admin's account, followed
	d.down()  // registration: invite
	d.enter()
	d.enter() // federation: yes
	if d.page() != "tls" {
		t.Fatalf("on %s, want tls:\n%s", d.page(), d.render())
	}
	d.down() // existing
	d.enter()
	d.typeText("/certs/fullchain.pem")
	d.enter()
	d.typeText("/certs/privkey.pem")
	d.enter()
	if d.page() != "database" {
		t.Fatalf("on %s, want database:\n%s", d.page(), d.render())
	}
	d.down()
	d.down() // postgres
	d.enter()
	d.typeText("db.example.org") // host
	d.enter()
	d.enter() // port: default
	d.enter() // name: prosody
	d.enter() // user: prosody
	d.typeText("Sup3r-secret-pw")
	d.enter()
	if d.page() != "modules" {
		t.Fatalf("on %s, want modules:\n%s", d.page(), d.render())
	}
	// Tick announce and motd, each found with the search (/ searches
	// every group; enter keeps the search, space ticks, esc clears it).
	for _, want := range []string{"announce", "motd"} {
		d.typeText("/" + want)
		d.send(tea.KeyPressMsg{Code: tea.KeyEnter}) // keeps the search
		if name := d.hovered(); name != want {
			t.Fatalf("cursor on %s, want %s:\n%s", name, want, d.render())
		}
		d.space()
		d.esc()
		if d.page() != "modules" {
			t.Fatalf("esc with a search left the page for %s", d.page())
		}
	}
	d.enter() // one Enter gets past the page
	if d.page() != "components" {
		t.Fatalf("after the modules page: %s, want components", d.page())
	}
	d.enterUntil("review", 20)
	d.enter() // Write
	out := d.outcome()
	if out.Aborted || out.Err != nil {
		t.Fatalf("not written: %+v\n%s", out, d.render())
	}
	a := out.Answers
	switch {
	case !slices.Equal(a.Domains, []string{"example.org", "example.net"}):
		t.Errorf("domains %v", a.Domains)
	case !slices.Equal(a.Admins, []string{"boss@example.net"}):
		t.Errorf("admins %v", a.Admins)
	case a.Registration != config.RegistrationInvite:
		t.Errorf("registration %s", a.Registration)
	case a.TLS != config.TLS{Mode: config.TLSExisting, Cert: "/certs/fullchain.pem", Key: "/certs/privkey.pem"}:
		t.Errorf("tls %+v", a.TLS)
	case a.Database.Driver != config.DriverPostgres || a.Database.Host != "db.example.org" || a.Database.Password != "Sup3r-secret-pw":
		t.Errorf("database %+v", a.Database)
	case !slices.Equal(a.Modules.Enable, []string{"announce", "motd"}):
		t.Errorf("modules.enable %v", a.Modules.Enable)
	}
	cfg, err := afero.ReadFile(fs.out, "prosody/prosody.cfg.lua")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`VirtualHost "example.net"`, `driver = "PostgreSQL"`, `"motd";`, `"announce";`, `host = "db.example.org"`} {
		if !bytes.Contains(cfg, []byte(want)) {
			t.Errorf("prosody.cfg.lua lacks %s", want)
		}
	}
	crt, _ := afero.ReadFile(fs.out, "prosody/certs/example.org.crt")
	given, _ := afero.ReadFile(fs.source, "/certs/fullchain.pem")
	if !bytes.Equal(crt, given) {
		t.Error("the existing certificate was not copied")
	}
}

// TestEscGoesBack: esc returns to the previous page with its answers.
func TestEscGoesBack(t *testing.T) {
	opts, _ := flowOptions(config.Defaults())
	d := newDriver(t, opts, 80, 24)
	d.enter()
	d.typeText("example.org")
	d.enterUntil("tls", 10)
	d.esc()
	if d.page() != "domains" {
		t.Fatalf("esc led to %s, want domains", d.page())
	}
	var primary string
	d.with(func(m *Model) { primary = m.d.Primary })
	if primary != "example.org" {
		t.Errorf("the domain was lost: %q", primary)
	}
}

// TestCtrlCWritesNothing: ctrl+c on any page ends the run as aborted,
// and nothing is written.
func TestCtrlCWritesNothing(t *testing.T) {
	for _, at := range []string{"welcome", "domains", "modules", "review"} {
		t.Run(at, func(t *testing.T) {
			opts, fs := flowOptions(config.Defaults())
			d := newDriver(t, opts, 80, 24)
			d.enter()
			d.typeText("example.org")
			if at == "welcome" {
				d.esc()
			} else {
				d.enterUntil(at, 30)
			}
			d.ctrlC()
			out := d.outcome()
			if !out.Aborted || fs.writes != 0 {
				t.Fatalf("ctrl+c on %s: %+v, %d writes", at, out, fs.writes)
			}
			if d.render() != "" {
				t.Errorf("the screen is not cleared on abort")
			}
		})
	}
}

// TestEditPrefillsEveryAnswer: the wizard started from a saved answers file
// and confirmed page after page gives back the same answers.
func TestEditPrefillsEveryAnswer(t *testing.T) {
	for _, name := range []string{"minimal", "full-postgres", "mysql", "sqlite-012", "sqlite-13", "host", "letsencrypt", "host-letsencrypt"} {
		t.Run(name, func(t *testing.T) {
			start := loadAnswers(t, name)
			opts, _ := flowOptions(start)
			d := newDriver(t, opts, 120, 40)
			d.enterUntil("review", 60)
			// Stopped first: the answers share start's lists, which the
			// running wizard normalises (in place) on every update.
			got := d.stop().answers()
			if !reflect.DeepEqual(got, start) {
				t.Fatalf("answers changed by the wizard:\n got %#v\nwant %#v", got, start)
			}
		})
	}
}
