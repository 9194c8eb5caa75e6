package scaffold

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/afero"

	"prosody-wizard/safeio"
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
	// Kept: a preserved file (File.Preserve) that is there with other
	// contents, mode or owner: the person's, so it counts as the same and
	// is left as it is, also with Force.
	Kept bool
	// OldSize is the size of the file there now (StatusChanged, Kept).
	OldSize int64
	// secrets are the plan's (Plan.Secrets), which Diff masks.
	secrets []string
}

// Compare reports, for every entry of the plan, whether it is new, changed
// or the same on fsys. It only reads, and reads a file only when its size
// matches the plan's, so a huge file planted in the tree costs nothing.
// Anything but a regular file where a file is planned (a FIFO, a device)
// and, on a safeio.Tree, a link anywhere on the way, is an error.
func Compare(fsys afero.Fs, p Plan) ([]Change, error) {
	changes := make([]Change, 0, len(p.Files))
	for _, f := range p.Files {
		c := Change{File: f, Status: StatusNew, secrets: p.Secrets}
		info, err := fsys.Stat(f.Path)
		var link *safeio.LinkError
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case f.Preserve && !f.IsDir() && errors.As(err, &link) && strings.HasSuffix(link.Path, "/"+f.Path):
			// The person made it a link (a safeio.Tree does not follow
			// it): theirs, like any content, so left as it is.
			c.Status, c.Kept = StatusSame, true
		case err != nil:
			return nil, err
		case f.IsDir():
			if !info.IsDir() {
				return nil, fmt.Errorf("%s: want a folder, but %s is there", f.Path, safeio.Kind(info.Mode()))
			}
			c.Status = StatusSame
			c.ModeOnly = !f.Preserve && metaDiffers(info, f)
		case !info.Mode().IsRegular():
			return nil, fmt.Errorf("%s: want a file, but %s is there", f.Path, safeio.Kind(info.Mode()))
		default:
			c.Status, c.OldSize = StatusChanged, info.Size()
			same := false
			if info.Size() == int64(len(f.Data)) {
				old, err := afero.ReadFile(fsys, f.Path)
				if err != nil {
					return nil, err
				}
				same = bytes.Equal(old, f.Data)
			}
			switch {
			case f.Preserve:
				// Whatever is there is the person's now: never replaced,
				// never backed up, its mode and owner left as they are.
				c.Status = StatusSame
				c.Kept = !same || metaDiffers(info, f)
			case same:
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
	// Reviewed, when not nil, are the changes a review showed (the
	// wizard's): without Force, the files it showed as changed, at the
	// size it saw, are replaced as Force replaces them; any other file
	// that differs (changed since the review) stops Apply.
	Reviewed []Change
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
type ConflictError struct {
	Paths []string
	// AfterReview: the files changed after the review that showed the plan
	// (ApplyOptions.Reviewed).
	AfterReview bool
}

func (e *ConflictError) Error() string {
	if e.AfterReview {
		return fmt.Sprintf("%d file(s) changed after the review, so nothing was written (run the wizard again to review them, or use --force to replace them anyway, keeping backups): %s",
			len(e.Paths), strings.Join(e.Paths, ", "))
	}
	return fmt.Sprintf("%d existing file(s) differ from the plan and were left alone (use --force to replace them, keeping backups): %s",
		len(e.Paths), strings.Join(e.Paths, ", "))
}

// changedSince names the changed files (now) that a review did not show
// as changed, or showed at another size (seen): their contents are not
// what the person saw. Folders made and modes fixed since do not count:
// those lose nothing.
func changedSince(seen, now []Change) []string {
	was := make(map[string]Change, len(seen))
	for _, c := range seen {
		was[c.Path] = c
	}
	var moved []string
	for _, c := range now {
		if c.Status != StatusChanged {
			continue
		}
		if s, ok := was[c.Path]; !ok || s.Status != StatusChanged || s.OldSize != c.OldSize {
			moved = append(moved, c.Path)
		}
	}
	return moved
}

// PreflightError lists what stops the plan before its first write: names
// too long, folders this process may not write in, too little free space.
// Nothing was written.
type PreflightError struct {
	Problems []string
	// Denied: a folder may not be written in by this user (running as
	// root would help), as opposed to space or names.
	Denied bool
}

func (e *PreflightError) Error() string {
	return "cannot write here, so nothing was written: " + strings.Join(e.Problems, "; ")
}

// IncompleteError is a write that failed after others succeeded: it says
// which entries were written and which were not. Every entry is whole (old
// or new), and running the same answers again completes the setup.
type IncompleteError struct {
	Written, NotWritten []string
	Err                 error
}

func (e *IncompleteError) Error() string {
	return fmt.Sprintf("%v; %d of %d entries were written before it failed", e.Err, len(e.Written), len(e.Written)+len(e.NotWritten))
}

func (e *IncompleteError) Unwrap() error { return e.Err }

// Apply makes fsys match the plan. It is the only code in prosody-wizard that
// writes. Before the first write it checks names, free space and
// permissions; then it makes the folders, then writes private keys before
// the certificates that go with them (see File.First), then the rest. Each
// file goes to a temporary name in its folder, is synced, given its mode and
// owner, then renamed into place, and its folder synced, so it is either
// entirely old or entirely new, also after a power cut. Existing folders
// and preserved entries such as the data folder are never modified.
// Without Force, a file that exists with other contents stops Apply before
// anything is written. On a safeio.Tree nothing is ever read or written
// through a link.
func Apply(fsys afero.Fs, p Plan, opt ApplyOptions) (Result, error) {
	changes, err := Compare(fsys, p)
	if err != nil {
		return Result{}, err
	}
	if !opt.Force {
		var conflicts []string
		for _, c := range changes {
			if c.Status == StatusChanged {
				conflicts = append(conflicts, c.Path)
			}
		}
		if opt.Reviewed != nil {
			conflicts = changedSince(opt.Reviewed, changes)
		}
		if len(conflicts) > 0 {
			for i := range conflicts {
				conflicts[i] = shown(opt.Root, conflicts[i])
			}
			return Result{}, &ConflictError{Paths: conflicts, AfterReview: opt.Reviewed != nil}
		}
	}
	if err := preflight(fsys, changes, opt); err != nil {
		return Result{}, err
	}
	var r Result
	// The output folder itself (BasePathFs maps "/" to it).
	if err := fsys.MkdirAll("/", 0o755); err != nil {
		return r, err
	}
	removeStaleTemps(fsys, p)
	stamp := opt.Now.UTC().Format(backupStamp)
	slices.SortStableFunc(changes, func(a, b Change) int { return writeRank(a) - writeRank(b) })
	for i, c := range changes {
		if err := applyOne(fsys, c, stamp, opt, &r); err != nil {
			var rest []string
			for _, c := range changes[i:] {
				if c.Status != StatusSame || c.ModeOnly {
					rest = append(rest, c.Path)
				}
			}
			return r, &IncompleteError{Written: slices.Clone(r.Written), NotWritten: rest, Err: err}
		}
	}
	return r, nil
}

// writeRank orders the work: folders, then files written first (private
// keys), then the rest; the plan's path order within each.
func writeRank(c Change) int {
	switch {
	case c.IsDir():
		return 0
	case c.First:
		return 1
	}
	return 2
}

// applyOne brings one entry to its planned state.
func applyOne(fsys afero.Fs, c Change, stamp string, opt ApplyOptions, r *Result) error {
	switch {
	case c.Status == StatusSame && !c.ModeOnly:
		r.Unchanged = append(r.Unchanged, c.Path)
		return nil
	case c.Status == StatusSame:
		if err := fsys.Chmod(c.Path, c.Mode.Perm()); err != nil {
			return err
		}
	case c.IsDir():
		if err := mkdirAll755(fsys, path.Dir(c.Path)); err != nil {
			return err
		}
		if err := fsys.MkdirAll(c.Path, c.Mode.Perm()); err != nil {
			return err
		}
		// Mkdir is subject to the umask; set the planned mode exactly.
		if err := fsys.Chmod(c.Path, c.Mode.Perm()); err != nil {
			return err
		}
		if err := syncDir(fsys, path.Dir(c.Path)); err != nil {
			return err
		}
	default:
		if c.Status == StatusChanged {
			bak, err := backup(fsys, c.Path, stamp, opt.BackupDir)
			if err != nil {
				return fmt.Errorf("back up %s: %w", shown(opt.Root, c.Path), err)
			}
			r.Backups = append(r.Backups, bak)
		}
		if err := writeAtomic(fsys, c.File, r, opt.Root); err != nil {
			return fmt.Errorf("write %s: %w", shown(opt.Root, c.Path), err)
		}
		r.Written = append(r.Written, c.Path)
		return nil
	}
	if !tryChown(fsys, c.Path, c.UID, c.GID) {
		r.Chowns = append(r.Chowns, chownCommand(opt.Root, c.Path, c.UID, c.GID))
	}
	r.Written = append(r.Written, c.Path)
	return nil
}

// Temporary files are named tempPrefix + 12 hex digits, whatever the file
// they stand for, so that their names are never longer than the final ones
// allow and a re-run finds the leftovers of a killed one.
const (
	tempPrefix  = ".prosody-wizard.tmp-"
	tempNameLen = len(tempPrefix) + 12
	backupStamp = "20060102T150405Z"
	// backupSuffixMax is the longest suffix a backup name adds:
	// ".bak.<stamp>.<n>" with n below 1000.
	backupSuffixMax = len(".bak.") + len(backupStamp) + len(".999")
	// nameMax and pathMax are Linux's limits on a file name and a path.
	nameMax = 255
	pathMax = 4095
)

// writeAtomic writes f to a temporary file beside its target, syncs it,
// sets mode and owner, renames it into place and syncs the folder, so that
// the rename survives a power cut.
func writeAtomic(fsys afero.Fs, f File, r *Result, root string) error {
	return writeAtomicFrom(fsys, f, bytes.NewReader(f.Data), r, root)
}

func writeAtomicFrom(fsys afero.Fs, f File, data io.Reader, r *Result, root string) error {
	dir := path.Dir(f.Path)
	if err := mkdirAll755(fsys, dir); err != nil {
		return err
	}
	tmp, err := safeio.CreateNew(fsys, dir, tempPrefix, "", data)
	if err != nil {
		return err
	}
	err = fsys.Chmod(tmp, f.Mode.Perm())
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
	// Only a synced folder keeps the new name after a power cut; a key
	// renamed into place must stay there before its certificate is, and a
	// backup before the file it saves is replaced.
	return syncDir(fsys, dir)
}

// syncDir syncs the folder dir, so that the names created, renamed or
// removed in it are on disk. It opens dir through fsys: on a safeio.Tree
// or an OsFs that is the folder's own descriptor, whose Sync is fsync; on a
// MemMapFs Sync does nothing. Filesystems that cannot sync a folder
// (EINVAL, ENOTSUP), and a folder the process may write but not read, are
// left as they are: nothing more can be done there.
func syncDir(fsys afero.Fs, dir string) error {
	d, err := fsys.Open(dir)
	if errors.Is(err, fs.ErrPermission) {
		return nil
	}
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP) {
		return nil
	}
	return err
}

// mkdirAll755 creates dir and its missing parents with mode 0755 exactly
// (not a planned child's mode, nor the umask's), so that folders the plan
// does not list, such as var and var/lib above a host's data folder, let
// prosody through. Each parent is synced after a folder is made in it.
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
	if err := fsys.Chmod(dir, 0o755); err != nil {
		return err
	}
	return syncDir(fsys, path.Dir(dir))
}

// backup copies the current file to NAME.bak.<stamp> (NAME.bak.<stamp>.N if
// that exists), beside it or under dir, atomically, with the original's
// mode and owner, and returns the backup's path. It streams the copy, so a
// large file is not held in memory.
func backup(fsys afero.Fs, p, stamp, dir string) (string, error) {
	src, err := fsys.Open(p)
	if err != nil {
		return "", err
	}
	defer src.Close()
	info, err := src.Stat()
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
		} else if err != nil {
			return "", err
		}
		bak = fmt.Sprintf("%s.bak.%s.%d", base, stamp, n)
	}
	f := File{Path: bak, Mode: info.Mode().Perm(), UID: -1, GID: -1}
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		f.UID, f.GID = int(st.Uid), int(st.Gid)
	}
	var r Result
	if err := writeAtomicFrom(fsys, f, src, &r, ""); err != nil {
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

// removeStaleTemps deletes temporary files that an interrupted run left in
// the folders it was writing in (.prosody-wizard.tmp-XXXX, and the
// .NAME.tmp-XXXX and .NAME.bak.STAMP.tmp-XXXX names of earlier versions);
// they were never renamed into place, so nothing depends on them.
func removeStaleTemps(fsys afero.Fs, p Plan) {
	dirs := map[string]bool{}
	for _, f := range p.Files {
		if f.IsDir() {
			continue
		}
		dir, name := path.Split(f.Path)
		var stale []string
		if !dirs[dir] {
			dirs[dir] = true
			stale, _ = afero.Glob(fsys, path.Join(dir, tempPrefix+"*"))
		}
		old, _ := afero.Glob(fsys, path.Join(dir, "."+name+".tmp-*"))
		backups, _ := afero.Glob(fsys, path.Join(dir, "."+name+".bak.*.tmp-*"))
		for _, t := range slices.Concat(stale, old, backups) {
			_ = fsys.Remove(t)
		}
	}
}
