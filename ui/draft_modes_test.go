package ui

import (
	"testing"

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
