// Package fix implements `rootguard fix`.
package fix

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"

	"github.com/rootguard/rootguard/internal/cmdutil"
	"github.com/rootguard/rootguard/internal/iostreams"
	"github.com/rootguard/rootguard/internal/prompt"
)

// The check IDs fix can act on.
const (
	checkAccessKeys   = "root-access-keys"
	checkCertificates = "root-signing-certificates"
	checkCentralized  = "org-centralized-root-access"
)

var fixable = []string{checkAccessKeys, checkCertificates, checkCentralized}

// FixOptions are the flags and dependencies of `rootguard fix`.
type FixOptions struct {
	IO        *iostreams.IOStreams
	Prompter  prompt.Prompter
	AWSConfig func(context.Context) (aws.Config, error)
	Now       func() time.Time

	Accounts              []string
	Only                  []string
	Approve               bool
	Yes                   bool
	RemoveRootCredentials bool
	RecordPath            string
}

// NewCmdFix returns `rootguard fix`.
func NewCmdFix(f *cmdutil.Factory, runF func(*FixOptions) error) *cobra.Command {
	opts := &FixOptions{IO: f.IOStreams, Prompter: f.Prompter, AWSConfig: f.LoadAWSConfig, Now: f.Now}
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
				if !slices.Contains(fixable, id) {
					return cmdutil.Usagef("--only %s: fix acts on %s", id, strings.Join(fixable, ", "))
				}
			}
			for _, a := range opts.Accounts {
				if !isAccountID(a) {
					return cmdutil.Usagef("--accounts %s: an account ID is 12 digits", a)
				}
			}
			if opts.RemoveRootCredentials && len(opts.Accounts) == 0 {
				return cmdutil.Usagef("--remove-root-credentials needs --accounts: it removes the root credentials of member accounts through centralized root access")
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
	fl.StringSliceVar(&opts.Only, "only", nil, "fix only these `check IDs` ("+strings.Join(fixable, ", ")+")")
	fl.BoolVar(&opts.Approve, "approve", false, "make the planned changes (without it, only the plan is shown)")
	fl.BoolVar(&opts.Yes, "yes", false, "skip the typed account-ID confirmation (automation)")
	fl.BoolVar(&opts.RemoveRootCredentials, "remove-root-credentials", false, "remove every root credential of the member accounts: password, access keys, signing certificates, MFA devices")
	fl.StringVar(&opts.RecordPath, "record", "", "append a JSON-lines record of every change to `file`")
	return cmd
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// errNotConfirmed stops a run whose typed confirmation did not match.
var errNotConfirmed = errors.New("confirmation did not match the account ID: no changes were applied")

func confirm(opts *FixOptions, account string) error {
	if opts.Yes {
		return nil
	}
	if !opts.IO.IsStdinTTY() {
		return fmt.Errorf("deleting root credentials in %s cannot be undone and needs confirmation, but stdin is not a terminal: run again with --yes to confirm non-interactively", account)
	}
	ok, err := opts.Prompter.ConfirmTyped(fmt.Sprintf("This cannot be undone. Type the account ID %s to continue:", account), account)
	if err != nil {
		return err
	}
	if !ok {
		return errNotConfirmed
	}
	return nil
}
