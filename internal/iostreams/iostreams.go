// Package iostreams carries the standard streams and what rootguard needs to
// know about them: whether they are terminals and whether colour is wanted.
package iostreams

import (
	"bytes"
	"io"
	"os"

	"golang.org/x/term"
)

// IOStreams is the set of streams a command reads and writes. stdout carries
// data only; prompts, progress and hints go to stderr.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdinTTY  bool
	stdoutTTY bool
	stderrTTY bool
	// stdoutFile: stdout is a regular file (`> report.json`), which no
	// one reads while the command runs.
	stdoutFile bool
	noColor    bool
}

// System returns streams bound to the process's stdin, stdout and stderr.
func System() *IOStreams {
	s := &IOStreams{
		In:        os.Stdin,
		Out:       os.Stdout,
		ErrOut:    os.Stderr,
		stdinTTY:  term.IsTerminal(int(os.Stdin.Fd())),
		stdoutTTY: term.IsTerminal(int(os.Stdout.Fd())),
		stderrTTY: term.IsTerminal(int(os.Stderr.Fd())),
		noColor:   colorOff(os.Getenv),
	}
	if fi, err := os.Stdout.Stat(); err == nil {
		s.stdoutFile = fi.Mode().IsRegular()
	}
	return s
}

// colorOff follows no-color.org: NO_COLOR set to a non-empty value turns
// colour off (NO_COLOR= does not), and so does TERM=dumb.
func colorOff(getenv func(string) string) bool {
	return getenv("NO_COLOR") != "" || getenv("TERM") == "dumb"
}

// Test returns streams backed by buffers, none of them a terminal.
func Test() (ios *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut, noColor: true}, in, out, errOut
}

// IsStdinTTY reports whether stdin is a terminal (prompts are possible).
func (s *IOStreams) IsStdinTTY() bool { return s.stdinTTY }

// IsStdoutTTY reports whether stdout is a terminal.
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }

// IsStderrTTY reports whether stderr is a terminal (progress bars are possible).
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }

// ProgressEnabled reports whether a progress bar may be drawn on stderr:
// stderr is a terminal, and stdout is either a terminal too (the bar is
// cleared before the report is written) or a regular file. When stdout is
// a pipe (`rootguard audit --org -o json | jq`), whatever reads it likely
// writes to the same terminal, and a bar would interleave with its output,
// so there is none — the GitHub CLI's rule (progress only when stdout and
// stderr are terminals), plus output redirected to a file.
func (s *IOStreams) ProgressEnabled() bool {
	return s.stderrTTY && (s.stdoutTTY || s.stdoutFile)
}

// SetStdoutFile overrides whether stdout is a regular file, for tests.
func (s *IOStreams) SetStdoutFile(file bool) { s.stdoutFile = file }

// SetTTY overrides terminal detection, for tests.
func (s *IOStreams) SetTTY(stdin, stdout, stderr bool) {
	s.stdinTTY, s.stdoutTTY, s.stderrTTY = stdin, stdout, stderr
}

// SetColor overrides colour detection, for tests.
func (s *IOStreams) SetColor(on bool) { s.noColor = !on }

// ColorEnabled reports whether stdout output may be coloured: a terminal and
// no NO_COLOR.
func (s *IOStreams) ColorEnabled() bool { return s.stdoutTTY && !s.noColor }
