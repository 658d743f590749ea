// Package iostreams decides, once, where a command reads and writes and whether those are
// terminals with colour. Commands never look at os.Stdout themselves, so tests can hand them buffers.
package iostreams

import (
	"bytes"
	"io"
	"os"

	"golang.org/x/term"
)

// IOStreams are a command's input and outputs plus what they are connected to.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdinTTY, stdoutTTY, stderrTTY bool
	colorDisabled                  bool
}

// System returns streams on the process's stdin/stdout/stderr. NO_COLOR set to any non-empty
// value turns colour off (https://no-color.org: an empty NO_COLOR does not), as does TERM=dumb.
func System() *IOStreams {
	noColor := os.Getenv("NO_COLOR") != ""
	return &IOStreams{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		stdinTTY:      term.IsTerminal(int(os.Stdin.Fd())),
		stdoutTTY:     term.IsTerminal(int(os.Stdout.Fd())),
		stderrTTY:     term.IsTerminal(int(os.Stderr.Fd())),
		colorDisabled: noColor || os.Getenv("TERM") == "dumb",
	}
}

// Test returns streams on buffers: no terminal, no colour.
func Test() (ios *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut, colorDisabled: true}, in, out, errOut
}

// IsStdinTTY reports whether standard input is a terminal.
func (s *IOStreams) IsStdinTTY() bool { return s.stdinTTY }

// IsStdoutTTY reports whether standard output is a terminal.
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }

// IsStderrTTY reports whether standard error is a terminal (progress bars go there).
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }

// Interactive reports whether a person can answer prompts: both stdin and stdout are terminals.
func (s *IOStreams) Interactive() bool { return s.stdinTTY && s.stdoutTTY }

// ColorEnabled reports whether output to stdout may use colour.
func (s *IOStreams) ColorEnabled() bool { return s.stdoutTTY && !s.colorDisabled }

// SetTTY overrides terminal detection (tests).
func (s *IOStreams) SetTTY(stdin, stdout, stderr bool) {
	s.stdinTTY, s.stdoutTTY, s.stderrTTY = stdin, stdout, stderr
}

// SetColorDisabled overrides colour detection (tests, --no-color).
func (s *IOStreams) SetColorDisabled(v bool) { s.colorDisabled = v }
