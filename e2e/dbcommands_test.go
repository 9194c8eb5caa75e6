package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"prosody-wizard/config"
)

// e2eHostilePassword is a database password with everything a shell or SQL
// could take for syntax: quotes of each kind, $, a backslash, spaces, a
// semicolon and a comment, written for YAML's single quotes (a doubled
// quote stands for one).
const e2eHostilePassword = `it''s "$HOME" \ a ` + "`pass`" + ` word; -- $(true)`

// e2eDatabaseCommandCells are host installs whose database servers start
// empty: the commands NEXT-STEPS.md gives create the user and database.
var e2eDatabaseCommandCells = []e2eCell{
	{name: "host-postgres-dbcommands", answers: `
deploy: host
domains: [example.org]
admins: [admin@example.org]
database: {driver: postgres, host: localhost, password: '` + e2eHostilePassword + `'}
`},
	{name: "host-mariadb-dbcommands", answers: `
deploy: host
domains: [example.org]
admins: [admin@example.org]
database: {driver: mysql, host: 127.0.0.1, password: '` + e2eHostilePassword + `'}
`},
}

// TestEndToEndHostDatabaseCommands starts an empty PostgreSQL and an empty
// MariaDB server, runs the command NEXT-STEPS.md gives for creating
// Prosody's user and database as written (sudo -u postgres and sudo run it
// as that user, or root), and then Prosody works on that database: the
// config checks, accounts register, the printed admin command works, and
// a client logs in and sends a message, stored there.
func TestEndToEndHostDatabaseCommands(t *testing.T) {
	series := e2eNeeds(t, "prosody", "prosodyctl", "go-sendxmpp", "ip", "unshare", "setpriv", "psql", "mariadb-install-db")
	for _, cell := range e2eDatabaseCommandCells {
		t.Run(cell.name, func(t *testing.T) {
			if err := runCellSteps(t, series, cell, (*cellRun).databaseCommandSteps); err != nil {
				t.Fatal(err)
			}
		})
	}
	e2eReport.Write(t)
}

func (r *cellRun) databaseCommandSteps() []cellStep {
	return []cellStep{
		{"scaffold with the CLI", r.scaffold},
		{"network namespace", r.namespace},
		{"empty database server", r.startEmptyDatabase},
		{"database: the written command", r.createDatabase},
		{"check config", r.checkConfig},
		{"register accounts", r.register},
		{"start to ready", r.start},
		{"admin: the printed command", r.createAdmin},
		{"login and offline message", r.offlineMessage},
		{"offline store holds it", r.offlineStored},
		{"storage holds the accounts", r.accountsStored},
		{"SIGTERM stops prosody", r.stop},
	}
}

func (r *cellRun) startEmptyDatabase() error {
	var err error
	switch r.a.Database.Driver {
	case config.DriverPostgres:
		r.db, err = startEmptyPostgres(r.ns, filepath.Join(r.dir, "pg"))
	case config.DriverMySQL:
		r.db, err = startEmptyMariaDB(r.ns, filepath.Join(r.dir, "mariadb"))
	default:
		err = fmt.Errorf("no database server for %s", r.a.Database.Driver)
	}
	return err
}

// databaseAdmins are how the written command starts, per driver: the
// words that make it run as the server's superuser.
var databaseAdmins = map[string]string{
	config.DriverPostgres: "sudo -u postgres ",
	config.DriverMySQL:    "sudo ",
}

// createDatabase finds the command in NEXT-STEPS.md, checks that the
// summary printed it with the password masked, and runs it as the server's
// superuser: the rest of the line goes to sh as written.
func (r *cellRun) createDatabase() error {
	notes := filepath.Join(r.confDir, "NEXT-STEPS.md")
	if info, err := os.Stat(notes); err != nil || info.Mode().Perm() != 0o640 {
		return fmt.Errorf("%s: mode %v (%v), want 0640: it holds the password", notes, info.Mode(), err)
	}
	prefix := databaseAdmins[r.a.Database.Driver]
	lines, err := r.notesLines(func(l string) bool { return strings.HasPrefix(l, prefix) && !strings.Contains(l, "prosodyctl") })
	if err != nil {
		return err
	}
	if len(lines) != 1 {
		return fmt.Errorf("want one command starting with %q in %s, found %q", prefix, notes, lines)
	}
	line := lines[0]
	if strings.Contains(r.summary, r.dbPass) || !slices.ContainsFunc(strings.Split(r.summary, "\n"), func(l string) bool {
		return strings.HasPrefix(strings.TrimSpace(l), prefix) && strings.Contains(l, "***")
	}) {
		return fmt.Errorf("the summary does not print the command with its password masked:\n%s", r.summary)
	}
	if r.cell.breakCommand != nil {
		line = r.cell.breakCommand(line)
	}
	cmd := r.db.asAdmin("env", append(append([]string{}, r.db.env...), "sh", "-c", strings.TrimPrefix(line, prefix))...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %v\n%s", line, err, out)
	}
	return nil
}

// TestEndToEndHostDatabaseCommandsCatchesQuoting proves the test fails when
// the written command loses the password's quoting: here a doubled quote
// in the SQL literal becomes a single one.
func TestEndToEndHostDatabaseCommandsCatchesQuoting(t *testing.T) {
	series := e2eNeeds(t, "prosody", "prosodyctl", "ip", "unshare", "setpriv", "psql")
	cell := e2eDatabaseCommandCells[0]
	cell.name = "broken-quoting"
	cell.breakCommand = func(line string) string { return strings.Replace(line, `'\'''\''`, `'\''`, 1) }
	err := runCellSteps(t, series, cell, (*cellRun).databaseCommandSteps)
	if err == nil {
		t.Fatal("a command with broken quoting passed")
	}
	if !strings.Contains(err.Error(), "database: the written command") {
		t.Fatalf("failed elsewhere: %v", err)
	}
	t.Logf("as expected: %v", strings.SplitN(err.Error(), "\n", 2)[0])
}
