package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/afero"

	"prosody-wizard/safeio"
	"prosody-wizard/scaffold"
)

// lockWait bounds how long a run waits for another run on the same output
// folder before giving up; tests shorten it.
var lockWait = 30 * time.Second

// withView calls fn with a read-only view of the output folder in which no
// link below the folder is followed (a safeio.Tree), or an empty one when
// the folder does not exist yet.
func withView[T any](out string, fn func(afero.Fs) (T, error)) (T, error) {
	tree, err := safeio.OpenTree(out)
	if errors.Is(err, fs.ErrNotExist) {
		// Not even the folder itself exists there.
		return fn(afero.NewReadOnlyFs(afero.NewBasePathFs(afero.NewMemMapFs(), "/missing")))
	}
	if err != nil {
		var zero T
		return zero, err
	}
	defer tree.Close()
	return fn(afero.NewReadOnlyFs(tree))
}

// outputLock is the output folder opened for writing: created when missing
// (as the person typed it, links in that path included), and locked against
// other runs until release.
type outputLock struct {
	*safeio.Tree
	created []string // folders made for it, deepest last
}

// lockOutput creates out if it is missing, opens it and takes its lock,
// waiting up to lockWait for another run and saying so on stderr.
func lockOutput(out string, stderr io.Writer) (*outputLock, error) {
	abs, err := filepath.Abs(out)
	if err != nil {
		return nil, err
	}
	l := &outputLock{}
	var missing []string
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil || d == filepath.Dir(d) {
			break
		}
		missing = append([]string{d}, missing...)
	}
	for _, d := range missing {
		if err := os.Mkdir(d, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			l.removeCreated()
			return nil, err
		}
		l.created = append(l.created, d)
	}
	if l.Tree, err = safeio.OpenTree(abs); err != nil {
		l.removeCreated()
		return nil, err
	}
	err = l.Lock(lockWait, func() {
		fmt.Fprintf(stderr, "prosody-wizard: another prosody-wizard run is writing to %s; waiting up to %s for it to finish…\n", displayDir(out), lockWait)
	})
	if err != nil {
		l.release(false)
		return nil, err
	}
	return l, nil
}

// release unlocks the folder; when nothing was written, the folders made
// for it are removed again (only if still empty).
func (l *outputLock) release(wrote bool) {
	l.Close()
	if !wrote {
		l.removeCreated()
	}
}

func (l *outputLock) removeCreated() {
	for i := len(l.created) - 1; i >= 0; i-- {
		_ = os.Remove(l.created[i])
	}
}

// applyLocked writes the plan into the locked folder; reviewed are the
// changes the wizard's review showed (nil for --answers; see
// scaffold.ApplyOptions.Reviewed).
func applyLocked(l *outputLock, out string, plan scaffold.Plan, o options, reviewed []scaffold.Change) (scaffold.Result, error) {
	return scaffold.Apply(l.Tree, plan, scaffold.ApplyOptions{Force: o.force, Now: time.Now(), Root: displayDir(out), BackupDir: o.backupDir, Reviewed: reviewed})
}

// displayDir names the output folder in messages: by its absolute path when
// it is the current folder, which "." would not name.
func displayDir(out string) string {
	if c := filepath.Clean(out); c == "." || out == "" {
		if abs, err := filepath.Abs("."); err == nil {
			return abs
		}
	}
	return out
}
