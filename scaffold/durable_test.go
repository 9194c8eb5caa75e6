package scaffold

import (
	"errors"
	"os"
	"path"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/afero"
)

// syncLog wraps a filesystem and logs, in order, the renames, the folders
// made and the syncs of folders.
type syncLog struct {
	afero.Fs
	log []string
}

func (s *syncLog) add(op, name string) { s.log = append(s.log, op+" "+path.Clean("/"+name)) }

func (s *syncLog) Rename(oldname, newname string) error {
	err := s.Fs.Rename(oldname, newname)
	if err == nil {
		s.add("rename", newname)
	}
	return err
}

func (s *syncLog) Mkdir(name string, perm os.FileMode) error {
	err := s.Fs.Mkdir(name, perm)
	if err == nil {
		s.add("mkdir", name)
	}
	return err
}

func (s *syncLog) MkdirAll(name string, perm os.FileMode) error {
	_, statErr := s.Fs.Stat(name)
	err := s.Fs.MkdirAll(name, perm)
	if err == nil && statErr != nil {
		s.add("mkdir", name)
	}
	return err
}

func (s *syncLog) Open(name string) (afero.File, error) {
	f, err := s.Fs.Open(name)
	if err != nil {
		return nil, err
	}
	return &syncLogFile{File: f, name: name, fs: s}, nil
}

type syncLogFile struct {
	afero.File
	name string
	fs   *syncLog
}

func (f *syncLogFile) Sync() error {
	err := f.File.Sync()
	if info, serr := f.Stat(); serr == nil && info.IsDir() && err == nil {
		f.fs.add("syncdir", f.name)
	}
	return err
}

// checkSyncedAfter checks that every rename and every folder made is
// followed at once by a sync of the folder holding it.
func checkSyncedAfter(t *testing.T, log []string) {
	t.Helper()
	changes := 0
	for i, l := range log {
		op, name, _ := strings.Cut(l, " ")
		if op == "syncdir" || l == "mkdir /" {
			continue // "/" is the output folder: its parent is out of reach
		}
		changes++
		want := "syncdir " + path.Dir(name)
		if i+1 >= len(log) || log[i+1] != want {
			next := "nothing"
			if i+1 < len(log) {
				next = log[i+1]
			}
			t.Errorf("%s is followed by %s, want %s", l, next, want)
		}
	}
	if changes == 0 {
		t.Errorf("no rename or folder logged: %q", log)
	}
}

// TestApplySyncsFolders: each rename into place (backups included) and each
// folder made is followed by a sync of its parent folder, so that it
// survives a power cut, on every kind of filesystem.
func TestApplySyncsFolders(t *testing.T) {
	for _, k := range fsKinds {
		t.Run(k.name, func(t *testing.T) {
			a, p := goldenPlan(t, "host")
			fsys := &syncLog{Fs: k.new(t)}
			mustApply(t, fsys, p, ApplyOptions{Now: goldenNow})
			checkSyncedAfter(t, fsys.log)
			for _, want := range []string{"mkdir /var", "mkdir /var/lib", "rename /" + ConfigPath(a)} {
				if !strings.Contains(strings.Join(fsys.log, "\n")+"\n", want+"\n") {
					t.Errorf("the log lacks %q:\n%s", want, strings.Join(fsys.log, "\n"))
				}
			}

			// --force with a backup folder: the backup is renamed into
			// place and synced before the file it saves is replaced.
			cfg := ConfigPath(a)
			if err := afero.WriteFile(fsys.Fs, cfg, []byte("-- edited by hand\n"), 0o640); err != nil {
				t.Fatal(err)
			}
			fsys.log = nil
			r := mustApply(t, fsys, p, ApplyOptions{Force: true, BackupDir: "backups", Now: goldenNow.Add(time.Hour)})
			checkSyncedAfter(t, fsys.log)
			if len(r.Backups) != 1 {
				t.Fatalf("backups %v, want one", r.Backups)
			}
			want := []string{
				"mkdir /backups", "syncdir /",
				"mkdir /backups/etc", "syncdir /backups",
				"mkdir /backups/etc/prosody", "syncdir /backups/etc",
				"rename /" + r.Backups[0], "syncdir /backups/etc/prosody",
				"rename /" + cfg, "syncdir /etc/prosody",
			}
			if got := strings.Join(fsys.log, "\n"); got != strings.Join(want, "\n") {
				t.Errorf("log:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
			}
		})
	}
}

// dirSyncFails wraps a filesystem whose folders fail to sync with err.
type dirSyncFails struct {
	afero.Fs
	err error
}

func (d dirSyncFails) Open(name string) (afero.File, error) {
	f, err := d.Fs.Open(name)
	if err != nil {
		return nil, err
	}
	return dirSyncFailsFile{File: f, err: d.err}, nil
}

type dirSyncFailsFile struct {
	afero.File
	err error
}

func (f dirSyncFailsFile) Sync() error {
	if info, err := f.Stat(); err == nil && info.IsDir() {
		return &os.PathError{Op: "sync", Path: f.Name(), Err: f.err}
	}
	return f.File.Sync()
}

// TestApplyFolderSyncErrors: a filesystem that cannot sync folders (EINVAL)
// is written all the same; an I/O error while syncing one stops Apply.
func TestApplyFolderSyncErrors(t *testing.T) {
	_, p := goldenPlan(t, "minimal")
	mustApply(t, dirSyncFails{Fs: afero.NewMemMapFs(), err: syscall.EINVAL}, p, ApplyOptions{Now: goldenNow})
	_, err := Apply(dirSyncFails{Fs: afero.NewMemMapFs(), err: syscall.EIO}, p, ApplyOptions{Now: goldenNow})
	if !errors.Is(err, syscall.EIO) {
		t.Errorf("Apply: %v, want the EIO of the folder sync", err)
	}
}
