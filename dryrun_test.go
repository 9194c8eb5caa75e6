package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"prosody-wizard/config"
	"prosody-wizard/scaffold"
)

// TestDryRunMasksSecrets: a re-run's dry run replacing a password and a
// TURN secret full of quotes, ;, $, backslashes and unicode shows neither
// the new nor the old value, raw or as a file writes it, not even where
// the old one sits in a note added by hand.
func TestDryRunMasksSecrets(t *testing.T) {
	oldPw, newPw := `Qz1old pw "Qz2" ; $Qz3 \Qz4\\ 'Qz5' Qz6ünï日本 #Qz7`, `  Qz8new"; Qz9 = $HOME \" Qy1 `+"\u00e9Qy2\u2603"
	oldTURN, newTURN := `Qy3 "turn" Qy4;\ Qy5 $Qy6`, `Qy7' Qy8 "\\" Qy9ß`
	for _, deploy := range []string{config.DeployHost, config.DeployCompose} {
		t.Run(deploy, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "out")
			uid, gid := testOwner()
			a := config.Defaults()
			a.Deploy = deploy
			a.Domains = []string{"example.org"}
			a.Database = config.Database{Driver: config.DriverPostgres, Host: "db.example.org", Name: "prosody", User: "prosody", Password: oldPw}
			a.TURN = config.TURN{Host: "turn.example.org", Port: 3478, Secret: oldTURN}
			a.Owner = config.Owner{UID: uid, GID: gid}
			ans := answersFile(t, dir, string(config.Marshal(a)))
			if code, _, stderr := runCLI(t, "--answers", ans, "--out", out); code != exitOK {
				t.Fatalf("write: exit %d\n%s", code, stderr)
			}
			holder := filepath.Join(out, filepath.FromSlash(scaffold.ConfigPath(a)))
			if deploy == config.DeployCompose {
				holder = filepath.Join(out, ".env")
			}
			data, err := os.ReadFile(holder)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(holder, append([]byte("# "+oldPw+"\n"), data...), 0o600); err != nil {
				t.Fatal(err)
			}

			a.Database.Password, a.TURN.Secret = newPw, newTURN
			ans = answersFile(t, dir, string(config.Marshal(a)))
			code, stdout, stderr := runCLI(t, "--answers", ans, "--out", out, "--dry-run")
			if code != exitOK {
				t.Fatalf("dry run: exit %d\n%s", code, stderr)
			}
			if !strings.Contains(stdout, "\n-# ***\n") {
				t.Errorf("the dry run does not show the note, masked:\n%s", stdout)
			}
			for _, s := range []string{oldPw, newPw, oldTURN, newTURN} {
				for _, form := range []string{s, scaffold.LuaString(s), scaffold.DotenvValue(s)} {
					if strings.Contains(stdout+stderr, form) {
						t.Errorf("the dry run shows %q:\n%s", form, stdout)
					}
				}
				for _, tok := range strings.Fields(s) {
					if i := strings.Index(tok, "Q"); i >= 0 && len(tok) >= i+3 && strings.Contains(stdout+stderr, tok[i:i+3]) {
						t.Errorf("the dry run shows %q of %q:\n%s", tok[i:i+3], s, stdout)
					}
				}
			}
		})
	}
}
