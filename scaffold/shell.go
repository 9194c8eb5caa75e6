package scaffold

import "strings"

// ShellQuote writes s as one POSIX shell word that every POSIX shell (dash,
// bash, busybox sh) reads back byte for byte: bare when it holds only
// characters no shell treats specially, else in single quotes, inside which
// nothing is special; a ' in s closes them, is written as \' and opens them
// again. Every value that goes into a generated script or a command shown
// to a person goes through it.
func ShellQuote(s string) string {
	if s != "" && strings.Trim(s, shellBare) == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// shellBare are the characters a word may hold unquoted: none of them is a
// metacharacter, starts an expansion or a glob, or (like = at a word's
// start in zsh, or ~) expands in any common shell.
const shellBare = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./-:@"

// ShellCommand writes a command line for a person to run: the words
// quoted one by one, so that each value stays one argument.
func ShellCommand(words ...string) string {
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = ShellQuote(w)
	}
	return strings.Join(quoted, " ")
}
