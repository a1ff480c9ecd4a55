// Package test implements `rootguard alert test`.
package test

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/rootguard/rootguard/internal/alertstatus"
	"github.com/rootguard/rootguard/internal/cmdutil"
	"github.com/rootguard/rootguard/internal/iostreams"
	"github.com/rootguard/rootguard/internal/stack"
)

// Options are the flags and dependencies of `alert test`.
type Options struct {
	IO *iostreams.IOStreams
	// Engine identifies the caller and builds the engine for its account;
	// tests give a fake.
	Engine func(context.Context) (Engine, error)
	Now    func() time.Time

	Prefix string
	Wait   time.Duration
	Poll   time.Duration
	// DiagnoseWithin is the time given after Wait to find where an event
	// without an answer stopped; Wait + DiagnoseWithin bounds the command,
	// the SDK's retries of throttled calls included.
	DiagnoseWithin time.Duration
}

// diagnoseWithin is DiagnoseWithin's value: the diagnosis is four reads
// (the rule, both queues, the function's log), a second when AWS answers
// at once, and room for a few retries when it throttles.
const diagnoseWithin = 10 * time.Second

// Engine sends a test event through the pipeline and follows it
// (alertstatus.Engine).
type Engine interface {
	SendTest(ctx context.Context, names stack.Names, wait, poll time.Duration, now func() time.Time) (alertstatus.TestResult, error)
}

var _ Engine = (*alertstatus.Engine)(nil)

// NewCmdTest returns `rootguard alert test`.
func NewCmdTest(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Now: f.Now, Poll: 2 * time.Second, DiagnoseWithin: diagnoseWithin,
		Engine: func(ctx context.Context) (Engine, error) {
			caller, err := f.Session(ctx)
			if err != nil {
				return nil, err
			}
			return alertstatus.New(caller), nil
		}}
	cmd := &cobra.Command{
		Use:     "test",
		Example: `  rootguard alert test --wait 2m`,
		Short:   "Send a test alert through the pipeline and report whether Slack accepted it",
		Long: `Put a rootguard.test event on the default bus in the home Region (us-east-1
in the aws partition) — the path a root sign-in takes, without signing in as
root — and follow it to the function's log line for its event ID. Exits 3
when Slack refused the post or nothing arrived within --wait, saying where
the event stopped. The command ends within --wait and 10s more for that
diagnosis, however much AWS throttles it (exit 1 naming the throttled call).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Wait <= 0 {
				return cmdutil.Usagef("--wait must be positive")
			}
			if runF != nil {
				return runF(opts)
			}
			return runTest(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Prefix, "prefix", stack.DefaultPrefix, "name `prefix` of the pipeline's resources")
	cmd.Flags().DurationVar(&opts.Wait, "wait", 90*time.Second, "how long to wait for the function's answer")
	return cmd
}

func runTest(parent context.Context, opts *Options) error {
	// A context deadline, so that it also ends the SDK's retries of a
	// throttled call (awsconfig.RetryDeadlineError names it).
	limit := opts.Wait + opts.DiagnoseWithin
	ctx, cancel := context.WithTimeout(parent, limit)
	defer cancel()
	e, err := opts.Engine(ctx)
	if err != nil {
		return deadlineError(parent, ctx, limit, err)
	}
	fmt.Fprintf(opts.IO.ErrOut, "Sending a test event; waiting up to %s for the function…\n", opts.Wait)
	r, err := e.SendTest(ctx, stack.Names{Prefix: opts.Prefix}, opts.Wait, opts.Poll, opts.Now)
	if err != nil {
		return fmt.Errorf("alert test: %w", deadlineError(parent, ctx, limit, err))
	}
	fmt.Fprintf(opts.IO.Out, "event   %s\nstage   %s\n", r.EventID, r.Stage)
	if r.Detail != "" {
		fmt.Fprintf(opts.IO.Out, "detail  %s\n", r.Detail)
	}
	if r.Stage != alertstatus.StagePosted {
		fmt.Fprintf(opts.IO.ErrOut, "The test alert did not reach Slack: it stopped at the %s stage.\n", r.Stage)
		return &cmdutil.ExitCodeError{Code: cmdutil.ExitFindings}
	}
	fmt.Fprintf(opts.IO.ErrOut, "Slack accepted the test alert at %s.\n", r.Line.Time.UTC().Format(time.RFC3339))
	return nil
}

// deadlineError says that err came from the command's own deadline, not
// from the caller's cancel.
func deadlineError(parent, ctx context.Context, limit time.Duration, err error) error {
	if cmdutil.DeadlinePassed(parent, ctx) {
		return fmt.Errorf("no result within %s (--wait and the time to diagnose): %w", limit, err)
	}
	return err
}
