package main

import (
	"errors"
	"fmt"
	"io"

	"prosody-wizard/config"
	"prosody-wizard/scaffold"
)

// Exit codes (answers-v1.md): only main exits, with the code exitCode
// gives the error the run ended with.
const (
	exitOK      = 0
	exitFailed  = 1   // failed while writing or checking
	exitUsage   = 2   // usage error or invalid answers; nothing written
	exitAborted = 130 // aborted by the user; nothing written
)

// usageError is a mistake in how the tool was called or in what it was
// given to read: exit 2, nothing written. A nil err has been reported
// already (the flag package prints its own).
type usageError struct{ err error }

func (e *usageError) Error() string {
	if e.err == nil {
		return "usage"
	}
	return e.err.Error()
}

func (e *usageError) Unwrap() error { return e.err }

// problemsError is answers that do not hold together: exit 2, each
// problem naming its field, under the name of where the answers came from.
type problemsError struct {
	file     string // the answers file, or "this setup" for typed answers
	problems config.Problems
}

func (e *problemsError) Error() string {
	return fmt.Sprintf("%s has %d problem(s)", e.file, len(e.problems))
}

// answersError attributes err to the answers read from file: when it
// holds their problems, it becomes a problemsError.
func answersError(file string, err error) error {
	var problems config.Problems
	if errors.As(err, &problems) {
		return &problemsError{file, problems}
	}
	return err
}

// errAborted is a run the person stopped: exit 130, nothing written.
var errAborted = errors.New("stopped by the user")

// exitCode is the one place an error becomes an exit code and a message on
// stderr: a stop (130), files that differ (use --force), what stopped a
// write before it began, what a write that failed midway did and did not
// write (1), problems with the answers or the command line (2), or
// anything else (1).
func exitCode(stderr io.Writer, err error) int {
	var (
		conflict   *scaffold.ConflictError
		preflight  *scaffold.PreflightError
		incomplete *scaffold.IncompleteError
		problems   *problemsError
		usage      *usageError
		saved      *savedError
	)
	if errors.As(err, &saved) {
		// After what went wrong: where the answers are kept.
		defer fmt.Fprint(stderr, saved.hint())
	}
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errAborted):
		fmt.Fprintln(stderr, "prosody-wizard: stopped; nothing was written.")
		return exitAborted
	case errors.As(err, &conflict) && conflict.AfterReview:
		fmt.Fprintf(stderr, "prosody-wizard: %v\n", err)
	case errors.As(err, &conflict):
		fmt.Fprintf(stderr, "prosody-wizard: %d existing file(s) differ from what the answers produce; nothing was written:\n", len(conflict.Paths))
		for _, p := range conflict.Paths {
			fmt.Fprintf(stderr, "  %s\n", p)
		}
		fmt.Fprint(stderr, "See the changes with --dry-run; replace them with --force (each old file is kept as NAME.bak.<time>).\n")
	case errors.As(err, &preflight):
		fmt.Fprintln(stderr, "prosody-wizard: cannot write here, so nothing was written:")
		for _, p := range preflight.Problems {
			fmt.Fprintf(stderr, "  %s\n", p)
		}
		if preflight.Denied {
			fmt.Fprintln(stderr, "Run as root (sudo), or choose another folder with --out.")
		}
	case errors.As(err, &incomplete):
		fmt.Fprintf(stderr, "prosody-wizard: writing failed: %v\n", incomplete.Err)
		fmt.Fprintf(stderr, "Written (%d), each complete:\n", len(incomplete.Written))
		for _, p := range incomplete.Written {
			fmt.Fprintf(stderr, "  %s\n", p)
		}
		fmt.Fprintf(stderr, "Not written (%d):\n", len(incomplete.NotWritten))
		for _, p := range incomplete.NotWritten {
			fmt.Fprintf(stderr, "  %s\n", p)
		}
		fmt.Fprintln(stderr, "Fix the cause and run the same command again: it keeps what was written and completes the rest.")
	case errors.As(err, &problems):
		fmt.Fprintf(stderr, "prosody-wizard: %s has %d problem(s); nothing was written:\n", problems.file, len(problems.problems))
		for _, p := range problems.problems {
			fmt.Fprintf(stderr, "  %s\n", p.Error())
		}
		return exitUsage
	case errors.As(err, &usage):
		if usage.err != nil {
			fmt.Fprintf(stderr, "prosody-wizard: %v\n", usage.err)
		}
		return exitUsage
	default:
		fmt.Fprintf(stderr, "prosody-wizard: %v\n", err)
	}
	return exitFailed
}
