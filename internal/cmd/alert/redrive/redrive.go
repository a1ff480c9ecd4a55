// Package redrive implements `rootguard alert redrive`.
package redrive

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/rootguard/rootguard/internal/cmdutil"
	"github.com/rootguard/rootguard/internal/iostreams"
	"github.com/rootguard/rootguard/internal/redrive"
	"github.com/rootguard/rootguard/internal/stack"
)

// Options are the flags and dependencies of `alert redrive`.
type Options struct {
	IO *iostreams.IOStreams
	// Engine identifies the caller and builds the engine for its account;
	// tests give a fake.
	Engine func(context.Context) (Engine, error)

	Prefix  string
	Approve bool
	Poll    time.Duration
}

// Engine plans and runs a redrive (redrive.Engine).
type Engine interface {
	Read(ctx context.Context, names stack.Names) (redrive.Plan, error)
	Run(ctx context.Context, p redrive.Plan, poll time.Duration, progress func(redrive.Task)) (redrive.Task, error)
}

var _ Engine = (*redrive.Engine)(nil)

// NewCmdRedrive returns `rootguard alert redrive`.
func NewCmdRedrive(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Poll: 2 * time.Second,
		Engine: func(ctx context.Context) (Engine, error) {
			caller, err := f.Session(ctx)
			if err != nil {
				return nil, err
			}
			return redrive.New(caller), nil
		}}
	cmd := &cobra.Command{
		Use: "redrive",
		Example: `  rootguard alert redrive            # show what is waiting
  rootguard alert redrive --approve  # re-deliver it`,
		Short: "Re-deliver the alerts in the dead-letter queue (plan first; --approve to move them)",
		Long: `Alerts the function could not post — Slack down, webhook revoked — end up in
the dead-letter queue after five attempts. Once the webhook works again
(check with ` + "`rootguard alert test`" + `), redrive moves them back to the alert queue
with an SQS message move task, and the function posts them. Shows how many
messages would move from which queue to which; --approve starts the task
and follows it until SQS reports it COMPLETED or FAILED.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runRedrive(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Prefix, "prefix", stack.DefaultPrefix, "name `prefix` of the pipeline's resources")
	cmd.Flags().BoolVar(&opts.Approve, "approve", false, "start the move")
	return cmd
}

func runRedrive(ctx context.Context, opts *Options) error {
	e, err := opts.Engine(ctx)
	if err != nil {
		return err
	}
	plan, err := e.Read(ctx, stack.Names{Prefix: opts.Prefix})
	if err != nil {
		return fmt.Errorf("alert redrive: %w", err)
	}
	out, errOut := opts.IO.Out, opts.IO.ErrOut
	switch {
	case plan.Running != nil:
		fmt.Fprintf(out, "a move from %s to %s is already running: %d of %d moved\n", plan.From.Name, plan.To.Name, plan.Running.Moved, plan.Running.ToMove)
		if !opts.Approve {
			fmt.Fprintln(errOut, "No changes were applied; run again with --approve to follow it.")
			return nil
		}
	case plan.Messages == 0:
		fmt.Fprintf(out, "%s is empty\n", plan.From.Name)
		fmt.Fprintln(errOut, "Nothing to redrive.")
		return nil
	case !opts.Approve:
		fmt.Fprintf(out, "(plan) would move %d messages from %s to %s\n", plan.Messages, plan.From.Name, plan.To.Name)
		fmt.Fprintln(errOut, "No changes were applied; run again with --approve once `rootguard alert test` reaches Slack.")
		return nil
	default:
		fmt.Fprintf(errOut, "Moving %d messages from %s to %s…\n", plan.Messages, plan.From.Name, plan.To.Name)
	}
	var last redrive.Task
	final, err := e.Run(ctx, plan, opts.Poll, func(t redrive.Task) {
		if t != last {
			fmt.Fprintf(errOut, "  %s: %d of %d moved\n", t.Status, t.Moved, t.ToMove)
			last = t
		}
	})
	if err != nil {
		return fmt.Errorf("alert redrive: %w", err)
	}
	fmt.Fprintf(out, "moved %d messages from %s to %s\n", final.Moved, plan.From.Name, plan.To.Name)
	fmt.Fprintf(errOut, "%d moved, %d left in %s; the function posts them as it reads the queue (see `rootguard alert status`).\n",
		final.Moved, final.ToMove-final.Moved, plan.From.Name)
	return nil
}
