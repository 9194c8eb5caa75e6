package ui

import (
	"bufio"
	"errors"
	"io"
	"os"
	"strings"
)

// lineReader is the accessible wizard's input. It hands out one byte per
// Read: huh's prompts make a new bufio.Scanner for every question, and
// over a pipe the first one would swallow all buffered lines. The bytes
// come from a goroutine, so that ctrl+c (interrupt) ends a Read that
// waits for a line. It notes whether the input ended (eof) or was
// interrupted, and the last line read as typed (last). A last line
// without a newline is still an answer: the scanner returns it at the end.
type lineReader struct {
	bytes     chan chunk
	want      chan struct{} // asks the goroutine for the next byte
	pending   bool          // asked, and not received yet
	quit      chan struct{}
	interrupt <-chan os.Signal

	err         error // what the source returned last, once it failed
	eof         bool
	interrupted bool
	partial     bool // bytes read since the last newline
	ended       bool // the input has ended once already
	cur         []byte
	last        string
}

// chunk is one Read of the source: at most one byte, and its error.
type chunk struct {
	b   byte
	n   int
	err error
}

// newLineReader reads r; a value on interrupt stops the Read waiting.
// The goroutine reads only while a Read waits, so nothing is read ahead
// of the questions; close ends it (unless it waits for r).
func newLineReader(r io.Reader, interrupt <-chan os.Signal) *lineReader {
	l := &lineReader{bytes: make(chan chunk), want: make(chan struct{}), quit: make(chan struct{}), interrupt: interrupt}
	go func() {
		var b [1]byte
		for {
			select {
			case <-l.want:
			case <-l.quit:
				return
			}
			n, err := r.Read(b[:])
			for n == 0 && err == nil {
				n, err = r.Read(b[:])
			}
			select {
			case l.bytes <- chunk{b[0], n, err}:
			case <-l.quit:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return l
}

func (l *lineReader) close() { close(l.quit) }

func (l *lineReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if l.interrupted {
		return 0, errInterrupted
	}
	c := chunk{err: l.err}
	if l.err == nil {
		if !l.pending {
			l.want <- struct{}{}
			l.pending = true
		}
		select {
		case c = <-l.bytes:
			l.err, l.pending = c.err, false
		case <-l.interrupt:
			l.interrupted = true
			return 0, errInterrupted
		}
	}
	if c.n > 0 {
		p[0] = c.b
		l.partial = c.b != '\n'
		if c.b == '\n' {
			l.last, l.cur = strings.TrimSuffix(string(l.cur), "\r"), l.cur[:0]
		} else {
			l.cur = append(l.cur, c.b)
		}
	}
	if c.err != nil {
		if len(l.cur) > 0 {
			l.last, l.cur = strings.TrimSuffix(string(l.cur), "\r"), l.cur[:0]
		}
		l.eof = l.eof || l.ended || c.n == 0 && !l.partial || !errors.Is(c.err, io.EOF)
		l.ended, l.partial = true, false
	}
	return c.n, c.err
}

// line reads one line for a prompt of the accessible wizard's own.
func (l *lineReader) line() (string, error) {
	s := bufio.NewScanner(l)
	if !s.Scan() {
		l.eof = l.eof || !l.interrupted
		return "", l.stopped()
	}
	return s.Text(), l.stopped()
}

// stopped says why the wizard must stop: ctrl+c, or the input ended
// before an answer; nil while answers come.
func (l *lineReader) stopped() error {
	switch {
	case l.interrupted:
		return errInterrupted
	case l.eof:
		return errInputEnded
	}
	return nil
}

// byteReader hands out one byte per Read, for huh's prompts (see
// lineReader).
type byteReader struct{ r io.Reader }

func (b *byteReader) Read(p []byte) (int, error) {
	if len(p) > 1 {
		p = p[:1]
	}
	return b.r.Read(p)
}
