package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"prosody-wizard/internal/xmpptest"
)

// e2eMoveFrom is the host install whose data moves: internal storage, the
// default group chat and file share.
const e2eMoveFrom = `
deploy: host
domains: [example.org]
admins: [admin@example.org]
`

// e2eMoves are the storage moves end to end: the answers' database line
// of the re-run, from internal storage.
var e2eMoves = []struct{ name, database string }{
	{"host-move-internal-to-sqlite", `database: {driver: sqlite}`},
	{"host-move-internal-to-postgres", `database: {driver: postgres, host: localhost, password: '` + e2eHostilePassword + `'}`},
	{"host-move-internal-to-mariadb", `database: {driver: mysql, host: 127.0.0.1, password: '` + e2eHostilePassword + `'}`},
}

// Data made on the old backend, checked on the new one.
const (
	e2eMoveArchived = "e2e message kept in the archive"
	e2eMoveUpload   = "e2e file shared before the move\n"
)

// TestEndToEndStorageMove makes data on internal storage (accounts, a
// roster entry, a message archived and waiting offline, an upload), re-runs
// the CLI with another storage driver the way the README says (--force),
// follows the steps it writes into NEXT-STEPS.md (the database's user and
// database, then prosody-migrator with the configuration it wrote, run as
// written), sets the old files aside, and requires every item to be served
// from the new backend.
func TestEndToEndStorageMove(t *testing.T) {
	series := e2eNeeds(t, "prosody", "prosodyctl", "prosody-migrator", "ip", "unshare", "setpriv", "sqlite3", "psql", "mariadb-install-db")
	for _, mv := range e2eMoves {
		t.Run(mv.name, func(t *testing.T) {
			cell := e2eCell{name: mv.name, answers: e2eMoveFrom}
			err := runCellSteps(t, series, cell, func(r *cellRun) []cellStep { return r.storageMoveSteps(mv.database, true) })
			if err != nil {
				t.Fatal(err)
			}
		})
	}
	e2eReport.Write(t)
}

// TestEndToEndStorageMoveCatchesSkippedMigration proves the check can
// fail: without the migrator's step, the new backend is empty and the
// accounts made before are gone.
func TestEndToEndStorageMoveCatchesSkippedMigration(t *testing.T) {
	series := e2eNeeds(t, "prosody", "prosodyctl", "prosody-migrator", "ip", "unshare", "setpriv", "sqlite3")
	cell := e2eCell{name: "host-move-skipped", answers: e2eMoveFrom, breakCommand: func(string) string { return "true" }}
	err := runCellSteps(t, series, cell, func(r *cellRun) []cellStep { return r.storageMoveSteps(e2eMoves[0].database, false) })
	if err == nil {
		t.Fatal("the data was served from SQLite without the migrator's step")
	}
	if !strings.Contains(err.Error(), "served from the new backend") {
		t.Fatalf("failed elsewhere: %v", err)
	}
	t.Logf("as expected: %v", strings.SplitN(err.Error(), "\n", 2)[0])
}

// storageMoveSteps are the steps of one move to the database answers line;
// migrate false leaves the migrator out (the self-test).
func (r *cellRun) storageMoveSteps(database string, migrate bool) []cellStep {
	var uploadURL string
	steps := []cellStep{
		{"scaffold with the CLI", r.scaffold},
		{"network namespace", r.namespace},
		{"register accounts", r.register},
		{"start to ready", r.start},
		{"data on internal storage", func() (err error) { uploadURL, err = r.makeMoveData(); return err }},
		{"SIGTERM stops prosody", r.stop},
		{"re-run with " + database, func() error { return r.rerunWithDatabase(database) }},
	}
	if !strings.Contains(database, "sqlite") {
		steps = append(steps,
			cellStep{"empty database server", r.startEmptyDatabase},
			cellStep{"database: the written command", r.createDatabase})
	}
	if migrate {
		steps = append(steps, cellStep{"prosody-migrator: the written command", r.migrateFromNotes})
	}
	return append(steps,
		cellStep{"old files set aside", r.setOldDataAside},
		cellStep{"check config", r.checkConfig},
		cellStep{"start to ready", r.start},
		cellStep{"served from the new backend", func() error { return r.movedDataServed(uploadURL) }},
		cellStep{"storage holds the accounts", r.accountsStored},
		cellStep{"SIGTERM stops prosody", r.stop},
		cellStep{"log has no errors", r.logClean},
	)
}

// makeMoveData: alice puts bob on her roster, sends him a message while he
// is offline (archived for her, waiting for him), and shares a file; the
// URL it is served at.
func (r *cellRun) makeMoveData() (string, error) {
	var url string
	err := r.asAlice(func(ctx context.Context, c *xmpptest.Conn) error {
		if err := c.LeaveTraces(r.jid("bob"), e2eMoveArchived); err != nil {
			return err
		}
		var err error
		url, err = r.upload(ctx, c, r.a.Components.Upload, e2eMoveUpload)
		return err
	})
	return url, err
}

// rerunWithDatabase adds the database line to the answers and runs the
// CLI again with --force, as the README says to change a setup; the
// summary must show the move and the migrator's configuration be there.
func (r *cellRun) rerunWithDatabase(database string) error {
	text := fmt.Sprintf("version: 1\nprosody: %q\n%s%s\n", r.series, r.cell.answers, database)
	answers, a, err := r.writeAnswers(text)
	if err != nil {
		return err
	}
	out, err := exec.Command(buildWizard(r.t), "--answers", answers, "--out", r.out, "--force").CombinedOutput()
	if err != nil {
		return fmt.Errorf("prosody-wizard failed: %v\n%s", err, out)
	}
	r.a, r.summary, r.dbPass = a, string(out), a.Database.Password
	if !strings.Contains(r.summary, "Moving the data from internal storage to ") {
		return fmt.Errorf("the summary does not say the data moves:\n%s", out)
	}
	info, err := os.Stat(filepath.Join(r.confDir, "migrate-storage.cfg.lua"))
	if err != nil {
		return err
	}
	if info.Mode().Perm() != 0o640 {
		return fmt.Errorf("migrate-storage.cfg.lua has mode %v, want 0640 (it may hold the password)", info.Mode())
	}
	return nil
}

// migrateFromNotes runs the migrator's command from NEXT-STEPS.md as
// written, as root in the tree (it switches to the prosody user itself);
// the summary prints the same line.
func (r *cellRun) migrateFromNotes() error {
	lines, err := r.notesLines(func(l string) bool { return strings.HasPrefix(l, "prosody-migrator ") })
	if err != nil {
		return err
	}
	if len(lines) != 1 {
		return fmt.Errorf("want one prosody-migrator command in NEXT-STEPS.md, found %q", lines)
	}
	line := lines[0]
	if !strings.Contains(r.summary, line+"\n") {
		return fmt.Errorf("the summary does not print %s:\n%s", line, r.summary)
	}
	out, err := r.inTreeAsRoot(nil, nil, "sh", "-c", line).CombinedOutput()
	if err != nil || strings.Contains(string(out), "\terror\t") {
		return fmt.Errorf("%s: %v\n%s", line, err, out)
	}
	return nil
}

// setOldDataAside renames the internal store's folders of the domain and
// the group chat, and the file share's records (its files stay): what is
// served next can only come from the new backend.
func (r *cellRun) setOldDataAside() error {
	aside := filepath.Join(r.dir, "internal-aside")
	if err := os.MkdirAll(aside, 0o755); err != nil {
		return err
	}
	var moved []string
	for _, host := range []string{r.a.Primary(), r.a.Components.MUC, r.a.Components.Upload} {
		dir := filepath.Join(r.dataDir, prosodyPathEncode(host))
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue // nothing was stored for it
		}
		for _, e := range entries {
			if e.Name() == "http_file_share" {
				continue // the uploaded files themselves
			}
			to := filepath.Join(aside, prosodyPathEncode(host)+"-"+e.Name())
			if err := os.Rename(filepath.Join(dir, e.Name()), to); err != nil {
				return err
			}
			moved = append(moved, prosodyPathEncode(host)+"/"+e.Name())
		}
	}
	if len(moved) == 0 {
		return fmt.Errorf("no internal store in %s to set aside", r.dataDir)
	}
	return nil
}

// movedDataServed: alice and bob log in with their passwords, alice's
// roster lists bob and her archive the message, bob gets the message that
// waited for him, and the shared file is still served.
func (r *cellRun) movedDataServed(uploadURL string) error {
	err := r.asAlice(func(ctx context.Context, c *xmpptest.Conn) error {
		if err := c.TracesKept(r.jid("bob"), e2eMoveArchived); err != nil {
			return err
		}
		return xmpptest.Fetch(ctx, r.httpClient(), uploadURL, e2eMoveUpload)
	})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := r.dialC2S(ctx, r.a.Primary(), r.roots)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.AuthPlain("bob", e2ePasswordBob); err != nil {
		return fmt.Errorf("bob: %w", err)
	}
	if err := c.Send("<presence/>"); err != nil {
		return err
	}
	if err := c.WaitForChat(e2eMoveArchived); err != nil {
		return fmt.Errorf("bob did not get the message that waited offline: %w", err)
	}
	return nil
}
