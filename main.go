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
	"strconv"
	"syscall"
	"time"

	"github.com/spf13/afero"
	"golang.org/x/term"

	"prosody-wizard/config"
	"prosody-wizard/scaffold"
)

// Exit codes (answers-v1.md): only main exits.
const (
	exitOK      = 0
	exitFailed  = 1   // failed while writing or checking
	exitUsage   = 2   // usage error or invalid answers; nothing written
	exitAborted = 130 // aborted by the user; nothing written
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

var errUsage = errors.New("usage")

// options are the command line flags.
type options struct {
	answers    string
	out        string
	dryRun     bool
	force      bool
	accessible bool
	version    bool
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fl := flag.NewFlagSet("prosody-wizard", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.StringVar(&o.answers, "answers", "", "answers `FILE` (YAML, schema version 1): write without asking")
	fl.StringVar(&o.out, "out", "", "output `DIR` (compose: ./<primary domain>; host: /)")
	fl.BoolVar(&o.dryRun, "dry-run", false, "print the plan (path, mode, owner, size, new/changed/same) and write nothing")
	fl.BoolVar(&o.force, "force", false, "write over existing files, keeping each old one as NAME.bak.<time>")
	fl.BoolVar(&o.accessible, "accessible", false, "plain line prompts (screen readers, TERM=dumb, piped input)")
	fl.BoolVar(&o.version, "version", false, "print the version and exit")
	fl.Usage = func() {
		fmt.Fprint(stderr, `prosody-wizard: from nothing to a working, secure Prosody XMPP server.

Usage:
  prosody-wizard                                  ask in the terminal
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
		return o, err
	}
	if fl.NArg() > 0 {
		fmt.Fprintf(stderr, "prosody-wizard: unexpected argument %q (did you mean --answers %s?)\n", fl.Arg(0), fl.Arg(0))
		return o, errUsage
	}
	return o, nil
}

func run(args []string, stdin *os.File, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		return exitUsage
	}
	if o.version {
		fmt.Fprintln(stdout, "prosody-wizard", version())
		return exitOK
	}
	if o.answers == "" {
		return noAnswers(stdin, stderr)
	}

	a, err := config.Load(o.answers)
	if err != nil {
		return reportError(stderr, o.answers, err, exitUsage)
	}
	if problems := config.Validate(a); len(problems) > 0 {
		return reportProblems(stderr, o.answers, problems)
	}
	return write(a, o, stdout, stderr)
}

// noAnswers explains the ways forward when there is nothing to read.
func noAnswers(stdin *os.File, stderr io.Writer) int {
	if !term.IsTerminal(int(stdin.Fd())) {
		fmt.Fprint(stderr, `prosody-wizard: no terminal to ask in, and no --answers file.
Either run it in a terminal to answer the questions, or describe the setup in
an answers file and run: prosody-wizard --answers answers.yaml
(the README's "Answers file" section lists every key).
`)
		return exitUsage
	}
	fmt.Fprint(stderr, `prosody-wizard: the interactive wizard is not in this build yet.
For now, describe the setup in an answers file and run:
  prosody-wizard --answers answers.yaml --dry-run   # see what would be written
  prosody-wizard --answers answers.yaml             # write it
The README's "Answers file" section lists every key.
`)
	return exitUsage
}

// reportError prints an error: problems with the answers (exit 2, each
// naming its field), or anything else with the given exit code.
func reportError(w io.Writer, file string, err error, code int) int {
	var problems config.Problems
	if errors.As(err, &problems) {
		return reportProblems(w, file, problems)
	}
	fmt.Fprintf(w, "prosody-wizard: %v\n", err)
	return code
}

func reportProblems(w io.Writer, file string, problems config.Problems) int {
	fmt.Fprintf(w, "prosody-wizard: %s has %d problem(s); nothing was written:\n", file, len(problems))
	for _, p := range problems {
		fmt.Fprintf(w, "  %s\n", p.Error())
	}
	return exitUsage
}

// write plans the setup and applies it (or prints it, with --dry-run).
func write(a config.Answers, o options, stdout, stderr io.Writer) int {
	out := o.out
	if out == "" {
		out = "/"
		if a.Deploy == config.DeployCompose {
			out = config.ALabel(a.Primary())
		}
	}
	abs, err := filepath.Abs(out)
	if err != nil {
		fmt.Fprintf(stderr, "prosody-wizard: %v\n", err)
		return exitUsage
	}
	root := afero.NewBasePathFs(afero.NewOsFs(), abs)
	who := scaffold.Invoker{UID: os.Getuid(), GID: os.Getgid(), SudoUID: os.Getenv("SUDO_UID"), SudoGID: os.Getenv("SUDO_GID"),
		OutOwner: ownerOfNearest(abs), Root: out}
	owner, note, err := scaffold.ResolveOwner(a, root, who)
	if err != nil {
		fmt.Fprintf(stderr, "prosody-wizard: %v\n", err)
		return exitFailed
	}
	if note != "" {
		fmt.Fprintf(stderr, "prosody-wizard: note: %s\n", note)
	}
	plan, err := scaffold.NewPlan(a, scaffold.Inputs{Now: time.Now(), Owner: owner, Source: afero.NewReadOnlyFs(afero.NewOsFs()), Existing: afero.NewReadOnlyFs(root)})
	if err != nil {
		return reportError(stderr, o.answers, err, exitFailed)
	}
	if o.dryRun {
		return dryRun(root, plan, a, out, stdout, stderr)
	}
	if blocked := unwritable(abs, plan, root); len(blocked) > 0 {
		fmt.Fprintf(stderr, "prosody-wizard: cannot write here, so nothing was written: %s\nRun as root (sudo) or choose another folder with --out.\n", blocked[0])
		return exitFailed
	}
	res, err := scaffold.Apply(root, plan, scaffold.ApplyOptions{Force: o.force, Now: time.Now(), Root: out})
	var conflict *scaffold.ConflictError
	if errors.As(err, &conflict) {
		fmt.Fprintf(stderr, "prosody-wizard: %d existing file(s) differ from what the answers produce; nothing was written:\n", len(conflict.Paths))
		for _, p := range conflict.Paths {
			fmt.Fprintf(stderr, "  %s\n", p)
		}
		fmt.Fprint(stderr, "See the changes with --dry-run; replace them with --force (each old file is kept as NAME.bak.<time>).\n")
		return exitFailed
	}
	if err != nil {
		fmt.Fprintf(stderr, "prosody-wizard: %v\n", err)
		return exitFailed
	}
	summary(stdout, a, out, plan, res)
	return exitOK
}

func dryRun(root afero.Fs, plan scaffold.Plan, a config.Answers, out string, stdout, stderr io.Writer) int {
	changes, err := scaffold.Compare(root, plan)
	if err != nil {
		fmt.Fprintf(stderr, "prosody-wizard: %v\n", err)
		return exitFailed
	}
	fmt.Fprintf(stdout, "Plan for %s (%s, Prosody %s); nothing written:\n", out, a.Deploy, a.Prosody)
	for _, c := range changes {
		status := c.Status.String()
		if c.ModeOnly {
			status = "mode"
		}
		size := strconv.Itoa(len(c.Data))
		switch {
		case c.IsDir():
			size = "folder"
		case c.Secret:
			size = "secret"
		}
		fmt.Fprintf(stdout, "  %-7s %04o %5d:%-5d %7s  %s\n", status, c.Mode.Perm(), c.UID, c.GID, size, filepath.Join(out, c.Path))
	}
	return exitOK
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
	fmt.Fprintln(w, "\nNext steps:")
	for i, s := range plan.NextSteps {
		fmt.Fprintf(w, "  %d. %s\n", i+1, s)
	}
	if len(plan.Warnings) > 0 {
		fmt.Fprintln(w, "\nBefore going live:")
		for _, s := range plan.Warnings {
			fmt.Fprintf(w, "  - %s\n", s)
		}
	}
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

// unwritable names the first folder the plan needs to write in that this
// process may not, checked before anything is written.
func unwritable(abs string, plan scaffold.Plan, root afero.Fs) []string {
	changes, err := scaffold.Compare(root, plan)
	if err != nil {
		return nil // Apply reports it
	}
	checked := map[string]bool{}
	for _, c := range changes {
		if c.Status == scaffold.StatusSame && !c.ModeOnly {
			continue
		}
		d := filepath.Dir(filepath.Join(abs, c.Path))
		for {
			if _, err := os.Stat(d); err == nil || d == filepath.Dir(d) {
				break
			}
			d = filepath.Dir(d)
		}
		if checked[d] {
			continue
		}
		checked[d] = true
		if err := syscall.Access(d, 2 /* W_OK */); err != nil {
			return []string{fmt.Sprintf("%s (%v)", d, err)}
		}
	}
	return nil
}

func version() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "(devel)"
}
