// Package fix implements `rootguard fix`.
package fix

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/audit"
	"github.com/rootguard/rootguard/internal/cmdutil"
	rgfix "github.com/rootguard/rootguard/internal/fix"
	"github.com/rootguard/rootguard/internal/iostreams"
	"github.com/rootguard/rootguard/internal/orgscan"
	"github.com/rootguard/rootguard/internal/prompt"
	"github.com/rootguard/rootguard/internal/rootsession"
)

var fixable = rgfix.Fixable

// FixOptions are the flags and dependencies of `rootguard fix`.
type FixOptions struct {
	IO       *iostreams.IOStreams
	Prompter prompt.Prompter
	// Engine identifies the caller and builds the fix engine for it when
	// the command runs; tests give a fake.
	Engine func(context.Context) (Engine, error)
	Now    func() time.Time
	// RootSession tunes the sts:AssumeRoot sessions; tests shorten them.
	RootSession rootsession.Options

	Accounts              []string
	Org                   bool
	OUs                   []string
	Exclude               []string
	Concurrency           int
	Only                  []string
	Approve               bool
	Yes                   bool
	RemoveRootCredentials bool
	RecordPath            string
}

// Engine plans and applies the changes for one caller (rgfix.Engine).
type Engine interface {
	CallerARN() string
	IsRoot() bool
	Plan(ctx context.Context, req rgfix.Request) (*rgfix.Planned, error)
	Apply(ctx context.Context, p *rgfix.Planned, rec *rgfix.Recorder) []rgfix.Report
}

var _ Engine = (*rgfix.Engine)(nil)

// engineFor builds the fix engine for the caller session resolves, with
// opts' clock, concurrency and root-session tuning as they are when the
// command runs (after the flags are parsed).
func engineFor(session func(context.Context) (*account.Session, error), opts *FixOptions) func(context.Context) (Engine, error) {
	return func(ctx context.Context) (Engine, error) {
		who, err := session(ctx)
		if err != nil {
			return nil, err
		}
		return &rgfix.Engine{Caller: who, Now: opts.Now, Concurrency: opts.Concurrency, RootSession: opts.RootSession}, nil
	}
}

// NewCmdFix returns `rootguard fix`.
func NewCmdFix(f *cmdutil.Factory, runF func(*FixOptions) error) *cobra.Command {
	opts := &FixOptions{IO: f.IOStreams, Prompter: f.Prompter, Now: f.Now}
	opts.Engine = engineFor(f.Session, opts)
	cmd := &cobra.Command{
		Use:   "fix [flags]",
		Short: "Remove root credentials and enable centralized root access, plan first",
		Long: `Plan, and with --approve make, the changes that turn failing root checks green:

  root-access-keys            delete every root access key (the key in use last)
  root-signing-certificates   delete every root X.509 signing certificate
  org-centralized-root-access enable centralized root access (management account)

Root's keys are reached in one of two ways, chosen automatically: with root's
own credentials, or — for member accounts of an organization with centralized
root access — through sts:AssumeRoot from the management account (--accounts).

Deleting root credentials cannot be undone: you are asked to type the account
ID; --yes answers for automation. Afterwards the affected checks run again and
show before → after.`,
		Example: `  # Show what would change in this account
  rootguard fix

  # Delete root's access keys in a member account, from the management account
  rootguard fix --accounts 222222222222 --only root-access-keys --approve

  # Remove every root credential of member accounts, unattended, with evidence
  rootguard fix --accounts 222222222222,333333333333 --remove-root-credentials --approve --yes --record changes.jsonl`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, id := range opts.Only {
				if !slices.Contains(fixable, audit.CheckID(id)) {
					return cmdutil.Usagef("--only %s: fix acts on %s", id, audit.JoinIDs(fixable))
				}
			}
			if err := cmdutil.RequireValues(cmd, "accounts", "ou", "exclude-accounts"); err != nil {
				return err
			}
			if err := (orgscan.Selection{OUs: opts.OUs, Accounts: opts.Accounts, Exclude: opts.Exclude}).Validate(); err != nil {
				return cmdutil.Usagef("%w", err)
			}
			if opts.RemoveRootCredentials && !opts.members() {
				return cmdutil.Usagef("--remove-root-credentials needs --accounts, --ou or --org: it removes the root credentials of member accounts through centralized root access")
			}
			if len(opts.Exclude) > 0 && !opts.Org && len(opts.OUs) == 0 {
				return cmdutil.Usagef("--exclude-accounts needs --org or --ou")
			}
			if opts.Concurrency < 1 {
				return cmdutil.Usagef("--concurrency must be at least 1")
			}
			if opts.Yes && !opts.Approve {
				return cmdutil.Usagef("--yes answers the confirmation of --approve; add --approve to make changes")
			}
			if runF != nil {
				return runF(opts)
			}
			return runFix(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&opts.Accounts, "accounts", nil, "member `account IDs` to fix through sts:AssumeRoot (default: the caller's account)")
	fl.BoolVar(&opts.Org, "org", false, "fix every ACTIVE member account of the organization through sts:AssumeRoot")
	fl.StringSliceVar(&opts.OUs, "ou", nil, "fix the member accounts under these organizational `unit IDs`")
	fl.StringSliceVar(&opts.Exclude, "exclude-accounts", nil, "leave these `account IDs` out of --org or --ou")
	fl.IntVar(&opts.Concurrency, "concurrency", orgscan.DefaultConcurrency, "member accounts planned and changed at once")
	fl.StringSliceVar(&opts.Only, "only", nil, "fix only these `check IDs` ("+audit.JoinIDs(fixable)+")")
	fl.BoolVar(&opts.Approve, "approve", false, "make the planned changes (without it, only the plan is shown)")
	fl.BoolVar(&opts.Yes, "yes", false, "skip the typed account-ID confirmation (automation)")
	fl.BoolVar(&opts.RemoveRootCredentials, "remove-root-credentials", false, "remove every root credential of the member accounts: password, access keys, signing certificates, MFA devices")
	fl.StringVar(&opts.RecordPath, "record", "", "append a JSON-lines record of every change to `file`")
	return cmd
}

// members reports whether the run targets member accounts (through
// AssumeRoot) rather than the caller's own account.
func (o *FixOptions) members() bool { return o.Org || len(o.OUs) > 0 || len(o.Accounts) > 0 }

// errNotConfirmed stops a run whose typed confirmation did not match.
var errNotConfirmed = errors.New("the confirmation did not match: no changes were applied")

// confirm asks the user to type the account ID — or, for several accounts,
// their number — before an irreversible change.
func confirm(opts *FixOptions, accounts []string) error {
	if opts.Yes || len(accounts) == 0 {
		return nil
	}
	what, want := accounts[0], accounts[0]
	question := fmt.Sprintf("This cannot be undone. Type the account ID %s to continue:", want)
	if len(accounts) > 1 {
		what, want = fmt.Sprintf("%d accounts", len(accounts)), fmt.Sprint(len(accounts))
		question = fmt.Sprintf("This cannot be undone in %d accounts (%s). Type the number of accounts, %s, to continue:", len(accounts), strings.Join(accounts, ", "), want)
	}
	if !opts.IO.IsStdinTTY() {
		return fmt.Errorf("deleting root credentials in %s cannot be undone and needs confirmation, but stdin is not a terminal: run again with --yes to confirm non-interactively", what)
	}
	ok, err := opts.Prompter.ConfirmTyped(question, want)
	if err != nil {
		return err
	}
	if !ok {
		return errNotConfirmed
	}
	return nil
}
