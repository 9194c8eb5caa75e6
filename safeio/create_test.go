package safeio

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
)

// TestCreateNew: each call makes a new file (mode 0600, synced, whole), on
// a Tree too; a failed write leaves no file; a link as the folder below
// a Tree is not followed.
func TestCreateNew(t *testing.T) {
	dir := t.TempDir()
	tree, err := OpenTree(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	first, err := CreateNew(tree, ".", "a-", ".yaml", strings.NewReader("one"))
	if err != nil {
		t.Fatal(err)
	}
	second, err := CreateNew(tree, ".", "a-", ".yaml", strings.NewReader("two"))
	if err != nil {
		t.Fatal(err)
	}
	if first == second || !strings.HasPrefix(first, "a-") || !strings.HasSuffix(first, ".yaml") {
		t.Fatalf("names %q and %q", first, second)
	}
	for name, want := range map[string]string{first: "one", second: "two"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || string(data) != want {
			t.Errorf("%s: %q, %v; want %q", name, data, err, want)
		}
		if info, err := os.Stat(filepath.Join(dir, name)); err != nil || info.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, %v; want mode 0600", name, info, err)
		}
	}
	if _, err := CreateNew(tree, ".", "b-", "", iotest.ErrReader(errors.New("disk full"))); err == nil {
		t.Error("a failed write was not reported")
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "b-*")); len(left) != 0 {
		t.Errorf("a failed write left %v", left)
	}
	if err := os.Symlink(t.TempDir(), filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	var link *LinkError
	if _, err := CreateNew(tree, "link", "c-", "", bytes.NewReader(nil)); !errors.As(err, &link) {
		t.Errorf("through a link: %v, want a LinkError", err)
	}
}
