package scaffold

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// LineRange is a run of lines of a file, numbered from 1: From to To, both
// included.
type LineRange struct{ From, To int }

// Marks say which lines of a file each answer produced, by the answers
// file's name for it: "domains", "admins", "components.muc",
// "database.driver", "turn.host", "modules", "owner"… The wizard
// highlights what a question changes from them, without reading the
// file's language. A line an answer produced is one that would read
// otherwise, or not be there, were the answer different (blank lines
// aside); lines may carry the marks of several answers.
type Marks map[string][]LineRange

// Lines are the lines any of fields marks, in order, overlapping and
// adjacent runs merged.
func (m Marks) Lines(fields ...string) []LineRange {
	var out []LineRange
	for _, f := range fields {
		out = append(out, m[f]...)
	}
	return mergeRanges(out)
}

func mergeRanges(rs []LineRange) []LineRange {
	if len(rs) < 2 {
		return rs
	}
	slices.SortFunc(rs, func(a, b LineRange) int { return a.From - b.From })
	out := rs[:1]
	for _, r := range rs[1:] {
		last := &out[len(out)-1]
		if r.From <= last.To+1 {
			last.To = max(last.To, r.To)
			continue
		}
		out = append(out, r)
	}
	return out
}

// A template marks the line it writes with {{markline "field" …}}, or what
// an answer produced over several lines between {{mark "field" …}} and
// {{endmark}}; marks nest. Each writes a sentinel, NUL-delimited, that
// unmark takes out of the rendered text again, noting the lines it marks.
// No rendered value holds a NUL (validation refuses control characters in
// the answers), and unmark refuses one that is not a mark, so that a gap
// there fails loudly instead of marking the wrong lines.
const (
	sentinel  = '\x00'
	openMark  = '+'
	closeMark = '-'
	lineMark  = '='
	fieldSep  = "\x01"
)

// mark opens a region marked for the answers fields given, as names or
// lists of names (an empty list marks nothing, so a template can pass
// what a value follows without checking it).
func mark(fields ...any) (string, error) { return sentinelFor(openMark, fields) }

// markLine marks the line it is on for the fields given, as mark does.
func markLine(fields ...any) (string, error) { return sentinelFor(lineMark, fields) }

// endMark closes the region the last mark opened.
func endMark() string { return string([]byte{sentinel, closeMark, sentinel}) }

func sentinelFor(kind byte, fields []any) (string, error) {
	var b strings.Builder
	b.WriteByte(sentinel)
	b.WriteByte(kind)
	n := 0
	add := func(name string) error {
		if name == "" || strings.ContainsAny(name, string(sentinel)+fieldSep) {
			return fmt.Errorf("mark: %q is not a field name", name)
		}
		if n > 0 {
			b.WriteString(fieldSep)
		}
		b.WriteString(name)
		n++
		return nil
	}
	for _, f := range fields {
		switch x := f.(type) {
		case string:
			if err := add(x); err != nil {
				return "", err
			}
		case []string:
			for _, name := range x {
				if err := add(name); err != nil {
					return "", err
				}
			}
		default:
			return "", fmt.Errorf("mark: %v (%T) is not a field name or a list of them", f, f)
		}
	}
	if n == 0 && kind == lineMark {
		return "", nil // nothing to mark, nothing to close
	}
	b.WriteByte(sentinel)
	return b.String(), nil
}

// unmark takes the sentinels out of rendered text and returns the text and
// the lines each field marks. A region starting at the end of a line (a
// mark after a trimmed newline) starts on the next line, and so does a
// line mark there; a region holding nothing but line breaks marks
// nothing.
func unmark(data []byte) ([]byte, Marks, error) {
	if bytes.IndexByte(data, sentinel) < 0 {
		return data, nil, nil
	}
	// at is a place in the text: its byte offset and its line.
	type at struct{ offset, line int }
	type open struct {
		fields string // fieldSep-separated
		at
	}
	out := make([]byte, 0, len(data))
	line := 1
	var stack, lines []open
	marks := Marks{}
	add := func(fields string, r LineRange) {
		for fields != "" {
			var f string
			f, fields, _ = strings.Cut(fields, fieldSep)
			marks[f] = append(marks[f], r)
		}
	}
	// skip moves p past the line breaks that follow it.
	skip := func(p at, end int) at {
		for p.offset < end && out[p.offset] == '\n' {
			p.offset++
			p.line++
		}
		return p
	}
	for {
		i := bytes.IndexByte(data, sentinel)
		if i < 0 {
			out = append(out, data...)
			break
		}
		out = append(out, data[:i]...)
		line += bytes.Count(data[:i], []byte{'\n'})
		j := bytes.IndexByte(data[i+1:], sentinel)
		if j < 1 {
			return nil, nil, errors.New("a NUL byte that is not a mark")
		}
		kind, fields := data[i+1], string(data[i+2:i+1+j])
		data = data[i+2+j:]
		here := at{len(out), line}
		switch {
		case kind == openMark:
			stack = append(stack, open{fields, here})
		case kind == lineMark && fields != "":
			lines = append(lines, open{fields, here})
		case kind == closeMark && fields == "" && len(stack) > 0:
			o := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			from := skip(o.at, here.offset)
			if from.offset == here.offset {
				continue // only line breaks
			}
			to := here.line
			if out[here.offset-1] == '\n' {
				to-- // the region ends with its last line's break
			}
			add(o.fields, LineRange{from.line, to})
		case kind == closeMark && fields == "":
			return nil, nil, errors.New("endmark without a mark")
		default:
			return nil, nil, errors.New("a NUL byte that is not a mark")
		}
	}
	if len(stack) > 0 {
		return nil, nil, fmt.Errorf("mark %q is never ended", strings.ReplaceAll(stack[len(stack)-1].fields, fieldSep, " "))
	}
	for _, l := range lines {
		if p := skip(l.at, len(out)); p.offset < len(out) {
			add(l.fields, LineRange{p.line, p.line})
		}
	}
	for f, rs := range marks {
		marks[f] = mergeRanges(rs)
	}
	return out, marks, nil
}
