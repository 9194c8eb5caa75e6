package main

import (
	"os"
	"testing"

	"prosody-wizard/internal/testkit"
)

// TestMain removes the binary the tests that run it (as another user,
// under limits or in a namespace: hostile_test.go) built.
func TestMain(m *testing.M) {
	code := m.Run()
	testkit.RemoveBinary()
	os.Exit(code)
}

// buildWizard builds this package's binary once per test run.
func buildWizard(t *testing.T) string { return testkit.Binary(t, ".") }
