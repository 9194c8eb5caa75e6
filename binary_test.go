package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// The built binary, for the tests that run it as another user, under
// limits or in a namespace (hostile_test.go). The end-to-end suite in e2e/
// builds its own.
var wizardBin struct {
	once sync.Once
	path string
	err  error
}

// TestMain removes the binary buildWizard made once every test has run.
func TestMain(m *testing.M) {
	code := m.Run()
	if wizardBin.path != "" {
		os.RemoveAll(filepath.Dir(wizardBin.path))
	}
	os.Exit(code)
}

// buildWizard builds this package's binary once per test run.
func buildWizard(t *testing.T) string {
	t.Helper()
	wizardBin.once.Do(func() {
		dir, err := os.MkdirTemp("", "pw-bin-")
		if err != nil {
			wizardBin.err = err
			return
		}
		wizardBin.path = filepath.Join(dir, "prosody-wizard")
		out, err := exec.Command("go", "build", "-o", wizardBin.path, ".").CombinedOutput()
		if err != nil {
			wizardBin.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if wizardBin.err != nil {
		t.Fatal(wizardBin.err)
	}
	return wizardBin.path
}
