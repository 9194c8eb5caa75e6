package golden

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder is a test whose failures are recorded instead of failing it.
type recorder struct {
	*testing.T
	errors []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

// noUpdate turns -update off for the test and restores it after: these
// tests must behave the same whether or not the run itself has -update.
func noUpdate(t *testing.T) {
	t.Helper()
	was := flag.Lookup("update").Value.String()
	t.Cleanup(func() { flag.Set("update", was) })
	setUpdate(t, "false")
}

func setUpdate(t *testing.T, value string) {
	t.Helper()
	if err := flag.Set("update", value); err != nil {
		t.Fatal(err)
	}
}

// updating runs fn as under -update.
func updating(t *testing.T, fn func()) {
	t.Helper()
	setUpdate(t, "true")
	defer setUpdate(t, "false")
	fn()
}

func TestFile(t *testing.T) {
	noUpdate(t)
	path := filepath.Join(t.TempDir(), "sub", "view.golden")
	r := &recorder{T: t}
	File(r, path, []byte("one\n"))
	if len(r.errors) != 1 || !strings.Contains(r.errors[0], "no golden file") {
		t.Fatalf("a missing golden: %q", r.errors)
	}
	updating(t, func() { File(r, path, []byte("one\n")) })
	r.errors = nil
	File(r, path, []byte("one\n"))
	if len(r.errors) != 0 {
		t.Fatalf("the golden just written differs: %q", r.errors)
	}
	File(r, path, []byte("two\n"))
	if len(r.errors) != 1 || !strings.Contains(r.errors[0], "-one\n+two") {
		t.Fatalf("a changed output, want a diff: %q", r.errors)
	}
}

func TestTree(t *testing.T) {
	noUpdate(t)
	dir := filepath.Join(t.TempDir(), "tree")
	r := &recorder{T: t}
	files := map[string][]byte{"a.golden": []byte("a\n"), "sub/b.golden": []byte("b\n")}
	updating(t, func() { Tree(r, dir, files) })
	if err := os.WriteFile(filepath.Join(dir, "stale.golden"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	Tree(r, dir, files)
	if len(r.errors) != 1 || !strings.Contains(r.errors[0], "stale.golden: a golden file nothing produces") {
		t.Fatalf("a stale golden: %q", r.errors)
	}
	r.errors = nil
	updating(t, func() { Tree(r, dir, files) })
	if _, err := os.Stat(filepath.Join(dir, "stale.golden")); err == nil || len(r.errors) != 0 {
		t.Errorf("-update kept the stale golden (errors %q)", r.errors)
	}
}
