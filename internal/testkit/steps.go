package testkit

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// StepError names the cell and the step of an end-to-end suite that
// failed.
type StepError struct {
	Cell, Step string
	Err        error
}

func (e *StepError) Error() string {
	return fmt.Sprintf("cell %s, step %s: %v", e.Cell, e.Step, e.Err)
}

func (e *StepError) Unwrap() error { return e.Err }

// Report collects an end-to-end suite's step timings, one line per step,
// and writes them once (Write).
type Report struct {
	// Title heads the lines, e.g. "end-to-end timings (cell, step, time)".
	Title string
	mu    sync.Mutex
	lines []string
}

// Step runs fn as the step name of cell, logs and records how long it took
// (the line is prefix, then the step, then the time), and wraps its error
// in a StepError.
func (rep *Report) Step(t testing.TB, prefix, cell, name string, fn func() error) error {
	t.Helper()
	start := time.Now()
	err := fn()
	took := time.Since(start)
	rep.mu.Lock()
	rep.lines = append(rep.lines, fmt.Sprintf("%s %-46s %10.1f ms", prefix, name, float64(took.Microseconds())/1000))
	rep.mu.Unlock()
	t.Logf("%s: %s (%v)", cell, name, took.Round(time.Millisecond))
	if err != nil {
		return &StepError{Cell: cell, Step: name, Err: err}
	}
	return nil
}

// Write logs the lines recorded so far and appends them to the file
// $PW_E2E_REPORT names (.ci/run prints it at the end); each line is
// written once, whichever test writes next.
func (rep *Report) Write(t testing.TB) {
	rep.mu.Lock()
	defer rep.mu.Unlock()
	if len(rep.lines) == 0 {
		return
	}
	text := rep.Title + ":\n" + strings.Join(rep.lines, "\n") + "\n"
	rep.lines = nil
	if path := os.Getenv("PW_E2E_REPORT"); path != "" {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err == nil {
			_, _ = f.WriteString(text)
			f.Close()
		}
	}
	t.Log(text)
}

// Need is a suite's check for what it needs: nothing when ok; else the test
// skips, or fails when the variable require is "1" (as CI sets it).
func Need(t testing.TB, require string, ok bool, what string) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv(require) == "1" {
		t.Fatalf("this test needs %s (%s=1)", what, require)
	}
	t.Skipf("this test needs %s; run the README's test command", what)
}

// FirstLine is s up to its first newline.
func FirstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
