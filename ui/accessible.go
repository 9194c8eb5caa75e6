package ui

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"charm.land/huh/v2"

	"prosody-wizard/config"
)

// The plain line prompts of RunAccessible. huh's accessible fields read
// and check an answer, but they print only a title: no description, no
// hint, no current value, and a multi-select refuses an empty line. So
// each question is introduced here (what it asks, what it holds now), and
// selects are asked here; huh still applies every answer through the
// page's own fields, so the bindings and the checks are the terminal UI's.

// errInputEnded and errInterrupted stop the accessible wizard: the input
// ended before the last question, or ctrl+c was pressed.
var (
	errInputEnded  = errors.New("the input ended before the last question")
	errInterrupted = errors.New("interrupted")
)

// asker asks one question at a time on w, reading answers from in.
type asker struct {
	in *lineReader
	w  io.Writer
	d  *draft
	// base is what the draft's answers start from (see draft.toAnswers).
	base config.Answers
	// heading is the section title just printed, until the first question.
	heading string
}

// section introduces a group of questions: its title and description.
func (a *asker) section(title, description string) {
	fmt.Fprintf(a.w, "\n%s\n", title)
	if description != "" {
		fmt.Fprintln(a.w, description)
	}
	a.heading = title
}

// ask asks one field and applies the answer; an empty line keeps the
// value. It returns errInputEnded or errInterrupted when the person (or
// the input) stopped.
func (a *asker) ask(f huh.Field) error {
	f.Init()
	f.Focus()
	switch f := f.(type) {
	case *huh.Input:
		return a.input(f)
	case *huh.Select[string]:
		return a.choose(f)
	case *huh.MultiSelect[string]:
		return a.toggle(f)
	case *huh.Confirm:
		return a.confirm(f)
	}
	return fmt.Errorf("the accessible prompts cannot ask a %T", f)
}

// intro prints a question's title and, when it has one, its description
// (not a title the section heading has just said).
func (a *asker) intro(f huh.Field) string {
	title := fieldText(f, "title")
	d := fieldText(f, "description")
	switch {
	case d != "":
		fmt.Fprintf(a.w, "\n%s: %s\n", title, d)
	case title != a.heading:
		fmt.Fprintf(a.w, "\n%s\n", title)
	}
	a.heading = ""
	return title
}

// input asks a line of text; huh reads and checks it (the field's own
// validator, again until it passes).
func (a *asker) input(f *huh.Input) error {
	title := a.intro(f)
	fmt.Fprintf(a.w, "Now: %s\n", a.shown(f))
	f.Title(title + ":")
	if err := f.RunAccessible(a.w, a.in); err != nil {
		return err
	}
	if err := a.in.stopped(); err != nil {
		return err
	}
	// huh trims what it stores; a password keeps its spaces, as typed
	// in the terminal UI (huh checked it as typed).
	if p := a.secret(f.GetKey()); p != nil && strings.TrimSpace(a.in.last) != "" {
		*p = a.in.last
	}
	return nil
}

// secret is the draft's value for a field that holds a secret, else nil.
func (a *asker) secret(key string) *string {
	if key == "database.password" {
		return &a.d.DBPassword
	}
	return nil
}

// shown is an input's value as the "Now:" line says it: a secret is never
// printed, an empty value says what empty means (the placeholder).
func (a *asker) shown(f *huh.Input) string {
	v, _ := f.GetValue().(string)
	v = opt(v)
	hint := fieldText(f, "placeholder")
	switch {
	case a.secret(f.GetKey()) != nil && v != "":
		return "set (not shown); what you type shows as you type it"
	case a.secret(f.GetKey()) != nil:
		return "empty " + hint + "; what you type shows as you type it"
	case v != "":
		return v
	case strings.HasPrefix(hint, "("):
		return "empty " + hint
	case hint != "":
		return "empty (for example " + hint + ")"
	}
	return "empty"
}

// choose asks for one of a select's numbered options.
func (a *asker) choose(f *huh.Select[string]) error {
	a.intro(f)
	opts := fieldOptions(f)
	v, _ := f.GetValue().(string)
	now := slices.IndexFunc(opts, func(o option) bool { return o.value == v })
	for i, o := range opts {
		mark := ""
		if i == now {
			mark = " (now)"
		}
		fmt.Fprintf(a.w, "  %d. %s%s\n", i+1, o.label, mark)
	}
	for {
		if now >= 0 {
			fmt.Fprintf(a.w, "Choose 1 to %d (Enter keeps %d): ", len(opts), now+1)
		} else {
			fmt.Fprintf(a.w, "Choose 1 to %d: ", len(opts))
		}
		line, err := a.in.line()
		if err != nil {
			fmt.Fprintln(a.w)
			return err
		}
		line = strings.TrimSpace(line)
		if line == "" && now >= 0 {
			return nil
		}
		n, err := strconv.Atoi(line)
		if err != nil || n < 1 || n > len(opts) {
			fmt.Fprintf(a.w, "Invalid: must be a number between 1 and %d\n", len(opts))
			continue
		}
		// huh applies the number to the bound value. (It would ask
		// again, forever, were the option refused by a validator: the
		// selects have none.)
		return f.RunAccessible(io.Discard, strings.NewReader(line+"\n"))
	}
}

// toggle asks which of a multi-select's options to turn on or off: numbers
// (several on a line), until an empty line or 0.
func (a *asker) toggle(f *huh.MultiSelect[string]) error {
	title := a.intro(f)
	opts := fieldOptions(f)
	modules := f.GetKey() == "modules"
	group := ""
	for i, o := range opts {
		// Modules are listed under their purposes, as on the terminal UI.
		if m, ok := config.Catalog()[o.value]; ok && modules && m.Group != group {
			group = m.Group
			fmt.Fprintf(a.w, "%s:\n", group)
		}
		// Modules that others pull in (draft.Needed, as on the terminal
		// UI) are on whatever their own choice says.
		state, why := onOff(o.selected), ""
		if by := a.d.Needed[o.value]; modules && len(by) > 0 && !o.selected {
			state, why = "needed", " (needed by "+by[0]+")"
		}
		fmt.Fprintf(a.w, "  %2d. %-6s %s%s\n", i+1, state, o.label, why)
	}
	flipped := make([]bool, len(opts))
	for {
		fmt.Fprintf(a.w, "%s: numbers to turn on or off, or Enter when done: ", title)
		line, err := a.in.line()
		if err != nil {
			fmt.Fprintln(a.w)
			return err
		}
		nums, done, err := numbers(line, len(opts))
		if err != nil {
			fmt.Fprintln(a.w, err)
			continue
		}
		for _, n := range nums {
			o := &opts[n-1]
			if modules {
				// The terminal UI's toggle: a module others need stays
				// on, and what a module needs comes back with it.
				if !a.d.toggleModule(o.value, a.base) {
					fmt.Fprintf(a.w, "%s stays on: %s need it.\n", o.value, strings.Join(a.d.Needed[o.value], ", "))
					continue
				}
				for i := range opts {
					opts[i].selected = slices.Contains(a.d.Modules, opts[i].value)
				}
			} else {
				o.selected, flipped[n-1] = !o.selected, !flipped[n-1]
			}
			fmt.Fprintf(a.w, "%s is now %s.\n", o.value, onOff(o.selected))
		}
		if done {
			break
		}
	}
	if modules {
		return nil // the draft holds the choice (toggleModule)
	}
	// huh applies the toggles to the bound value: each number flips one
	// option, 0 ends.
	var script strings.Builder
	for i, f := range flipped {
		if f {
			fmt.Fprintf(&script, "%d\n", i+1)
		}
	}
	script.WriteString("0\n")
	return f.RunAccessible(io.Discard, &byteReader{strings.NewReader(script.String())})
}

// numbers reads the option numbers of a line ("3 5", "3,5"); done when it
// is empty or has a 0.
func numbers(line string, n int) (nums []int, done bool, err error) {
	fields := strings.FieldsFunc(line, func(r rune) bool { return r == ' ' || r == ',' || r == '\t' })
	if len(fields) == 0 {
		return nil, true, nil
	}
	for _, s := range fields {
		i, err := strconv.Atoi(s)
		if err != nil || i < 0 || i > n {
			return nil, false, fmt.Errorf("Invalid: %q is not a number between 1 and %d (0 or an empty line when done)", s, n)
		}
		if i == 0 {
			done = true
			continue
		}
		nums = append(nums, i)
	}
	return nums, done, nil
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

// confirm asks yes or no; huh reads it, [Y/n] saying what Enter keeps.
func (a *asker) confirm(f *huh.Confirm) error {
	fmt.Fprintln(a.w)
	if d := fieldText(f, "description"); d != "" {
		fmt.Fprintln(a.w, d)
	}
	if err := f.RunAccessible(a.w, a.in); err != nil {
		return err
	}
	return a.in.stopped()
}

// option is a select's option as the prompts list it.
type option struct {
	label, value string
	selected     bool
}

// fieldText reads a text a huh field was built with (title, description,
// an Input's placeholder): huh v2.0.3 has no getters for them, and its accessible
// prompts drop all but the title. Read-only reflection on the field's
// unexported Eval; "" when huh's layout changes (TestAccessibleFieldTexts
// catches that).
func fieldText(f huh.Field, name string) string {
	v := reflect.ValueOf(f)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return ""
	}
	e := v.Elem().FieldByName(name)
	if name == "placeholder" {
		// An Input keeps it in its text input.
		e = v.Elem().FieldByName("textinput")
		if e.IsValid() && e.Kind() == reflect.Struct {
			if s := e.FieldByName("Placeholder"); s.IsValid() && s.Kind() == reflect.String {
				return s.String()
			}
		}
		return ""
	}
	if !e.IsValid() || e.Kind() != reflect.Struct {
		return ""
	}
	if s := e.FieldByName("val"); s.IsValid() && s.Kind() == reflect.String {
		return s.String()
	}
	return ""
}

// fieldOptions reads the options of a Select or MultiSelect of strings,
// the same way as fieldText.
func fieldOptions(f huh.Field) []option {
	v := reflect.ValueOf(f)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return nil
	}
	e := v.Elem().FieldByName("options")
	if !e.IsValid() || e.Kind() != reflect.Struct {
		return nil
	}
	list := e.FieldByName("val")
	if !list.IsValid() || list.Kind() != reflect.Slice {
		return nil
	}
	opts := make([]option, list.Len())
	for i := range opts {
		o := list.Index(i)
		key, val, sel := o.FieldByName("Key"), o.FieldByName("Value"), o.FieldByName("selected")
		if key.Kind() != reflect.String || val.Kind() != reflect.String || sel.Kind() != reflect.Bool {
			return nil
		}
		opts[i] = option{label: key.String(), value: val.String(), selected: sel.Bool()}
	}
	return opts
}
