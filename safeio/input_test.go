package safeio

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/afero"
)

func TestReadRegular(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "cert.pem")
	if err := os.WriteFile(file, []byte("pem"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(file, filepath.Join(dir, "link.pem")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "big"), make([]byte, 2048), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path string
		want       string // "" = read; else a substring of the error
	}{
		{"regular file", file, ""},
		{"a link to one", filepath.Join(dir, "link.pem"), ""},
		{"FIFO without a writer", filepath.Join(dir, "fifo"), "is a FIFO (named pipe); give a regular file"},
		{"endless device", "/dev/zero", "is a character device; give a regular file"},
		{"folder", dir, "is a folder; give a regular file"},
		{"too large", filepath.Join(dir, "big"), "is 2048 bytes, larger than 1 KiB"},
		{"missing", filepath.Join(dir, "nope"), "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			done := make(chan struct{})
			var data []byte
			var err error
			go func() { data, err = ReadRegular(afero.NewOsFs(), tc.path, 1024); close(done) }()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("ReadRegular blocked")
			}
			if tc.want == "" {
				if err != nil || len(data) == 0 {
					t.Fatalf("got %q, %v", data, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want an error with %q, got %v", tc.want, err)
			}
		})
	}
}

func TestReadLimited(t *testing.T) {
	if _, err := ReadLimited(strings.NewReader(strings.Repeat("x", 11)), "-", 10); err == nil {
		t.Fatal("11 bytes read with a limit of 10")
	}
	var ie *InputError
	if _, err := ReadLimited(endless{}, "standard input", 1<<10); !errors.As(err, &ie) {
		t.Fatalf("an endless stream: %v", err)
	}
	if got, err := ReadLimited(strings.NewReader("abc"), "-", 3); err != nil || string(got) != "abc" {
		t.Fatalf("got %q, %v", got, err)
	}
}

type endless struct{}

func (endless) Read(p []byte) (int, error) { return len(p), nil }
