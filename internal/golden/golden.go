// Package golden compares what a test produced with its golden file under
// testdata/, and rewrites the golden instead when the tests run with
// -update:
//
//	go test ./... -update
//
// A refreshed golden is reviewed in the diff like code. Every package's
// tests import this package (those without goldens only for the flag), so
// that the command above runs everywhere.
package golden

import (
	"bytes"
	"flag"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	udiff "github.com/aymanbagabas/go-udiff"
	// The -update flag is the one charm's golden package defines. The
	// wizard's tests link it through teatest, and a test binary may define
	// a flag only once; importing it here defines it in every package,
	// before this package reads it.
	_ "github.com/charmbracelet/x/exp/golden"
)

// Update reports whether this run rewrites the goldens (-update).
func Update() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// File compares got with the golden file at path (relative to the test's
// package folder). With -update it writes got there first.
func File(t testing.TB, path string, got []byte) {
	t.Helper()
	if Update() {
		write(t, path, got)
	}
	compare(t, path, got)
}

// Tree compares files (paths relative to dir) with the golden files under
// dir, one by one in path order, and reports golden files that files no
// longer has. With -update it replaces dir with files first.
func Tree(t testing.TB, dir string, files map[string][]byte) {
	t.Helper()
	if Update() {
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		for rel, data := range files {
			write(t, filepath.Join(dir, rel), data)
		}
	}
	stale := map[string]bool{}
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, path)
			stale[rel] = true
		}
		return nil
	})
	for _, rel := range slices.Sorted(maps.Keys(files)) {
		compare(t, filepath.Join(dir, rel), files[rel])
		delete(stale, rel)
	}
	for _, rel := range slices.Sorted(maps.Keys(stale)) {
		t.Errorf("%s: a golden file nothing produces any more (run go test ./... -update)", filepath.Join(dir, rel))
	}
}

func write(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func compare(t testing.TB, path string, got []byte) {
	t.Helper()
	want, err := os.ReadFile(path)
	if err != nil {
		t.Errorf("%s: no golden file (run go test ./... -update): %v", path, err)
		return
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from its golden file (run go test ./... -update and review the diff):\n%s",
			path, udiff.Unified("golden", "now", string(want), string(got)))
	}
}
