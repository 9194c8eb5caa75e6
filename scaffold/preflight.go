package scaffold

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"syscall"

	"github.com/spf13/afero"
)

// What Apply asks of a filesystem before writing, where it can tell
// (safeio.Tree can; memory filesystems cannot, and are not checked).
type (
	freeSpacer interface {
		Free(dir string) (uint64, error)
	}
	writabler interface {
		Writable(dir string) error
	}
	absPather interface {
		Abs(name string) string
	}
)

// blockSize is what a file or folder costs at least on disk; planned
// bytes are rounded up to it.
const blockSize = 4096

// preflight checks, before the first write, everything that would make
// Apply stop halfway: a name or path longer than Linux allows (with the
// temporary and backup names Apply uses), a folder this process may not
// write in, and too little free space for the planned bytes and backups.
func preflight(fsys afero.Fs, changes []Change, opt ApplyOptions) error {
	var problems []string
	denied := false
	type volume struct {
		dir  string // a folder on it, for Free
		need uint64
	}
	volumes := map[uint64]*volume{}
	checked := map[string]bool{}
	for _, c := range changes {
		if c.Status == StatusSame && !c.ModeOnly {
			continue
		}
		problems = append(problems, nameProblems(fsys, c, opt)...)
		if c.Status == StatusSame {
			continue // only its mode or owner changes
		}
		// The nearest folder that exists is where the first new entry goes.
		dir, dev, err := nearestDir(fsys, path.Dir(c.Path))
		if err != nil {
			return err
		}
		if w, ok := fsys.(writabler); ok && !checked[dir] {
			checked[dir] = true
			if err := w.Writable(dir); err != nil {
				problems = append(problems, err.Error())
				denied = denied || errors.Is(err, fs.ErrPermission)
			}
		}
		v := volumes[dev]
		if v == nil {
			v = &volume{dir: dir}
			volumes[dev] = v
		}
		v.need += roundUp(uint64(len(c.Data)))
		if c.Status == StatusChanged {
			v.need += roundUp(uint64(c.OldSize)) // the backup
		}
	}
	if fr, ok := fsys.(freeSpacer); ok {
		for _, v := range volumes {
			free, err := fr.Free(v.dir)
			if err != nil {
				return err
			}
			if free < v.need {
				problems = append(problems, fmt.Sprintf("%s has %s free, and the setup needs %s there; free some space, or choose another folder with --out",
					shown(opt.Root, v.dir), kib(free), kib(v.need)))
			}
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return &PreflightError{Problems: problems, Denied: denied}
	}
	return nil
}

// nameProblems checks that c's path, and the temporary and backup names
// Apply makes for it, fit Linux's limits.
func nameProblems(fsys afero.Fs, c Change, opt ApplyOptions) []string {
	var problems []string
	longest := ""
	for _, part := range strings.Split(c.Path, "/") {
		if len(part) > len(longest) {
			longest = part
		}
	}
	extra := 0
	if c.Status == StatusChanged && !c.IsDir() {
		extra = backupSuffixMax
	}
	if len(longest)+extra > nameMax {
		problems = append(problems, fmt.Sprintf("%s: the name %q is %d bytes long; file names may have at most %d bytes (%d with the backup suffix)",
			shown(opt.Root, c.Path), shorten(longest), len(longest), nameMax, nameMax-extra))
	}
	full := c.Path
	if a, ok := fsys.(absPather); ok {
		full = a.Abs(c.Path)
	}
	backupDir := ""
	if extra > 0 && opt.BackupDir != "" {
		backupDir = opt.BackupDir + "/"
	}
	if n := len(backupDir) + len(full) + max(extra, tempNameLen); n > pathMax {
		problems = append(problems, fmt.Sprintf("%s: the path is %d bytes long; paths may have at most %d bytes", shown(opt.Root, shorten(c.Path)), n, pathMax))
	}
	return problems
}

// nearestDir returns dir or its nearest existing parent, and the device it
// is on (0 where the filesystem does not say).
func nearestDir(fsys afero.Fs, dir string) (string, uint64, error) {
	for {
		info, err := fsys.Stat(dir)
		switch {
		case err == nil && info.IsDir():
			var dev uint64
			if st, ok := info.Sys().(*syscall.Stat_t); ok {
				dev = st.Dev
			}
			return dir, dev, nil
		case err == nil:
			return "", 0, fmt.Errorf("%s: want a folder, but a file is there", dir)
		case !errors.Is(err, fs.ErrNotExist):
			return "", 0, err
		}
		if dir == "." || dir == "/" {
			return dir, 0, nil
		}
		dir = path.Dir(dir)
	}
}

func roundUp(n uint64) uint64 { return (n/blockSize + 1) * blockSize }

func kib(n uint64) string {
	if n >= 10<<20 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d KiB", n>>10)
}

// shorten keeps long names readable in messages.
func shorten(s string) string {
	r := []rune(s)
	if len(r) <= 60 {
		return s
	}
	return string(r[:40]) + "…" + string(r[len(r)-12:])
}
