package safeio

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"

	"github.com/spf13/afero"
)

// CreateNew writes data to a new file in dir on fsys, named prefix, 12
// random hex digits and suffix, mode 0600, and syncs it. The file is
// created with O_EXCL, so nothing already there is overwritten or followed
// (another name is tried); on a Tree no link on the way is followed
// either. On failure the file is removed. It returns the file's path on
// fsys.
func CreateNew(fsys afero.Fs, dir, prefix, suffix string, data io.Reader) (string, error) {
	for range 10 {
		var b [6]byte
		if _, err := rand.Read(b[:]); err != nil {
			return "", err
		}
		name := path.Join(dir, prefix+hex.EncodeToString(b[:])+suffix)
		f, err := fsys.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		_, err = io.Copy(f, data)
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			_ = fsys.Remove(name)
			return "", err
		}
		return name, nil
	}
	return "", errors.New("no free name for a new file in " + dir)
}
