package config

import "strings"

// Problem is one thing wrong with the answers: the field it is about (as a
// path like "domains[1]" or "database.port") and what is wrong and allowed.
type Problem struct {
	Field   string
	Message string
}

func (p Problem) Error() string {
	if p.Field == "" {
		return p.Message
	}
	return p.Field + ": " + p.Message
}

// Problems is every problem found at once; as an error it prints one per line.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// problems collects Problems while a check runs. Values in messages go
// through quoted; add caps field and message lengths all the same.
type problems struct{ list Problems }

func (c *problems) add(field, format string, args ...any) {
	msg := format
	if len(args) > 0 {
		msg = sprintf(format, args...)
	}
	c.list = append(c.list, Problem{Field: capText(field, fieldMax), Message: capText(msg, messageMax)})
}
