// Command prosody-wizard takes a person from nothing to a working, secure
// Prosody XMPP server: it turns answers (asked in a terminal, or read from an
// answers file) into prosody.cfg.lua, certificates and a Docker Compose
// starter repo or a Debian host install. See README.md.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/afero"
	"golang.org/x/term"

	"prosody-wizard/config"
	"prosody-wizard/safeio"
	"prosody-wizard/scaffold"
	"prosody-wizard/ui"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run runs the command and reports how it ended: its exit code, and on
// stderr what went wrong.
func run(args []string, stdin *os.File, stdout, stderr io.Writer) int {
	return exitCode(stderr, command(args, stdin, stdout, stderr))
}

// The wizard's two front ends; tests replace them.
var (
	runWizard     = ui.Run
	runAccessible = ui.RunAccessible
)

// options are the command line flags.
type options struct {
	answers    string
	out        string
	dryRun     bool
	force      bool
	accessible bool
	edit       bool
	backupDir  string
	version    bool
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fl := flag.NewFlagSet("prosody-wizard", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.StringVar(&o.answers, "answers", "", "answers `FILE` (YAML, schema version 1; - reads standard input): write without asking")
	fl.StringVar(&o.out, "out", "", "output `DIR` (compose, kubernetes: ./<primary domain>; host: /)")
	fl.BoolVar(&o.dryRun, "dry-run", false, "print the plan (path, mode, owner, size, new/changed/same) and write nothing")
	fl.BoolVar(&o.force, "force", false, "write over existing files, keeping each old one as NAME.bak.<time>")
	fl.StringVar(&o.backupDir, "backup-dir", "", "with --force: keep backups in `DIR` (inside the output folder) instead of beside each file")
	fl.BoolVar(&o.accessible, "accessible", false, "plain line prompts (screen readers, TERM=dumb, piped input); also ACCESSIBLE=1")
	fl.BoolVar(&o.edit, "edit", false, "with --answers: open the wizard with every answer filled in from FILE")
	fl.BoolVar(&o.version, "version", false, "print the version and exit")
	fl.Usage = func() {
		fmt.Fprint(stderr, `prosody-wizard: from nothing to a working, secure Prosody XMPP server.

Usage:
  prosody-wizard                                  ask in the terminal
  prosody-wizard --accessible                     ask with plain line prompts
  prosody-wizard --answers FILE --edit            ask, starting from FILE's answers
  prosody-wizard --answers FILE [--out DIR]       write the setup FILE describes
  prosody-wizard --answers FILE --dry-run         show what would be written

Flags:
`)
		fl.PrintDefaults()
		fmt.Fprint(stderr, `
Exit codes: 0 done, 1 failed while writing, 2 usage error or invalid answers
(nothing written), 130 aborted (nothing written).
`)
	}
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, err
		}
		return o, &usageError{} // the flag package has said what is wrong
	}
	if fl.NArg() > 0 {
		return o, &usageError{fmt.Errorf("unexpected argument %q (did you mean --answers %s?)", fl.Arg(0), fl.Arg(0))}
	}
	return o, nil
}

// command is the whole run: ask or read the answers, then write (or show)
// the setup. What it prints on stderr itself is progress and notes; how
// it failed is its error, which exitCode reports.
func command(args []string, stdin *os.File, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	if o.version {
		fmt.Fprintln(stdout, "prosody-wizard", version())
		return nil
	}
	if o.answers == "-" && o.edit {
		return &usageError{errors.New("--edit needs an answers file: the wizard asks its questions on standard input, so it cannot also read the answers there")}
	}
	if o.answers == "" || o.edit {
		return wizard(o, stdin, stdout, stderr)
	}

	a, err := loadAnswers(o.answers, stdin)
	if err != nil {
		return &usageError{answersError(o.answers, err)}
	}
	s, problems := config.Resolve(a)
	if len(problems) > 0 {
		return &problemsError{o.answers, problems}
	}
	if o.out != "" {
		// The wizard's Output folder question checks the same.
		if msg := config.OutProblem(o.out, a.Deploy); msg != "" {
			return &usageError{fmt.Errorf("--out %s", msg)}
		}
	}
	return answersError(o.answers, write(s, o, stdout, stderr))
}

// wizard asks the questions: in the terminal UI, or as plain line prompts
// with --accessible, ACCESSIBLE=1 or TERM=dumb (which also work with piped
// input). It starts from --answers FILE with --edit, or from an
// answers.yaml in the current folder, else from the defaults.
func wizard(o options, stdin *os.File, stdout, stderr io.Writer) error {
	accessible := o.accessible || os.Getenv("ACCESSIBLE") != "" || os.Getenv("TERM") == "dumb"
	if !accessible && !term.IsTerminal(int(stdin.Fd())) {
		return errNoAnswers
	}
	start, out := config.Defaults(), o.out
	file, found := o.answers, false
	if file == "" {
		if _, err := os.Lstat(foundAnswers); err == nil {
			file, found = foundAnswers, true
		}
	}
	if file != "" {
		load := loadAnswers
		if found {
			load = func(string, io.Reader) (config.Answers, error) { return loadFoundAnswers() }
		}
		a, err := load(file, stdin)
		var problems config.Problems
		if err != nil && !errors.As(err, &problems) {
			return &usageError{err}
		}
		if errors.As(err, &problems) && len(a.Domains) == 0 {
			return &problemsError{file, problems}
		}
		start = a
		// A compose repo or a cluster's keeps its answers at its root: edit it in place.
		// By its full path: "." would not say which folder it is.
		if out == "" && a.Container() && filepath.Base(file) == "answers.yaml" {
			out = displayDir(filepath.Dir(file))
		}
	}
	// One Generated for the session: every plan (the preview's, the
	// review's) makes up the same secrets, so the password the preview
	// masked is the one the review lists and the write writes.
	gen := new(scaffold.Generated)
	var seen reviewed
	opts := ui.Options{
		Answers:   start,
		Out:       out,
		DryRun:    o.dryRun,
		BackupDir: o.backupDir,
		Plan: func(a config.Answers, out string) (scaffold.Plan, error) {
			s, problems := config.Resolve(a)
			if len(problems) > 0 {
				return scaffold.Plan{}, problems
			}
			return withView(out, func(root afero.Fs) (scaffold.Plan, error) {
				plan, _, err := planFor(s, out, root, gen)
				return plan, err
			})
		},
		Compare: func(out string, p scaffold.Plan) ([]scaffold.Change, error) {
			changes, err := withView(out, func(root afero.Fs) ([]scaffold.Change, error) { return scaffold.Compare(root, p) })
			seen.remember(out, changes)
			return changes, err
		},
		Diff: func(out string, c scaffold.Change) string {
			d, _ := withView(out, func(root afero.Fs) (string, error) { return scaffold.Diff(root, c), nil })
			return d
		},
		Write: func(out string, p scaffold.Plan) (scaffold.Result, error) {
			if o.dryRun { // the front ends end at the review; be safe
				return scaffold.Result{}, errors.New("--dry-run: nothing is written")
			}
			return writeWizardPlan(out, p, o, seen.changes(out))
		},
		SaveAnswers: saveAnswers,
	}
	run := runWizard
	if accessible {
		run = runAccessible
	}
	outcome, err := run(opts, stdin, stderr, os.Environ())
	switch {
	case err != nil:
		return err
	case outcome.Aborted:
		return errAborted
	case outcome.Err != nil:
		file := o.answers
		if file == "" {
			file = "this setup" // the answers were typed, not read from a file
		}
		err := answersError(file, outcome.Err)
		var problems *problemsError
		if errors.As(err, &problems) {
			return err
		}
		// Writing failed: the answers typed must not be lost with it.
		saved := outcome.Saved
		if saved == "" && len(outcome.Answers.Domains) > 0 {
			var serr error
			if saved, serr = saveAnswers(outcome.Out, outcome.Answers); serr != nil {
				return fmt.Errorf("%w (and saving the answers failed too: %v)", err, serr)
			}
		}
		if saved != "" {
			return &savedError{err: err, path: saved, out: displayDir(outcome.Out)}
		}
		return err
	case outcome.DryRun:
		return dryRunWizard(outcome, stdout)
	}
	ownerNote(stderr, outcome.Plan.OwnerNote)
	summary(stdout, outcome.Answers, displayDir(outcome.Out), outcome.Plan, outcome.Result)
	return nil
}

// foundAnswers is the answers file the wizard starts from when it finds one
// in the current folder (a generated compose repo has one).
const foundAnswers = "answers.yaml"

// loadFoundAnswers reads the answers.yaml found in the current folder. It
// was not named by the person, and the folder may be anyone's (the tool
// runs under sudo in repos other people made): a link there is not
// followed (an answers.yaml pointing at /etc/shadow would otherwise be read
// as root and its lines echoed as unknown keys), and only a regular file
// of at most safeio.MaxInput bytes is read. Naming the file with --answers
// follows a link, as for any input the person gives.
func loadFoundAnswers() (config.Answers, error) {
	t, err := safeio.OpenTree(".")
	if err != nil {
		return config.Answers{}, err
	}
	defer t.Close()
	data, err := safeio.ReadRegular(t, foundAnswers, safeio.MaxInput)
	var link *safeio.LinkError
	if errors.As(err, &link) {
		return config.Answers{}, fmt.Errorf("%s in the current folder is a symbolic link (to %q); the wizard does not follow a link it finds: remove it, or name the file you mean with --answers FILE --edit", foundAnswers, link.Target)
	}
	var odd *safeio.OddFileError
	if errors.As(err, &odd) {
		return config.Answers{}, fmt.Errorf("%s in the current folder is %s, not a regular file: remove it, or name the answers file with --answers FILE --edit", foundAnswers, odd.Kind)
	}
	if err != nil {
		return config.Answers{}, fmt.Errorf("%s in the current folder: %w", foundAnswers, err)
	}
	a, err := config.Parse(data)
	if info, serr := t.Stat(foundAnswers); serr == nil {
		if st, ok := info.Sys().(*syscall.Stat_t); ok {
			if msg := foreignTLSFiles(a, int(st.Uid), os.Geteuid(), invokerUID()); msg != "" {
				return config.Answers{}, errors.New(msg)
			}
		}
	}
	return a, err
}

// invoker is who runs prosody-wizard (see scaffold.Invoker).
func invoker() scaffold.Invoker {
	return scaffold.Invoker{UID: os.Getuid(), GID: os.Getgid(), SudoUID: os.Getenv("SUDO_UID"), SudoGID: os.Getenv("SUDO_GID")}
}

// invokerUID is the person running prosody-wizard: under sudo, the user
// who ran sudo.
func invokerUID() int {
	who := invoker()
	if o, ok := who.SudoUser(); ok {
		return o.UID
	}
	return who.UID
}

// foreignTLSFiles refuses to start from a found answers.yaml that someone
// else owns (owner, not the invoker) when it runs as root (euid 0) and
// names certificate files: the write copies tls.cert and tls.key into the
// output folder, so a repo's answers could have root copy any key on the
// machine into a folder its owner reads. Named with --answers, the file is
// the person's own choice.
func foreignTLSFiles(a config.Answers, owner, euid, invoker int) string {
	if euid != 0 || owner == invoker || a.TLS.Mode != config.TLSExisting {
		return ""
	}
	return fmt.Sprintf("%s in the current folder belongs to uid %d, not to you, and names certificate files that would be copied into this folder as root (tls.cert %q, tls.key %q): check them, then start from it by name: prosody-wizard --answers %s --edit",
		foundAnswers, owner, a.TLS.Cert, a.TLS.Key, foundAnswers)
}

// loadAnswers reads the answers file (see config.Load), or standard input
// for "-", at most safeio.MaxInput bytes. Read errors name --answers.
func loadAnswers(file string, stdin io.Reader) (config.Answers, error) {
	if file != "-" {
		a, err := config.Load(file)
		var problems config.Problems
		if err != nil && !errors.As(err, &problems) {
			err = fmt.Errorf("--answers: %w", err)
		}
		return a, err
	}
	data, err := safeio.ReadLimited(stdin, "standard input", safeio.MaxInput)
	if err != nil {
		return config.Answers{}, fmt.Errorf("--answers: %w", err)
	}
	return config.Parse(data)
}

// errNoAnswers explains the ways forward when there is nothing to read.
var errNoAnswers = &usageError{errors.New(`no terminal to ask in, and no --answers file.
Either run it in a terminal to answer the questions (or with --accessible for
plain line prompts, which also read piped input), or describe the setup in an
answers file and run: prosody-wizard --answers answers.yaml
(the README's "Answers file" section lists every key).`)}

// resolveOwner chooses the numeric owner for the output folder, seen
// through root (see scaffold.ResolveOwner); the note says how, when it had
// to guess.
func resolveOwner(a config.Answers, out string, root afero.Fs) (config.Owner, string, error) {
	abs, err := filepath.Abs(out)
	if err != nil {
		return config.Owner{}, "", err
	}
	who := invoker()
	who.OutOwner, who.Root = ownerOfNearest(abs), out
	return scaffold.ResolveOwner(a, root, who)
}

// planFor resolves the owner for the output folder and plans the resolved
// setup, reading the folder through root. The note (also the plan's
// OwnerNote) says how the owner was chosen when it had to guess.
func planFor(s config.Setup, out string, root afero.Fs, gen *scaffold.Generated) (scaffold.Plan, string, error) {
	owner, note, err := resolveOwner(s.Answers, out, root)
	if err != nil {
		return scaffold.Plan{}, "", err
	}
	plan, err := scaffold.NewPlan(s, scaffold.Inputs{Now: time.Now(), Owner: owner, OwnerNote: note,
		Source: afero.NewReadOnlyFs(afero.NewOsFs()), Existing: afero.NewReadOnlyFs(root), Generated: gen})
	return plan, note, err
}

// ownerNote prints how the owner was chosen, when it had to guess.
func ownerNote(stderr io.Writer, note string) {
	if note != "" {
		fmt.Fprintf(stderr, "prosody-wizard: note: %s\n", note)
	}
}

// write plans the setup and applies it (or prints it, with --dry-run).
// The output folder is locked from the plan to the end of the write, so a
// second run waits and then plans against what this one wrote. Its caller
// names the answers file in the error (answersError).
func write(s config.Setup, o options, stdout, stderr io.Writer) error {
	a := s.Answers
	out := o.out
	if out == "" {
		out = s.Out
	}
	if o.dryRun {
		_, err := withView(out, func(root afero.Fs) (struct{}, error) {
			plan, note, err := planFor(s, out, root, nil)
			ownerNote(stderr, note)
			if err != nil {
				return struct{}{}, err
			}
			return struct{}{}, dryRun(root, plan, a, displayDir(out), stdout)
		})
		return err
	}
	l, err := lockOutput(out, stderr)
	if err != nil {
		return err
	}
	plan, note, err := planFor(s, out, l.Tree, nil)
	ownerNote(stderr, note)
	if err != nil {
		l.release(false)
		return err
	}
	res, err := applyLocked(l, out, plan, o, nil)
	l.release(len(res.Written) > 0)
	if err != nil {
		return err
	}
	summary(stdout, a, displayDir(out), plan, res)
	return nil
}

// dryRun prints the plan's listing (see scaffold.Listing): the rows with
// full paths, the diffs, the warnings.
func dryRun(root afero.Fs, plan scaffold.Plan, a config.Answers, out string, stdout io.Writer) error {
	changes, err := scaffold.Compare(root, plan)
	if err != nil {
		return err
	}
	return printDryRun(stdout, scaffold.Describe(plan, changes, func(c scaffold.Change) string { return scaffold.Diff(root, c) }), a, out)
}

// printDryRun prints the listing of a dry run into out.
func printDryRun(stdout io.Writer, l scaffold.Listing, a config.Answers, out string) error {
	fmt.Fprintf(stdout, "Plan for %s (%s, Prosody %s); nothing written:\n", out, a.Deploy, a.Prosody)
	return l.WriteText(stdout, out)
}

func summary(w io.Writer, a config.Answers, out string, plan scaffold.Plan, res scaffold.Result) {
	if len(res.Written) == 0 {
		fmt.Fprintf(w, "Nothing to change in %s: it already matches the answers.\n", out)
	} else {
		fmt.Fprintf(w, "Wrote %d file(s) and folder(s) in %s (%d already up to date).\n", len(res.Written), out, len(res.Unchanged))
	}
	for _, b := range res.Backups {
		fmt.Fprintf(w, "  kept the old %s\n", filepath.Join(out, b))
	}
	if len(res.Chowns) > 0 {
		fmt.Fprintln(w, "\nTo finish, run as root (this user may not give files away):")
		for _, c := range res.Chowns {
			fmt.Fprintf(w, "  %s\n", c)
		}
	}
	if t := plan.Transition; t != nil {
		// What changes on the running server; its steps start the next steps.
		fmt.Fprintf(w, "\n%s\n", scaffold.Wrap(summaryWidth, "", t.Heading))
		for _, n := range t.Notes {
			fmt.Fprintln(w, "  - "+strings.TrimPrefix(scaffold.Wrap(summaryWidth, "    ", plan.MaskedStep(n)), "    "))
		}
	}
	fmt.Fprintln(w, "\nNext steps:")
	for i, s := range plan.NextSteps {
		nextStep(w, i+1, plan.MaskedStep(s))
	}
	// The warnings and DNS records, as every listing shows them.
	_ = scaffold.Listing{Warnings: plan.Warnings, DNS: plan.DNS}.WriteText(w, "")
	if plan.NotesFile != "" {
		fmt.Fprintf(w, "\nThe steps, with the commands whole, and the records are kept in %s.\n", filepath.Join(out, filepath.FromSlash(plan.NotesFile)))
	}
}

// summaryWidth is how wide the summary's prose may be.
const summaryWidth = 80

// nextStep prints one next step, "what: command": what it does, wrapped
// and numbered, then the command on a line of its own, to copy whole.
func nextStep(w io.Writer, n int, step string) {
	what, cmd := scaffold.SplitStep(step)
	number := fmt.Sprintf("  %d. ", n)
	indent := strings.Repeat(" ", len(number))
	if cmd == "" {
		fmt.Fprintln(w, number+strings.TrimPrefix(scaffold.Wrap(summaryWidth, indent, what), indent))
		return
	}
	fmt.Fprintln(w, number+strings.TrimPrefix(scaffold.Wrap(summaryWidth, indent, what+":"), indent))
	fmt.Fprintf(w, "%s  %s\n", indent, cmd)
}

// ownerOfNearest returns the owner of dir or of its nearest existing parent.
func ownerOfNearest(dir string) config.Owner {
	for d := dir; ; d = filepath.Dir(d) {
		if info, err := os.Stat(d); err == nil {
			if st, ok := info.Sys().(*syscall.Stat_t); ok {
				return config.Owner{UID: int(st.Uid), GID: int(st.Gid)}
			}
			break
		}
		if d == filepath.Dir(d) {
			break
		}
	}
	return config.Owner{UID: -1, GID: -1}
}

func version() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "(devel)"
}
