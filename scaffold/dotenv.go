package scaffold

import (
	"strings"
	"unicode"
)

// The .env file is read by docker compose (compose-go's dotenv parser), not
// by a shell: its quoting rules are compose-go's, which differ from sh's.
// In compose-go, a double-quoted value has \-escapes (\\, \", \$, \n…) and
// ${…} interpolation, with \$ for a literal $; a single-quoted value is
// literal but cannot end in \; a bare value is cut at " #", trimmed, and
// interpolated.

// DotenvValue writes s as the value of a VAR=value line of .env that docker
// compose reads back byte for byte (s must not hold NUL, which no
// environment variable can). Values made of characters compose never
// interprets stay bare, as generated secrets are; any other is written in
// double quotes with \, ", $ and line breaks escaped.
func DotenvValue(s string) string {
	if s != "" && strings.Trim(s, dotenvBare) == "" {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\', '"', '$':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// dotenvBare are the characters a bare .env value may hold.
const dotenvBare = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:@%+,-"

// dotenvLookup returns the value .env gives the variable name, reading each
// VAR=value line as compose-go does, the last definition winning. Values it
// cannot read exactly as compose would (one that interpolates another
// variable, or spans lines) count as absent.
func dotenvLookup(data []byte, name string) (string, bool) {
	value, found := "", false
	for _, line := range strings.Split(string(data), "\n") {
		raw, ok := strings.CutPrefix(line, name+"=")
		if !ok {
			continue
		}
		value, found = parseDotenvValue(raw)
	}
	return value, found
}

// parseDotenvValue reads what follows VAR= on one line of .env, as
// compose-go's parser does, and is the inverse of DotenvValue. ok is false
// for what it does not read exactly as compose-go would: interpolation
// ($ other than \$ in double quotes), octal escapes, unterminated quotes,
// or text after the closing quote that is not a comment.
func parseDotenvValue(raw string) (value string, ok bool) {
	raw = strings.TrimLeftFunc(raw, dotenvSpace)
	if raw == "" || raw[0] != '"' && raw[0] != '\'' {
		// Bare: up to an inline comment, trailing spaces trimmed, then
		// interpolated (so no $ may stay).
		v, _, _ := strings.Cut(strings.TrimSuffix(raw, "\r"), " #")
		v = strings.TrimRightFunc(v, unicode.IsSpace)
		if strings.Contains(v, "$") {
			return "", false
		}
		return v, true
	}
	quote := raw[0]
	// compose-go first finds the closing quote: \ before the quote keeps
	// it, before anything else stays in the text.
	var text []byte
	escaped, end := false, -1
	for i := 1; i < len(raw); i++ {
		c := raw[i]
		if c == quote && !escaped {
			end = i
			break
		}
		switch {
		case c == quote:
			escaped = false
		case escaped:
			escaped = false
			text = append(text, '\\')
		case c == '\\':
			escaped = true
			continue
		}
		text = append(text, c)
	}
	if end < 0 {
		return "", false
	}
	rest := strings.TrimLeftFunc(raw[end+1:], unicode.IsSpace)
	if rest != "" && rest[0] != '#' {
		return "", false
	}
	if quote == '\'' {
		return string(text), true
	}
	// In double quotes, escapes are then expanded and $ interpolated.
	var b strings.Builder
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == '$':
			return "", false
		case c != '\\' || i+1 == len(text):
			b.WriteByte(c)
			continue
		}
		i++
		switch e := text[i]; e {
		case '\\', '"', '$':
			b.WriteByte(e)
		case 'a', 'b', 'f', 'n', 'r', 't', 'v':
			b.WriteByte(map[byte]byte{'a': '\a', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t', 'v': '\v'}[e])
		case '0':
			return "", false // an octal escape
		default:
			b.WriteByte('\\')
			b.WriteByte(e)
		}
	}
	return b.String(), true
}

// dotenvSpace is compose-go's space between = and the value.
func dotenvSpace(r rune) bool {
	switch r {
	case '\t', '\v', '\f', '\r', ' ', 0x85, 0xA0:
		return true
	}
	return false
}
