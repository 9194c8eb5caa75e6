package scaffold

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/spf13/afero"

	"prosody-wizard/config"
)

// configAnswers builds valid-looking answers from a fuzzer's choices: the
// bits of choice pick deploy, series, driver, TURN, components, federation,
// registration and extra domains (IDN among them); password, secret,
// domain and admin are taken as given when validation accepts them.
func configAnswers(choice uint64, password, secret, domain, admin string) config.Answers {
	bit := func(n uint) bool { return choice>>n&1 == 1 }
	pick := func(shift uint, n int) int { return int(choice>>shift) % n }
	a := config.Defaults()
	a.Deploy = []string{config.DeployCompose, config.DeployHost}[pick(0, 2)]
	a.Prosody = config.AllSeries[pick(1, len(config.AllSeries))]
	if config.DomainProblem(config.NormalizeDomain(domain)) != "" {
		domain = "wizard-demo.net"
	}
	a.Domains = []string{domain}
	extra := []string{"", "münchen-demo.de", config.ALabel("bücher-demo.de"), "例え-demo.jp", "xmpp-demo.org"}
	if d := extra[pick(3, len(extra))]; d != "" {
		a.Domains = append(a.Domains, d)
	}
	a.Admins = []string{admin + "@" + domain}
	a.Registration = []string{config.RegistrationClosed, config.RegistrationInvite, config.RegistrationOpen}[pick(6, 3)]
	a.Federation = !bit(8)
	drivers := []string{config.DriverInternal, config.DriverSQLite, config.DriverPostgres, config.DriverMySQL}
	a.Database.Driver = drivers[pick(9, len(drivers))]
	if a.NetworkDB() {
		a.Database.Password = password
		if a.Deploy == config.DeployHost || bit(11) {
			a.Database.Host = []string{"localhost", "db.wizard-demo.net", "192.0.2.7", "2001:db8::7"}[pick(12, 4)]
		}
		if bit(14) {
			a.Database.Port = 15432
		}
	}
	a.Normalize()
	a.Components = config.DefaultComponents(a.Primary())
	if bit(15) {
		a.Components.MUC = ""
	}
	if bit(16) {
		a.Components.Upload = ""
	}
	if bit(17) {
		a.Components.Proxy65 = "proxy.münchen-demo.de"
	}
	if bit(18) {
		a.TURN.Host = "turn." + a.Primary()
		a.TURN.Secret = secret
	}
	if bit(19) {
		a.Ports.C2SDirectTLS = 0
	}
	// Contact addresses: the admin's account, and a page whose path is
	// the fuzzer's admin text, when validation takes them.
	a.Contact = config.DefaultContact(a.Admins)
	a.Contact.Support = []string{"https://" + config.ALabel(a.Primary()) + "/" + admin}
	for _, p := range config.Validate(a) {
		switch {
		case p.Field == "admins[0]":
			a.Admins = []string{}
			a.Contact = config.DefaultContact(nil)
		case p.Field == "contact.support[0]":
			a.Contact.Support = []string{}
		}
	}
	return a
}

// FuzzConfigReadsBack: for any valid answers and any password or TURN
// secret validation accepts, prosody.cfg.lua passes luac5.4 -p and a Lua
// parser reading it as Prosody does gets every value back unchanged; the
// re-run reader gets the secrets back too.
func FuzzConfigReadsBack(f *testing.F) {
	luac, _ := exec.LookPath("luac5.4")
	if luac == "" && os.Getenv("PW_REQUIRE_PROSODY") == "1" {
		f.Fatal("luac5.4 is not installed (PW_REQUIRE_PROSODY=1)")
	}
	for i, pw := range secretSeeds {
		// Host deploys with postgres and mysql, TURN on, and compose.
		for _, choice := range []uint64{1 | 2<<9 | 1<<18, 1 | 3<<9 | 1<<18 | 1<<17 | 1<<3, 2<<9 | 1<<18} {
			f.Add(choice^uint64(i)<<6, pw, secretSeeds[len(secretSeeds)-1-i], "wizard-demo.net", "admin")
		}
	}
	// The password of issue 9, host deploy with postgres, TURN off.
	f.Add(uint64(1|2<<9), "S3cret;pass", "", "wizard-demo.net", "admin")
	f.Add(uint64(1|1<<9), "", "", "bücher-demo.de", "$(id)`x`;|")
	f.Add(uint64(1|2<<9|1<<18), "", "", "wizard-demo.net", "")
	f.Fuzz(func(t *testing.T, choice uint64, password, secret, domain, admin string) {
		a := configAnswers(choice, password, secret, domain, admin)
		if ps := config.Validate(a); len(ps) > 0 {
			t.Skipf("not valid: %v", ps)
		}
		in := Inputs{Now: goldenNow, Owner: config.Owner{UID: 102, GID: 105}, Source: testSource()}
		p, err := planAnswers(a, in)
		if err != nil {
			t.Fatal(err)
		}
		f, _ := p.File(ConfigPath(a))
		if luac != "" {
			file := filepath.Join(t.TempDir(), "prosody.cfg.lua")
			if err := os.WriteFile(file, f.Data, 0o644); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command(luac, "-p", file).CombinedOutput(); err != nil {
				t.Fatalf("luac5.4 -p rejected the config: %v\n%s\n%s", err, out, f.Data)
			}
		}
		env := map[string]string{dbPasswordEnv: "from-env-db", turnSecretEnv: "from-env-turn"}
		cfg := loadProsodyConfig(t, f.Data, env)
		g := cfg["*"]
		compose := a.Deploy == config.DeployCompose

		if got := strs(g["admins"]); !slices.Equal(got, a.Admins) {
			t.Errorf("admins = %q, want %q", got, a.Admins)
		}
		contact, _ := g["contact_info"].(map[string]any)
		for _, l := range a.Contact.Lists() {
			if got := strs(contact[l.Name]); !slices.Equal(got, l.URIs) {
				t.Errorf("contact_info.%s = %q, want %q", l.Name, got, l.URIs)
			}
		}
		for _, d := range a.Domains {
			if cfg[d]["defined"] != true {
				t.Errorf("VirtualHost %q missing", d)
			}
		}
		for host, module := range map[string]string{a.Components.MUC: "muc", a.Components.Upload: "http_file_share", a.Components.Proxy65: "proxy65"} {
			if host != "" && cfg[host]["component_module"] != module {
				t.Errorf("Component %q: module %v, want %s", host, cfg[host]["component_module"], module)
			}
		}
		existing := afero.NewMemMapFs()
		if _, err := Apply(existing, p, ApplyOptions{}); err != nil {
			t.Fatal(err)
		}
		if a.NetworkDB() {
			sql, _ := g["sql"].(map[string]any)
			want := "from-env-db"
			if !compose {
				want = existingSecret(existing, a, dbPasswordEnv, cfgPassword)
			}
			if a.Database.Password != "" && !compose && want != a.Database.Password {
				t.Errorf("the re-run reads the password back as %q, want %q", want, a.Database.Password)
			}
			if sql["password"] != want || sql["username"] != a.Database.User || sql["database"] != a.Database.Name || sql["port"] != float64(a.DBPort()) {
				t.Errorf("sql = %q, want password %q", sql, want)
			}
			if compose && a.Database.Password != "" {
				if got := existingSecret(existing, a, dbPasswordEnv, cfgPassword); got != a.Database.Password {
					t.Errorf("the re-run reads the password back from .env as %q, want %q", got, a.Database.Password)
				}
			}
		}
		if a.TURN.Host != "" {
			want := "from-env-turn"
			reread := existingSecret(existing, a, turnSecretEnv, cfgTURNSecret)
			if !compose {
				want = reread
			}
			if a.TURN.Secret != "" && reread != a.TURN.Secret {
				t.Errorf("the re-run reads the TURN secret back as %q, want %q", reread, a.TURN.Secret)
			}
			if g["turn_external_secret"] != want || g["turn_external_host"] != config.ALabel(a.TURN.Host) {
				t.Errorf("turn_external_secret = %q host %q, want %q", g["turn_external_secret"], g["turn_external_host"], want)
			}
		}
		// The same answers again (generated secrets read back): nothing changes.
		in.Existing = afero.NewReadOnlyFs(existing)
		again, err := planAnswers(a, in)
		if err != nil {
			t.Fatal(err)
		}
		if changed := changedPaths(t, existing, again); len(changed) > 0 {
			t.Errorf("a re-run of the same answers changes %v", changed)
		}
	})
}

// secretSeeds are passwords no quoting rule of the past survived.
var secretSeeds = []string{
	"S3cret;pass",
	"correct horse battery staple",
	` it's "quoted" `,
	`back\slash\`,
	`\"; os.execute("id") --`,
	"]]--[[",
	"$HOME ${HOME} $$ `id` $(id)",
	"#not a comment",
	"a #b",
	"x' #",
	`"\$\\`,
	`\0001\ddd\x41\u{41}\z`,
	"ENV_PROSODY_DB_PASSWORD",
	"${PROSODY_DB_PASSWORD}",
	"pässwört 秘密 \u200b\u202e",
	"=;,}{",
	"'",
	"x",
}
