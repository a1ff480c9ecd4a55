// Package roottask implements `rootguard root`: the privileged root tasks
// of centralized root access other than removing root credentials (that is
// `rootguard fix`), in the same safety model — plan, typed confirmation,
// --approve, --record, exit 5 when not done.
package roottask

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/cmdutil"
	"github.com/rootguard/rootguard/internal/fix"
	"github.com/rootguard/rootguard/internal/iostreams"
	"github.com/rootguard/rootguard/internal/prompt"
	"github.com/rootguard/rootguard/internal/rootsession"
	rt "github.com/rootguard/rootguard/internal/roottask"
)

// Options are the flags and dependencies of a `rootguard root` command.
type Options struct {
	IO       *iostreams.IOStreams
	Prompter prompt.Prompter
	// Engine identifies the caller and builds the root-task engine for it
	// when the command runs; tests give a fake.
	Engine func(context.Context) (Engine, error)
	Now    func() time.Time
	// RootSession tunes the sts:AssumeRoot sessions; tests shorten them.
	RootSession rootsession.Options

	Account    string
	Bucket     string
	Queue      string
	Approve    bool
	Yes        bool
	RecordPath string

	// plan is the task, chosen by the subcommand.
	plan func(ctx context.Context, e Engine) (*rt.Plan, error)
}

// Engine plans and applies root tasks for one caller (rt.Engine).
type Engine interface {
	CallerARN() string
	PlanPasswordRecovery(ctx context.Context, acct string) (*rt.Plan, error)
	PlanBucketUnlock(ctx context.Context, acct, bucket string) (*rt.Plan, error)
	PlanQueueUnlock(ctx context.Context, acct, queueURL string) (*rt.Plan, error)
	Apply(ctx context.Context, p *rt.Plan, rec *fix.Recorder) rt.Result
}

var _ Engine = (*rt.Engine)(nil)

// engineFor builds the root-task engine for the caller session resolves,
// with opts' clock and root-session tuning as they are when the command
// runs (after the flags are parsed).
func engineFor(session func(context.Context) (*account.Session, error), opts *Options) func(context.Context) (Engine, error) {
	return func(ctx context.Context) (Engine, error) {
		who, err := session(ctx)
		if err != nil {
			return nil, err
		}
		return &rt.Engine{Caller: who, Now: opts.Now, RootSession: opts.RootSession}, nil
	}
}

// NewCmdRoot returns `rootguard root` and its tasks.
func NewCmdRoot(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "root <task>",
		Short: "Privileged root tasks in member accounts (sts:AssumeRoot), plan first",
		Long: `Break-glass tasks that only a member account's root user could do, performed
from the management account (or the IAM delegated administrator) through
centralized root access, each in a short root session scoped by its AWS task
policy. Once member root credentials are removed, these are the ways left.

Every task shows its plan — with the policy it would remove — and changes
nothing without --approve; you are asked to type the account ID (--yes for
automation). With --record, the policy is saved to the record before it is
removed. Exit 5 when the task was not done.`,
	}
	cmd.AddCommand(newTask(f, runF, "allow-password-recovery", "Allow root password recovery in a member account (IAMCreateRootUserPassword)",
		`Creates a login profile for the member's root user, without a password, in an
IAMCreateRootUserPassword root session. Whoever reads the root user's e-mail
can then use "Forgot password" and sign in as root. Remove the credentials
again afterwards: rootguard fix --accounts ID --remove-root-credentials.`,
		"  rootguard root allow-password-recovery --account 222222222222 --approve",
		nil, func(o *Options) func(context.Context, Engine) (*rt.Plan, error) {
			return func(ctx context.Context, e Engine) (*rt.Plan, error) {
				return e.PlanPasswordRecovery(ctx, o.Account)
			}
		}))
	cmd.AddCommand(newTask(f, runF, "unlock-bucket-policy", "Show and remove a member's S3 bucket policy that locks everyone out (S3UnlockBucketPolicy)",
		`Reads the bucket's policy in an S3UnlockBucketPolicy root session, shows it,
and with --approve deletes it, so the account's principals can reach the bucket
again. Write a correct policy afterwards.`,
		"  rootguard root unlock-bucket-policy --account 222222222222 --bucket example-logs --record unlock.jsonl --approve",
		func(c *cobra.Command, o *Options) {
			c.Flags().StringVar(&o.Bucket, "bucket", "", "the `bucket` whose policy to remove (required)")
		}, func(o *Options) func(context.Context, Engine) (*rt.Plan, error) {
			return func(ctx context.Context, e Engine) (*rt.Plan, error) {
				return e.PlanBucketUnlock(ctx, o.Account, o.Bucket)
			}
		}))
	cmd.AddCommand(newTask(f, runF, "unlock-queue-policy", "Show and remove a member's SQS queue policy that locks everyone out (SQSUnlockQueuePolicy)",
		`Reads the queue's policy in an SQSUnlockQueuePolicy root session, shows it,
and with --approve removes it, so the account's principals can reach the queue
again. Write a correct policy afterwards.`,
		"  rootguard root unlock-queue-policy --account 222222222222 --queue https://sqs.eu-west-1.amazonaws.com/222222222222/orders --approve",
		func(c *cobra.Command, o *Options) {
			c.Flags().StringVar(&o.Queue, "queue", "", "the queue `URL` whose policy to remove (required)")
		}, func(o *Options) func(context.Context, Engine) (*rt.Plan, error) {
			return func(ctx context.Context, e Engine) (*rt.Plan, error) {
				return e.PlanQueueUnlock(ctx, o.Account, o.Queue)
			}
		}))
	return cmd
}

var accountID = regexp.MustCompile(`^[0-9]{12}$`)

func newTask(f *cmdutil.Factory, runF func(*Options) error, use, short, long, example string,
	flags func(*cobra.Command, *Options), plan func(*Options) func(context.Context, Engine) (*rt.Plan, error)) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Prompter: f.Prompter, Now: f.Now}
	opts.Engine = engineFor(f.Session, opts)
	cmd := &cobra.Command{
		Use: use + " [flags]", Short: short, Long: long, Example: example, Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !accountID.MatchString(opts.Account) {
				return cmdutil.Usagef("--account must be a 12-digit member account ID, got %q", opts.Account)
			}
			if use == "unlock-bucket-policy" {
				if err := rt.ValidBucketName(opts.Bucket); err != nil {
					return cmdutil.Usagef("--bucket: %w", err)
				}
			}
			if use == "unlock-queue-policy" {
				q, err := rt.ParseQueueURL(opts.Queue)
				if err != nil {
					return cmdutil.Usagef("--queue: %w", err)
				}
				if q.Account != opts.Account {
					return cmdutil.Usagef("--queue %s belongs to account %s, not --account %s", opts.Queue, q.Account, opts.Account)
				}
			}
			if opts.Yes && !opts.Approve {
				return cmdutil.Usagef("--yes answers the confirmation of --approve; add --approve to make the change")
			}
			opts.plan = plan(opts)
			if runF != nil {
				return runF(opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Account, "account", "", "the member `account ID` (required)")
	fl.BoolVar(&opts.Approve, "approve", false, "make the change (without it, only the plan is shown)")
	fl.BoolVar(&opts.Yes, "yes", false, "skip the typed account-ID confirmation (automation)")
	fl.StringVar(&opts.RecordPath, "record", "", "append a JSON-lines record of the change, with the policy removed, to `file`")
	if flags != nil {
		flags(cmd, opts)
	}
	return cmd
}

// errNotConfirmed stops a task whose typed confirmation did not match.
var errNotConfirmed = errors.New("the confirmation did not match: no changes were applied")

// Run plans the task, shows the plan, asks, applies and shows before → after.
func Run(ctx context.Context, opts *Options) error {
	eng, err := opts.Engine(ctx)
	if err != nil {
		return err
	}
	p, err := opts.plan(ctx, eng)
	if err != nil {
		return err
	}
	printPlan(opts.IO.Out, p)
	if p.Nothing != "" {
		fmt.Fprintln(opts.IO.ErrOut, "Nothing to do.")
		return nil
	}
	if !opts.Approve {
		fmt.Fprintln(opts.IO.ErrOut, "\nNo changes were applied. Run again with --approve to make the change.")
		return nil
	}
	if err := confirm(opts, p.Account); err != nil {
		return err
	}
	var rec *fix.Recorder
	if opts.RecordPath != "" {
		if rec, err = fix.OpenRecorder(opts.RecordPath, eng.CallerARN()); err != nil {
			return err
		}
	}
	r := eng.Apply(ctx, p, rec)
	notDone := printResult(opts.IO.Out, p, r)
	if err := rec.Close(); err != nil {
		fmt.Fprintf(opts.IO.ErrOut, "! the change record %s is incomplete: %v\n", opts.RecordPath, err)
		notDone = true
	}
	if notDone {
		return &cmdutil.ExitCodeError{Code: cmdutil.ExitPartial}
	}
	return nil
}

func confirm(opts *Options, acct string) error {
	if opts.Yes {
		return nil
	}
	if !opts.IO.IsStdinTTY() {
		return fmt.Errorf("this root task in %s needs confirmation, but stdin is not a terminal: run again with --yes to confirm non-interactively", acct)
	}
	ok, err := opts.Prompter.ConfirmTyped(fmt.Sprintf("This acts as the root user of %s. Type the account ID %s to continue:", acct, acct), acct)
	if err != nil {
		return err
	}
	if !ok {
		return errNotConfirmed
	}
	return nil
}

func printPlan(w io.Writer, p *rt.Plan) {
	fmt.Fprintf(w, "Account %s — %s (sts:AssumeRoot)\n", p.Account, p.Task)
	if p.Nothing != "" {
		fmt.Fprintf(w, "  nothing to change: %s\n", p.Nothing)
		return
	}
	fmt.Fprintf(w, "  1. (plan) would %s  [%s]\n", p.Step.Description, p.Step.Action)
	if p.Task != rootsession.CreateRootUserPassword {
		fmt.Fprintln(w, "  The policy it would remove:")
		for _, line := range strings.Split(rt.Indent(p.Current), "\n") {
			fmt.Fprintf(w, "    %s\n", line)
		}
	}
}

// printResult prints the outcome and the before → after view, and reports
// whether the task was not done.
func printResult(w io.Writer, p *rt.Plan, r rt.Result) bool {
	o := r.Outcome
	if r.Changed != "" {
		fmt.Fprintf(w, "\n  ! changed since the plan; now: %s\n", r.After)
		for _, line := range strings.Split(rt.Indent(r.Changed), "\n") {
			fmt.Fprintf(w, "    %s\n", line)
		}
	}
	switch o.Result {
	case fix.Done:
		fmt.Fprintf(w, "  ✓ %s\n", o.Step.Description)
	default:
		fmt.Fprintf(w, "  ✗ %s: %s: %s\n", o.Step.Description, o.Result, o.Reason)
	}
	fmt.Fprintf(w, "\nBefore → after in %s:\n  %s: %s → %s\n", p.Account, o.Step.Target, r.Before, r.After)
	return o.Result != fix.Done
}
