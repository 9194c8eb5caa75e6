package scaffold

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/afero"

	"prosody-wizard/config"
	"prosody-wizard/safeio"
)

// countingFs records every call that could change the filesystem.
type countingFs struct {
	afero.Fs
	calls []string
}

func (c *countingFs) note(op string, args ...any) {
	c.calls = append(c.calls, op+" "+fmt.Sprint(args...))
}

func (c *countingFs) Create(name string) (afero.File, error) {
	c.note("Create", name)
	return c.Fs.Create(name)
}

func (c *countingFs) OpenFile(name string, flag int, perm os.FileMode) (afero.File, error) {
	if flag&(os.O_WRONLY|os.O_RDWR|os.O_CREATE|os.O_TRUNC|os.O_APPEND) != 0 {
		c.note("OpenFile", name)
	}
	return c.Fs.OpenFile(name, flag, perm)
}

func (c *countingFs) Mkdir(name string, perm os.FileMode) error {
	c.note("Mkdir", name)
	return c.Fs.Mkdir(name, perm)
}

func (c *countingFs) MkdirAll(name string, perm os.FileMode) error {
	c.note("MkdirAll", name)
	return c.Fs.MkdirAll(name, perm)
}

func (c *countingFs) Remove(name string) error {
	c.note("Remove", name)
	return c.Fs.Remove(name)
}

func (c *countingFs) RemoveAll(name string) error {
	c.note("RemoveAll", name)
	return c.Fs.RemoveAll(name)
}

func (c *countingFs) Rename(oldname, newname string) error {
	c.note("Rename", oldname, " ", newname)
	return c.Fs.Rename(oldname, newname)
}

func (c *countingFs) Chmod(name string, mode os.FileMode) error {
	c.note("Chmod", name)
	return c.Fs.Chmod(name, mode)
}

func (c *countingFs) Chown(name string, uid, gid int) error {
	c.note("Chown", name)
	return c.Fs.Chown(name, uid, gid)
}

func (c *countingFs) Chtimes(name string, atime, mtime time.Time) error {
	c.note("Chtimes", name)
	return c.Fs.Chtimes(name, atime, mtime)
}

// fsKinds are the filesystems Apply is tested against: memory, and a real
// folder (not yet created) under t.TempDir().
var fsKinds = []struct {
	name string
	new  func(t *testing.T) afero.Fs
}{
	{"mem", func(t *testing.T) afero.Fs { return afero.NewMemMapFs() }},
	{"os", func(t *testing.T) afero.Fs {
		return afero.NewBasePathFs(afero.NewOsFs(), filepath.Join(t.TempDir(), "out"))
	}},
	{"tree", func(t *testing.T) afero.Fs {
		tree, err := safeio.OpenTree(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { tree.Close() })
		return tree
	}},
}

// entry is one path of a snapshot.
type entry struct {
	mode fs.FileMode
	data string
	mod  time.Time
}

// snapshot records every path under the root of fsys with its mode, bytes
// and modification time; an absent root is an empty snapshot.
func snapshot(t *testing.T, fsys afero.Fs) map[string]entry {
	t.Helper()
	m := map[string]entry{}
	// Relative paths: MemMapFs keeps "x" and "/x" apart, and plans are relative.
	err := afero.Walk(fsys, ".", func(p string, info fs.FileInfo, err error) error {
		if err != nil {
			if p == "." && errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		e := entry{mode: info.Mode(), mod: info.ModTime()}
		if info.Mode().IsRegular() {
			data, err := afero.ReadFile(fsys, p)
			if err != nil {
				return err
			}
			e.data = string(data)
		}
		m[filepath.ToSlash(p)] = e
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func sameSnapshot(t *testing.T, what string, before, after map[string]entry) {
	t.Helper()
	for p, b := range before {
		a, ok := after[p]
		switch {
		case !ok:
			t.Errorf("%s: %s was removed", what, p)
		case a.mode != b.mode:
			t.Errorf("%s: %s mode %v, was %v", what, p, a.mode, b.mode)
		case a.data != b.data:
			t.Errorf("%s: %s contents changed", what, p)
		case !a.mod.Equal(b.mod):
			t.Errorf("%s: %s modified (mtime %v, was %v)", what, p, a.mod, b.mod)
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			t.Errorf("%s: %s was created", what, p)
		}
	}
}

func noTempFiles(t *testing.T, snap map[string]entry) {
	t.Helper()
	for p := range snap {
		if ok, _ := path.Match(".*.tmp-*", path.Base(p)); ok {
			t.Errorf("temporary file left behind: %s", p)
		}
	}
}

func mustApply(t *testing.T, fsys afero.Fs, p Plan, opt ApplyOptions) Result {
	t.Helper()
	r, err := Apply(fsys, p, opt)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	return r
}

// written plans a (with the golden inputs) and applies the plan to a new
// in-memory folder: the setup as an earlier run left it.
func written(t *testing.T, a config.Answers) afero.Fs {
	t.Helper()
	p, err := planAnswers(a, goldenInputs(a))
	if err != nil {
		t.Fatal(err)
	}
	fsys := afero.NewMemMapFs()
	mustApply(t, fsys, p, ApplyOptions{})
	return fsys
}

// checkPlanned compares every planned entry on fsys with the plan: kind,
// exact mode and bytes.
func checkPlanned(t *testing.T, fsys afero.Fs, p Plan) {
	t.Helper()
	for _, f := range p.Files {
		info, err := fsys.Stat(f.Path)
		if err != nil {
			t.Errorf("%s: %v", f.Path, err)
			continue
		}
		if info.IsDir() != f.IsDir() {
			t.Errorf("%s: folder %v, want %v", f.Path, info.IsDir(), f.IsDir())
		}
		if info.Mode().Perm() != f.Mode.Perm() {
			t.Errorf("%s: mode %04o, want %04o", f.Path, info.Mode().Perm(), f.Mode.Perm())
		}
		if !f.IsDir() {
			if data, err := afero.ReadFile(fsys, f.Path); err != nil || !bytes.Equal(data, f.Data) {
				t.Errorf("%s: contents differ from the plan (%v)", f.Path, err)
			}
		}
	}
}

func TestApplyIdempotent(t *testing.T) {
	for _, name := range goldenCases(t) {
		for _, k := range fsKinds {
			t.Run(name+"/"+k.name, func(t *testing.T) {
				_, p := goldenPlan(t, name)
				fsys := k.new(t)
				r1 := mustApply(t, fsys, p, ApplyOptions{Now: goldenNow})
				if len(r1.Written) == 0 {
					t.Fatal("first Apply wrote nothing")
				}
				checkPlanned(t, fsys, p)
				before := snapshot(t, fsys)
				noTempFiles(t, before)

				cfs := &countingFs{Fs: fsys}
				r2 := mustApply(t, cfs, p, ApplyOptions{Now: goldenNow.Add(time.Hour)})
				if len(r2.Written) != 0 || len(r2.Backups) != 0 || len(r2.Chowns) != 0 {
					t.Errorf("second Apply: written %v, backups %v, chowns %v; want none", r2.Written, r2.Backups, r2.Chowns)
				}
				if len(r2.Unchanged) != len(p.Files) {
					t.Errorf("second Apply: %d unchanged, want all %d", len(r2.Unchanged), len(p.Files))
				}
				// Apply makes sure the root exists; nothing else may mutate.
				var mutating []string
				for _, c := range cfs.calls {
					if c != "MkdirAll /" {
						mutating = append(mutating, c)
					}
				}
				if len(mutating) > 0 {
					t.Errorf("second Apply mutated the filesystem: %v", mutating)
				}
				sameSnapshot(t, "second Apply", before, snapshot(t, fsys))
			})
		}
	}
}

func TestApplyFixesModeOnly(t *testing.T) {
	for _, k := range fsKinds {
		t.Run(k.name, func(t *testing.T) {
			a, p := goldenPlan(t, "minimal")
			fsys := k.new(t)
			mustApply(t, fsys, p, ApplyOptions{Now: goldenNow})
			cfg := ConfigPath(a)
			if err := fsys.Chmod(cfg, 0o666); err != nil {
				t.Fatal(err)
			}
			r := mustApply(t, fsys, p, ApplyOptions{Now: goldenNow})
			if !reflect.DeepEqual(r.Written, []string{cfg}) || len(r.Backups) != 0 {
				t.Errorf("written %v, backups %v; want only %s, no backup", r.Written, r.Backups, cfg)
			}
			checkPlanned(t, fsys, p)
		})
	}
}

func TestApplyConflict(t *testing.T) {
	for _, k := range fsKinds {
		t.Run(k.name+"/existing tree", func(t *testing.T) {
			a, p := goldenPlan(t, "minimal")
			fsys := k.new(t)
			mustApply(t, fsys, p, ApplyOptions{Now: goldenNow})
			cfg := ConfigPath(a)
			for _, f := range []string{cfg, "README.md"} {
				if err := afero.WriteFile(fsys, f, []byte("edited by hand\n"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			before := snapshot(t, fsys)
			cfs := &countingFs{Fs: fsys}
			_, err := Apply(cfs, p, ApplyOptions{Now: goldenNow, Root: "/srv/x"})
			var ce *ConflictError
			if !errors.As(err, &ce) {
				t.Fatalf("want a ConflictError, got %v", err)
			}
			want := []string{"/srv/x/README.md", "/srv/x/" + cfg}
			if !reflect.DeepEqual(ce.Paths, want) {
				t.Errorf("conflicts %v, want %v", ce.Paths, want)
			}
			if !strings.Contains(ce.Error(), cfg) {
				t.Errorf("error does not name %s: %v", cfg, ce)
			}
			if len(cfs.calls) != 0 {
				t.Errorf("a conflicting Apply mutated the filesystem: %v", cfs.calls)
			}
			sameSnapshot(t, "conflict", before, snapshot(t, fsys))
		})
		t.Run(k.name+"/fresh tree", func(t *testing.T) {
			// Only one file is there: nothing else may be created.
			_, p := goldenPlan(t, "minimal")
			fsys := k.new(t)
			if err := fsys.MkdirAll(".", 0o755); err != nil {
				t.Fatal(err)
			}
			if err := afero.WriteFile(fsys, "compose.yaml", []byte("services: {}\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			before := snapshot(t, fsys)
			_, err := Apply(fsys, p, ApplyOptions{Now: goldenNow})
			var ce *ConflictError
			if !errors.As(err, &ce) || !reflect.DeepEqual(ce.Paths, []string{"compose.yaml"}) {
				t.Fatalf("want a ConflictError on compose.yaml, got %v", err)
			}
			sameSnapshot(t, "conflict", before, snapshot(t, fsys))
		})
	}
}

func TestApplyForce(t *testing.T) {
	for _, k := range fsKinds {
		t.Run(k.name, func(t *testing.T) {
			a, p := goldenPlan(t, "minimal")
			fsys := k.new(t)
			mustApply(t, fsys, p, ApplyOptions{Now: goldenNow})
			cfg := ConfigPath(a)
			old := []byte("-- edited by hand\n")
			if err := afero.WriteFile(fsys, cfg, old, 0o640); err != nil {
				t.Fatal(err)
			}
			if err := fsys.Chmod(cfg, 0o604); err != nil {
				t.Fatal(err)
			}
			now := time.Date(2026, 2, 3, 4, 5, 6, 0, time.FixedZone("CET", 3600))
			r := mustApply(t, fsys, p, ApplyOptions{Force: true, Now: now})
			bak := cfg + ".bak.20260203T030506Z"
			if !reflect.DeepEqual(r.Backups, []string{bak}) {
				t.Errorf("backups %v, want [%s]", r.Backups, bak)
			}
			if !reflect.DeepEqual(r.Written, []string{cfg}) {
				t.Errorf("written %v, want [%s]", r.Written, cfg)
			}
			got, err := afero.ReadFile(fsys, bak)
			if err != nil || !bytes.Equal(got, old) {
				t.Errorf("backup %s: %q, %v; want the old bytes", bak, got, err)
			}
			if info, err := fsys.Stat(bak); err != nil {
				t.Error(err)
			} else if info.Mode().Perm() != 0o604 {
				t.Errorf("backup %s: mode %04o, want the old mode 0604", bak, info.Mode().Perm())
			}
			checkPlanned(t, fsys, p)
			noTempFiles(t, snapshot(t, fsys))

			// Forcing again with nothing changed writes nothing.
			r = mustApply(t, fsys, p, ApplyOptions{Force: true, Now: now.Add(time.Hour)})
			if len(r.Written) != 0 || len(r.Backups) != 0 {
				t.Errorf("second --force: written %v, backups %v", r.Written, r.Backups)
			}
		})
	}
}

func TestApplyPreservesDataFolder(t *testing.T) {
	for _, name := range []string{"minimal", "host"} {
		for _, k := range fsKinds {
			for _, when := range []string{"before first run", "after a run"} {
				t.Run(name+"/"+k.name+"/"+when, func(t *testing.T) {
					a, p := goldenPlan(t, name)
					data := composeDataDir
					if a.Deploy == config.DeployHost {
						data = hostDataDir
					}
					if f, ok := p.File(data); !ok || !f.Preserve {
						t.Fatalf("%s is not a preserved entry of the plan", data)
					}
					fsys := k.new(t)
					if when == "after a run" {
						mustApply(t, fsys, p, ApplyOptions{Now: goldenNow})
					}
					if err := fsys.MkdirAll(path.Join(data, "example%2eorg"), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := afero.WriteFile(fsys, path.Join(data, "example%2eorg/accounts.dat"), []byte("secret data"), 0o640); err != nil {
						t.Fatal(err)
					}
					if err := fsys.Chmod(data, 0o711); err != nil {
						t.Fatal(err)
					}
					var before map[string]entry
					keep := func(s map[string]entry) map[string]entry {
						out := map[string]entry{}
						for p, e := range s {
							if p == data || strings.HasPrefix(p, data+"/") {
								out[p] = e
							}
						}
						return out
					}
					before = keep(snapshot(t, fsys))
					for _, force := range []bool{false, true} {
						r := mustApply(t, fsys, p, ApplyOptions{Now: goldenNow, Force: force})
						if slices.Contains(r.Written, data) {
							t.Errorf("force %v: %s was written", force, data)
						}
						sameSnapshot(t, fmt.Sprintf("force %v", force), before, keep(snapshot(t, fsys)))
					}
				})
			}
		}
	}
}

// TestApplyModesDespiteUmask writes every golden plan to a real folder
// under a strict umask: planned modes are exact, and the folders above
// planned entries that Apply had to create are 0755.
func TestApplyModesDespiteUmask(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	for _, name := range goldenCases(t) {
		t.Run(name, func(t *testing.T) {
			_, p := goldenPlan(t, name)
			dir := filepath.Join(t.TempDir(), "out")
			fsys := afero.NewBasePathFs(afero.NewOsFs(), dir)
			mustApply(t, fsys, p, ApplyOptions{Now: goldenNow})
			checkPlanned(t, fsys, p)
			for _, f := range p.Files {
				for d := path.Dir(f.Path); d != "." && d != "/"; d = path.Dir(d) {
					if _, planned := p.File(d); planned {
						continue
					}
					if info, err := os.Stat(filepath.Join(dir, d)); err != nil {
						t.Error(err)
					} else if info.Mode().Perm() != 0o755 {
						t.Errorf("%s (above %s): mode %04o, want 0755", d, f.Path, info.Mode().Perm())
					}
				}
				if os.Getuid() == 0 {
					info, err := os.Lstat(filepath.Join(dir, f.Path))
					if err != nil {
						t.Fatal(err)
					}
					if st := info.Sys().(*syscall.Stat_t); int(st.Uid) != f.UID || int(st.Gid) != f.GID {
						t.Errorf("%s: owner %d:%d, want %d:%d", f.Path, st.Uid, st.Gid, f.UID, f.GID)
					}
				}
			}
			noTempFiles(t, snapshot(t, fsys))
		})
	}
}

// TestPlanPermissions scans every golden plan: secrets are readable only
// by their owner, or on a host by the prosody group too; private keys have
// no "other" bits; nothing is writable by "other"; the password appears
// only in secret files.
func TestPlanPermissions(t *testing.T) {
	for _, name := range goldenCases(t) {
		t.Run(name, func(t *testing.T) {
			a, p := goldenPlan(t, name)
			in := goldenInputs(a)
			password := a.Database.Password
			if env, ok := p.File(".env"); ok && a.NetworkDB() && password == "" {
				for _, l := range strings.Split(string(env.Data), "\n") {
					if k, v, ok := strings.Cut(l, "="); ok && strings.HasSuffix(k, "PASSWORD") && v != "" {
						password = strings.Trim(v, `"'`)
					}
				}
				if password == "" {
					t.Errorf(".env holds no generated database password")
				}
			}
			for _, f := range p.Files {
				perm := f.Mode.Perm()
				if perm&0o002 != 0 {
					t.Errorf("%s: mode %04o is writable by other", f.Path, perm)
				}
				if path.Ext(f.Path) == ".key" {
					if !f.Secret {
						t.Errorf("%s: a private key is not marked Secret", f.Path)
					}
					if perm&0o007 != 0 {
						t.Errorf("%s: private key mode %04o has other bits", f.Path, perm)
					}
				}
				if f.Path == ".env" && perm != 0o600 {
					t.Errorf(".env: mode %04o, want 0600", perm)
				}
				if f.Secret {
					if perm&0o007 != 0 {
						t.Errorf("%s: secret with mode %04o is open to other", f.Path, perm)
					}
					if perm&0o070 != 0 {
						// Only a host's prosody group may read a secret, and only read it.
						if a.Deploy != config.DeployHost || f.GID != in.Owner.GID || f.GID == 0 || perm&0o070 != 0o040 {
							t.Errorf("%s: secret with mode %04o, group %d, is open to its group", f.Path, perm, f.GID)
						}
					}
					if dir, ok := p.File(path.Dir(f.Path)); ok && path.Ext(f.Path) == ".key" && dir.Mode.Perm()&0o007 != 0 {
						t.Errorf("%s: the folder of a private key has mode %04o", dir.Path, dir.Mode.Perm())
					}
				}
				if password != "" && bytes.Contains(f.Data, []byte(password)) && !f.Secret {
					t.Errorf("%s holds the database password but is not Secret (mode %04o)", f.Path, perm)
				}
				if path.Base(f.Path) == "answers.yaml" && password != "" && bytes.Contains(f.Data, []byte(password)) {
					t.Errorf("%s: the saved answers hold the database password", f.Path)
				}
			}
		})
	}
}

// TestApplyTightensExistingFolders: a planned folder that exists with a
// looser mode (certs at 0755) is brought to the planned mode; the data
// folder is not.
func TestApplyTightensExistingFolders(t *testing.T) {
	_, p := goldenPlan(t, "minimal")
	fsys := afero.NewBasePathFs(afero.NewOsFs(), t.TempDir())
	for _, d := range []string{"prosody/certs", "data"} {
		if err := fsys.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		_ = fsys.Chmod(d, 0o755)
	}
	mustApply(t, fsys, p, ApplyOptions{})
	for d, want := range map[string]os.FileMode{"prosody/certs": 0o750, "data": 0o755} {
		info, err := fsys.Stat(d)
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != want {
			t.Errorf("%s has mode %04o, want %04o", d, info.Mode().Perm(), want)
		}
	}
}

// TestApplyBackupsNeverCollide: two forced runs in the same second keep
// both old versions.
func TestApplyBackupsNeverCollide(t *testing.T) {
	_, p := goldenPlan(t, "minimal")
	fsys := afero.NewMemMapFs()
	now := goldenNow
	mustApply(t, fsys, p, ApplyOptions{})
	var backups []string
	for i, edit := range []string{"first edit\n", "second edit\n"} {
		if err := afero.WriteFile(fsys, "README.md", []byte(edit), 0o644); err != nil {
			t.Fatal(err)
		}
		r := mustApply(t, fsys, p, ApplyOptions{Force: true, Now: now})
		if len(r.Backups) != 1 {
			t.Fatalf("run %d made backups %v, want one", i, r.Backups)
		}
		backups = append(backups, r.Backups[0])
		if got, _ := afero.ReadFile(fsys, r.Backups[0]); string(got) != edit {
			t.Errorf("backup %s holds %q, want %q", r.Backups[0], got, edit)
		}
	}
	if backups[0] == backups[1] {
		t.Errorf("both runs wrote the backup %s", backups[0])
	}
}

// TestApplyReviewed: with the changes a review showed (Reviewed), the
// files it showed as changed are replaced, keeping backups, as with Force;
// a file changed after the review (not shown, or at another size) stops
// Apply before anything is written, unless Force.
func TestApplyReviewed(t *testing.T) {
	for _, c := range []struct {
		name      string
		afterEdit string // written after the review, "" for none
		force     bool
		conflict  bool
	}{
		{"as reviewed", "", false, false},
		{"changed after the review", "-- edited again, after the review, at another size\n", false, true},
		{"changed after the review, --force", "-- edited again, after the review, at another size\n", true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, p := goldenPlan(t, "minimal")
			fsys := afero.NewMemMapFs()
			mustApply(t, fsys, p, ApplyOptions{Now: goldenNow})
			cfg := ConfigPath(a)
			if err := afero.WriteFile(fsys, cfg, []byte("-- edited by hand\n"), 0o640); err != nil {
				t.Fatal(err)
			}
			reviewed, err := Compare(fsys, p)
			if err != nil {
				t.Fatal(err)
			}
			if c.afterEdit != "" {
				if err := afero.WriteFile(fsys, cfg, []byte(c.afterEdit), 0o640); err != nil {
					t.Fatal(err)
				}
			}
			before := snapshot(t, fsys)
			r, err := Apply(fsys, p, ApplyOptions{Now: goldenNow, Force: c.force, Reviewed: reviewed})
			var ce *ConflictError
			if c.conflict {
				if !errors.As(err, &ce) || !ce.AfterReview || !reflect.DeepEqual(ce.Paths, []string{cfg}) {
					t.Fatalf("want a ConflictError after the review on %s, got %v", cfg, err)
				}
				sameSnapshot(t, "changed after the review", before, snapshot(t, fsys))
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(r.Written, []string{cfg}) || len(r.Backups) != 1 {
				t.Errorf("written %v, backups %v; want %s replaced, one backup", r.Written, r.Backups, cfg)
			}
		})
	}
}
