package scaffold

import (
	"strings"
	"unicode/utf8"
)

// Wrap lays prose out as lines of at most width columns, breaking between
// words, each line starting with prefix: the template says what a comment
// looks like ("-- " in Lua, "# " in YAML), Wrap only fills the lines. A word
// longer than a line gets a line of its own.
func Wrap(width int, prefix, text string) string {
	var b strings.Builder
	start := utf8.RuneCountInString(prefix)
	line := 0
	for i, w := range strings.Fields(text) {
		n := utf8.RuneCountInString(w)
		switch {
		case i == 0:
			b.WriteString(prefix)
			line = start
		case line+1+n > width:
			b.WriteString("\n")
			b.WriteString(prefix)
			line = start
		default:
			b.WriteByte(' ')
			line++
		}
		b.WriteString(w)
		line += n
	}
	return b.String()
}

// pad writes parts one after the other, followed by spaces up to width
// columns, so that what follows lines up.
func pad(width int, parts ...string) string {
	s := strings.Join(parts, "")
	if n := width - utf8.RuneCountInString(s); n > 0 {
		return s + strings.Repeat(" ", n)
	}
	return s
}
