package dockere2e

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"prosody-wizard/config"
	"prosody-wizard/internal/testkit"
	"prosody-wizard/internal/xmpptest"
)

// upgradeCell starts on Prosody 0.12 with internal storage, the group chat
// and the file share, and is upgraded to 13.0.
var upgradeCell = dockerCell{name: "0.12-to-13.0-upgrade", series: config.Series012, portBase: 15700, answers: `
domains: [example.org]
admins: [admin@example.org]
turn: {host: ""}
`, steps: (*cellRun).upgradeSteps}

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
func TestDockerUpgrade012To13(t *testing.T) {
	dockerSetup(t)
	bin := testkit.Binary(t, "../..")
	if err := runCell(t, bin, upgradeCell); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { report.Write(t) })
}

func (r *cellRun) upgradeSteps() []cellStep {
	var url string
	return []cellStep{
		{"scaffold with the CLI (0.12)", r.scaffold},
		{"override: stand-ins only", r.override},
		{"docker compose build", r.build},
		{"docker compose up -d --build (README)", r.up},
		{"every service healthy", r.healthy},
		{"admin: the README's command", r.admin},
		{"accounts alice and bob", r.register},
		{"roster, archive, offline message, upload on 0.12", func() (err error) { url, err = r.makeUpgradeData(); return err }},
		{"re-run the CLI with prosody 13.0 (README)", r.rerunAs13},
		{"the summary's upgrade steps, as written", r.upgradeFromSummary},
		{"every service healthy", r.healthy},
		{"the image runs 13.0", r.runs13},
		{"admin: login and admin rights", r.adminRights},
		{"served by 13.0: roster, archive, offline message, upload", func() error { return r.upgradeDataServed(url) }},
		{"down: in the grace period, prosody exits 0", r.down},
	}
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
		if err := c.AddToRoster(r.jid("bob"), "Bob"); err != nil {
			return err
		}
		if err := c.SendChat(r.jid("bob"), upgradeArchived); err != nil {
			return err
		}
		if err := c.ArchiveHolds(upgradeArchived); err != nil {
			return err
		}
		put, headers, err := c.UploadSlot(r.a.Components.Upload, "hello.txt", upgradeFile)
		if err != nil {
			return err
		}
		url = put
		return r.httpPutGet(put, headers)
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

// httpPutGet uploads the file to the slot's URL, then downloads it.
func (r *cellRun) httpPutGet(url string, headers map[string]string) error {
	req, err := http.NewRequest(http.MethodPut, url, strings.NewReader(upgradeFile))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "text/plain")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := r.httpClient().Do(req)
	if err != nil {
		return fmt.Errorf("PUT %s: %w", url, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		return fmt.Errorf("PUT %s: %s", url, resp.Status)
	}
	return r.httpGet(url)
}

// httpGet requires the shared file at url.
func (r *cellRun) httpGet(url string) error {
	resp, err := r.httpClient().Get(url)
	if err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || string(got) != upgradeFile {
		return fmt.Errorf("GET %s: %s %q, want %q", url, resp.Status, got, upgradeFile)
	}
	return nil
}

// rerunLine is how the repo's README says to write changed answers.
const rerunLine = "prosody-wizard --answers answers.yaml --out . --force"

// rerunAs13 changes prosody to "13.0" in the repo's answers.yaml and runs
// the CLI there as the README's line says; the summary must say what the
// upgrade changes.
func (r *cellRun) rerunAs13() error {
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
	text := strings.Replace(string(data), `prosody: "0.12"`, `prosody: "13.0"`, 1)
	if text == string(data) {
		return fmt.Errorf(`answers.yaml has no line prosody: "0.12":\n%s`, data)
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
	if !strings.Contains(r.summary, "Upgrading from Prosody 0.12 to 13.0") {
		return fmt.Errorf("the summary does not say what the upgrade changes:\n%s", out)
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

// runs13: the rebuilt image's prosody is 13.0's.
func (r *cellRun) runs13() error {
	out, err := r.p.compose(time.Minute, "exec", "-T", "prosody", "dpkg-query", "-W", "-f=${Version}", "prosody")
	if err != nil {
		return err
	}
	if !strings.HasPrefix(out, "13.0.") {
		return fmt.Errorf("prosody %s runs after the upgrade, want 13.0", out)
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
		if err := c.RosterLists(r.jid("bob")); err != nil {
			return err
		}
		return c.ArchiveHolds(upgradeArchived)
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
	return r.httpGet(url)
}
