package safeio

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// BusyError says another run holds the folder's lock.
type BusyError struct {
	Path string
	Wait time.Duration
}

func (e *BusyError) Error() string {
	return fmt.Sprintf("another prosody-wizard run is writing to %s (waited %s); try again when it has finished", e.Path, e.Wait.Round(time.Second))
}

// lockPoll is how often a waiting Lock tries again.
const lockPoll = 50 * time.Millisecond

// Lock takes the folder's advisory lock (flock on the folder itself, so no
// lock file is left behind, and the same folder reached by another path
// shares it). When another run holds it, waiting is called once and Lock
// tries again until wait has passed, then returns a *BusyError. The lock is
// released by Close, or when the process ends, however it ends.
func (t *Tree) Lock(wait time.Duration, waiting func()) error {
	fd := int(t.root.Fd())
	deadline := time.Now().Add(wait)
	for told := false; ; {
		err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) {
			return fmt.Errorf("lock %s: %w", t.abs, err)
		}
		if !time.Now().Before(deadline) {
			return &BusyError{Path: t.abs, Wait: wait}
		}
		if !told && waiting != nil {
			waiting()
			told = true
		}
		time.Sleep(min(lockPoll, time.Until(deadline)))
	}
}
