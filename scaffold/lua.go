package scaffold

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// LuaString writes s as a Lua short string literal that Lua 5.1 to 5.4 read
// back byte for byte. Go's %q is not used: its \uXXXX escapes are a syntax
// error in Lua. Valid UTF-8 beyond ASCII stays readable (IDN host names);
// control bytes, DEL and invalid UTF-8 bytes become three-digit \ddd escapes,
// so a following digit can never extend them.
func LuaString(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\':
			b.WriteString(`\\`)
		case c == '"':
			b.WriteString(`\"`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, `\%03d`, c)
		case c >= 0x80:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size <= 1 {
				fmt.Fprintf(&b, `\%03d`, c)
				i++
				continue
			}
			b.WriteString(s[i : i+size])
			i += size
			continue
		default:
			b.WriteByte(c)
		}
		i++
	}
	b.WriteByte('"')
	return b.String()
}

// LuaValue writes a Go value as a Lua literal: strings through LuaString,
// booleans as true/false (never strings: Prosody reads some options raw, and
// "false" is truthy), integers bare, string and int lists as { a, b } tables.
// Lua tables with keys are written by the templates, key by key.
func LuaValue(v any) string {
	switch x := v.(type) {
	case string:
		return LuaString(x)
	case bool:
		if x {
			return "true"
		}
		return "false"
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case []string:
		parts := make([]string, len(x))
		for i, s := range x {
			parts[i] = LuaString(s)
		}
		return luaList(parts)
	case []int:
		parts := make([]string, len(x))
		for i, n := range x {
			parts[i] = strconv.Itoa(n)
		}
		return luaList(parts)
	}
	panic(fmt.Sprintf("scaffold: no Lua form for %T", v))
}

func luaList(parts []string) string {
	if len(parts) == 0 {
		return "{ }"
	}
	return "{ " + strings.Join(parts, ", ") + " }"
}

// parseLuaString reads the short string literal at the start of src ("…"
// or '…') as Lua reads it, and is the inverse of LuaString. It takes the
// escapes Lua 5.1 and 5.4 both read the same way (\a \b \f \n \r \t \v \\
// \" \' and \ddd); ok is false for anything else (another escape, a line
// break, no closing quote). rest is what follows the closing quote.
func parseLuaString(src string) (value, rest string, ok bool) {
	if src == "" || src[0] != '"' && src[0] != '\'' {
		return "", src, false
	}
	quote := src[0]
	var b strings.Builder
	for i := 1; i < len(src); i++ {
		c := src[i]
		switch {
		case c == quote:
			return b.String(), src[i+1:], true
		case c == '\n' || c == '\r':
			return "", src, false
		case c != '\\':
			b.WriteByte(c)
			continue
		}
		i++
		if i == len(src) {
			break
		}
		switch e := src[i]; {
		case e >= '0' && e <= '9':
			n, j := 0, i
			for ; j < len(src) && j < i+3 && src[j] >= '0' && src[j] <= '9'; j++ {
				n = n*10 + int(src[j]-'0')
			}
			if n > 255 {
				return "", src, false
			}
			b.WriteByte(byte(n))
			i = j - 1
		case strings.IndexByte(`\"'`, e) >= 0:
			b.WriteByte(e)
		case strings.IndexByte("abfnrtv", e) >= 0:
			b.WriteByte("\a\b\f\n\r\t\v"[strings.IndexByte("abfnrtv", e)])
		default:
			return "", src, false
		}
	}
	return "", src, false
}
