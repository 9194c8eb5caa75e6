package ui

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/afero"

	"prosody-wizard/config"
)

// TestModeSwitchDropsUnusedAnswers: answers that only one mode uses
// (tls.email with letsencrypt; database host, port and password with a
// database server) are dropped when a person switches to another mode in
// the wizard, so the answers it produces never carry what validation
// refuses as ignored.
func TestModeSwitchDropsUnusedAnswers(t *testing.T) {
	start, err := config.Parse([]byte(`version: 1
deploy: host
domains: [wizard-demo.net]
tls: {mode: letsencrypt, email: hostmaster@wizard-demo.net}
database: {driver: postgres, host: db.wizard-demo.net, port: 5433, password: S3cret-pass}
`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tls := range []string{config.TLSSelfSigned, config.TLSExisting} {
		for _, driver := range []string{config.DriverInternal, config.DriverSQLite} {
			t.Run(tls+"+"+driver, func(t *testing.T) {
				d := fromAnswers(start, "")
				d.TLSMode, d.Driver = tls, driver
				d.Cert, d.Key = "/certs/fullchain.pem", "/certs/privkey.pem"
				a := d.toAnswers(start)
				if a.TLS.Email != "" || a.Database.Host != "" || a.Database.Port != 0 || a.Database.Password != "" {
					t.Errorf("answers keep what %s and %s ignore: tls %+v, database %+v", tls, driver, a.TLS, a.Database)
				}
				for _, p := range config.Validate(a) {
					t.Errorf("problem: %v", p)
				}
			})
		}
	}
}

// TestTURNHostIPAddress: the TURN field takes an IP address (XEP-0215 and
// mod_turn_external do), and the setup names it as typed, canonical.
func TestTURNHostIPAddress(t *testing.T) {
	var unset string // the field's value before the answer
	for _, ok := range []string{"", "turn.example.org", "192.0.2.7", "2001:db8::7", " 2001:DB8:0::7 "} {
		if err := validTURNHost(&unset)(ok); err != nil {
			t.Errorf("validTURNHost(%q) = %v, want nil", ok, err)
		}
	}
	for in, want := range map[string]string{
		"[2001:db8::7]": "without them",
		"0.0.0.0":       "not an address clients can connect to",
		"turn host.org": "contains a space",
	} {
		if err := validTURNHost(&unset)(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("validTURNHost(%q) = %v, want …%s…", in, err, want)
		}
	}

	d := fromAnswers(loadAnswers(t, "minimal"), "")
	d.TURN = "2001:DB8:0::7"
	a := d.toAnswers(loadAnswers(t, "minimal"))
	if a.TURN.Host != "2001:db8::7" {
		t.Fatalf("turn.host = %q, want 2001:db8::7", a.TURN.Host)
	}
	fs := &flowFs{source: afero.NewMemMapFs()}
	plan, err := planAnswers(a, flowInputs(a, fs))
	if err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]string{
		"prosody/prosody.cfg.lua": `turn_external_host = "2001:db8::7"`,
		"compose.yaml":            "- --realm=2001:db8::7\n",
	} {
		f, ok := plan.File(file)
		if !ok || !bytes.Contains(f.Data, []byte(want)) {
			t.Errorf("%s lacks %s", file, want)
		}
	}
	if f, _ := plan.File("dns.zone"); bytes.Contains(f.Data, []byte("2001:db8::7")) {
		t.Errorf("dns.zone has a record for the TURN address:\n%s", f.Data)
	}
}
