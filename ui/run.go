package ui

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
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
// readers, TERM=dumb and piped input: one prompt per line, each with its
// description and current value, follow-up questions only when they
// apply, no colour (NO_COLOR and pipes are respected through a
// colour-profile writer). An empty line keeps the value shown. Input that
// ends before the last question, or ctrl+c, stops it: nothing is written,
// and the Outcome says Aborted (main says so, once, and exits 130).
func RunAccessible(opts Options, in io.Reader, out io.Writer, env []string) (Outcome, error) {
	interrupt := make(chan os.Signal, 1)
	signal.Notify(interrupt, os.Interrupt)
	defer signal.Stop(interrupt)
	return runAccessible(opts, in, out, env, interrupt)
}

// runAccessible is RunAccessible with ctrl+c arriving on interrupt.
func runAccessible(opts Options, in io.Reader, out io.Writer, env []string, interrupt <-chan os.Signal) (Outcome, error) {
	d := fromAnswers(opts.Answers, opts.Out)
	d.accessible = true
	r := newLineReader(in, interrupt)
	defer r.close()
	w := colorprofile.NewWriter(out, env)
	a := &asker{in: r, w: w, d: d, base: opts.Answers}
	fmt.Fprintln(w, `Answer each question and press Enter. An empty line keeps the value shown
after "Now:" (or the option marked "now"); "-" clears an optional one.
ctrl+c quits without writing anything.`)
	for {
		if err := askPages(a, opts.Answers); err != nil {
			return stopped(err)
		}
		answers := d.toAnswers(opts.Answers)
		dir := strings.TrimSpace(opt(d.Out))
		if dir == "" {
			dir = defaultOut(d)
		}
		plan, err := opts.Plan(answers, dir)
		if err != nil {
			var problems config.Problems
			if errors.As(err, &problems) {
				// The caller lists them (main: exit 2, each naming its field).
				return Outcome{Answers: answers, Out: dir, Err: problems}, nil
			}
			return Outcome{}, err
		}
		// The same listing as the wizard's review, as plain text: modes,
		// owners, sizes, diffs and warnings, not only the names.
		l, err := opts.listing(dir, plan)
		if err != nil {
			return Outcome{}, err
		}
		fmt.Fprintf(w, "\nThe files for %s:\n", dir)
		if err := l.WriteText(w, ""); err != nil {
			return Outcome{}, err
		}
		if n := replacedIn(l); n > 0 && !opts.DryRun {
			fmt.Fprintln(w, "\n"+replaceNote(n, opts.BackupDir))
		}
		if opts.DryRun {
			// The review was the dry run (--dry-run).
			fmt.Fprintln(w, "\nDry run: nothing written.")
			return Outcome{Answers: answers, Out: dir, Plan: plan, DryRun: true, Listing: l}, nil
		}
		// Write is the default, as on the terminal UI's review; no goes
		// back to the questions, every answer kept.
		d.Confirm = true
		confirm := huh.NewConfirm().Title("Write these files?").
			Description("No goes back to the first question; every answer is kept.").Value(&d.Confirm)
		if err := a.ask(confirm); err != nil {
			return stopped(err)
		}
		fmt.Fprintln(w) // what follows is not the answer (piped input is not echoed)
		if d.Confirm {
			res, err := opts.Write(dir, plan)
			return Outcome{Answers: answers, Out: dir, Plan: plan, Result: res, Err: err}, nil
		}
		fmt.Fprintln(w, "Back to the first question; an empty line keeps each answer.")
	}
}

// askPages asks every page's questions that apply, in order.
func askPages(a *asker, base config.Answers) error {
	d := a.d
	for _, p := range pages {
		if p.name == "deployment" && d.Out == "" {
			d.Out = defaultOut(d)
		}
		if p.name == "modules" {
			d.selectModules(base)
		}
		steps := p.steps
		if p.accessibleSteps != nil {
			steps = p.accessibleSteps
		}
		for _, s := range steps {
			if !s.applies(d) {
				continue
			}
			// The welcome page's text is about the terminal UI; the
			// opening lines say what matters here.
			if p.name != "welcome" {
				a.section(s.title, s.description)
			}
			// The fields are built again before each question, so that
			// its texts and value follow the answers just given.
			for i := 0; ; i++ {
				fields := s.fields(d, config.Series(d.Series))
				if i == len(fields) {
					break
				}
				if err := a.ask(fields[i]); err != nil {
					return err
				}
				d.follow() // the same follow-ups as the terminal UI
			}
			if p.name == "modules" {
				d.applySelection(base)
			}
		}
	}
	return nil
}

// stopped ends a run that the input's end or ctrl+c stopped: nothing is
// written, and main says so once. Other errors are failures.
func stopped(err error) (Outcome, error) {
	if errors.Is(err, errInputEnded) || errors.Is(err, errInterrupted) {
		return Outcome{Aborted: true}, nil
	}
	return Outcome{}, err
}
