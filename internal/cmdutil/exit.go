package cmdutil

import (
	"errors"
	"fmt"
)

// Exit codes, documented in the README and relied on by CI pipelines.
const (
	ExitOK       = 0 // nothing failed
	ExitError    = 1 // could not run at all
	ExitUsage    = 2 // bad flags or arguments
	ExitFindings = 3 // at least one check FAILed
	ExitUnknown  = 4 // at least one check could not be evaluated (ERROR), none FAILed
	ExitPartial  = 5 // a change was planned and approved but not (all) made
)

// ErrSilent asks main to exit non-zero without printing anything more: the
// command already told the user what happened.
var ErrSilent = errors.New("silent")

// ExitCodeError carries an exit code out of a command whose output is complete.
type ExitCodeError struct{ Code int }

func (e *ExitCodeError) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// UsageError is a mistake in flags or arguments.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Usagef returns a UsageError with a formatted message.
func Usagef(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// ExitCode maps an error returned by a command to the process exit code.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var ec *ExitCodeError
	if errors.As(err, &ec) {
		return ec.Code
	}
	var ue *UsageError
	if errors.As(err, &ue) {
		return ExitUsage
	}
	return ExitError
}
