package cmdutil

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
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

// ExitCodeError carries an exit code out of a command whose output is
// complete: main prints nothing more.
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
	// An engine's error that says the user's request cannot be met as given
	// (orgscan.EmptySelectionError), without the engine knowing cmdutil.
	var usage interface{ Usage() bool }
	if errors.As(err, &usage) && usage.Usage() {
		return ExitUsage
	}
	return ExitError
}

// NoSubcommand is the RunE of a command that only groups others (the root,
// `alert`): run bare it shows its help; with an argument that names no
// subcommand it is a usage error (exit 2), not cobra's plain error (exit 1)
// or the help with exit 0. It names the nearest subcommands, as cobra does.
func NoSubcommand(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		if cmd.SuggestionsMinimumDistance <= 0 {
			cmd.SuggestionsMinimumDistance = 2
		}
		if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
			return Usagef("unknown command %q for %q (did you mean %s?)", args[0], cmd.CommandPath(), strings.Join(s, " or "))
		}
		return Usagef("unknown command %q for %q", args[0], cmd.CommandPath())
	}
	return cmd.Help()
}

// RequireValues refuses a list flag that was given but names nothing
// (`--accounts ""`): pflag reads it as an empty list, which would silently
// mean the flag's default instead.
func RequireValues(cmd *cobra.Command, names ...string) error {
	for _, name := range names {
		f := cmd.Flags().Lookup(name)
		if f == nil || !f.Changed {
			continue
		}
		if v, err := cmd.Flags().GetStringSlice(name); err == nil && len(v) == 0 {
			return Usagef("--%s needs at least one value", name)
		}
	}
	return nil
}
