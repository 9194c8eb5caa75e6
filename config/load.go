package config

import (
	"bytes"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"

	"github.com/spf13/afero"
	"go.yaml.in/yaml/v3"

	"prosody-wizard/safeio"
)

var sprintf = fmt.Sprintf

// Load reads an answers file. A file that cannot be read returns that error,
// and so does anything but a regular file of at most safeio.MaxInput bytes
// (a FIFO would block, /dev/zero never ends); a file with problems returns
// them all as Problems. The answers are normalised (see Normalize) but not
// validated.
func Load(path string) (Answers, error) {
	data, err := safeio.ReadRegular(afero.NewOsFs(), path, safeio.MaxInput)
	if err != nil {
		return Answers{}, err
	}
	return Parse(data)
}

// Parse reads answers from YAML. Unknown keys and values of the wrong type
// are problems naming their field; keys left out keep their defaults. A
// component key left out gets its default host from the primary domain.
// The file is one YAML document: a second one (after "---") is a problem,
// not something to ignore.
func Parse(data []byte) (Answers, error) {
	a := Defaults()
	var c problems
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil && err != io.EOF {
		c.add("", "the answers file is not valid YAML: %s", strings.TrimPrefix(err.Error(), "yaml: "))
		return a, c.list
	}
	seen := map[string]bool{}
	if len(doc.Content) == 0 {
		c.add("", "the answers file is empty; it needs at least version: 1 and domains")
		return a, c.list
	}
	var next yaml.Node
	if err := dec.Decode(&next); err != io.EOF {
		where := ""
		if next.Line > 0 {
			where = sprintf(" (the second starts at line %d)", next.Line)
		}
		c.add("", "the answers file holds more than one YAML document%s; keep one, without a --- line between its keys", where)
	}
	d := decoder{problems: &c, seen: seen}
	a.Version = 0 // so that "version:" with no value counts as missing
	d.value(doc.Content[0], reflect.ValueOf(&a).Elem(), "")
	if !seen["version"] || a.Version == 0 {
		c.add("version", "is required; write version: %d", Version)
		if a.Version == 0 {
			a.Version = Version
		}
	}
	a.Normalize()
	primary := a.Primary()
	if !seen["components.muc"] {
		a.Components.MUC = NormalizeDomain(DefaultComponents(primary).MUC)
	}
	if !seen["components.upload"] {
		a.Components.Upload = NormalizeDomain(DefaultComponents(primary).Upload)
	}
	if a.Proxied() && !seen["ports.https"] {
		a.Ports.HTTPS = ProxyHTTPSPort // the proxy's port, not Prosody's 5281
	}
	if !seen["turn.host"] {
		a.TURN.Host = NormalizeDomain(DefaultTURNHostFor(a.Deploy, primary))
	}
	def := DefaultContact(a.Admins)
	for i, k := range a.Contact.kinds() {
		if !seen["contact."+k.Name] {
			*k.List = *def.kinds()[i].List
		}
	}
	if len(c.list) > 0 {
		return a, c.list
	}
	return a, nil
}

// decoder walks a YAML node tree into a Go value, recording a Problem per
// unknown key or wrong type, and which fields were present.
type decoder struct {
	*problems
	seen map[string]bool
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func (d decoder) value(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if path != "" {
		d.seen[path] = true
	}
	isNull := n.Kind == yaml.ScalarNode && n.Tag == "!!null"
	switch v.Kind() {
	case reflect.Struct:
		if isNull {
			return
		}
		if n.Kind != yaml.MappingNode {
			what := "must be"
			if path == "" {
				what = "the answers file must be"
			}
			d.add(path, "%s a mapping of keys (%s), not %s", what, strings.Join(yamlKeys(v.Type()), ", "), describe(n))
			return
		}
		d.mapping(n, v, path)
	case reflect.Slice:
		if isNull {
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
			return
		}
		if n.Kind != yaml.SequenceNode {
			d.add(path, "must be a list, e.g. [%s], not %s", example(path), describe(n))
			return
		}
		out := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			d.value(item, out.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
		v.Set(out)
	case reflect.String:
		switch {
		case isNull:
			v.SetString("")
		case n.Kind != yaml.ScalarNode:
			d.add(path, "must be a single value, not %s", describe(n))
		default:
			v.SetString(n.Value)
		}
	case reflect.Int:
		if isNull {
			return // keep the default
		}
		i, err := strconv.Atoi(n.Value)
		if n.Kind == yaml.ScalarNode && n.Tag == "!!str" && err == nil {
			d.add(path, "must be a number without quotes, e.g. %d, not %s", i, describe(n))
			return
		}
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || err != nil {
			d.add(path, "must be a whole number, not %s", describe(n))
			return
		}
		v.SetInt(int64(i))
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
			d.add(path, "must be true or false, not %s", describe(n))
			return
		}
		var b bool
		_ = n.Decode(&b)
		v.SetBool(b)
	default:
		panic("config: cannot decode into " + v.Kind().String())
	}
}

func (d decoder) mapping(n *yaml.Node, v reflect.Value, path string) {
	fields := map[string]int{}
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		fields[yamlKey(t.Field(i))] = i
	}
	given := map[string]int{} // key → line
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.AliasNode && k.Alias != nil {
			k = k.Alias
		}
		if k.Kind != yaml.ScalarNode || k.Value == "" {
			// No name to put in the field path: name the mapping and line.
			field := path
			if field == "" {
				field = fmt.Sprintf("(line %d)", k.Line)
			}
			d.add(field, "line %d: a key must be one of %s, not %s", k.Line, strings.Join(yamlKeys(t), ", "), describe(k))
			continue
		}
		if line, dup := given[k.Value]; dup {
			d.add(join(path, k.Value), "is given twice (lines %d and %d); keep one", line, k.Line)
			continue
		}
		given[k.Value] = k.Line
		idx, ok := fields[k.Value]
		if !ok {
			keys := yamlKeys(t)
			msg := fmt.Sprintf("unknown key (allowed here: %s)", strings.Join(keys, ", "))
			if near := nearestWord(k.Value, keys); near != "" {
				msg = fmt.Sprintf("unknown key; did you mean %s? (allowed here: %s)", quoted(near), strings.Join(keys, ", "))
			}
			d.add(join(path, k.Value), "%s", msg)
			continue
		}
		d.value(val, v.Field(idx), join(path, k.Value))
	}
}

func yamlKey(f reflect.StructField) string {
	return strings.Split(f.Tag.Get("yaml"), ",")[0]
}

func yamlKeys(t reflect.Type) []string {
	keys := make([]string, t.NumField())
	for i := range keys {
		keys[i] = yamlKey(t.Field(i))
	}
	return keys
}

// nearestWord returns the word of words within an edit distance of 2 of w
// that is nearest, or "". Words whose lengths alone differ too much are
// skipped, so a huge w costs no more than reading it.
func nearestWord(w string, words []string) string {
	best, bestD := "", 3
	for _, c := range words {
		if abs(len(w)-len(c)) >= bestD {
			continue
		}
		if d := editDistance(w, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func abs(n int) int { return max(n, -n) }

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	if n.Tag == "!!null" {
		return "nothing"
	}
	return quoted(n.Value)
}

func example(path string) string {
	switch path {
	case "domains":
		return "example.org"
	case "admins":
		return "admin@example.org"
	}
	return "carbons"
}

// Marshal writes answers as YAML, in schema order, with a header comment.
func Marshal(a Answers) []byte {
	var buf bytes.Buffer
	buf.WriteString("# prosody-wizard answers (schema version 1). Re-run with:\n")
	buf.WriteString("#   prosody-wizard --answers answers.yaml\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(a); err != nil {
		panic("config: answers do not marshal: " + err.Error())
	}
	_ = enc.Close()
	return buf.Bytes()
}
