package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"prosody-wizard/internal/xmpptest"
	"prosody-wizard/scaffold"
)

// ownConfigFile is the person's own config file the suite adds beside the
// example: it hides the operating system from version queries (XEP-0092),
// an option Prosody 0.12 and 13.0 read alike (mod_version's hide_os_type)
// and a client sees.
const (
	ownConfigFile = "e2e.cfg.lua"
	ownConfigText = "-- Added by the end-to-end suite: answer version queries without the OS.\nhide_os_type = true\n"
	// exampleEdit is what the suite appends to the generated example.
	exampleEdit = "\n-- Edited by the end-to-end suite; a re-run must keep this line.\n"
)

// ownConfigSurvives plays a person who keeps settings of their own: it
// edits the example in the own-config folder, adds a file there, and runs
// the CLI again with the same answers and --force, as the starter README
// says for changing the setup. Both files must come through byte for
// byte, with no backup beside them.
func (r *cellRun) ownConfigSurvives() error {
	dir := filepath.Join(r.confDir, scaffold.OwnConfigDir)
	example := filepath.Join(dir, "example.cfg.lua")
	data, err := os.ReadFile(example)
	if err != nil {
		return fmt.Errorf("the CLI wrote no example: %v", err)
	}
	if !bytes.Contains(data, []byte("VirtualHost")) {
		return fmt.Errorf("%s does not say how to scope a setting to one host:\n%s", example, data)
	}
	edited := append(data, exampleEdit...)
	if err := os.WriteFile(example, edited, 0o640); err != nil {
		return err
	}
	own := filepath.Join(dir, ownConfigFile)
	if err := os.WriteFile(own, []byte(ownConfigText), 0o644); err != nil {
		return err
	}
	out, err := exec.Command(buildWizard(r.t), "--answers", filepath.Join(r.dir, "answers.yaml"), "--out", r.out, "--force").CombinedOutput()
	if err != nil {
		return fmt.Errorf("prosody-wizard --force failed: %v\n%s", err, out)
	}
	for file, want := range map[string]string{example: string(edited), own: ownConfigText} {
		if got, err := os.ReadFile(file); err != nil || string(got) != want {
			return fmt.Errorf("--force changed %s (%v):\n%s", file, err, got)
		}
	}
	if baks, _ := filepath.Glob(filepath.Join(dir, "*.bak.*")); len(baks) > 0 {
		return fmt.Errorf("--force backed up own files: %v", baks)
	}
	// A self-test's broken config is broken again after the re-run.
	return r.breakConfig()
}

// breakConfig applies a self-test's change to the generated config.
func (r *cellRun) breakConfig() error {
	if r.cell.breakConfig == nil {
		return nil
	}
	cfgPath := filepath.Join(r.confDir, "prosody.cfg.lua")
	cfg, err := os.ReadFile(cfgPath)
	if err != nil {
		return err
	}
	return os.WriteFile(cfgPath, []byte(r.cell.breakConfig(string(cfg))), 0o640)
}

// ownConfigInEffect: the option from the person's own file is in effect:
// the server answers a version query with its name and version but
// without the operating system.
func (r *cellRun) ownConfigInEffect() error {
	return r.asAlice(func(_ context.Context, c *xmpptest.Conn) error {
		if err := c.VersionWithoutOS(r.a.Primary()); err != nil {
			return fmt.Errorf("hide_os_type from %s/%s is not in effect: %w", scaffold.OwnConfigDir, ownConfigFile, err)
		}
		return nil
	})
}

// TestEndToEndCatchesIgnoredOwnConfig: without the Include line, the
// person's own file is not read and the suite must say so.
func TestEndToEndCatchesIgnoredOwnConfig(t *testing.T) {
	mustCatch(t, "own-config-ignored", "a config that does not include the own-config folder", func(cfg string) string {
		return strings.Replace(cfg, "\nInclude ", "\n-- Include ", 1)
	}, "own-config-ignored", "own config in effect", "names the OS")
}
