package scaffold

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sort"
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

// A template marks what an answer produced between {{mark "field" …}} and
// {{endmark}}; marks nest. Both write a sentinel, NUL-delimited, that
// unmark takes out of the rendered text again, noting the lines between.
// No rendered value holds a NUL (validation refuses control characters in
// the answers), and unmark refuses one that is not a mark, so that a gap
// there fails loudly instead of marking the wrong lines.
const (
	sentinel  = '\x00'
	openMark  = '+'
	closeMark = '-'
	fieldSep  = "\x01"
)

// mark opens a marked region for the answers fields given, as names or
// lists of names (an empty list marks nothing, so a template can pass
// what a value follows without checking it).
func mark(fields ...any) (string, error) {
	var names []string
	for _, f := range fields {
		switch x := f.(type) {
		case string:
			names = append(names, x)
		case []string:
			names = append(names, x...)
		default:
			return "", fmt.Errorf("mark: %v (%T) is not a field name or a list of them", f, f)
		}
	}
	for _, n := range names {
		if n == "" || strings.ContainsAny(n, string(sentinel)+fieldSep) {
			return "", fmt.Errorf("mark: %q is not a field name", n)
		}
	}
	return string(sentinel) + string(openMark) + strings.Join(names, fieldSep) + string(sentinel), nil
}

// endMark closes the region the last mark opened.
func endMark() string { return string([]byte{sentinel, closeMark, sentinel}) }

// unmark takes the sentinels out of rendered text and returns the text and
// the lines each field marks. A region starting at the end of a line (a
// mark after a trimmed newline) starts on the next line; a region that
// holds no text but line breaks marks nothing.
func unmark(data []byte) ([]byte, Marks, error) {
	if bytes.IndexByte(data, sentinel) < 0 {
		return data, nil, nil
	}
	type open struct {
		fields []string
		at     int
	}
	type region struct {
		fields   []string
		from, to int // byte offsets into out
	}
	out := make([]byte, 0, len(data))
	var stack []open
	var regions []region
	for {
		i := bytes.IndexByte(data, sentinel)
		if i < 0 {
			out = append(out, data...)
			break
		}
		out = append(out, data[:i]...)
		j := bytes.IndexByte(data[i+1:], sentinel)
		if j < 1 {
			return nil, nil, errors.New("a NUL byte that is not a mark")
		}
		tag := string(data[i+1 : i+1+j])
		data = data[i+2+j:]
		switch {
		case tag[0] == openMark && len(tag) == 1:
			stack = append(stack, open{at: len(out)})
		case tag[0] == openMark:
			stack = append(stack, open{strings.Split(tag[1:], fieldSep), len(out)})
		case tag == string(closeMark) && len(stack) > 0:
			o := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			regions = append(regions, region{o.fields, o.at, len(out)})
		case tag == string(closeMark):
			return nil, nil, errors.New("endmark without a mark")
		default:
			return nil, nil, errors.New("a NUL byte that is not a mark")
		}
	}
	if len(stack) > 0 {
		return nil, nil, fmt.Errorf("mark %q is never ended", strings.Join(stack[len(stack)-1].fields, " "))
	}
	// Line i+2 starts after newline i.
	var newlines []int
	for i, c := range out {
		if c == '\n' {
			newlines = append(newlines, i)
		}
	}
	line := func(offset int) int { return 1 + sort.SearchInts(newlines, offset) }
	marks := Marks{}
	for _, r := range regions {
		for r.from < r.to && out[r.from] == '\n' {
			r.from++
		}
		if r.from == r.to || len(r.fields) == 0 {
			continue
		}
		lr := LineRange{line(r.from), line(r.to - 1)}
		for _, f := range r.fields {
			marks[f] = append(marks[f], lr)
		}
	}
	for f, rs := range marks {
		marks[f] = mergeRanges(rs)
	}
	return out, marks, nil
}
