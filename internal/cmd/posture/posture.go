// Package posture implements `rootguard posture`: the scheduled organization
// audit that reports root-posture drift to Slack.
package posture

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/rootguard/rootguard/internal/audit"
	"github.com/rootguard/rootguard/internal/cmdutil"
	"github.com/rootguard/rootguard/internal/digest"
	"github.com/rootguard/rootguard/internal/drift"
	"github.com/rootguard/rootguard/internal/iostreams"
	"github.com/rootguard/rootguard/internal/orgscan"
	"github.com/rootguard/rootguard/internal/posture"
	"github.com/rootguard/rootguard/internal/posturehealth"
	"github.com/rootguard/rootguard/internal/postureops"
	"github.com/rootguard/rootguard/internal/report"
	"github.com/rootguard/rootguard/internal/stack"
)

// Engine runs the auditor and reads its state (postureops.Engine).
type Engine interface {
	Run(ctx context.Context, names stack.Names, opts posture.Options) (*posture.Result, error)
	Latest(ctx context.Context, names stack.Names, prefix string) (*drift.Run, error)
	Bucket(names stack.Names) string
	Invoke(ctx context.Context, names stack.Names) (*posture.Summary, error)
}

var _ Engine = (*postureops.Engine)(nil)

// Options are the flags and dependencies of `rootguard posture`.
type Options struct {
	IO     *iostreams.IOStreams
	Now    func() time.Time
	Engine func(context.Context) (Engine, error)
	// Health reads the deployed auditor's schedule and runs (posturehealth).
	Health func(context.Context, stack.Names, time.Time) (posturehealth.Health, error)

	Prefix         string
	Heartbeat      bool
	SecurityHub    bool
	RoleName       string
	Concurrency    int
	AccountTimeout time.Duration
	// Timeout bounds `posture status`, the SDK's retries of throttled
	// calls included (a context deadline).
	Timeout time.Duration
}

// defaultStatusTimeout bounds `posture status`: a handful of reads, under a
// second when AWS answers.
const defaultStatusTimeout = time.Minute

// NewCmdPosture returns `rootguard posture` and its subcommands.
func NewCmdPosture(f *cmdutil.Factory, runF func(string, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Now: f.Now,
		Engine: func(ctx context.Context) (Engine, error) {
			caller, err := f.Session(ctx)
			if err != nil {
				return nil, err
			}
			return postureops.New(caller), nil
		},
		Health: func(ctx context.Context, names stack.Names, now time.Time) (posturehealth.Health, error) {
			caller, err := f.Session(ctx)
			if err != nil {
				return posturehealth.Health{}, err
			}
			return posturehealth.Read(ctx, posturehealth.NewClients(caller), names, now)
		}}
	cmd := &cobra.Command{
		Use:   "posture <command>",
		Short: "Audit the organization on a schedule and post root-posture drift to Slack",
		Long: `The scheduled auditor audits every account of the organization as
` + "`audit --org`" + ` does, keeps each run in the alert pipeline's bucket
(posture/runs/<run>.json, with its HTML report beside it), and posts what
changed since the last run — new FAIL, fixed, new ERROR, accounts joined,
left or suspended — to Slack through the alert pipeline's queue, so the
digest has the alert function's webhook, retries and dead-letter queue.

` + "`posture run`" + ` runs it once from here, against the deployed pipeline;
` + "`posture status`" + ` shows the last published run.`,
		Args: cobra.NoArgs,
	}
	runCmd := &cobra.Command{
		Use:   "run",
		Short: "Audit the organization once, store the run and queue its drift digest",
		Example: `  rootguard posture run               # digest only when something drifted
  rootguard posture run --heartbeat   # post "all N accounts unchanged" too`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Concurrency < 1 || opts.AccountTimeout <= 0 {
				return cmdutil.Usagef("--concurrency must be at least 1 and --account-timeout positive")
			}
			if runF != nil {
				return runF("run", opts)
			}
			return runRun(cmd.Context(), opts)
		},
	}
	runCmd.Flags().BoolVar(&opts.Heartbeat, "heartbeat", false, "post a digest even when nothing drifted, so silence is never ambiguous")
	runCmd.Flags().BoolVar(&opts.SecurityHub, "security-hub", false, "import every account's findings into its own Security Hub (members through the spoke's import role)")
	runCmd.Flags().StringVar(&opts.RoleName, "role-name", orgscan.DefaultRoleName, "role to assume in member accounts when centralized root access is off")
	runCmd.Flags().IntVar(&opts.Concurrency, "concurrency", orgscan.DefaultConcurrency, "accounts audited at once")
	runCmd.Flags().DurationVar(&opts.AccountTimeout, "account-timeout", orgscan.DefaultAccountTimeout, "give up on one account after this `duration`")
	statusCmd := &cobra.Command{
		Use:   "status",
		Short: "Show the deployed schedule and the last published posture run",
		Long: `Show the auditor's schedule (expression, state, next fire when it can be
computed), the last published run and where the organization stood. Exits 3
when the deployed auditor is not running: its schedule missing or disabled,
invocations dead-lettered, or the last run older than two periods of the
schedule. It ends within --timeout however much AWS throttles it (exit 1
naming the call that did not finish).`,
		Example: `  rootguard posture status`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Timeout <= 0 {
				return cmdutil.Usagef("--timeout must be positive")
			}
			if runF != nil {
				return runF("status", opts)
			}
			return runStatus(cmd.Context(), opts)
		},
	}
	statusCmd.Flags().DurationVar(&opts.Timeout, "timeout", defaultStatusTimeout, "give up after this `duration`")
	testCmd := &cobra.Command{
		Use:   "test",
		Short: "Run the deployed auditor now and show its run, drift and digest",
		Long: `Invoke the deployed auditor function now, as its schedule does, and wait for
its answer (up to the function's own timeout, read from its configuration,
plus a minute): the run ID, what drifted since the last run, and whether a
digest was queued for Slack. A way to test the deployment without waiting for
the schedule.`,
		Example: `  rootguard posture test`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF("test", opts)
			}
			return runTest(cmd.Context(), opts)
		},
	}
	for _, c := range []*cobra.Command{runCmd, statusCmd, testCmd} {
		c.Flags().StringVar(&opts.Prefix, "prefix", stack.DefaultPrefix, "name `prefix` of the alert pipeline's resources")
		cmd.AddCommand(c)
	}
	cmd.AddCommand(NewCmdDeploy(f, nil), NewCmdRemove(f, nil))
	return cmd
}

func runRun(ctx context.Context, opts *Options) error {
	e, err := opts.Engine(ctx)
	if err != nil {
		return err
	}
	names := stack.Names{Prefix: opts.Prefix}
	fmt.Fprintf(opts.IO.ErrOut, "Auditing the organization (runs are kept in s3://%s/%s)…\n", e.Bucket(names), "posture/")
	res, err := e.Run(ctx, names, posture.Options{
		Heartbeat: opts.Heartbeat, SecurityHub: opts.SecurityHub, RoleName: opts.RoleName, Concurrency: opts.Concurrency, AccountTimeout: opts.AccountTimeout,
		Audit: audit.Options{Now: opts.Now},
	})
	if err != nil {
		return fmt.Errorf("posture run: %w", err)
	}
	out := opts.IO.Out
	fmt.Fprintf(out, "run %s: %s\n", res.Run.ID, standing(res.Run))
	fmt.Fprintf(out, "report: s3://%s/%s\n", e.Bucket(names), res.ReportKey)
	if sh := res.SecurityHub; sh != nil {
		fmt.Fprintf(out, "Security Hub (%s): %d findings imported from %d accounts, %d not imported\n", sh.Region, sh.Findings, sh.Accounts, len(sh.Gaps))
		for _, g := range sh.Gaps {
			fmt.Fprintf(out, "  %s not imported: %s\n", g.AccountID, g.Reason)
		}
	}
	switch {
	case res.Superseded:
		fmt.Fprintln(out, "a newer run was published first: this run is stored, its drift is not posted")
	case res.Digest.Previous == "":
		fmt.Fprintln(out, "first run: the baseline for the next; digest queued for Slack")
	default:
		fmt.Fprintf(out, "since %s: %s\n", res.Digest.Previous, changes(res.Digest))
		if res.Posted {
			fmt.Fprintf(out, "digest queued for Slack on %s\n", names.Queue())
		} else {
			fmt.Fprintln(out, "nothing drifted: no digest (--heartbeat posts one anyway)")
		}
	}
	return nil
}

func runStatus(parent context.Context, opts *Options) error {
	// A context deadline, so that it also ends the SDK's retries of a
	// throttled read (awsconfig.RetryDeadlineError names it).
	limit := opts.Timeout
	if limit <= 0 {
		limit = defaultStatusTimeout
	}
	ctx, cancel := context.WithTimeout(parent, limit)
	defer cancel()
	err := readStatus(ctx, opts)
	var exit *cmdutil.ExitCodeError
	if err != nil && !errors.As(err, &exit) && cmdutil.DeadlinePassed(parent, ctx) {
		return fmt.Errorf("no answer within --timeout %s, the auditor's health is unknown: %w", limit, err)
	}
	return err
}

func readStatus(ctx context.Context, opts *Options) error {
	e, err := opts.Engine(ctx)
	if err != nil {
		return err
	}
	names := stack.Names{Prefix: opts.Prefix}
	h, err := opts.Health(ctx, names, opts.Now())
	if err != nil {
		return fmt.Errorf("posture status: %w", err)
	}
	printSchedule(opts.IO.Out, h)
	r, err := e.Latest(ctx, names, "")
	if err != nil {
		return fmt.Errorf("posture status: %w", err)
	}
	if r == nil {
		fmt.Fprintf(opts.IO.Out, "no posture run published in s3://%s yet: run `rootguard posture test` (deployed) or `rootguard posture run`\n", e.Bucket(names))
	} else {
		fmt.Fprintf(opts.IO.Out, "last run: %s (started %s, finished %s)\n%s\n",
			r.ID, r.StartedAt.Format(time.RFC3339), r.FinishedAt.Format(time.RFC3339), standing(r))
	}
	for _, p := range h.Problems {
		fmt.Fprintf(opts.IO.ErrOut, "problem: %s\n", p)
	}
	for _, w := range h.Warnings {
		fmt.Fprintf(opts.IO.ErrOut, "warning: %s\n", w)
	}
	if len(h.Problems) > 0 {
		return &cmdutil.ExitCodeError{Code: cmdutil.ExitFindings}
	}
	return nil
}

// printSchedule is the deployed schedule's line.
func printSchedule(w io.Writer, h posturehealth.Health) {
	fmt.Fprintf(w, "schedule: %s\n", ScheduleLine(h))
}

// ScheduleLine says how the auditor is scheduled: "rate(1 day), ENABLED,
// next fire unknown (a rate counts from the schedule's creation)", or that
// it is not deployed.
func ScheduleLine(h posturehealth.Health) string {
	switch {
	case !h.Deployed:
		return "not deployed (`rootguard posture deploy`); runs happen only with `posture run`"
	case !h.Schedule.Exists:
		return h.Schedule.Name + " missing"
	}
	line := h.Schedule.Expression
	if h.Schedule.Timezone != "" {
		line += " in " + h.Schedule.Timezone
	}
	line += ", " + h.Schedule.State
	switch {
	case !h.Next.IsZero():
		line += ", next fire " + h.Next.UTC().Format(time.RFC3339)
	case h.Period > 0:
		line += ", next fire within " + h.Period.String() + " (a rate counts from when the schedule was created)"
	}
	return line
}

func runTest(ctx context.Context, opts *Options) error {
	e, err := opts.Engine(ctx)
	if err != nil {
		return err
	}
	names := stack.Names{Prefix: opts.Prefix}
	fmt.Fprintf(opts.IO.ErrOut, "Running %s now and waiting for its answer…\n", names.PostureFunction())
	s, err := e.Invoke(ctx, names)
	if err != nil {
		return fmt.Errorf("posture test: %w", err)
	}
	out := opts.IO.Out
	fmt.Fprintf(out, "run %s: %d accounts\n", s.RunID, s.Accounts)
	fmt.Fprintf(out, "report: %s\n", s.Report)
	switch {
	case s.Superseded:
		fmt.Fprintln(out, "a newer run was published first: this run is stored, its drift is not posted")
	case s.Changes == 0:
		fmt.Fprintln(out, "drift: no change")
	default:
		var parts []string
		for _, k := range digest.Kinds {
			if n := s.Drift[string(k)]; n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", n, k))
			}
		}
		fmt.Fprintf(out, "drift: %s\n", strings.Join(parts, ", "))
	}
	if s.Posted {
		fmt.Fprintf(out, "digest queued for Slack on %s\n", names.Queue())
	} else {
		fmt.Fprintln(out, "no digest queued (nothing drifted; the stack's --heartbeat posts one anyway)")
	}
	return nil
}

// standing is "7 accounts: 5 pass, 1 fail, 1 error; 1 skipped (not ACTIVE)".
func standing(r *drift.Run) string {
	s := report.SummarizeAccounts(r.Accounts)
	line := fmt.Sprintf("%d accounts: %d pass, %d fail, %d error", len(r.Accounts), s.Pass, s.Fail, s.Error)
	if len(r.Skipped) > 0 {
		line += fmt.Sprintf("; %d skipped (not ACTIVE)", len(r.Skipped))
	}
	return line
}

// changes is "1 new FAIL, 2 fixed" or "no change".
func changes(d *digest.Digest) string {
	var parts []string
	for _, k := range digest.Kinds {
		if n := d.Count(k); n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, k))
		}
	}
	if len(parts) == 0 {
		return "no change"
	}
	return strings.Join(parts, ", ")
}
