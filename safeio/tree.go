// Package safeio holds prosody-wizard's defences for running as root in
// folders other people made: Tree, an output folder in which no path is ever
// resolved through a symbolic link, and ReadRegular, which reads an input
// only when it is a regular file of a bounded size (never a FIFO that blocks,
// nor /dev/zero).
package safeio

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/afero"
	"golang.org/x/sys/unix"
)

// Tree is an output folder as an afero.Fs. Paths are slash-separated and
// relative to the folder ("/" and "." are the folder itself). Every
// component below the folder is opened with O_NOFOLLOW, one at a time from
// the folder's own descriptor (openat), so a symbolic link anywhere below it,
// even one swapped in between a check and a use, stops the operation with a
// *LinkError instead of being followed. The folder itself was opened as the
// person named it, links included. Opening never blocks on a FIFO.
type Tree struct {
	root *os.File
	abs  string
}

// OpenTree opens the folder dir (following links in dir itself, which the
// person typed).
func OpenTree(dir string) (*Tree, error) {
	abs, err := absPath(dir)
	if err != nil {
		return nil, err
	}
	fd, err := unix.Open(abs, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: abs, Err: err}
	}
	return &Tree{root: os.NewFile(uintptr(fd), abs), abs: abs}, nil
}

func absPath(dir string) (string, error) {
	if dir == "" {
		dir = "."
	}
	if path.IsAbs(dir) {
		return path.Clean(dir), nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	return path.Join(wd, dir), nil
}

// Close releases the folder (and its lock).
func (t *Tree) Close() error { return t.root.Close() }

// Path is the folder's absolute path.
func (t *Tree) Path() string { return t.abs }

// Name implements afero.Fs.
func (t *Tree) Name() string { return "safeio.Tree" }

// LinkError is a symbolic link met below the output folder.
type LinkError struct {
	Path   string // absolute path of the link
	Target string // what it points to
}

func (e *LinkError) Error() string {
	return fmt.Sprintf("%s is a symbolic link (to %s); prosody-wizard never reads or writes through links below the output folder: remove the link, or choose another folder with --out", e.Path, strconv.Quote(e.Target))
}

// OddFileError is something other than a regular file or a folder where a
// file or folder is expected (a FIFO, a socket, a device).
type OddFileError struct {
	Path string
	Kind string
}

func (e *OddFileError) Error() string {
	return fmt.Sprintf("%s is %s, not a regular file or folder; remove it, or choose another folder with --out", e.Path, e.Kind)
}

// Kind names a file type for messages ("a FIFO", "a folder"…).
func Kind(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return "a regular file"
	case m.IsDir():
		return "a folder"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO (named pipe)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	}
	return "an unknown kind of file"
}

// split cleans name into its components below the folder; an empty list is
// the folder itself. ".." cannot climb out: Clean of "/"+name removes it.
func split(name string) []string {
	c := path.Clean("/" + name)
	if c == "/" {
		return nil
	}
	return strings.Split(c[1:], "/")
}

func (t *Tree) show(parts []string) string {
	return path.Join(append([]string{t.abs}, parts...)...)
}

// dir opens the folder made of parts, each component without following
// links. The caller closes the descriptor (never the root's own).
func (t *Tree) dir(parts []string) (int, error) {
	fd, err := unix.Dup(int(t.root.Fd()))
	if err != nil {
		return -1, err
	}
	for i, p := range parts {
		next, err := unix.Openat(fd, p, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
		if err != nil {
			err = t.explain(fd, parts[:i+1], "open", err)
			unix.Close(fd)
			return -1, err
		}
		unix.Close(fd)
		fd = next
	}
	return fd, nil
}

// explain turns an error from opening the last of parts in dirfd into a
// LinkError when a link is there, else a PathError.
func (t *Tree) explain(dirfd int, parts []string, op string, err error) error {
	name := parts[len(parts)-1]
	if errors.Is(err, unix.ELOOP) || errors.Is(err, unix.ENOTDIR) || errors.Is(err, unix.EMLINK) {
		var st unix.Stat_t
		if unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW) == nil && st.Mode&unix.S_IFMT == unix.S_IFLNK {
			buf := make([]byte, 4096)
			n, _ := unix.Readlinkat(dirfd, name, buf)
			return &LinkError{Path: t.show(parts), Target: string(buf[:max(n, 0)])}
		}
	}
	return &fs.PathError{Op: op, Path: t.show(parts), Err: err}
}

// parent opens the folder holding name and returns it with name's last
// component. The folder itself has no parent here.
func (t *Tree) parent(op, name string) (int, []string, error) {
	parts := split(name)
	if len(parts) == 0 {
		return -1, nil, &fs.PathError{Op: op, Path: t.abs, Err: fs.ErrInvalid}
	}
	fd, err := t.dir(parts[:len(parts)-1])
	return fd, parts, err
}

// OpenFile opens name without following a link at any component and
// without blocking on a FIFO; only regular files and folders open.
func (t *Tree) OpenFile(name string, flag int, perm os.FileMode) (afero.File, error) {
	parts := split(name)
	if len(parts) == 0 {
		// A descriptor of its own (a dup would share the folder's read
		// offset between every Readdir).
		fd, err := unix.Openat(int(t.root.Fd()), ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: t.abs, Err: err}
		}
		return os.NewFile(uintptr(fd), t.abs), nil
	}
	dirfd, err := t.dir(parts[:len(parts)-1])
	if err != nil {
		return nil, err
	}
	defer unix.Close(dirfd)
	fd, err := unix.Openat(dirfd, parts[len(parts)-1], flag|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_NONBLOCK, uint32(perm.Perm()))
	if err != nil {
		return nil, t.explain(dirfd, parts, "open", err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, err
	}
	if m := st.Mode & unix.S_IFMT; m != unix.S_IFREG && m != unix.S_IFDIR {
		unix.Close(fd)
		return nil, &OddFileError{Path: t.show(parts), Kind: Kind(modeOf(st.Mode))}
	}
	// Reads and writes of a regular file or a folder never block; clear
	// the flag so that os.File treats the descriptor as an ordinary one.
	if err := unix.SetNonblock(fd, false); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return os.NewFile(uintptr(fd), t.show(parts)), nil
}

// Open opens name for reading.
func (t *Tree) Open(name string) (afero.File, error) { return t.OpenFile(name, os.O_RDONLY, 0) }

// Create creates or truncates name.
func (t *Tree) Create(name string) (afero.File, error) {
	return t.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o666)
}

// Stat describes name itself: a link is a *LinkError, never followed.
func (t *Tree) Stat(name string) (os.FileInfo, error) {
	parts := split(name)
	if len(parts) == 0 {
		return t.root.Stat()
	}
	dirfd, err := t.dir(parts[:len(parts)-1])
	if err != nil {
		return nil, err
	}
	defer unix.Close(dirfd)
	fd, err := unix.Openat(dirfd, parts[len(parts)-1], unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "stat", Path: t.show(parts), Err: err}
	}
	f := os.NewFile(uintptr(fd), parts[len(parts)-1])
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if info.Mode()&fs.ModeSymlink != 0 {
		return nil, t.explain(dirfd, parts, "stat", unix.ELOOP)
	}
	return info, nil
}

// LstatIfPossible implements afero.Lstater: Stat never follows links.
func (t *Tree) LstatIfPossible(name string) (os.FileInfo, bool, error) {
	info, err := t.Stat(name)
	return info, true, err
}

// Mkdir makes one folder; its parent must exist.
func (t *Tree) Mkdir(name string, perm os.FileMode) error {
	dirfd, parts, err := t.parent("mkdir", name)
	if err != nil {
		return err
	}
	defer unix.Close(dirfd)
	if err := unix.Mkdirat(dirfd, parts[len(parts)-1], uint32(perm.Perm())); err != nil {
		return &fs.PathError{Op: "mkdir", Path: t.show(parts), Err: err}
	}
	return nil
}

// MkdirAll makes name and its missing parents; an existing component that
// is a link or not a folder stops it.
func (t *Tree) MkdirAll(name string, perm os.FileMode) error {
	parts := split(name)
	for i := range parts {
		err := t.Mkdir(path.Join(parts[:i+1]...), perm)
		if err == nil || errors.Is(err, fs.ErrExist) {
			continue
		}
		return err
	}
	// Every component must now be a folder reached without links.
	fd, err := t.dir(parts)
	if err != nil {
		return err
	}
	return unix.Close(fd)
}

// Remove removes a file or an empty folder (a link itself, never its
// target).
func (t *Tree) Remove(name string) error {
	dirfd, parts, err := t.parent("remove", name)
	if err != nil {
		return err
	}
	defer unix.Close(dirfd)
	last := parts[len(parts)-1]
	err = unix.Unlinkat(dirfd, last, 0)
	if errors.Is(err, unix.EISDIR) {
		err = unix.Unlinkat(dirfd, last, unix.AT_REMOVEDIR)
	}
	if err != nil {
		return &fs.PathError{Op: "remove", Path: t.show(parts), Err: err}
	}
	return nil
}

// RemoveAll is not offered: prosody-wizard never removes trees.
func (t *Tree) RemoveAll(name string) error {
	return &fs.PathError{Op: "removeall", Path: t.show(split(name)), Err: errors.ErrUnsupported}
}

// Rename moves oldname to newname within the folder (renameat: a link at
// newname is replaced, not followed).
func (t *Tree) Rename(oldname, newname string) error {
	oldfd, oldparts, err := t.parent("rename", oldname)
	if err != nil {
		return err
	}
	defer unix.Close(oldfd)
	newfd, newparts, err := t.parent("rename", newname)
	if err != nil {
		return err
	}
	defer unix.Close(newfd)
	if err := unix.Renameat(oldfd, oldparts[len(oldparts)-1], newfd, newparts[len(newparts)-1]); err != nil {
		return &os.LinkError{Op: "rename", Old: t.show(oldparts), New: t.show(newparts), Err: err}
	}
	return nil
}

// pin opens name as an O_PATH descriptor without following links, so that
// Chmod and Chown act on that very inode.
func (t *Tree) pin(op, name string) (int, []string, error) {
	parts := split(name)
	if len(parts) == 0 {
		fd, err := unix.Dup(int(t.root.Fd()))
		return fd, parts, err
	}
	dirfd, err := t.dir(parts[:len(parts)-1])
	if err != nil {
		return -1, nil, err
	}
	defer unix.Close(dirfd)
	fd, err := unix.Openat(dirfd, parts[len(parts)-1], unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, nil, &fs.PathError{Op: op, Path: t.show(parts), Err: err}
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || st.Mode&unix.S_IFMT == unix.S_IFLNK {
		unix.Close(fd)
		if err != nil {
			return -1, nil, err
		}
		return -1, nil, t.explain(dirfd, parts, op, unix.ELOOP)
	}
	return fd, parts, nil
}

// Chmod sets name's permission bits (never a link's target's).
func (t *Tree) Chmod(name string, mode os.FileMode) error {
	fd, parts, err := t.pin("chmod", name)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	// fchmod does not take O_PATH descriptors; the /proc link reaches the
	// same inode the descriptor pins.
	if err := unix.Chmod("/proc/self/fd/"+strconv.Itoa(fd), uint32(mode.Perm())); err != nil {
		return &fs.PathError{Op: "chmod", Path: t.show(parts), Err: err}
	}
	return nil
}

// Chown sets name's owner (never a link's target's).
func (t *Tree) Chown(name string, uid, gid int) error {
	fd, parts, err := t.pin("chown", name)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if err := unix.Fchownat(fd, "", uid, gid, unix.AT_EMPTY_PATH); err != nil {
		return &fs.PathError{Op: "chown", Path: t.show(parts), Err: err}
	}
	return nil
}

// Chtimes sets name's times (never a link's target's).
func (t *Tree) Chtimes(name string, atime, mtime time.Time) error {
	fd, parts, err := t.pin("chtimes", name)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ts := []unix.Timespec{unix.NsecToTimespec(atime.UnixNano()), unix.NsecToTimespec(mtime.UnixNano())}
	if err := unix.UtimesNanoAt(unix.AT_FDCWD, "/proc/self/fd/"+strconv.Itoa(fd), ts, 0); err != nil {
		return &fs.PathError{Op: "chtimes", Path: t.show(parts), Err: err}
	}
	return nil
}

// Free is the space this process may still use on the filesystem holding
// the folder dir, in bytes.
func (t *Tree) Free(dir string) (uint64, error) {
	fd, err := t.dir(split(dir))
	if err != nil {
		return 0, err
	}
	defer unix.Close(fd)
	var st unix.Statfs_t
	if err := unix.Fstatfs(fd, &st); err != nil {
		return 0, err
	}
	return st.Bavail * uint64(st.Bsize), nil
}

// Writable reports why this process may not create files in the folder dir
// (a read-only filesystem, no permission), or nil.
func (t *Tree) Writable(dir string) error {
	parts := split(dir)
	fd, err := t.dir(parts)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if err := unix.Faccessat(fd, ".", unix.W_OK|unix.X_OK, unix.AT_EACCESS); err != nil {
		return &fs.PathError{Op: "write in", Path: t.show(parts), Err: err}
	}
	return nil
}

// Abs is the absolute path of name in the folder, for messages and length
// checks.
func (t *Tree) Abs(name string) string { return t.show(split(name)) }

func modeOf(m uint32) fs.FileMode {
	switch m & unix.S_IFMT {
	case unix.S_IFIFO:
		return fs.ModeNamedPipe
	case unix.S_IFSOCK:
		return fs.ModeSocket
	case unix.S_IFCHR:
		return fs.ModeDevice | fs.ModeCharDevice
	case unix.S_IFBLK:
		return fs.ModeDevice
	case unix.S_IFLNK:
		return fs.ModeSymlink
	case unix.S_IFDIR:
		return fs.ModeDir
	}
	return 0
}

var (
	_ afero.Fs      = (*Tree)(nil)
	_ afero.Lstater = (*Tree)(nil)
)
