package scaffold

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/afero"

	"prosody-wizard/config"
)

// TestRerunKeepsSecretsAndKeys: after a setup is written, adding a module
// changes prosody.cfg.lua (and the saved answers) and nothing else: the
// database password, the TURN secret, the certificate and its key are
// reused, never regenerated behind the person's back.
func TestRerunKeepsSecretsAndKeys(t *testing.T) {
	for _, name := range []string{"minimal", "full-postgres", "host", "kubernetes", "kubernetes-postgres"} {
		t.Run(name, func(t *testing.T) {
			a, first := goldenPlan(t, name)
			fsys := afero.NewMemMapFs()
			if _, err := Apply(fsys, first, ApplyOptions{}); err != nil {
				t.Fatal(err)
			}
			in := goldenInputs(a)
			in.Existing = afero.NewReadOnlyFs(fsys)

			// The same answers again: nothing to change.
			again, err := planAnswers(a, in)
			if err != nil {
				t.Fatal(err)
			}
			if changed := changedPaths(t, fsys, again); len(changed) > 0 {
				t.Fatalf("the same answers change %v", changed)
			}

			// One unrelated answer more.
			a.Modules.Enable = append(a.Modules.Enable, "lastactivity")
			next, err := planAnswers(a, in)
			if err != nil {
				t.Fatal(err)
			}
			cfg := ConfigPath(a)
			want := []string{cfg, filepath.ToSlash(filepath.Join(filepath.Dir(cfg), "answers.yaml"))}
			if a.Container() {
				want[1] = "answers.yaml"
			}
			slices.Sort(want)
			if changed := changedPaths(t, fsys, next); !slices.Equal(changed, want) {
				t.Fatalf("adding a module changes %v, want %v", changed, want)
			}
		})
	}
}

func changedPaths(t *testing.T, fsys afero.Fs, p Plan) []string {
	t.Helper()
	changes, err := Compare(fsys, p)
	if err != nil {
		t.Fatal(err)
	}
	var changed []string
	for _, c := range changes {
		if c.Status != StatusSame || c.ModeOnly {
			changed = append(changed, c.Path)
		}
	}
	slices.Sort(changed)
	return changed
}

// TestDiffMasksSecrets: diffs show what changes, never a secret's value,
// and only name keys and certificates.
func TestDiffMasksSecrets(t *testing.T) {
	_, first := goldenPlan(t, "full-postgres")
	fsys := afero.NewMemMapFs()
	if _, err := Apply(fsys, first, ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	env, _ := first.File(".env")
	secretLines := []string{}
	for _, l := range strings.Split(string(env.Data), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok && !strings.HasPrefix(k, "#") {
			secretLines = append(secretLines, v)
		}
	}
	if len(secretLines) < 2 {
		t.Fatalf("no secrets in .env:\n%s", env.Data)
	}
	// A plan whose secrets and keys differ from those on disk.
	_, second := goldenPlan(t, "full-postgres")
	for i := range second.Files {
		switch second.Files[i].Path {
		case ".env":
			second.Files[i].Data = []byte(strings.ReplaceAll(string(env.Data), secretLines[0], "NEWSECRETVALUE1234"))
		case "prosody/certs/example.org.key", "prosody/certs/example.org.crt":
			second.Files[i].Data = append([]byte{}, second.Files[i].Data...)
			second.Files[i].Data[40] ^= 1
		}
	}
	changes, _ := Compare(fsys, second)
	var all strings.Builder
	for _, c := range changes {
		all.WriteString(Diff(fsys, c))
	}
	out := all.String()
	for _, secret := range append(secretLines, "NEWSECRETVALUE1234") {
		if strings.Contains(out, secret) {
			t.Errorf("the diff shows a secret value %q:\n%s", secret, out)
		}
	}
	for _, want := range []string{"PROSODY_DB_PASSWORD=***", "private key replaced (contents not shown)", "certificate replaced"} {
		if !strings.Contains(out, want) {
			t.Errorf("the diff lacks %q:\n%s", want, out)
		}
	}
}

// TestBackupDir: with a backup folder, replaced files are kept there,
// mirroring their paths, not beside the files.
func TestBackupDir(t *testing.T) {
	_, p := goldenPlan(t, "minimal")
	fsys := afero.NewMemMapFs()
	if _, err := Apply(fsys, p, ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	_ = afero.WriteFile(fsys, "prosody/prosody.cfg.lua", []byte("-- edited by hand\n"), 0o640)
	r, err := Apply(fsys, p, ApplyOptions{Force: true, Now: goldenNow, BackupDir: "backups"})
	if err != nil {
		t.Fatal(err)
	}
	want := "backups/prosody/prosody.cfg.lua.bak.20260101T000000Z"
	if !slices.Equal(r.Backups, []string{want}) {
		t.Fatalf("backups %v, want [%s]", r.Backups, want)
	}
	if got, _ := afero.ReadFile(fsys, want); string(got) != "-- edited by hand\n" {
		t.Errorf("the backup holds %q", got)
	}
	if beside, _ := afero.Glob(fsys, "prosody/prosody.cfg.lua.bak.*"); len(beside) > 0 {
		t.Errorf("a backup was also made beside the file: %v", beside)
	}
}

// TestDiffMasksWholeSecrets: a password or secret with spaces, quotes and
// ; changes between two runs; no piece of the old or the new value shows in
// the dry-run diff of any file, host, compose or a cluster's (whose
// secrets/ files are not shown at all).
func TestDiffMasksWholeSecrets(t *testing.T) {
	oldPw, newPw := `Tr0ub4dor "h0rse"; b4ttery 'st4ple' \ $xyz`, "abc;LEAKEDTAIL"
	oldTURN, newTURN := `sh4red s3cr3t; "qu0ted" ta1l#3nd`, `x"yyy zzz`
	for _, deploy := range []string{config.DeployHost, config.DeployCompose, config.DeployKubernetes} {
		t.Run(deploy, func(t *testing.T) {
			plan := func(pw, secret string) Plan {
				a := config.Defaults()
				a.Deploy = deploy
				a.Domains = []string{"wizard-demo.net"}
				a.Components = config.DefaultComponents("wizard-demo.net")
				a.Database = config.Database{Driver: config.DriverPostgres, Host: "db.wizard-demo.net", Name: "prosody", User: "prosody", Password: pw}
				a.TURN = config.TURN{Host: "turn.wizard-demo.net", Port: 3478, Secret: secret}
				p, err := planAnswers(a, goldenInputs(a))
				if err != nil {
					t.Fatal(err)
				}
				return p
			}
			fsys := afero.NewMemMapFs()
			if _, err := Apply(fsys, plan(oldPw, oldTURN), ApplyOptions{}); err != nil {
				t.Fatal(err)
			}
			changes, err := Compare(fsys, plan(newPw, newTURN))
			if err != nil {
				t.Fatal(err)
			}
			var out strings.Builder
			for _, c := range changes {
				out.WriteString(Diff(fsys, c))
			}
			diff := out.String()
			if diff == "" {
				t.Fatal("no diff: the secrets did not change any file")
			}
			for _, secret := range []string{oldPw, newPw, oldTURN, newTURN} {
				for _, piece := range strings.FieldsFunc(secret, func(r rune) bool { return strings.ContainsRune(` ;"'\$#`, r) }) {
					if len(piece) >= 3 && strings.Contains(diff, piece) {
						t.Errorf("the diff shows %q of the secret %q:\n%s", piece, secret, diff)
					}
				}
			}
			if !strings.Contains(diff, "***") && !strings.Contains(diff, "secret replaced (contents not shown)") {
				t.Errorf("nothing masked:\n%s", diff)
			}
		})
	}
}

// TestMaskSecrets: the line rule (maskSecretLines) masks values are masked to the end of the line; references to
// the environment stay visible where they are references (ENV_ in Lua,
// ${…} in compose and .env), and ENV_ in .env is a value.
func TestMaskSecrets(t *testing.T) {
	for _, c := range []struct{ path, in, want string }{
		{"prosody/prosody.cfg.lua", "+\tpassword = \"a b\\\" c\"; -- x", "+\tpassword = ***"},
		{"prosody/prosody.cfg.lua", "-turn_external_secret = \"s p\"", "-turn_external_secret = ***"},
		{"prosody/prosody.cfg.lua", " \tpassword = ENV_PROSODY_DB_PASSWORD; -- from .env, through compose.yaml", ""},
		{"prosody/prosody.cfg.lua", "+turn_external_secret = ENV_PROSODY_TURN_SECRET -- from .env, through compose.yaml", ""},
		{"prosody/prosody.cfg.lua", "+\tpassword = ENV_X .. \"tail\";", "+\tpassword = ***"},
		{".env", "+PROSODY_DB_PASSWORD=\"a b\"", "+PROSODY_DB_PASSWORD=***"},
		{".env", "-PROSODY_TURN_SECRET=ENV_NOT_A_REFERENCE", "-PROSODY_TURN_SECRET=***"},
		{".env", " PROSODY_DB_PASSWORD=${OTHER}", ""},
		{"compose.yaml", "       POSTGRES_PASSWORD: ${PROSODY_DB_PASSWORD:?set it in .env}", ""},
		{"compose.yaml", "       - --static-auth-secret=${PROSODY_TURN_SECRET:?set it in .env}", ""},
		{"compose.yaml", "+      - --static-auth-secret=plain text", "+      - --static-auth-secret=***"},
		{"coturn/turnserver.conf", "+static-auth-secret=a b", "+static-auth-secret=***"},
	} {
		want := c.want
		if want == "" {
			want = c.in
		}
		if got := maskSecretLines(c.path, c.in); got != want {
			t.Errorf("%s: maskSecretLines(%q) = %q, want %q", c.path, c.in, got, want)
		}
	}
}

// TestRerunKeepsAnySecret: a re-run without the password and secret in the
// answers reads back the ones an earlier run wrote, whatever they hold.
func TestRerunKeepsAnySecret(t *testing.T) {
	for _, deploy := range []string{config.DeployHost, config.DeployCompose, config.DeployKubernetes} {
		for i, pw := range secretSeeds {
			secret := secretSeeds[len(secretSeeds)-1-i]
			if deploy == config.DeployHost && secret != strings.Trim(secret, " ") {
				secret = "x" + secret + "x" // coturn's config file cannot keep spaces around it (config refuses them)
			}
			a := config.Defaults()
			a.Deploy = deploy
			a.Domains = []string{"wizard-demo.net"}
			a.Components = config.DefaultComponents("wizard-demo.net")
			a.Database = config.Database{Driver: config.DriverMySQL, Host: "localhost", Name: "prosody", User: "prosody", Password: pw}
			if deploy == config.DeployKubernetes {
				a.Ports.HTTPS = config.KubeHTTPSPort
			}
			a.TURN = config.TURN{Host: "turn.wizard-demo.net", Port: 3478, Secret: secret}
			fsys := written(t, a)
			in := goldenInputs(a)
			in.Existing = afero.NewReadOnlyFs(fsys)
			a.Database.Password, a.TURN.Secret = "", ""
			again, err := planAnswers(a, in)
			if err != nil {
				t.Fatal(err)
			}
			if changed := changedPaths(t, fsys, again); len(changed) > 0 {
				t.Errorf("%s, password %q, secret %q: the re-run changes %v", deploy, pw, secret, changed)
			}
		}
	}
}
