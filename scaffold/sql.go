package scaffold

import "strings"

// SQL quoting for the commands that create a database server's user and
// database (see databaseCommands). Names come from answers that config
// limits to identifiers, but a name may still be a reserved word ("user")
// or carry capitals, which only a quoted identifier keeps; the password
// may be any line of text (config.SecretProblem). Each value is quoted
// whole, never pasted bare.

// PostgresIdent writes s as a PostgreSQL quoted identifier: in double
// quotes, a " doubled. A quoted identifier is taken as written, capitals
// included, as Prosody's connection names it.
func PostgresIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// PostgresString writes s as a PostgreSQL string literal: in single
// quotes, a ' doubled. Backslashes are plain characters in such a literal
// while standard_conforming_strings is on, PostgreSQL's default since 9.1.
func PostgresString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// MariaDBIdent writes s as a MariaDB (MySQL) quoted identifier: in
// backquotes, a ` doubled.
func MariaDBIdent(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

// MariaDBString writes s as a MariaDB (MySQL) string literal: in single
// quotes, a ' doubled and a \ doubled, since MariaDB reads backslash
// escapes in literals unless sql_mode has NO_BACKSLASH_ESCAPES (not the
// default, nor Debian's).
func MariaDBString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, "'", "''").Replace(s) + "'"
}
