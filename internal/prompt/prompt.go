// Package prompt asks the user things on the terminal. Commands depend on the
// Prompter interface so tests can answer for the user.
package prompt

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/rootguard/rootguard/internal/iostreams"
)

// ErrNoTTY is returned when a prompt is needed but stdin is not a terminal.
var ErrNoTTY = errors.New("cannot prompt: stdin is not a terminal")

// Prompter asks questions on stderr and reads answers from stdin.
type Prompter interface {
	// ConfirmTyped asks the user to type want exactly (an account ID before
	// an irreversible deletion). It returns false on any other answer.
	ConfirmTyped(question, want string) (bool, error)
	// Secret reads a line without echoing it (a webhook URL).
	Secret(question string) (string, error)
}

// Terminal is the interactive Prompter.
type Terminal struct{ ios *iostreams.IOStreams }

// NewTerminal returns a Prompter on the given streams.
func NewTerminal(ios *iostreams.IOStreams) *Terminal { return &Terminal{ios: ios} }

// ConfirmTyped implements Prompter.
func (t *Terminal) ConfirmTyped(question, want string) (bool, error) {
	if !t.ios.IsStdinTTY() {
		return false, ErrNoTTY
	}
	fmt.Fprintf(t.ios.ErrOut, "%s ", question)
	line, err := bufio.NewReader(t.ios.In).ReadString('\n')
	if err != nil && line == "" {
		return false, fmt.Errorf("read confirmation: %w", err)
	}
	return strings.TrimSpace(line) == want, nil
}

// Secret implements Prompter. On a terminal the input is not echoed.
func (t *Terminal) Secret(question string) (string, error) {
	if !t.ios.IsStdinTTY() {
		return "", ErrNoTTY
	}
	fmt.Fprintf(t.ios.ErrOut, "%s ", question)
	b, err := term.ReadPassword(int(os.Stdin.Fd()))
	fmt.Fprintln(t.ios.ErrOut)
	if err != nil {
		return "", fmt.Errorf("read secret: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}
