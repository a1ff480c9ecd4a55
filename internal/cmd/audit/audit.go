// Package audit implements `rootguard audit`.
package audit

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/audit"
	"github.com/rootguard/rootguard/internal/awserr"
	"github.com/rootguard/rootguard/internal/buildinfo"
	"github.com/rootguard/rootguard/internal/cmdutil"
	"github.com/rootguard/rootguard/internal/iostreams"
	"github.com/rootguard/rootguard/internal/orgaudit"
	"github.com/rootguard/rootguard/internal/orgscan"
	"github.com/rootguard/rootguard/internal/report"
)

// AuditOptions are the flags and dependencies of `rootguard audit`.
type AuditOptions struct {
	IO        *iostreams.IOStreams
	AWSConfig func(ctx context.Context) (aws.Config, error)
	Now       func() time.Time
	// Audit runs the engine on one account, identifying the caller
	// concurrently with its first reads so identity adds no round trip to
	// the audit's critical path; tests replace it.
	Audit func(ctx context.Context, cfg aws.Config, opts audit.Options) audit.AccountResult
	// OrgAudit runs the organization engine; tests replace it.
	OrgAudit func(ctx context.Context, cfg aws.Config, opts orgaudit.Options) (*orgaudit.Result, error)

	Output      string
	RootUseDays int
	ReportWait  time.Duration

	// Organization targets (any of them makes this an organization run).
	Org            bool
	OUs            []string
	Accounts       []string
	Exclude        []string
	RoleName       string
	Concurrency    int
	AccountTimeout time.Duration
}

func (o *AuditOptions) orgRun() bool { return o.Org || len(o.OUs) > 0 || len(o.Accounts) > 0 }

// NewCmdAudit returns `rootguard audit`. runF replaces runAudit in tests.
func NewCmdAudit(f *cmdutil.Factory, runF func(*AuditOptions) error) *cobra.Command {
	opts := &AuditOptions{
		IO:        f.IOStreams,
		AWSConfig: f.LoadAWSConfig,
		Now:       f.Now,
		OrgAudit:  orgaudit.Run,
		Audit:     audit.Account,
	}
	cmd := &cobra.Command{
		Use: "audit",
		Example: `  # This account, as a table (exit 3 on a FAIL, 4 on an ERROR)
  rootguard audit

  # Every account of the organization, for GitHub code scanning
  rootguard audit --org --output sarif > rootguard.sarif

  # Two OUs, one account per line as each finishes
  rootguard audit --ou ou-ab12-cd34ef56,ou-ab12-gh78ij90 --output jsonl | jq -c 'select(.error != "")'

  # Findings for Security Hub (see docs/audit-json.md for an organization)
  rootguard audit --output asff > findings.json`,
		Short: "Check the root user of this account: keys, MFA, certificates, recent use, alerting",
		Long: `Audit the AWS root user of the account your credentials belong to.

Checks: ` + audit.JoinIDs(audit.CheckIDs()) + `
(see docs/checks.md). The IAM permissions it needs are in
docs/permissions/audit.json.

With --org, --ou or --accounts, every selected account of the organization is
audited: members through sts:AssumeRoot when centralized root access is on,
otherwise through --role-name; --output jsonl streams one account per line.

Exit status: 0 nothing failed; 3 at least one check FAILed; 4 a check could
not be evaluated (ERROR) and none failed; 2 usage error; 1 could not run.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !slices.Contains(report.Formats, opts.Output) {
				return cmdutil.Usagef("--output must be one of %s, not %q", strings.Join(report.Formats, ", "), opts.Output)
			}
			if opts.RootUseDays < 1 {
				return cmdutil.Usagef("--root-use-days must be at least 1")
			}
			if opts.ReportWait <= 0 {
				return cmdutil.Usagef("--report-wait must be positive")
			}
			if len(opts.Exclude) > 0 && !opts.orgRun() {
				return cmdutil.Usagef("--exclude-accounts needs --org, --ou or --accounts")
			}
			if err := cmdutil.RequireValues(cmd, "accounts", "ou", "exclude-accounts"); err != nil {
				return err
			}
			if err := (orgscan.Selection{OUs: opts.OUs, Accounts: opts.Accounts, Exclude: opts.Exclude}).Validate(); err != nil {
				return cmdutil.Usagef("%w", err)
			}
			if opts.Concurrency < 1 || opts.AccountTimeout <= 0 {
				return cmdutil.Usagef("--concurrency must be at least 1 and --account-timeout positive")
			}
			if runF != nil {
				return runF(opts)
			}
			if opts.orgRun() {
				return runOrgAudit(cmd.Context(), opts)
			}
			return runAudit(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "table", "output `format`: "+strings.Join(report.Formats, "|"))
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(report.Formats, cobra.ShellCompDirectiveNoFileComp))
	cmd.Flags().IntVar(&opts.RootUseDays, "root-use-days", audit.DefaultRootUseDays, "root-recent-use fails if root was used within this many `days`")
	cmd.Flags().DurationVar(&opts.ReportWait, "report-wait", audit.DefaultReportWait, "how long to wait for IAM to generate a credential report")

	cmd.Flags().BoolVar(&opts.Org, "org", false, "audit every ACTIVE account of the organization (run from the management account)")
	cmd.Flags().StringSliceVar(&opts.OUs, "ou", nil, "audit the accounts under these organizational `unit IDs` (nested OUs included)")
	cmd.Flags().StringSliceVar(&opts.Accounts, "accounts", nil, "audit these member `account IDs`")
	cmd.Flags().StringSliceVar(&opts.Exclude, "exclude-accounts", nil, "leave these `account IDs` out")
	cmd.Flags().StringVar(&opts.RoleName, "role-name", orgscan.DefaultRoleName, "role to assume in member accounts when centralized root access is off")
	cmd.Flags().IntVar(&opts.Concurrency, "concurrency", orgscan.DefaultConcurrency, "accounts audited at once (an account backing off from its own IAM throttling gives its turn to the next)")
	cmd.Flags().DurationVar(&opts.AccountTimeout, "account-timeout", orgscan.DefaultAccountTimeout, "give up on one account (the caller's, or each of an organization run) after this `duration`")
	return cmd
}

// runAudit audits the caller's account. A run that cannot start — no
// configuration, or a caller that cannot be identified (no credentials,
// unreachable endpoint, denied sts:GetCallerIdentity) — writes no report
// and returns the one-line error that exits 1: there is no account to
// report on. From there on every check asked for is in the report.
func runAudit(ctx context.Context, opts *AuditOptions) error {
	cfg, err := opts.AWSConfig(ctx)
	if err != nil {
		return fmt.Errorf("load AWS configuration: %w", err)
	}
	// --account-timeout bounds this account as it bounds each of an
	// organization run, as a context deadline, so that it also ends the
	// SDK's retries of throttled calls.
	if opts.AccountTimeout <= 0 {
		opts.AccountTimeout = orgscan.DefaultAccountTimeout
	}
	actx, cancel := context.WithTimeout(ctx, opts.AccountTimeout)
	defer cancel()
	res := opts.Audit(actx, cfg, audit.Options{RootUseDays: opts.RootUseDays, ReportWait: opts.ReportWait})
	if res.IdentityErr != nil {
		if cmdutil.DeadlinePassed(ctx, actx) {
			return fmt.Errorf("no answer within --account-timeout %s: %w", opts.AccountTimeout, identifyError(res.IdentityErr))
		}
		return identifyError(res.IdentityErr)
	}
	sess := res.Caller
	switch {
	case ctx.Err() != nil:
		// Interrupted: what was decided stays, the rest says why not.
		res.Unfinished(nil, audit.ReasonInterrupted)
	case actx.Err() != nil:
		res.Unfinished(nil, fmt.Sprintf("the account did not finish within its deadline (--account-timeout %v)", opts.AccountTimeout))
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(opts.IO.ErrOut, "warning: %s\n", w)
	}
	accounts := []audit.AccountResult{res}
	err = report.Render(opts.IO.Out, opts.Output, accounts, report.Options{
		Color:     opts.IO.ColorEnabled(),
		Region:    sess.Region(),
		Partition: sess.Partition.ID,
		Version:   buildinfo.String(),
		Generated: opts.Now(),
	})
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if res.Error == audit.ReasonInterrupted {
		return fmt.Errorf("interrupted: the account was not fully audited; the report above is partial")
	}
	return exitFor(report.Summarize(accounts))
}

// identifyError is the one line a run that could not identify its caller
// ends with (exit 1): "identify caller: sts:GetCallerIdentity: <why>".
func identifyError(err error) error {
	if e := awserr.Classify(err); e.Operation != "" {
		return fmt.Errorf("%w: %w", account.ErrIdentify, e)
	}
	return err
}

// exitFor maps the outcome to the documented exit codes.
func exitFor(s report.Summary) error {
	switch {
	case s.Fail > 0:
		return &cmdutil.ExitCodeError{Code: cmdutil.ExitFindings}
	case s.Error > 0:
		return &cmdutil.ExitCodeError{Code: cmdutil.ExitUnknown}
	}
	return nil
}
