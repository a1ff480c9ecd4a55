package deploy

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/rootguard/rootguard/internal/cmdutil"
	engine "github.com/rootguard/rootguard/internal/deploy"
)

// NewCmdRemove returns `rootguard alert remove`.
func NewCmdRemove(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Prompter: f.Prompter, Engine: engineOf(f.Session), Poll: 5 * time.Second}
	cmd := &cobra.Command{
		Use: "remove",
		Example: `  rootguard alert remove            # plan
  rootguard alert remove --approve  # delete the pipeline's stacks`,
		Short: "Remove the alert pipeline (plan first; --approve to apply)",
		Long: `Delete the alert stacks (and the posture auditor's, which reports through
them), the webhook parameter and the artifacts bucket with the posture runs in
it — only resources tagged rootguard:managed=true. The trail bucket is kept with
its logs, on purpose, and retagged rootguard:retained=true instead.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.Stack.ValidateFlags(); err != nil {
				return cmdutil.Usagef("%v", err)
			}
			if runF != nil {
				return runF(opts)
			}
			return runRemove(cmd.Context(), opts)
		},
	}
	addStackFlags(cmd, &opts.Stack)
	cmd.Flags().BoolVar(&opts.Approve, "approve", false, "delete")
	addOrgFlags(cmd, opts)
	return cmd
}

func runRemove(ctx context.Context, opts *Options) error {
	e, err := opts.Engine(ctx)
	if err != nil {
		return err
	}
	if opts.Org {
		return runRemoveOrg(ctx, opts, e)
	}
	r, err := e.Remove(ctx, opts.removeOptions())
	if err != nil {
		return fmt.Errorf("remove: %w", err)
	}
	printRemoval(opts, r)
	return nil
}

// removeOptions are the engine's options for a removal: no package, no
// webhook.
func (opts *Options) removeOptions() engine.Options {
	return engine.Options{Stack: opts.Stack, Approve: opts.Approve, Progress: opts.IO.ErrOut, Poll: opts.Poll}
}

func printRemoval(opts *Options, r *engine.Removal) {
	cmdutil.PrintRemoval(opts.IO, opts.Approve, r.Delete, r.Keep, "Nothing to remove.")
}
