package scaffold

import (
	"bytes"
	"fmt"
	"path"
	"regexp"
	"strings"
	"unicode/utf8"

	udiff "github.com/aymanbagabas/go-udiff"
	"github.com/spf13/afero"

	"prosody-wizard/safeio"
)

// Diff describes how a changed file would change: a unified diff for text,
// with secret values masked, or one line for keys, certificates and other
// binary data. It returns "" for new and unchanged files.
func Diff(fsys afero.Fs, c Change) string {
	if c.Status != StatusChanged || c.IsDir() {
		return ""
	}
	if c.OldSize > maxDiffed {
		return fmt.Sprintf("%s: changed (%d → %d bytes; too large to show)\n", c.Path, c.OldSize, len(c.Data))
	}
	old, err := safeio.ReadRegular(fsys, c.Path, maxDiffed)
	if err != nil {
		return fmt.Sprintf("%s: cannot read the current file: %v\n", c.Path, err)
	}
	switch ext := path.Ext(c.Path); {
	case ext == ".key":
		return fmt.Sprintf("%s: private key replaced (contents not shown)\n", c.Path)
	case ext == ".crt" || bytes.Contains(old, []byte("-----BEGIN CERTIFICATE-----")):
		return fmt.Sprintf("%s: certificate replaced\n", c.Path)
	case !isText(old) || !isText(c.Data):
		return fmt.Sprintf("%s: binary file changed (%d → %d bytes)\n", c.Path, len(old), len(c.Data))
	}
	// Diff the real texts (a changed secret is a change), then mask.
	return maskSecrets(udiff.Unified("a/"+c.Path, "b/"+c.Path, string(old), string(c.Data)))
}

// maxDiffed is the largest current file a diff reads.
const maxDiffed = 1 << 20

func isText(b []byte) bool { return utf8.Valid(b) && !bytes.Contains(b, []byte{0}) }

// secretLine matches the lines that carry secrets in what we write:
// passwords and secrets in prosody.cfg.lua, variables in .env, coturn's
// static-auth-secret.
var secretLine = regexp.MustCompile(`(?m)^([-+ ]?\s*(?:password|turn_external_secret|static-auth-secret|[A-Z_]*(?:PASSWORD|SECRET))\s*[=:]\s*"?)([^";\s]+)`)

// maskSecrets replaces secret values with ***, in files or in diff lines
// (which start with -, + or a space), so that diffs can be shown.
func maskSecrets(s string) string {
	return secretLine.ReplaceAllStringFunc(s, func(m string) string {
		sub := secretLine.FindStringSubmatch(m)
		if strings.HasPrefix(sub[2], "ENV_") || strings.HasPrefix(sub[2], "$") {
			return m // a reference to the environment, not a secret
		}
		return sub[1] + "***"
	})
}
