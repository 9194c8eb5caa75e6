package scaffold

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/spf13/afero"

	"prosody-wizard/config"
	"prosody-wizard/safeio"
)

// checkedFs answers Apply's preflight questions as told, over a memory
// filesystem.
type checkedFs struct {
	afero.Fs
	free     uint64
	readOnly string // a folder on a read-only filesystem
	denied   string // a folder this user may not write in
}

func (c checkedFs) Free(string) (uint64, error) { return c.free, nil }
func (c checkedFs) Writable(dir string) error {
	switch dir {
	case c.readOnly:
		return &os.PathError{Op: "write in", Path: dir, Err: syscall.EROFS}
	case c.denied:
		return &os.PathError{Op: "write in", Path: dir, Err: syscall.EACCES}
	}
	return nil
}

// TestPreflight: what would stop Apply halfway stops it before its first
// write, all of it listed at once.
func TestPreflight(t *testing.T) {
	_, p := goldenPlan(t, "minimal")
	long := p
	long.Files = append(slices.Clone(p.Files), File{Path: "prosody/" + strings.Repeat("x", 256), Mode: 0o644, UID: -1, GID: -1, Data: []byte("x")})
	for _, tc := range []struct {
		name string
		fsys checkedFs
		plan Plan
		opt  ApplyOptions
		want []string
		// denied: the error says running as root would help.
		denied bool
	}{
		{"too little space", checkedFs{free: 16 << 10}, p, ApplyOptions{Root: "/srv/chat"}, []string{"/srv/chat has 16 KiB free, and the setup needs"}, false},
		{"read-only folder", checkedFs{free: 1 << 30, readOnly: "."}, p, ApplyOptions{}, []string{"write in .: read-only file system"}, false},
		{"folder of another user", checkedFs{free: 1 << 30, denied: "."}, p, ApplyOptions{}, []string{"write in .: permission denied"}, true},
		{"name too long", checkedFs{free: 1 << 30}, long, ApplyOptions{}, []string{"is 256 bytes long"}, false},
		{"all at once", checkedFs{free: 1, readOnly: "."}, long, ApplyOptions{}, []string{"free", "read-only", "256 bytes"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfs := &countingFs{Fs: afero.NewMemMapFs()}
			tc.fsys.Fs = cfs
			_, err := Apply(tc.fsys, tc.plan, tc.opt)
			var pe *PreflightError
			if !errors.As(err, &pe) {
				t.Fatalf("want a PreflightError, got %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q not in %v", w, err)
				}
			}
			if len(cfs.calls) > 0 {
				t.Errorf("wrote before the checks failed: %v", cfs.calls)
			}
			if pe.Denied != tc.denied {
				t.Errorf("Denied %v, want %v", pe.Denied, tc.denied)
			}
		})
	}
	t.Run("backups count", func(t *testing.T) {
		fsys := checkedFs{Fs: afero.NewMemMapFs(), free: 1 << 30}
		mustApply(t, fsys, p, ApplyOptions{})
		big := strings.Repeat("x", 64<<10)
		if err := afero.WriteFile(fsys, "README.md", []byte(big), 0o644); err != nil {
			t.Fatal(err)
		}
		changes, err := Compare(fsys, p)
		if err != nil {
			t.Fatal(err)
		}
		fsys.free = 60 << 10 // enough for the new README, not for its backup too
		if err := preflight(fsys, changes, ApplyOptions{Force: true}); err == nil {
			t.Error("the backup's space was not counted")
		}
	})
}

// failingFs fails the nth rename with ENOSPC, as a disk that fills up
// under Apply would.
type failingFs struct {
	afero.Fs
	n, renames int
}

func (f *failingFs) Rename(o, n string) error {
	f.renames++
	if f.renames == f.n {
		return &os.LinkError{Op: "rename", Old: o, New: n, Err: syscall.ENOSPC}
	}
	return f.Fs.Rename(o, n)
}

// TestIncompleteWrite: a write that fails midway says which entries were
// written (each whole) and which were not, leaves no temporary file, and
// the next plain run of the same answers completes the setup.
func TestIncompleteWrite(t *testing.T) {
	a, err := config.Parse([]byte("version: 1\ndomains: [example.org]\ndatabase: {driver: postgres}\n"))
	if err != nil {
		t.Fatal(err)
	}
	in := Inputs{Now: goldenNow, Owner: config.Owner{UID: os.Getuid(), GID: os.Getgid()}, Source: testSource()}
	p, err := planAnswers(a, in)
	if err != nil {
		t.Fatal(err)
	}
	files := 0
	for _, f := range p.Files {
		if !f.IsDir() {
			files++
		}
	}
	for n := 1; n <= files; n++ {
		t.Run(fmt.Sprint("rename ", n), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			tree, err := safeio.OpenTree(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer tree.Close()
			_, err = Apply(&failingFs{Fs: tree, n: n}, p, ApplyOptions{})
			var ie *IncompleteError
			if !errors.As(err, &ie) || !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("want an IncompleteError for ENOSPC, got %v", err)
			}
			if len(ie.NotWritten) == 0 || len(ie.Written)+len(ie.NotWritten) > len(p.Files) {
				t.Errorf("written %v, not written %v", ie.Written, ie.NotWritten)
			}
			for _, w := range ie.Written {
				if slices.Contains(ie.NotWritten, w) {
					t.Errorf("%s is both written and not", w)
				}
			}
			for _, nw := range ie.NotWritten {
				if f, _ := p.File(nw); !f.IsDir() {
					if _, err := tree.Stat(nw); err == nil && n == 1 {
						t.Errorf("%s is listed as not written but is there", nw)
					}
				}
			}
			in := in
			in.Existing = afero.NewReadOnlyFs(tree)
			again, err := planAnswers(a, in)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Apply(tree, again, ApplyOptions{}); err != nil {
				t.Fatalf("the next run failed: %v", err)
			}
			checkPlanned(t, tree, again)
			checkPairs(t, tree, again)
			noTempFiles(t, snapshot(t, tree))
		})
	}
}
