package scaffold

import (
	"strings"
	"testing"
)

// readSQLQuoted reads one quoted token at the start of s, as PostgreSQL
// and MariaDB's lexers do: the quote character, then text where a doubled
// quote stands for one and, with backslash escapes (MariaDB literals), a
// backslash takes the next character as is (\\ and \' are what
// MariaDBString writes). It returns the value and the rest after the
// closing quote.
func readSQLQuoted(t *testing.T, s string, quote byte, backslash bool) (value, rest string) {
	t.Helper()
	if s == "" || s[0] != quote {
		t.Fatalf("%q does not start with %c", s, quote)
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch {
		case backslash && s[i] == '\\':
			if i+1 >= len(s) {
				t.Fatalf("%q ends in a backslash", s)
			}
			i++
			b.WriteByte(s[i])
		case s[i] == quote && i+1 < len(s) && s[i+1] == quote:
			i++
			b.WriteByte(quote)
		case s[i] == quote:
			return b.String(), s[i+1:]
		default:
			b.WriteByte(s[i])
		}
	}
	t.Fatalf("%q has no closing %c", s, quote)
	return "", ""
}

func TestSQLQuoting(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{PostgresIdent("prosody"), `"prosody"`},
		{PostgresIdent(`a"b`), `"a""b"`},
		{PostgresString(`it's \ $x`), `'it''s \ $x'`},
		{MariaDBIdent("a`b"), "`a``b`"},
		{MariaDBString(`it's \ $x`), `'it''s \\ $x'`},
	} {
		if tc.got != tc.want {
			t.Errorf("got %s, want %s", tc.got, tc.want)
		}
	}
}

// FuzzSQLQuoting: every quoted form reads back, by the lexers' rules, as
// the value whole, and the token ends where the quoting ends, so nothing
// after it is read as SQL.
func FuzzSQLQuoting(f *testing.F) {
	for _, s := range []string{"", "prosody", `p'a"s$s \w`, "`", `\`, `\'`, "''", `"`, "a b;DROP TABLE x;--"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, q := range []struct {
			name      string
			quoted    string
			quote     byte
			backslash bool
		}{
			{"PostgresIdent", PostgresIdent(s), '"', false},
			{"PostgresString", PostgresString(s), '\'', false},
			{"MariaDBIdent", MariaDBIdent(s), '`', false},
			{"MariaDBString", MariaDBString(s), '\'', true},
		} {
			got, rest := readSQLQuoted(t, q.quoted, q.quote, q.backslash)
			if got != s || rest != "" {
				t.Errorf("%s(%q) = %s reads back as %q, then %q", q.name, s, q.quoted, got, rest)
			}
		}
	})
}
