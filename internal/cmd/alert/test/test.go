// Package test implements `rootguard alert test`.
package test

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/spf13/cobra"

	"github.com/rootguard/rootguard/internal/alertstatus"
	"github.com/rootguard/rootguard/internal/cmd/alert/status"
	"github.com/rootguard/rootguard/internal/cmdutil"
	"github.com/rootguard/rootguard/internal/iostreams"
	"github.com/rootguard/rootguard/internal/stack"
)

// Options are the flags and dependencies of `alert test`.
type Options struct {
	IO        *iostreams.IOStreams
	AWSConfig func(context.Context) (aws.Config, error)
	Now       func() time.Time

	Prefix string
	Wait   time.Duration
	Poll   time.Duration
}

// NewCmdTest returns `rootguard alert test`.
func NewCmdTest(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, AWSConfig: f.LoadAWSConfig, Now: f.Now, Poll: 2 * time.Second}
	cmd := &cobra.Command{
		Use:     "test",
		Example: `  rootguard alert test --wait 2m`,
		Short:   "Send a test alert through the pipeline and report whether Slack accepted it",
		Long: `Put a rootguard.test event on the default bus in us-east-1 — the path a root
sign-in takes, without signing in as root — and follow it to the function's
log line for its event ID. Exits 3 when Slack refused the post or nothing
arrived within --wait, saying where the event stopped.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
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

func runTest(ctx context.Context, opts *Options) error {
	cfg, err := opts.AWSConfig(ctx)
	if err != nil {
		return err
	}
	home := cfg.Copy()
	home.Region = stack.HomeRegion
	fmt.Fprintf(opts.IO.ErrOut, "Sending a test event; waiting up to %s for the function…\n", opts.Wait)
	r, err := alertstatus.SendTest(ctx, eventbridge.NewFromConfig(home), status.Clients(cfg), stack.Names{Prefix: opts.Prefix}, opts.Wait, opts.Poll, opts.Now)
	if err != nil {
		return fmt.Errorf("alert test: %w", err)
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
