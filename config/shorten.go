package config

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A problem message echoes the value it is about, so that a person finds
// it; a value of megabytes must not become a message of megabytes.

const (
	// quotedMax is how many bytes of a value quoted shows, escapes
	// included.
	quotedMax = 60
	// messageMax caps a problem message, as a last defence against a long
	// value echoed without quoted. The longest deliberate messages (the
	// recommended module list) are well below it.
	messageMax = 1000
	// fieldMax caps a problem's field path, which carries the key as the
	// file spells it ("databse", an unknown key of any length).
	fieldMax = 100
)

// quoted returns value in double quotes with Go escapes (so hidden and
// control characters show as \u202e, \n…), shortened to its first
// quotedMax bytes plus its length when it is longer:
// "aaaaaaaa…" (10485760 characters).
func quoted(value string) string {
	if len(value) <= quotedMax {
		if full := strconv.Quote(value); len(full) <= quotedMax+2 {
			return full
		}
	}
	var b strings.Builder
	for i := 0; i < len(value); {
		_, w := utf8.DecodeRuneInString(value[i:])
		q := strconv.Quote(value[i : i+w])
		q = q[1 : len(q)-1]
		if b.Len()+len(q) > quotedMax {
			break
		}
		b.WriteString(q)
		i += w
	}
	return fmt.Sprintf("\"%s…\" (%d characters)", b.String(), utf8.RuneCountInString(value))
}

// nameList lists up to three domain names, then says how many more: valid
// names as they are, anything else through quoted.
func nameList(names []string) string {
	const shown = 3
	parts := make([]string, 0, shown+1)
	for i, n := range names {
		if i == shown {
			parts = append(parts, fmt.Sprintf("and %d more", len(names)-shown))
			break
		}
		if DomainProblem(n) != "" {
			n = quoted(n)
		}
		parts = append(parts, n)
	}
	return strings.Join(parts, ", ")
}

// capText cuts s to at most max bytes at a character boundary, ending it
// with "…" when it was cut.
func capText(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
