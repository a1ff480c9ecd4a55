package posture

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/cmdutil"
	engine "github.com/rootguard/rootguard/internal/deploy"
	"github.com/rootguard/rootguard/internal/iostreams"
	"github.com/rootguard/rootguard/internal/orgscan"
	"github.com/rootguard/rootguard/internal/schedule"
	"github.com/rootguard/rootguard/internal/stack"
)

// DeployOptions are the flags and dependencies of `posture deploy` and
// `posture remove`.
type DeployOptions struct {
	IO      *iostreams.IOStreams
	Session func(context.Context) (*account.Session, error)

	Stack         stack.PostureOptions
	FunctionZip   string
	RetentionDays int
	Approve       bool
	Poll          time.Duration
}

// NewCmdDeploy returns `rootguard posture deploy`.
func NewCmdDeploy(f *cmdutil.Factory, runF func(*DeployOptions) error) *cobra.Command {
	opts := &DeployOptions{IO: f.IOStreams, Session: f.Session, Poll: 5 * time.Second}
	cmd := &cobra.Command{
		Use:   "deploy",
		Short: "Deploy the scheduled posture auditor beside the alert pipeline (plan first; --approve to apply)",
		Long: `Deploy the scheduled auditor as the CloudFormation stack <prefix>-posture in the
alert pipeline's Region: the auditor function (cmd/auditor, provided.al2023), its
execution role, and an EventBridge Scheduler schedule (daily unless --schedule says
otherwise) with a role that may invoke only this function, retries and a
dead-letter queue. Runs are kept in the pipeline's bucket under posture/runs/,
which a lifecycle rule expires after --retention-days; digests go to Slack through
the pipeline's queue. The alert pipeline must be deployed first
(` + "`rootguard alert deploy`" + `).

The function package is the zip built by ` + "`make lambda`" + ` (dist/auditor-<arch>.zip);
--function-zip points elsewhere. Without --approve nothing changes.`,
		Example: `  rootguard posture deploy                                  # plan
  rootguard posture deploy --approve                        # daily
  rootguard posture deploy --schedule 'cron(0 6 ? * MON-FRI *)' --timezone Europe/Paris --heartbeat --approve`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.Stack.Validate(); err != nil {
				return cmdutil.Usagef("%v", err)
			}
			if opts.RetentionDays < 1 {
				return cmdutil.Usagef("--retention-days must be at least 1")
			}
			if err := retentionCoversSchedule(opts); err != nil {
				return cmdutil.Usagef("%v", err)
			}
			if runF != nil {
				return runF(opts)
			}
			return runDeploy(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Stack.Prefix, "prefix", stack.DefaultPrefix, "name `prefix` of the alert pipeline's and the auditor's resources")
	fl.StringVar(&opts.Stack.Schedule, "schedule", schedule.Default, "EventBridge Scheduler `expression`: rate(value unit) or cron(minutes hours day-of-month month day-of-week year)")
	fl.StringVar(&opts.Stack.Timezone, "timezone", "", "IANA time `zone` a cron() schedule is evaluated in (default UTC)")
	fl.BoolVar(&opts.Stack.Heartbeat, "heartbeat", false, "post a digest even when nothing drifted, so silence is never ambiguous")
	fl.StringVar(&opts.Stack.RoleName, "role-name", orgscan.DefaultRoleName, "`role` to assume in member accounts when centralized root access is off")
	fl.BoolVar(&opts.Stack.SecurityHub, "security-hub", false, "also import each member's findings into its Security Hub (through the role <prefix>-posture-import the spoke StackSet adds)")
	fl.StringVar(&opts.Stack.Architecture, "arch", "arm64", "function `architecture`: arm64 or x86_64")
	fl.IntVar(&opts.Stack.MemoryMB, "memory", stack.DefaultPostureMemoryMB, "function memory in `MB` (GOMEMLIMIT is set to about 78 % of it)")
	fl.IntVar(&opts.RetentionDays, "retention-days", stack.DefaultPostureRetentionDays, "keep runs and reports this many `days`")
	fl.StringVar(&opts.FunctionZip, "function-zip", "", "auditor `zip` (default dist/auditor-<arch>.zip)")
	fl.BoolVar(&opts.Approve, "approve", false, "apply the plan")
	return cmd
}

// retentionCoversSchedule refuses a retention shorter than two periods of
// the schedule: the last run must outlive the next, or drift has nothing
// to compare with.
func retentionCoversSchedule(opts *DeployOptions) error {
	e, err := schedule.Parse(scheduleOf(opts.Stack))
	if err != nil {
		return err
	}
	period, ok := e.Period(time.Now(), nil)
	if ok && time.Duration(opts.RetentionDays)*24*time.Hour < 2*period {
		return fmt.Errorf("--retention-days %d is shorter than two periods of %s: the last run would expire before the next one compares with it", opts.RetentionDays, e)
	}
	return nil
}

func scheduleOf(o stack.PostureOptions) string {
	if o.Schedule == "" {
		return schedule.Default
	}
	return o.Schedule
}

// NewCmdRemove returns `rootguard posture remove`.
func NewCmdRemove(f *cmdutil.Factory, runF func(*DeployOptions) error) *cobra.Command {
	opts := &DeployOptions{IO: f.IOStreams, Session: f.Session, Poll: 5 * time.Second}
	cmd := &cobra.Command{
		Use:   "remove",
		Short: "Remove the scheduled posture auditor (plan first; --approve to apply)",
		Long: `Delete the stack <prefix>-posture (the auditor, its schedule, roles and
dead-letter queue) and take its lifecycle rule out of the pipeline's bucket.
The alert pipeline and the runs already stored are left alone.`,
		Example: `  rootguard posture remove            # plan
  rootguard posture remove --approve`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := (stack.PostureOptions{Prefix: opts.Stack.Prefix}).Validate(); err != nil {
				return cmdutil.Usagef("%v", err)
			}
			if runF != nil {
				return runF(opts)
			}
			return runRemove(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Stack.Prefix, "prefix", stack.DefaultPrefix, "name `prefix` of the auditor's resources")
	cmd.Flags().BoolVar(&opts.Approve, "approve", false, "delete")
	return cmd
}

func runDeploy(ctx context.Context, opts *DeployOptions) error {
	zipPath := opts.FunctionZip
	if zipPath == "" {
		zipPath = fmt.Sprintf("dist/auditor-%s.zip", opts.Stack.Architecture)
	}
	zip, err := os.ReadFile(zipPath)
	if err != nil {
		return fmt.Errorf("read the auditor package: %w (build it with `make lambda`, or pass --function-zip)", err)
	}
	sess, err := opts.Session(ctx)
	if err != nil {
		return err
	}
	plan, err := engine.PlanPosture(ctx, engine.NewClients(sess), engine.PostureOptions{
		Stack: opts.Stack, FunctionZip: zip, RetentionDays: opts.RetentionDays,
		Approve: opts.Approve, Progress: opts.IO.ErrOut, Poll: opts.Poll,
	})
	if err != nil {
		return fmt.Errorf("posture deploy: %w", err)
	}
	printPlan(opts.IO.Out, plan)
	switch {
	case plan.NoChanges():
		fmt.Fprintln(opts.IO.ErrOut, "No changes: the posture auditor is up to date.")
		plan.Discard(ctx)
		return nil
	case !opts.Approve:
		plan.Discard(context.WithoutCancel(ctx))
		fmt.Fprintln(opts.IO.ErrOut, "No changes were applied; run again with --approve.")
		return nil
	}
	if err := plan.Apply(ctx); err != nil {
		return fmt.Errorf("posture deploy failed: %w", err)
	}
	fmt.Fprintf(opts.IO.ErrOut, "Deployed: the auditor runs on %s. Run it now with `rootguard posture test`.\n", scheduleOf(opts.Stack))
	return nil
}

func printPlan(w io.Writer, plan *engine.Plan) {
	for _, s := range plan.Steps {
		fmt.Fprintf(w, "(plan) would %s\n", s)
	}
	for _, s := range plan.Stacks {
		if s.Recreate {
			fmt.Fprintf(w, "(plan) would delete stack %s (ROLLBACK_COMPLETE after a failed deploy) and create it again\n", s.Name)
		}
		if len(s.Changes) == 0 {
			fmt.Fprintf(w, "stack %s in %s: no changes\n", s.Name, s.Region)
			continue
		}
		verb := "update"
		if s.Status == "" {
			verb = "create"
		}
		fmt.Fprintf(w, "(plan) would %s stack %s in %s:\n", verb, s.Name, s.Region)
		for _, c := range s.Changes {
			fmt.Fprintf(w, "  %s\n", c)
		}
	}
}

func runRemove(ctx context.Context, opts *DeployOptions) error {
	sess, err := opts.Session(ctx)
	if err != nil {
		return err
	}
	r, err := engine.RemovePosture(ctx, engine.NewClients(sess), engine.PostureOptions{
		Stack: opts.Stack, Approve: opts.Approve, Progress: opts.IO.ErrOut, Poll: opts.Poll,
	})
	if err != nil {
		return fmt.Errorf("posture remove: %w", err)
	}
	cmdutil.PrintRemoval(opts.IO, opts.Approve, r.Delete, r.Keep, "Nothing to remove: no posture auditor is deployed.")
	return nil
}
