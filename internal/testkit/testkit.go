// Package testkit holds what several packages' tests share: the built
// binary, a buffer one goroutine writes while another reads, a bounded
// wait, and a line diff. Only tests import it.
package testkit

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var binary struct {
	once sync.Once
	path string
	err  error
}

// Binary builds prosody-wizard (the module's root package, at root
// relative to the calling test's folder) once per test process and returns
// its path. Call RemoveBinary when the tests are done (TestMain).
func Binary(t testing.TB, root string) string {
	t.Helper()
	binary.once.Do(func() {
		dir, err := os.MkdirTemp("", "pw-bin-")
		if err != nil {
			binary.err = err
			return
		}
		binary.path = filepath.Join(dir, "prosody-wizard")
		out, err := exec.Command("go", "build", "-o", binary.path, root).CombinedOutput()
		if err != nil {
			binary.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binary.err != nil {
		t.Fatal(binary.err)
	}
	return binary.path
}

// RemoveBinary removes what Binary built.
func RemoveBinary() {
	if binary.path != "" {
		os.RemoveAll(filepath.Dir(binary.path))
	}
}

// SyncBuffer is a buffer one goroutine writes (a process's output) while
// another reads it.
type SyncBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// WaitUntil polls done every 20 ms until it is true or limit has passed,
// and reports which.
func WaitUntil(limit time.Duration, done func() bool) bool {
	for deadline := time.Now().Add(limit); ; time.Sleep(20 * time.Millisecond) {
		if done() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

// WaitFor polls check until it reports done, for at most limit; the error
// shows what check last saw.
func WaitFor(limit time.Duration, check func() (bool, string)) error {
	var last string
	if !WaitUntil(limit, func() bool {
		var done bool
		done, last = check()
		return done
	}) {
		return fmt.Errorf("not within %v; last seen:\n%s", limit, last)
	}
	return nil
}

// ChangedLines diffs two files by lines (a longest common subsequence) and
// returns the 0-based indexes of the lines only a has and of those only b
// has, blank lines left out.
func ChangedLines(a, b []string) (gone, added []int) {
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	blank := func(s string) bool { return strings.TrimSpace(s) == "" }
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			i, j = i+1, j+1
		case j == len(b) || i < len(a) && lcs[i+1][j] >= lcs[i][j+1]:
			if !blank(a[i]) {
				gone = append(gone, i)
			}
			i++
		default:
			if !blank(b[j]) {
				added = append(added, j)
			}
			j++
		}
	}
	return gone, added
}
