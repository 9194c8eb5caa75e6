package scaffold

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/afero"
)

// Status is how a planned entry compares with what is on disk.
type Status int

// Statuses of a planned entry.
const (
	StatusNew     Status = iota // nothing there yet
	StatusChanged               // a different file is there
	StatusSame                  // identical bytes and mode (or an existing folder)
)

func (s Status) String() string {
	return [...]string{"new", "changed", "same"}[s]
}

// Change is a planned entry with its status on disk.
type Change struct {
	File
	Status Status
	// ModeOnly: same bytes (or an existing folder), but the mode or the
	// owner differs; fixed in place, without a backup. Preserved entries
	// such as the data folder are never touched, so never ModeOnly.
	ModeOnly bool
}

// Compare reports, for every entry of the plan, whether it is new, changed
// or the same on fsys. It only reads.
func Compare(fsys afero.Fs, p Plan) ([]Change, error) {
	changes := make([]Change, 0, len(p.Files))
	for _, f := range p.Files {
		c := Change{File: f, Status: StatusNew}
		info, err := fsys.Stat(f.Path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return nil, err
		case f.IsDir():
			if !info.IsDir() {
				return nil, fmt.Errorf("%s: want a folder, but a file is there", f.Path)
			}
			c.Status = StatusSame
			c.ModeOnly = !f.Preserve && metaDiffers(info, f)
		case info.IsDir():
			return nil, fmt.Errorf("%s: want a file, but a folder is there", f.Path)
		default:
			old, err := afero.ReadFile(fsys, f.Path)
			if err != nil {
				return nil, err
			}
			c.Status = StatusChanged
			if bytes.Equal(old, f.Data) {
				c.Status = StatusSame
				c.ModeOnly = metaDiffers(info, f)
			}
		}
		changes = append(changes, c)
	}
	return changes, nil
}

// metaDiffers reports whether an existing entry's mode, or its owner where
// the filesystem has owners, differs from the plan.
func metaDiffers(info fs.FileInfo, f File) bool {
	if info.Mode().Perm() != f.Mode.Perm() {
		return true
	}
	if st, ok := info.Sys().(*syscall.Stat_t); ok && f.UID >= 0 && f.GID >= 0 {
		return int(st.Uid) != f.UID || int(st.Gid) != f.GID
	}
	return false
}

// ApplyOptions tune Apply.
type ApplyOptions struct {
	// Force writes over changed files, keeping each old one as
	// NAME.bak.<time> beside it first.
	Force bool
	// Now names backups.
	Now time.Time
	// Root is how paths are shown in messages and chown commands (the
	// output folder as the person gave it).
	Root string
	// BackupDir, when set, keeps backups there (a path inside the output
	// folder, mirroring the file's path) instead of beside each file.
	BackupDir string
}

// Result says what Apply did.
type Result struct {
	Written   []string // files and folders created or replaced
	Unchanged []string // already as planned
	Backups   []string // NAME.bak.<time> copies of replaced files
	// Chowns are the commands that remain because this process may not give
	// files away (not running as root); run them as root to finish.
	Chowns []string
}

// ConflictError lists existing files that differ from the plan when Force
// is off; nothing was written.
type ConflictError struct{ Paths []string }

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%d existing file(s) differ from the plan and were left alone (use --force to replace them, keeping backups): %s",
		len(e.Paths), strings.Join(e.Paths, ", "))
}

// Apply makes fsys match the plan. It is the only code in prosody-wizard that
// writes. Files are written to a temporary name in the same folder, synced,
// given their mode and owner, then renamed into place, so each is either
// entirely old or entirely new. Existing folders, and preserved entries such
// as the data folder, are never modified. Without Force, a file that exists
// with other contents stops Apply before anything is written.
func Apply(fsys afero.Fs, p Plan, opt ApplyOptions) (Result, error) {
	changes, err := Compare(fsys, p)
	if err != nil {
		return Result{}, err
	}
	if !opt.Force {
		var conflicts []string
		for _, c := range changes {
			if c.Status == StatusChanged {
				conflicts = append(conflicts, shown(opt.Root, c.Path))
			}
		}
		if len(conflicts) > 0 {
			return Result{}, &ConflictError{Paths: conflicts}
		}
	}
	var r Result
	// The output folder itself (BasePathFs maps "/" to it).
	if err := fsys.MkdirAll("/", 0o755); err != nil {
		return r, err
	}
	removeStaleTemps(fsys, p)
	stamp := opt.Now.UTC().Format("20060102T150405Z")
	for _, c := range changes {
		switch {
		case c.Status == StatusSame && !c.ModeOnly:
			r.Unchanged = append(r.Unchanged, c.Path)
			continue
		case c.Status == StatusSame:
			if err := fsys.Chmod(c.Path, c.Mode.Perm()); err != nil {
				return r, err
			}
		case c.IsDir():
			if err := mkdirAll755(fsys, path.Dir(c.Path)); err != nil {
				return r, err
			}
			if err := fsys.MkdirAll(c.Path, c.Mode.Perm()); err != nil {
				return r, err
			}
			// Mkdir is subject to the umask; set the planned mode exactly.
			if err := fsys.Chmod(c.Path, c.Mode.Perm()); err != nil {
				return r, err
			}
		default:
			if c.Status == StatusChanged {
				bak, err := backup(fsys, c.Path, stamp, opt.BackupDir)
				if err != nil {
					return r, fmt.Errorf("back up %s: %w", shown(opt.Root, c.Path), err)
				}
				r.Backups = append(r.Backups, bak)
			}
			if err := writeAtomic(fsys, c.File, &r, opt.Root); err != nil {
				return r, fmt.Errorf("write %s: %w", shown(opt.Root, c.Path), err)
			}
			r.Written = append(r.Written, c.Path)
			continue
		}
		if !tryChown(fsys, c.Path, c.UID, c.GID) {
			r.Chowns = append(r.Chowns, chownCommand(opt.Root, c.Path, c.UID, c.GID))
		}
		r.Written = append(r.Written, c.Path)
	}
	return r, nil
}

// writeAtomic writes f to a temporary file beside its target, syncs it,
// sets mode and owner, and renames it into place.
func writeAtomic(fsys afero.Fs, f File, r *Result, root string) error {
	dir, name := path.Split(f.Path)
	if err := mkdirAll755(fsys, dir); err != nil {
		return err
	}
	var suffix [6]byte
	_, _ = rand.Read(suffix[:])
	tmp := path.Join(dir, "."+name+".tmp-"+hex.EncodeToString(suffix[:]))
	out, err := fsys.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = out.Write(f.Data)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = fsys.Chmod(tmp, f.Mode.Perm())
	}
	if err == nil {
		if !tryChown(fsys, tmp, f.UID, f.GID) {
			r.Chowns = append(r.Chowns, chownCommand(root, f.Path, f.UID, f.GID))
		}
		err = fsys.Rename(tmp, f.Path)
	}
	if err != nil {
		_ = fsys.Remove(tmp)
		return err
	}
	return nil
}

// mkdirAll755 creates dir and its missing parents with mode 0755 exactly
// (not a planned child's mode, nor the umask's), so that folders the plan
// does not list, such as var and var/lib above a host's data folder, let
// prosody through.
func mkdirAll755(fsys afero.Fs, dir string) error {
	dir = path.Clean(dir)
	if dir == "." || dir == "/" {
		return nil
	}
	if _, err := fsys.Stat(dir); err == nil {
		return nil
	}
	if err := mkdirAll755(fsys, path.Dir(dir)); err != nil {
		return err
	}
	if err := fsys.Mkdir(dir, 0o755); err != nil {
		return err
	}
	return fsys.Chmod(dir, 0o755)
}

// backup copies the current file to NAME.bak.<stamp> (NAME.bak.<stamp>.N if
// that exists), beside it or under dir, atomically, with the original's
// mode and owner, and returns the backup's path.
func backup(fsys afero.Fs, p, stamp, dir string) (string, error) {
	old, err := afero.ReadFile(fsys, p)
	if err != nil {
		return "", err
	}
	info, err := fsys.Stat(p)
	if err != nil {
		return "", err
	}
	base := p
	if dir != "" {
		base = path.Join(dir, p)
	}
	bak := base + ".bak." + stamp
	for n := 2; ; n++ {
		if _, err := fsys.Stat(bak); errors.Is(err, fs.ErrNotExist) {
			break
		}
		bak = fmt.Sprintf("%s.bak.%s.%d", base, stamp, n)
	}
	f := File{Path: bak, Mode: info.Mode().Perm(), UID: -1, GID: -1, Data: old}
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		f.UID, f.GID = int(st.Uid), int(st.Gid)
	}
	var r Result
	if err := writeAtomic(fsys, f, &r, ""); err != nil {
		return "", err
	}
	return bak, nil
}

// tryChown gives a path to uid:gid (negative ids: leave it be). It reports
// false when the process may not (EPERM: not root), so that the caller can
// record the command that finishes the job; other failures are ignored, as
// on filesystems without owners.
func tryChown(fsys afero.Fs, p string, uid, gid int) bool {
	if uid < 0 || gid < 0 {
		return true
	}
	err := fsys.Chown(p, uid, gid)
	return !(errors.Is(err, syscall.EPERM) || errors.Is(err, fs.ErrPermission))
}

func chownCommand(root, p string, uid, gid int) string {
	return fmt.Sprintf("chown %d:%d %s", uid, gid, ShellQuote(shown(root, p)))
}

func shown(root, p string) string {
	if root == "" {
		return p
	}
	return path.Join(root, p)
}

// removeStaleTemps deletes temporary files that an interrupted run left
// beside the files it was writing or backing up (.NAME.tmp-XXXX,
// .NAME.bak.STAMP.tmp-XXXX); they were never renamed into place, so
// nothing depends on them.
func removeStaleTemps(fsys afero.Fs, p Plan) {
	for _, f := range p.Files {
		if f.IsDir() {
			continue
		}
		dir, name := path.Split(f.Path)
		stale, _ := afero.Glob(fsys, path.Join(dir, "."+name+".tmp-*"))
		backups, _ := afero.Glob(fsys, path.Join(dir, "."+name+".bak.*.tmp-*"))
		stale = append(stale, backups...)
		for _, t := range stale {
			_ = fsys.Remove(t)
		}
	}
}
