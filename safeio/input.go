package safeio

import (
	"fmt"
	"io"
	"os"
	"syscall"

	"github.com/spf13/afero"
)

// MaxInput is the largest input prosody-wizard reads: answers files,
// certificate chains and keys are a few kilobytes.
const MaxInput = 1 << 20

// InputError says why an input was not read.
type InputError struct {
	Path   string
	Reason string
}

func (e *InputError) Error() string { return e.Path + " " + e.Reason }

// ReadRegular reads name from fsys only if it is a regular file of at most
// limit bytes. It follows links (inputs are the person's own paths) but
// opens without blocking, so a FIFO without a writer, /dev/zero or a
// terminal is refused at once instead of hanging or filling memory.
func ReadRegular(fsys afero.Fs, name string, limit int64) ([]byte, error) {
	f, err := fsys.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, &InputError{Path: name, Reason: fmt.Sprintf("is %s; give a regular file", Kind(info.Mode()))}
	}
	if info.Size() > limit {
		return nil, &InputError{Path: name, Reason: tooLarge(info.Size(), limit)}
	}
	return ReadLimited(f, name, limit)
}

// ReadLimited reads r to its end, refusing more than limit bytes (for
// standard input, or a file that grows while it is read).
func ReadLimited(r io.Reader, name string, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, &InputError{Path: name, Reason: tooLarge(-1, limit)}
	}
	return data, nil
}

func tooLarge(size, limit int64) string {
	if size < 0 {
		return fmt.Sprintf("is larger than %d KiB, the most prosody-wizard reads", limit>>10)
	}
	return fmt.Sprintf("is %d bytes, larger than %d KiB, the most prosody-wizard reads", size, limit>>10)
}
