package scaffold

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/dotenv"

	"prosody-wizard/config"
)

func TestDotenvValue(t *testing.T) {
	for in, want := range map[string]string{
		"KGY7P5J3OYLTEOSH3FIOFZIUSB": "KGY7P5J3OYLTEOSH3FIOFZIUSB",
		"a-b_c.d:e/f@g%h+i,j":        "a-b_c.d:e/f@g%h+i,j",
		"":                           `""`,
		"two words ":                 `"two words "`,
		`$HOME "x" \n`:               `"\$HOME \"x\" \\n"`,
		"#x":                         `"#x"`,
		"line\nbreak\r":              `"line\nbreak\r"`,
		"it's":                       `"it's"`,
	} {
		if got := DotenvValue(in); got != want {
			t.Errorf("DotenvValue(%q) = %s, want %s", in, got, want)
		}
	}
}

// composeReads parses an .env file with compose-go, as docker compose does.
func composeReads(t testing.TB, env string) map[string]string {
	t.Helper()
	m, err := dotenv.UnmarshalWithLookup(env, func(string) (string, bool) { return "from-the-environment", true })
	if err != nil {
		t.Fatalf("compose-go rejects the .env file: %v\n%s", err, env)
	}
	return m
}

// FuzzDotenvValue: docker compose's own .env parser reads DotenvValue's
// line back byte for byte, and so does the re-run's reader, for any text
// without NUL (which no environment variable can hold).
func FuzzDotenvValue(f *testing.F) {
	for _, s := range append(slices.Clone(secretSeeds), shellSeeds...) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if strings.IndexByte(s, 0) >= 0 {
			t.Skip("no environment variable holds NUL")
		}
		line := DotenvValue(s)
		env := "# comment\nBEFORE=1\nPROSODY_DB_PASSWORD=" + line + "\nAFTER=2\n"
		m := composeReads(t, env)
		if m["PROSODY_DB_PASSWORD"] != s || m["BEFORE"] != "1" || m["AFTER"] != "2" {
			t.Fatalf("compose reads %q from %s, want %q (all: %q)", m["PROSODY_DB_PASSWORD"], line, s, m)
		}
		if back, ok := dotenvLookup([]byte(env), "PROSODY_DB_PASSWORD"); !ok || back != s {
			t.Fatalf("the re-run reads %q (ok %v) from %s, want %q", back, ok, line, s)
		}
	})
}

// FuzzParseDotenvValue: whatever follows VAR= on a line, when the re-run's
// reader accepts it, it reads what compose-go reads.
func FuzzParseDotenvValue(f *testing.F) {
	for _, s := range []string{
		"plain", " lead", "trail  ", "a #comment", "a#b", `"dq \" \\ \$ \n \t \q"`, `"a" # c`, `"a"b`,
		`'single \' \\ $x'`, `'a\'`, `"\0101"`, `"${X}"`, "$X", `"$$"`, `"\$$"`, "\"unterminated", `""`, `''`,
		"\u00a0x", "\u0085\"x\"", `"\c"`, `"\\\\\""`, "'a'  #", "\"a\"\r",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if strings.ContainsAny(raw, "\n\x00") {
			t.Skip("one line")
		}
		v, ok := parseDotenvValue(raw)
		if !ok {
			return
		}
		if got := composeReads(t, "K="+raw+"\n")["K"]; got != v {
			t.Fatalf("K=%s: the reader gives %q, compose-go %q", raw, v, got)
		}
	})
}

// checkComposeCarries plans a compose repo with the password and secret,
// loads it with compose-go as docker compose would, and checks that the
// database server, prosody and coturn receive exactly those values.
func checkComposeCarries(t *testing.T, driver, password, secret string) {
	a := config.Defaults()
	a.Domains = []string{"wizard-demo.net"}
	a.Components = config.DefaultComponents("wizard-demo.net")
	a.TURN.Host, a.TURN.Secret = "wizard-demo.net", secret
	a.Database.Driver, a.Database.Password = driver, password
	if ps := config.Validate(a); len(ps) > 0 {
		t.Skipf("not valid: %v", ps)
	}
	p, err := planAnswers(a, Inputs{Now: goldenNow, Owner: config.Owner{UID: 1000, GID: 1000}, Source: testSource()})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, name := range []string{"compose.yaml", ".env"} {
		f, _ := p.File(name)
		if err := os.WriteFile(filepath.Join(dir, name), f.Data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	opts, err := cli.NewProjectOptions([]string{filepath.Join(dir, "compose.yaml")},
		cli.WithWorkingDirectory(dir), cli.WithEnvFiles(filepath.Join(dir, ".env")), cli.WithDotEnv)
	if err != nil {
		t.Fatal(err)
	}
	project, err := opts.LoadProject(context.Background())
	if err != nil {
		env, _ := p.File(".env")
		t.Fatalf("compose.yaml does not load: %v\n%s", err, env.Data)
	}
	prosody := project.Services["prosody"].Environment
	if got := svcEnv(prosody, turnSecretEnv); got != secret {
		t.Errorf("prosody gets the TURN secret %q, want %q", got, secret)
	}
	if cmd := project.Services["coturn"].Command; !slices.Contains(cmd, "--static-auth-secret="+secret) {
		t.Errorf("coturn's command %q lacks --static-auth-secret=%s", cmd, secret)
	}
	db, variable := "postgres", "POSTGRES_PASSWORD"
	if driver == config.DriverMySQL {
		db, variable = "mariadb", "MARIADB_PASSWORD"
	}
	if got := svcEnv(project.Services[db].Environment, variable); got != password {
		t.Errorf("%s gets %s %q, want %q", db, variable, got, password)
	}
	if got := svcEnv(prosody, dbPasswordEnv); got != password {
		t.Errorf("prosody gets %s %q, want %q", dbPasswordEnv, got, password)
	}
}

// FuzzComposeCarriesSecrets: any database password and TURN secret
// validation accepts reach the database service (POSTGRES_PASSWORD,
// MARIADB_PASSWORD), prosody's environment and coturn's
// --static-auth-secret unchanged, through .env and compose.yaml as
// compose-go loads them.
func FuzzComposeCarriesSecrets(f *testing.F) {
	for i, s := range secretSeeds {
		f.Add(i%2 == 0, s, secretSeeds[len(secretSeeds)-1-i])
	}
	f.Fuzz(func(t *testing.T, mysql bool, password, secret string) {
		if password == "" || secret == "" {
			t.Skip("empty means generated")
		}
		driver := config.DriverPostgres
		if mysql {
			driver = config.DriverMySQL
		}
		checkComposeCarries(t, driver, password, secret)
	})
}
