package ui

import (
	"errors"
	"fmt"
	"io"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"github.com/charmbracelet/colorprofile"

	"prosody-wizard/config"
)

// Run runs the wizard in a terminal: the interface on out (stderr, so that
// stdout stays for results), keys from in.
func Run(opts Options, in io.Reader, out io.Writer, env []string) (Outcome, error) {
	m := NewModel(opts)
	p := tea.NewProgram(m, tea.WithInput(in), tea.WithOutput(out), tea.WithEnvironment(env))
	if _, err := p.Run(); err != nil {
		return Outcome{}, err
	}
	return m.Outcome(), nil
}

// RunAccessible asks the same questions as plain line prompts, for screen
// readers, TERM=dumb and piped input: one prompt per line, follow-up
// questions only when they apply, no colour (NO_COLOR and pipes are
// respected through a colour-profile writer). Input that ends before the
// last question aborts: nothing is written.
func RunAccessible(opts Options, in io.Reader, out io.Writer, env []string) (Outcome, error) {
	d := fromAnswers(opts.Answers, opts.Out)
	d.accessible = true
	r := &lineReader{r: in}
	w := colorprofile.NewWriter(out, env)
	ask := func(title, description string, fields []huh.Field) error {
		form := huh.NewForm(huh.NewGroup(fields...).Title(title).Description(description)).
			WithAccessible(true).WithInput(r).WithOutput(w).WithShowHelp(false)
		if err := form.Run(); err != nil {
			return err
		}
		if r.eof {
			return errInputEnded
		}
		return nil
	}
	fmt.Fprintln(w, `Answer each question and press Enter. An empty line keeps the value shown;
"-" clears an optional one. ctrl+c quits without writing anything.`)
	for _, p := range pages {
		if p.name == "deployment" && d.Out == "" {
			d.Out = defaultOut(d)
		}
		if p.name == "modules" {
			d.selectModules(opts.Answers)
		}
		steps := p.steps
		if p.accessibleSteps != nil {
			steps = p.accessibleSteps
		}
		for _, s := range steps {
			if !s.applies(d) {
				continue
			}
			fields := s.fields(d, config.Series(d.Series))
			if err := ask(s.title, s.description, fields); err != nil {
				return abortedOutcome(w, err)
			}
			if p.name == "modules" {
				d.applySelection(opts.Answers)
			}
			d.follow() // the same follow-ups as the terminal UI
		}
	}
	a := d.toAnswers(opts.Answers)
	out2 := strings.TrimSpace(opt(d.Out))
	if out2 == "" {
		out2 = defaultOut(d)
	}
	plan, err := opts.Plan(a, out2)
	if err != nil {
		var problems config.Problems
		if errors.As(err, &problems) {
			// The caller lists them (main: exit 2, each naming its field).
			return Outcome{Answers: a, Out: out2, Err: problems}, nil
		}
		return Outcome{}, err
	}
	// The same listing as the wizard's review, as plain text: modes,
	// owners, sizes, diffs and warnings, not only the names.
	l, err := opts.listing(out2, plan)
	if err != nil {
		return Outcome{}, err
	}
	fmt.Fprintf(w, "\nThe files for %s:\n", out2)
	if err := l.WriteText(w, ""); err != nil {
		return Outcome{}, err
	}
	d.Confirm = false
	if err := ask("Write these files?", "", []huh.Field{huh.NewConfirm().Title("Write these files?").Value(&d.Confirm)}); err != nil {
		return abortedOutcome(w, err)
	}
	if !d.Confirm {
		fmt.Fprintln(w, "Nothing written.")
		return Outcome{Answers: a, Out: out2, Aborted: true}, nil
	}
	res, err := opts.Write(out2, plan)
	return Outcome{Answers: a, Out: out2, Plan: plan, Result: res, Err: err}, nil
}

var errInputEnded = errors.New("the input ended before the last question")

func abortedOutcome(w io.Writer, err error) (Outcome, error) {
	if errors.Is(err, huh.ErrUserAborted) || errors.Is(err, errInputEnded) {
		fmt.Fprintf(w, "\nStopped (%v); nothing written.\n", err)
		return Outcome{Aborted: true}, nil
	}
	return Outcome{}, err
}

// lineReader hands huh one byte per Read. huh's accessible prompts make a
// new bufio.Scanner for every question; over a pipe the first one would
// swallow all buffered lines and the rest would see nothing. It also
// notes when a prompt found the input ended (eof). A last line without a
// newline is still an answer: the scanner returns it at the end.
type lineReader struct {
	r       io.Reader
	eof     bool
	partial bool // bytes read since the last newline
	ended   bool // the input has ended once already
}

func (l *lineReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n, err := l.r.Read(p[:1])
	if n > 0 {
		l.partial = p[0] != '\n'
	}
	if errors.Is(err, io.EOF) {
		l.eof = l.eof || l.ended || n == 0 && !l.partial
		l.ended, l.partial = true, false
	}
	return n, err
}
