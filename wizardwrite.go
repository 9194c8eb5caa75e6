package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"prosody-wizard/config"
	"prosody-wizard/safeio"
	"prosody-wizard/scaffold"
	"prosody-wizard/ui"
)

// The wizard's write. Its review lists every file as new, changed or the
// same and says that Write replaces the changed ones, keeping each old one
// as NAME.bak.<time> (or under --backup-dir): a re-run that changes a setup
// is the point of the wizard, so confirming that review is the --force the
// command line asks for. What the review did not show is never replaced:
// a file that changed since (another run, an editor) stops the write,
// unless --force was given.

// reviewed remembers the last comparison the wizard's review made (its
// Compare), per output folder: what the person saw before confirming.
type reviewed struct {
	mu   sync.Mutex
	out  string
	seen []scaffold.Change
}

func (r *reviewed) remember(out string, changes []scaffold.Change) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.out, r.seen = out, changes
}

// changes are those remembered for out; nil when the review compared
// another folder, or none.
func (r *reviewed) changes(out string) []scaffold.Change {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.out != out {
		return nil
	}
	return r.seen
}

// writeWizardPlan is the wizard's write: the plan its review showed, into
// the locked folder, replacing the changed files the review listed (seen)
// and keeping backups; files changed since the review stop it, unless
// --force (scaffold.ApplyOptions.Reviewed). The wait for another run is
// not announced: the wizard owns the terminal, and reports a BusyError
// itself.
func writeWizardPlan(out string, plan scaffold.Plan, o options, seen []scaffold.Change) (scaffold.Result, error) {
	l, err := lockOutput(out, io.Discard)
	if err != nil {
		return scaffold.Result{}, err
	}
	if seen == nil {
		seen = []scaffold.Change{} // the review saw nothing changed
	}
	res, err := applyLocked(l, out, plan, o, seen)
	l.release(len(res.Written) > 0)
	return res, err
}

// savedAnswersPrefix and savedAnswersSuffix frame the name of the file the
// answers are saved in when writing failed; the generated .gitignore
// ignores such files (they hold the database password).
const (
	savedAnswersPrefix = "prosody-wizard-answers-"
	savedAnswersSuffix = ".yaml"
)

// saveAnswers keeps the answers of a wizard run whose write failed, so that
// what a person typed is never lost: in a new file at the top of the output
// folder out, opened through safeio (no link is followed), else, when that
// folder is not there or takes no file, in the temporary folder. The file
// is created with O_EXCL (a file already there is never overwritten;
// another name is chosen) and mode 0600: the answers hold the database
// password as typed. It returns the file's absolute path.
func saveAnswers(out string, a config.Answers) (string, error) {
	data := config.Marshal(a)
	var errs []error
	for _, dir := range []string{out, os.TempDir()} {
		path, err := saveIn(dir, data)
		if err == nil {
			return path, nil
		}
		errs = append(errs, err)
	}
	return "", fmt.Errorf("cannot save the answers: %w", errors.Join(errs...))
}

// saveIn writes data to a new file at the top of the folder dir, opened
// through safeio (see saveAnswers), and returns its absolute path.
func saveIn(dir string, data []byte) (string, error) {
	t, err := safeio.OpenTree(dir)
	if err != nil {
		return "", err
	}
	defer t.Close()
	name, err := safeio.CreateNew(t, ".", savedAnswersPrefix, savedAnswersSuffix, bytes.NewReader(data))
	if err != nil {
		return "", err
	}
	return t.Abs(name), nil
}

// savedError is a failed write whose answers were saved (saveAnswers):
// exitCode reports err, then where the answers are and how to go on.
type savedError struct {
	err  error
	path string // the saved answers
	out  string // the output folder they were for
}

func (e *savedError) Error() string { return e.err.Error() }
func (e *savedError) Unwrap() error { return e.err }

// hint says where the answers are and how to start from them again.
func (e *savedError) hint() string {
	return fmt.Sprintf("Your answers are saved in %s\n(mode 0600: it holds the database password). Start from them again:\n  %s\n",
		e.path, scaffold.ShellCommand("prosody-wizard", "--answers", e.path, "--edit", "--out", e.out))
}

// dryRunWizard ends a wizard run with --dry-run: the review was the dry
// run; the listing it showed goes to stdout, and nothing is written.
func dryRunWizard(outcome ui.Outcome, stdout io.Writer) error {
	return printDryRun(stdout, outcome.Listing, outcome.Answers, displayDir(outcome.Out))
}
