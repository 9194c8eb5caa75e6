package scaffold

import (
	"bytes"
	"fmt"
	"path"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"

	udiff "github.com/aymanbagabas/go-udiff"
	"github.com/spf13/afero"

	"prosody-wizard/safeio"
)

// Diff describes how a changed file would change: a unified diff for text,
// with the plan's secrets masked wherever they occur (Plan.Secrets, old and
// new) and every value of a secret-carrying line masked too, or one line for
// keys, certificates and other binary data. It returns "" for new and
// unchanged files.
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
	case path.Dir(c.Path) == secretsDir:
		// A cluster's secret file is one value, no name before it for
		// the line rule to see: nothing of it is shown.
		return fmt.Sprintf("%s: secret replaced (contents not shown)\n", c.Path)
	case ext == ".crt" || bytes.Contains(old, []byte("-----BEGIN CERTIFICATE-----")):
		return fmt.Sprintf("%s: certificate replaced\n", c.Path)
	case !isText(old) || !isText(c.Data):
		return fmt.Sprintf("%s: binary file changed (%d → %d bytes)\n", c.Path, len(old), len(c.Data))
	}
	// Diff the real texts (a changed secret is a change), then mask.
	d := udiff.Unified("a/"+c.Path, "b/"+c.Path, string(old), string(c.Data))
	return maskSecretLines(c.Path, redact(redactor(c.secrets), d))
}

// maxDiffed is the largest current file a diff reads.
const maxDiffed = 1 << 20

func isText(b []byte) bool { return utf8.Valid(b) && !bytes.Contains(b, []byte{0}) }

// The line rule is the second defence, after masking by value: it hides the
// whole value of every line that assigns a password or secret, whatever it
// holds. It catches what the plan cannot know by value: a secret shorter
// than minMasked, and an old value the re-run readers cannot read back
// exactly (hand-edited: Lua in single quotes or concatenated, a .env value
// that interpolates), or one in a file of another deploy kind.

// secretLine matches the lines that carry secrets in what we write: the
// sql password and turn_external_secret in prosody.cfg.lua, PASSWORD and
// SECRET variables in .env and compose.yaml, coturn's static-auth-secret;
// in files or in diff lines (which start with -, + or a space). Group 2 is
// the value, to the end of the line: a secret may hold spaces and quotes.
// It is compiled on first use, not at package init.
var secretLine = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?m)^([-+ ]?[ \t]*(?:- )?(?:--)?(?:password|turn_external_secret|static-auth-secret|[A-Za-z_]*(?:PASSWORD|SECRET))[ \t]*[=:][ \t]*)(.*)$`)
})

// sqlSecretLine matches the command lines that create a database user
// (databaseAdmins): the password literal and everything after it, to the
// end of the line, is group 2.
var sqlSecretLine = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(.*? (?:LOGIN PASSWORD|IDENTIFIED BY) )(.*)$`)
})

// References to a secret kept elsewhere, shown as they are: Lua's
// ENV_NAME (only in Lua; in .env that text is a value), and compose's
// ${NAME}, ${NAME:?message} (the whole value, maybe in quotes).
// Compiled on first use too.
var (
	luaEnvRef = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^ENV_[A-Za-z0-9_]+[ \t]*[;,]?[ \t]*(?:--.*)?$`)
	})
	composeEnvRef = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^"?\$\{[A-Za-z_][A-Za-z0-9_]*(?::?[-?+][^}"]*)?\}"?[ \t]*(?:#.*)?$`)
	})
)

// maskSecretLines replaces every secret value in the text of the file at
// path (or in its diff) with ***, from the = or : to the end of the line.
// Only lines that name a password or secret as secretLine spells them are
// run through it: the wizard's preview masks whole files at every replan.
func maskSecretLines(path, s string) string {
	lua := strings.HasSuffix(path, ".lua")
	re := secretLine()
	mask := func(m string) string {
		sub := re.FindStringSubmatch(m)
		if lua && luaEnvRef().MatchString(sub[2]) || composeEnvRef().MatchString(sub[2]) {
			return m
		}
		return sub[1] + mask
	}
	var b strings.Builder
	b.Grow(len(s))
	for i, line := range strings.Split(s, "\n") {
		if i > 0 {
			b.WriteByte('\n')
		}
		if mayNameSecret(line) {
			if m := sqlSecretLine().FindStringSubmatch(line); m != nil {
				line = m[1] + "***"
			}
			line = re.ReplaceAllStringFunc(line, mask)
		}
		b.WriteString(line)
	}
	return b.String()
}

// mayNameSecret reports whether a line holds a word secretLine looks for.
func mayNameSecret(line string) bool {
	for _, w := range [...]string{"password", "secret", "PASSWORD", "SECRET", "IDENTIFIED BY"} {
		if strings.Contains(line, w) {
			return true
		}
	}
	return false
}
