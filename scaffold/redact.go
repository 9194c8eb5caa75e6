package scaffold

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// Secrets are masked by value, as goreleaser's internal/redact does: the
// plan knows every secret it writes, and reads back the ones it replaces,
// so listings and diffs hide each wherever it occurs, in each encoding a
// template writes it in. The line rule of Diff (maskSecretLines) stays as a
// second defence for what values cannot catch; see there.

// knownSecrets are the secrets a plan writes and the ones an earlier run
// left in the output folder, read back by the readers a re-run uses
// (existingSecret) whether or not the answers replace them: a diff shows
// those on its - side. Each once, empty ones left out.
func knownSecrets(secrets ...string) []string {
	var known []string
	for _, s := range secrets {
		if s != "" && !slices.Contains(known, s) {
			known = append(known, s)
		}
	}
	return known
}

// minMasked is the length, in characters, from which a secret is masked
// wherever it occurs. A shorter one (a 1–3 character password) cannot be
// told from ordinary text: masking every "a" or "db" would garble the
// listing and, by its gaps, point at the secret. Such a secret is masked
// only where it is assigned, by the line rule (maskSecretLines), which
// hides the whole value of each line that sets a password or secret.
const minMasked = 4

// mask is what a secret becomes.
const mask = "***"

// redactor replaces every occurrence of the given secrets, in every
// encoding the templates write them in, with ***: raw, as a Lua string
// (LuaString), as a .env value (DotenvValue), and the escaped text
// between those quotes. A nil redactor masks nothing.
func redactor(secrets []string) *strings.Replacer {
	var forms []string
	add := func(f string) {
		if f != "" && !slices.Contains(forms, f) {
			forms = append(forms, f)
		}
	}
	for _, s := range secrets {
		if utf8.RuneCountInString(s) < minMasked {
			continue
		}
		for _, f := range []string{LuaString(s), DotenvValue(s), s} {
			add(f)
			if len(f) >= 2 && f[0] == '"' && f[len(f)-1] == '"' {
				add(f[1 : len(f)-1])
			}
		}
		// The SQL literals of the commands that create a database user
		// (databaseAdmins), inside a single-quoted shell word: the
		// literal's text, and that text as ShellQuote writes it there.
		for _, f := range []string{PostgresString(s), MariaDBString(s)} {
			inner := f[1 : len(f)-1]
			add(inner)
			add(strings.ReplaceAll(inner, "'", `'\''`))
		}
	}
	if len(forms) == 0 {
		return nil
	}
	// A Replacer tries its old strings in argument order at each position:
	// longest first, so that a quoted form goes whole, quotes included,
	// and one secret inside another cannot leave the longer one's ends.
	slices.SortStableFunc(forms, func(a, b string) int { return len(b) - len(a) })
	pairs := make([]string, 0, 2*len(forms))
	for _, f := range forms {
		pairs = append(pairs, f, mask)
	}
	return strings.NewReplacer(pairs...)
}

// redact masks the secrets in s (see redactor).
func redact(r *strings.Replacer, s string) string {
	if r == nil {
		return s
	}
	return r.Replace(s)
}

// MaskedStep is a next step as the summary shows it: the plan's secrets
// masked, and the password of a command that creates a database user (see
// maskSecretLines). The file that keeps the steps on a host holds them
// whole.
func (p Plan) MaskedStep(step string) string {
	step = redact(redactor(p.Secrets), step)
	for _, s := range p.Secrets {
		if utf8.RuneCountInString(s) < minMasked {
			// Too short to mask by value: mask the command's password
			// and what follows it, by the line rule.
			return maskSecretLines("", step)
		}
	}
	return step
}

// Masked is the text of f as a person may see it before it is written: the
// plan's secrets masked wherever they occur, and every value of a line that
// assigns a password or secret, as Diff masks them (see redactor and
// maskSecretLines). Lines are kept whole, so f.Marks still apply.
func (p Plan) Masked(f File) string {
	return maskSecretLines(f.Path, redact(redactor(p.Secrets), string(f.Data)))
}
