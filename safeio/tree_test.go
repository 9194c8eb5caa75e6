package safeio

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/afero"
)

// plantLinks makes out/a/b/c.txt with a link at one level pointing at a
// folder or file outside, which holds a file of its own.
func plantLinks(t *testing.T, level int) (out, outside string) {
	t.Helper()
	base := t.TempDir()
	out, outside = filepath.Join(base, "out"), filepath.Join(base, "outside")
	for _, d := range []string{filepath.Join(out, "a", "b"), outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(outside, "c.txt"), []byte("outside"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(out, "a")
	target := outside
	switch level {
	case 2:
		link = filepath.Join(out, "a", "b")
	case 3:
		link = filepath.Join(out, "a", "b", "c.txt")
		target = filepath.Join(outside, "c.txt")
	}
	if err := os.RemoveAll(link); err != nil {
		t.Fatal(err)
	}
	if level == 1 || level == 2 {
		// The outside folder mirrors what is below the link.
		if level == 1 {
			if err := os.MkdirAll(filepath.Join(outside, "b"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(outside, "b", "c.txt"), []byte("outside"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	return out, outside
}

// snapshot lists every path below dir with its mode and contents.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.Walk(dir, func(p string, info fs.FileInfo, err error) error {
		if err != nil {
			return err
		}
		data, _ := os.ReadFile(p)
		m[p] = info.Mode().String() + " " + string(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestTreeNeverFollowsLinks: a link at any level below the folder stops
// every operation that would go through it with a LinkError naming the
// link and its target, and nothing outside changes.
func TestTreeNeverFollowsLinks(t *testing.T) {
	ops := []struct {
		name string
		do   func(*Tree) error
		// final: the operation acts on the last component itself, which
		// at level 3 is the link (stat, chmod…) rather than through it.
		finalOK bool
	}{
		{"stat", func(t *Tree) error { _, err := t.Stat("a/b/c.txt"); return err }, false},
		{"read", func(t *Tree) error { _, err := afero.ReadFile(t, "a/b/c.txt"); return err }, false},
		{"create", func(t *Tree) error {
			f, err := t.OpenFile("a/b/c.txt", os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
			if err == nil {
				_, _ = f.Write([]byte("inside"))
				f.Close()
			}
			return err
		}, false},
		{"create beside", func(t *Tree) error {
			f, err := t.OpenFile("a/b/new.txt", os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
			if err == nil {
				f.Close()
			}
			return err
		}, true},
		{"mkdirall", func(t *Tree) error { return t.MkdirAll("a/b/d/e", 0o755) }, true},
		{"chmod", func(t *Tree) error { return t.Chmod("a/b/c.txt", 0o777) }, false},
		{"chown", func(t *Tree) error { return t.Chown("a/b/c.txt", os.Getuid(), os.Getgid()) }, false},
		{"chmod folder", func(t *Tree) error { return t.Chmod("a/b", 0o777) }, true},
		{"chtimes", func(t *Tree) error { return t.Chtimes("a/b/c.txt", time.Unix(1, 0), time.Unix(1, 0)) }, false},
		{"free", func(t *Tree) error { _, err := t.Free("a/b"); return err }, true},
		{"writable", func(t *Tree) error { return t.Writable("a/b") }, true},
	}
	for level := 1; level <= 3; level++ {
		for _, op := range ops {
			t.Run(op.name+"/level"+string(rune('0'+level)), func(t *testing.T) {
				out, outside := plantLinks(t, level)
				before := snapshot(t, outside)
				tree, err := OpenTree(out)
				if err != nil {
					t.Fatal(err)
				}
				defer tree.Close()
				err = op.do(tree)
				if level == 3 && op.finalOK {
					if err != nil {
						t.Fatalf("an operation beside the link failed: %v", err)
					}
				} else {
					var le *LinkError
					if !errors.As(err, &le) {
						t.Fatalf("want a LinkError, got %v", err)
					}
					if le.Target == "" || filepath.Dir(le.Path) == "" {
						t.Fatalf("the error does not name the link and its target: %v", le)
					}
				}
				if after := snapshot(t, outside); !equalMaps(before, after) {
					t.Fatalf("something outside the folder changed:\nbefore %v\nafter  %v", before, after)
				}
			})
		}
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestTreeOutItselfMayBeALink: the folder the person names may be a link.
func TestTreeOutItselfMayBeALink(t *testing.T) {
	base := t.TempDir()
	real := filepath.Join(base, "real")
	if err := os.Mkdir(real, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(real, filepath.Join(base, "out")); err != nil {
		t.Fatal(err)
	}
	tree, err := OpenTree(filepath.Join(base, "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	if err := afero.WriteFile(tree, "x/y.txt", []byte("hi"), 0o600); err == nil {
		t.Fatal("WriteFile into a missing folder should fail")
	}
	if err := tree.MkdirAll("x", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := afero.WriteFile(tree, "x/y.txt", []byte("hi"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(real, "x", "y.txt")); string(got) != "hi" {
		t.Fatalf("got %q", got)
	}
}

// TestTreeCatchesASwappedLink: a folder swapped for a link between checks
// and uses is never written through, however the race falls.
func TestTreeCatchesASwappedLink(t *testing.T) {
	base := t.TempDir()
	out, outside := filepath.Join(base, "out"), filepath.Join(base, "outside")
	for _, d := range []string{filepath.Join(out, "d"), outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	tree, err := OpenTree(out)
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	var stop atomic.Bool
	done := make(chan struct{})
	go func() { // swaps out/d between a folder and a link to outside
		defer close(done)
		d, aside := filepath.Join(out, "d"), filepath.Join(out, "d-aside")
		for !stop.Load() {
			_ = os.Rename(d, aside)
			_ = os.Symlink(outside, d)
			_ = os.Remove(d)
			_ = os.Rename(aside, d)
		}
	}()
	links := 0
	for i := 0; i < 2000; i++ {
		f, err := tree.OpenFile("d/f", os.O_WRONLY|os.O_CREATE, 0o600)
		var le *LinkError
		switch {
		case err == nil:
			f.Close()
		case errors.As(err, &le):
			links++
		}
	}
	stop.Store(true)
	<-done
	if entries, _ := os.ReadDir(outside); len(entries) > 0 {
		t.Fatalf("a file was created through the link: %v", entries)
	}
	t.Logf("%d of 2000 opens met the link and refused", links)
}

// TestTreeRefusesOddFiles: a FIFO in the tree is refused at once, never
// opened for reading (which would block without a writer).
func TestTreeRefusesOddFiles(t *testing.T) {
	out := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(out, "fifo"), 0o600); err != nil {
		t.Fatal(err)
	}
	tree, err := OpenTree(out)
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	done := make(chan error, 1)
	go func() { _, err := afero.ReadFile(tree, "fifo"); done <- err }()
	select {
	case err := <-done:
		var odd *OddFileError
		if !errors.As(err, &odd) || odd.Kind != "a FIFO (named pipe)" {
			t.Fatalf("want an OddFileError for a FIFO, got %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("reading a FIFO in the tree blocked")
	}
}

// TestLock: a second run waits for the lock, tells so once, and gives up
// after the wait with a BusyError; once the first is done it gets it.
func TestLock(t *testing.T) {
	out := t.TempDir()
	first, err := OpenTree(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Lock(time.Second, nil); err != nil {
		t.Fatal(err)
	}
	second, err := OpenTree(out)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	told := 0
	err = second.Lock(200*time.Millisecond, func() { told++ })
	var busy *BusyError
	if !errors.As(err, &busy) || told != 1 {
		t.Fatalf("want a BusyError after telling once, got %v (told %d times)", err, told)
	}
	released := make(chan error, 1)
	go func() { released <- second.Lock(10*time.Second, nil) }()
	time.Sleep(100 * time.Millisecond)
	first.Close()
	select {
	case err := <-released:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the lock was not handed over")
	}
}

// TestTreeListsTheFolderTwice: every Open of the folder reads it from the
// start (a shared descriptor would list it once, then nothing).
func TestTreeListsTheFolderTwice(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tree, err := OpenTree(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	for i := 0; i < 2; i++ {
		names, err := afero.ReadDir(tree, ".")
		if err != nil || len(names) != 1 {
			t.Fatalf("listing %d: %v, %v", i+1, names, err)
		}
	}
}
