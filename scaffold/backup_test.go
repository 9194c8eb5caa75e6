package scaffold

import (
	"os/exec"
	"slices"
	"strings"
	"testing"

	"prosody-wizard/config"
)

// TestBackup: the backup and restore lines for each storage driver, word
// for word; none for a host install or a database server of one's own.
// Every line parses in every shell, and the README gives them all.
func TestBackup(t *testing.T) {
	files := BackupCommands{
		File: "backups/prosody-data.tar.gz",
		Backup: []string{
			"mkdir -p -m 0700 backups",
			"docker compose stop prosody",
			"tar --numeric-owner -czf backups/prosody-data.tar.gz data",
			"docker compose up -d",
		},
		Restore: []string{
			"docker compose stop prosody",
			"rm -rf data",
			"tar --numeric-owner -xzpf backups/prosody-data.tar.gz",
			"docker compose up -d",
		},
	}
	for _, tc := range []struct {
		name, answers string
		want          BackupCommands
	}{
		{"internal", "domains: [example.org]\n", files},
		{"sqlite", "domains: [example.org]\ndatabase: {driver: sqlite}\n", files},
		{"postgres", "domains: [example.org]\ndatabase: {driver: postgres, name: xmpp, user: chat}\n", BackupCommands{
			File: "backups/postgres.sql",
			Backup: []string{
				"mkdir -p -m 0700 backups",
				"docker compose exec -T postgres pg_dump -U chat -d xmpp --clean --if-exists > backups/postgres.sql",
			},
			Restore: []string{
				"docker compose stop prosody",
				"docker compose up -d --wait postgres",
				"docker compose exec -T postgres psql -v 'ON_ERROR_STOP=1' --single-transaction -U chat -d xmpp < backups/postgres.sql",
				"docker compose up -d",
			},
		}},
		{"mariadb", "domains: [example.org]\ndatabase: {driver: mysql, name: xmpp, user: chat}\n", BackupCommands{
			File: "backups/mariadb.sql",
			Backup: []string{
				"mkdir -p -m 0700 backups",
				`docker compose exec -T mariadb sh -c 'exec mariadb-dump --single-transaction -u"$MARIADB_USER" -p"$MARIADB_PASSWORD" "$MARIADB_DATABASE"' > backups/mariadb.sql`,
			},
			Restore: []string{
				"docker compose stop prosody",
				"docker compose up -d --wait mariadb",
				`docker compose exec -T mariadb sh -c 'exec mariadb -u"$MARIADB_USER" -p"$MARIADB_PASSWORD" "$MARIADB_DATABASE"' < backups/mariadb.sql`,
				"docker compose up -d",
			},
		}},
		{"database server of one's own", "domains: [example.org]\ndatabase: {driver: postgres, host: db.example.org, password: correct-horse-battery-staple}\n", BackupCommands{}},
		{"host install", "deploy: host\ndomains: [example.org]\n", BackupCommands{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := resolveAnswers(t, tc.answers)
			got := Backup(s)
			if got.File != tc.want.File || !slices.Equal(got.Backup, tc.want.Backup) || !slices.Equal(got.Restore, tc.want.Restore) {
				t.Fatalf("got\n%#v\nwant\n%#v", got, tc.want)
			}
			lines := append(slices.Clone(got.Backup), got.Restore...)
			for _, sh := range shells(t) {
				for _, line := range lines {
					if out, err := exec.Command(sh, "-n", "-c", line).CombinedOutput(); err != nil {
						t.Errorf("%s -n rejects %s: %v\n%s", sh, line, err, out)
					}
				}
			}
			if !s.Compose() {
				return
			}
			p, err := NewPlan(s, goldenInputs(s.Answers))
			if err != nil {
				t.Fatal(err)
			}
			readme, _ := p.File("README.md")
			blocks := "\n" + readmeCommands(string(readme.Data))
			for _, line := range lines {
				if !strings.Contains(blocks, "\n"+line+"\n") {
					t.Errorf("README.md does not give %s", line)
				}
			}
		})
	}
}

// TestBackupKeepsNamesWhole: database and user names reach pg_dump and
// psql as one argument each, whatever they hold, when the lines run
// (validation allows only identifiers, but the quoting does not rely on
// it); MariaDB's script reaches sh -c whole.
func TestBackupKeepsNamesWhole(t *testing.T) {
	stubs := stubDir(t)
	for _, name := range []string{"xmpp", "x'; touch pwned #", "$(id) `id` ${HOME}", "a b\tc\nd", "-U", "*"} {
		s := resolveAnswers(t, "domains: [example.org]\ndatabase: {driver: postgres}\n")
		s.Answers.Database.Name, s.Answers.Database.User = name, name+"-user"
		b := Backup(s)
		for _, sh := range shells(t) {
			calls := runScript(t, stubs, sh, strings.Join(append(b.Backup, b.Restore...), "\n"))
			wantCall(t, sh+" backup", calls, "docker", []string{"compose", "exec", "-T", "postgres", "pg_dump", "-U", name + "-user", "-d", name, "--clean", "--if-exists"})
			wantCall(t, sh+" restore", calls, "docker", []string{"compose", "exec", "-T", "postgres", "psql", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-U", name + "-user", "-d", name})
		}
	}
	s := resolveAnswers(t, "domains: [example.org]\ndatabase: {driver: mysql}\n")
	b := Backup(s)
	for _, sh := range shells(t) {
		calls := runScript(t, stubs, sh, strings.Join(append(b.Backup, b.Restore...), "\n"))
		wantCall(t, sh+" backup", calls, "docker", []string{"compose", "exec", "-T", "mariadb", "sh", "-c",
			`exec mariadb-dump --single-transaction -u"$MARIADB_USER" -p"$MARIADB_PASSWORD" "$MARIADB_DATABASE"`})
		wantCall(t, sh+" restore", calls, "docker", []string{"compose", "exec", "-T", "mariadb", "sh", "-c",
			`exec mariadb -u"$MARIADB_USER" -p"$MARIADB_PASSWORD" "$MARIADB_DATABASE"`})
	}
}

// resolveAnswers resolves answers (YAML without the version line).
func resolveAnswers(t *testing.T, answers string) config.Setup {
	t.Helper()
	a, err := config.Parse([]byte("version: 1\n" + answers))
	if err != nil {
		t.Fatal(err)
	}
	s, problems := config.Resolve(a)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	return s
}
