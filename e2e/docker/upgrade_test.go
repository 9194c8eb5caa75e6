package dockere2e

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"prosody-wizard/config"
	"prosody-wizard/internal/testkit"
	"prosody-wizard/internal/xmpptest"
)

// change is what a person changes in a running repo's answers.yaml: the
// edits (old and new text, in pairs), and the heading the summary must
// give the change.
type change struct {
	edits   []string
	heading string
}

// upgradeCell starts on Prosody 0.12 with internal storage, the group chat
// and the file share, and is upgraded to 13.0.
var upgradeCell = dockerCell{name: "0.12-to-13.0-upgrade", series: config.Series012, portBase: 15700, answers: `
domains: [example.org]
admins: [admin@example.org]
turn: {host: ""}
`, steps: func(r *cellRun) []cellStep {
	return r.changeSteps(change{[]string{`prosody: "0.12"`, `prosody: "13.0"`}, "Upgrading from Prosody 0.12 to 13.0:"})
}}

// moveCell starts on 13.0 with internal storage and moves to PostgreSQL
// (the stand-in), with a password of quotes, $, a backslash and spaces.
var moveCell = dockerCell{name: "13.0-internal-to-postgres", series: config.Series13, portBase: 15800, answers: upgradeCell.answers,
	steps: func(r *cellRun) []cellStep {
		return r.changeSteps(change{[]string{"  driver: internal\n", "  driver: postgres\n",
			"  password: \"\"\n", "  password: " + strconv.Quote(hostilePassword) + "\n"},
			"Moving the data from internal storage to PostgreSQL:"})
	}}

// Data made on 0.12, checked on 13.0.
const (
	upgradeArchived = "docker e2e: archived on 0.12"
	upgradeFile     = "docker e2e: shared on 0.12\n"
)

// TestDockerUpgrade012To13 runs a 0.12 starter repo, makes accounts (the
// admin with the README's command), a roster entry, an archived message
// waiting offline and an upload, then changes prosody to "13.0" in the
// repo's answers.yaml and re-runs the CLI as the README says (--answers
// answers.yaml --out . --force); the summary's steps for the upgrade run
// as written (stop, back up, rebuild, up, check config), and every item is
// served by the rebuilt 13.0.
func TestDockerUpgrade012To13(t *testing.T) { runChangeCell(t, upgradeCell) }

// TestDockerStorageMove does the same for a 13.0 repo whose storage moves
// from internal to PostgreSQL: the summary's steps start the database
// service and run prosody-migrator in a container of the prosody service
// with the configuration the CLI wrote, and every item is served from
// PostgreSQL.
func TestDockerStorageMove(t *testing.T) { runChangeCell(t, moveCell) }

func runChangeCell(t *testing.T, cell dockerCell) {
	dockerSetup(t)
	bin := testkit.Binary(t, "../..")
	if err := runCell(t, bin, cell); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { report.Write(t) })
}

// changeSteps are the steps of a cell whose answers change as ch says.
func (r *cellRun) changeSteps(ch change) []cellStep {
	var url string
	return append(r.startSteps(),
		cellStep{"accounts alice and bob", r.register},
		cellStep{"roster, archive, offline message, upload before", func() (err error) { url, err = r.makeUpgradeData(); return err }},
		cellStep{"re-run the CLI with the change (README)", func() error { return r.rerunWith(ch) }},
		cellStep{"override: stand-ins only", r.override},
		cellStep{"the summary's steps, as written", r.upgradeFromSummary},
		cellStep{"every service healthy", r.healthy},
		cellStep{"the image runs the answers' series", r.runsSeries},
		cellStep{"admin: login and admin rights", r.adminRights},
		cellStep{"served: roster, archive, offline message, upload", func() error { return r.upgradeDataServed(url) }},
		cellStep{"own config kept and in effect: no OS in version replies", r.ownConfigInEffect},
		cellStep{"storage holds the accounts", r.accountsStored},
		cellStep{"down: in the grace period, prosody exits 0", r.down},
	)
}

// makeUpgradeData: alice puts bob on her roster, sends him a message while
// he is offline (archived for her, waiting for him) and shares a file;
// the URL it is served at.
func (r *cellRun) makeUpgradeData() (string, error) {
	var url string
	err := r.withConn(r.a.Primary(), r.cell.portBase+22, func(c *xmpptest.Conn) error {
		if err := c.AuthPlain("alice", passwordAlice); err != nil {
			return err
		}
		if err := c.LeaveTraces(r.jid("bob"), upgradeArchived); err != nil {
			return err
		}
		put, headers, err := c.UploadSlot(r.a.Components.Upload, "hello.txt", upgradeFile)
		if err != nil {
			return err
		}
		url = put
		return xmpptest.Share(context.Background(), r.httpClient(), put, upgradeFile, headers)
	})
	return url, err
}

// httpClient reaches the published https port, whatever the URL's host,
// trusting the generated certificate only.
func (r *cellRun) httpClient() *http.Client {
	port := r.cell.portBase + 81
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, fmt.Sprintf("127.0.0.1:%d", port))
		},
		TLSClientConfig: &tls.Config{RootCAs: r.roots},
	}
	return &http.Client{Transport: tr, Timeout: 20 * time.Second}
}

// rerunLine is how the repo's README says to write changed answers.
const rerunLine = "prosody-wizard --answers answers.yaml --out . --force"

// rerunWith changes the repo's answers.yaml as ch says and runs the CLI
// there as the README's line says; the summary must say what the change
// does to the running server.
func (r *cellRun) rerunWith(ch change) error {
	readme, err := os.ReadFile(filepath.Join(r.p.dir, "README.md"))
	if err != nil {
		return err
	}
	if !strings.Contains(string(readme), rerunLine) {
		return fmt.Errorf("README.md does not say %s", rerunLine)
	}
	file := filepath.Join(r.p.dir, "answers.yaml")
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	text := string(data)
	for i := 0; i < len(ch.edits); i += 2 {
		if !strings.Contains(text, ch.edits[i]) {
			return fmt.Errorf("answers.yaml has no %q:\n%s", ch.edits[i], data)
		}
		text = strings.Replace(text, ch.edits[i], ch.edits[i+1], 1)
	}
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		return err
	}
	words := strings.Fields(rerunLine)
	cmd := exec.Command(r.bin, words[1:]...)
	cmd.Dir = r.p.dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %v\n%s", rerunLine, err, out)
	}
	r.summary = string(out)
	if !strings.Contains(r.summary, "\n"+ch.heading+"\n") {
		return fmt.Errorf("the summary does not say %q:\n%s", ch.heading, out)
	}
	a, err := config.Parse([]byte(text))
	if err != nil {
		return err
	}
	s, problems := config.Resolve(a)
	if len(problems) > 0 {
		return problems
	}
	r.a, r.setup = a, s
	return nil
}

// upgradeChecked is the last of the upgrade's steps.
const upgradeChecked = "docker compose exec prosody prosodyctl check config"

// upgradeFromSummary runs the commands of the summary's next steps, as
// text in the repo folder, up to the config check that ends the upgrade's.
// One word is dropped: --pull, since this machine has no registry to pull
// the base image from (its debian:bookworm-slim is made here).
func (r *cellRun) upgradeFromSummary() error {
	_, steps, ok := strings.Cut(r.summary, "\nNext steps:\n")
	if !ok {
		return fmt.Errorf("no next steps in the summary:\n%s", r.summary)
	}
	var ran []string
	for _, l := range strings.Split(steps, "\n") {
		// A step's command is on a line of its own, under its number.
		if !strings.HasPrefix(l, "       ") || strings.HasPrefix(l, "        ") {
			continue
		}
		line := strings.TrimSpace(l)
		if strings.HasPrefix(line, "docker compose exec ") {
			if err := r.p.waitHealthy(healthyLimit, r.services); err != nil {
				return err
			}
		}
		run := strings.Replace(line, " build --pull ", " build ", 1)
		if _, err := r.p.shell(buildLimit, "", run); err != nil {
			return err
		}
		ran = append(ran, line)
		if line == upgradeChecked {
			break
		}
	}
	if len(ran) == 0 || ran[len(ran)-1] != upgradeChecked || !strings.Contains(strings.Join(ran, "\n"), "docker compose build --pull prosody") {
		return fmt.Errorf("the summary's steps do not rebuild and end with %s: ran %q", upgradeChecked, ran)
	}
	return nil
}

// runsSeries: the rebuilt image's prosody is of the answers' series.
func (r *cellRun) runsSeries() error {
	out, err := r.p.compose(time.Minute, "exec", "-T", "prosody", "dpkg-query", "-W", "-f=${Version}", "prosody")
	if err != nil {
		return err
	}
	if !strings.HasPrefix(out, string(r.a.Prosody)+".") {
		return fmt.Errorf("prosody %s runs after the change, want %s", out, r.a.Prosody)
	}
	return nil
}

// accountsStored: the storage the answers name holds alice's and bob's
// accounts (for PostgreSQL, read in its container over its socket).
func (r *cellRun) accountsStored() error {
	if r.a.Database.Driver != config.DriverPostgres {
		return nil // the logins above read them
	}
	db := r.a.Database
	out, err := r.p.compose(time.Minute, "exec", "-T", "postgres", "psql", "-U", db.User, "-d", db.Name, "-tA", "-c",
		`select distinct "user" from prosody where store='accounts'`)
	if err != nil {
		return err
	}
	for _, u := range []string{"alice", "bob"} {
		if !strings.Contains(out, u) {
			return fmt.Errorf("PostgreSQL holds no account %s:\n%s", u, out)
		}
	}
	return nil
}

// upgradeDataServed: alice logs in, her roster lists bob, her archive the
// message; bob gets the message that waited for him; the file is served.
func (r *cellRun) upgradeDataServed(url string) error {
	err := r.withConn(r.a.Primary(), r.cell.portBase+22, func(c *xmpptest.Conn) error {
		if err := c.AuthPlain("alice", passwordAlice); err != nil {
			return err
		}
		return c.TracesKept(r.jid("bob"), upgradeArchived)
	})
	if err != nil {
		return err
	}
	err = r.withConn(r.a.Primary(), r.cell.portBase+22, func(c *xmpptest.Conn) error {
		if err := c.AuthPlain("bob", passwordBob); err != nil {
			return err
		}
		if err := c.Send("<presence/>"); err != nil {
			return err
		}
		return c.WaitForChat(upgradeArchived)
	})
	if err != nil {
		return fmt.Errorf("bob: %w", err)
	}
	return xmpptest.Fetch(context.Background(), r.httpClient(), url, upgradeFile)
}
