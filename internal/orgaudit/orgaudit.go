// Package orgaudit audits the root user of every selected account of an
// AWS Organization with the per-account engine of package audit.
package orgaudit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/audit"
	"github.com/rootguard/rootguard/internal/awserr"
	"github.com/rootguard/rootguard/internal/orgscan"
	"github.com/rootguard/rootguard/internal/rootsession"
)

// ErrInterrupted marks the accounts a cancelled run did not finish: their
// AccountResult.Error is its text.
var ErrInterrupted = errors.New(audit.ReasonInterrupted)

// discoveryBuffer is how many discovered accounts may wait for a worker
// before discovery pauses.
const discoveryBuffer = 1024

// Options select the accounts and tune the run.
type Options struct {
	Selection      orgscan.Selection
	RoleName       string
	Concurrency    int
	AccountTimeout time.Duration
	Audit          audit.Options

	// Started is called once discovery has found every account (while the
	// first ones are already being audited); Done as each account finishes
	// (from a worker goroutine), for progress and streaming.
	Started func(total int)
	Done    func(i int, r Row)
}

// Row is one account's audit and how rootguard reached it.
type Row struct {
	Account orgscan.Account
	Access  orgscan.Access
	Result  audit.AccountResult
}

// Result is the whole organization's audit.
type Result struct {
	Caller       *account.Session // who ran the audit (the hub)
	Management   string
	RootSessions bool // centralized root access: members reached with sts:AssumeRoot
	Rows         []Row
	Skipped      []orgscan.Account // not ACTIVE
	MemberChecks []audit.CheckID   // the checks run in member accounts
	Notes        []string
}

// Run discovers the selected accounts and audits each, at most
// opts.Concurrency at once. It fails as a whole only when the organization
// itself cannot be read; an account that cannot be reached or audited is
// that account's ERROR row.
func Run(ctx context.Context, cfg aws.Config, opts Options) (*Result, error) {
	// Who the caller is and whether root sessions are on decide how members
	// are reached; both are read at once, before the first member starts.
	var (
		caller    *account.Session
		idErr     error
		choice    orgscan.Choice
		choiceErr error
		ready     sync.WaitGroup
	)
	// Both are the caller's own account's work, bounded as each member's
	// is by the account timeout, a context deadline that also ends the
	// SDK's retries of a throttled read (without it, three throttled reads
	// of ListOrganizationsFeatures took over a minute).
	timeout := opts.AccountTimeout
	if timeout <= 0 {
		timeout = orgscan.DefaultAccountTimeout
	}
	readyCtx, cancelReady := context.WithTimeout(ctx, timeout)
	ready.Go(func() { caller, idErr = account.Resolve(readyCtx, cfg) })
	ready.Go(func() { choice, choiceErr = orgscan.ChooseAccess(readyCtx, iam.NewFromConfig(cfg), opts.RoleName) })
	ready.Wait()
	cut := ctx.Err() == nil && errors.Is(readyCtx.Err(), context.DeadlineExceeded)
	cancelReady()
	if idErr != nil {
		err := fmt.Errorf("identify the caller: %w", awserr.Classify(idErr))
		if cut {
			err = fmt.Errorf("%w (not within --account-timeout %v)", err, timeout)
		}
		return nil, err
	}
	if choiceErr != nil {
		if cut {
			choiceErr = fmt.Errorf("%w (not within --account-timeout %v)", choiceErr, timeout)
		}
		return nil, choiceErr
	}
	rootSessions := choice.RootSessions
	home := caller.AccountID
	res := &Result{Caller: caller, RootSessions: rootSessions}
	creds := &orgscan.Credentials{Base: cfg, Home: home, RootSessions: rootSessions,
		Task: rootsession.AuditRootUserCredentials, RoleName: opts.RoleName}

	memberOpts := opts.Audit
	memberOpts.Session = audit.SessionIAM
	if rootSessions {
		memberOpts.Session = audit.SessionAssumeRoot
		memberOpts.Checks = intersect(opts.Audit.Checks, audit.RootSessionCheckIDs())
		res.Notes = append(res.Notes, choice.Why+"; the session (IAMAuditRootUserCredentials) can read only root's credentials: "+
			managementOnly()+" run in "+home+" only; `rootguard alert status --org` reports member alerting coverage")
	} else {
		res.Notes = append(res.Notes, choice.Why)
	}
	res.MemberChecks = memberOpts.Checks
	if res.MemberChecks == nil {
		res.MemberChecks = audit.CheckIDs()
	}

	// Members are audited as discovery finds them: the first page's
	// accounts start while the next pages are listed. The buffer keeps
	// discovery from waiting on busy workers.
	found := make(chan orgscan.Account, discoveryBuffer)
	var (
		targets     *orgscan.Targets
		discoverErr error
	)
	go func() {
		defer close(found)
		targets, discoverErr = orgscan.DiscoverEach(ctx, organizations.NewFromConfig(cfg), opts.Selection,
			func(a orgscan.Account) { found <- a })
		if discoverErr == nil && opts.Started != nil {
			opts.Started(len(targets.Accounts))
		}
	}()
	res.Rows = orgscan.EachStream(ctx, found, opts.Concurrency, opts.AccountTimeout,
		func(ctx context.Context, _ int, a orgscan.Account) Row {
			// The checks asked of this account: every row of its result
			// has one of them, whatever happens.
			asked := memberOpts.Checks
			if a.ID == home {
				asked = opts.Audit.Checks
			}
			if interrupted(ctx) {
				return Row{Account: a, Result: audit.NotAudited(a.ID, asked, audit.ReasonInterrupted)}
			}
			acfg, access, err := creds.Open(ctx, a.ID)
			row := Row{Account: a, Access: access}
			if err != nil {
				reason := "cannot reach the account: " + awserr.Classify(err).Error()
				if ctx.Err() != nil {
					reason = cutShort(ctx, opts.AccountTimeout)
				}
				row.Result = audit.NotAudited(a.ID, asked, reason)
				return row
			}
			ao := memberOpts
			switch access {
			case orgscan.AccessCaller:
				ao = opts.Audit
			case orgscan.AccessAssumeRoot:
				// The session's principal is the member's root user:
				// the audit need not ask STS who it is.
				if ao.Caller, err = account.New(acfg, caller.Partition.RootARN(a.ID)); err != nil {
					row.Result = audit.NotAudited(a.ID, asked, err.Error())
					return row
				}
			}
			row.Result = audit.Account(ctx, acfg, ao)
			if row.Result.AccountID == "" {
				row.Result.AccountID = a.ID
			}
			if access != orgscan.AccessCaller {
				// The member's session (its credentials, clients and
				// signing keys) is not needed past its audit: a row
				// keeps only what the reports show.
				row.Result.Caller = nil
			}
			if ctx.Err() != nil {
				// Out of time or interrupted: what was decided stays
				// decided (a FAIL stays FAIL), the rest is ERROR.
				row.Result.Unfinished(ao.Checks, cutShort(ctx, opts.AccountTimeout))
			}
			return row
		}, opts.Done)
	if discoverErr != nil {
		if ctx.Err() == nil || targets == nil {
			return nil, fmt.Errorf("%w", awserr.Classify(discoverErr))
		}
		// Interrupted while listing: report what was audited.
		res.Notes = append(res.Notes, "interrupted while listing the organization's accounts: accounts not yet listed are not in this report")
	}
	if discoverErr == nil {
		if err := targets.NoneSelected(); err != nil {
			return nil, err
		}
	}
	res.Management, res.Skipped = targets.Management, targets.Skipped
	return res, nil
}

// interrupted reports whether the whole run was cancelled (Ctrl-C), as
// opposed to one account running out of its own time.
func interrupted(ctx context.Context) bool {
	return ctx.Err() != nil && errors.Is(context.Cause(ctx), context.Canceled)
}

// cutShort says why an account's audit stopped early.
func cutShort(ctx context.Context, timeout time.Duration) string {
	if interrupted(ctx) {
		return audit.ReasonInterrupted
	}
	if timeout <= 0 {
		timeout = orgscan.DefaultAccountTimeout
	}
	return fmt.Sprintf("the account did not finish within its deadline (--account-timeout %v)", timeout)
}

// managementOnly names the checks a root session cannot decide, which an
// organization run with root sessions runs in the management account only.
func managementOnly() string {
	var names []string
	for _, id := range audit.CheckIDs() {
		if !slices.Contains(audit.RootSessionCheckIDs(), id) {
			names = append(names, string(id))
		}
	}
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

func intersect(chosen, allowed []audit.CheckID) []audit.CheckID {
	if chosen == nil {
		return slices.Clone(allowed)
	}
	var out []audit.CheckID
	for _, c := range chosen {
		if slices.Contains(allowed, c) {
			out = append(out, c)
		}
	}
	return out
}

// Holdout is a member account whose root user still holds credentials
// although centralized root access could remove them.
type Holdout struct {
	AccountID string   `json:"account_id"`
	Holds     []string `json:"holds"` // password, access keys, signing certificates, MFA
}

// Holdouts lists the member accounts that still hold root credentials,
// read from the root-mfa check's evidence (GetAccountSummary). It is empty
// unless centralized root access is on: only then can they be removed.
func (r *Result) Holdouts() []Holdout {
	if !r.RootSessions {
		return nil
	}
	var out []Holdout
	for _, row := range r.Rows {
		if row.Access == orgscan.AccessCaller {
			continue
		}
		for _, c := range row.Result.Checks {
			if c.ID != audit.CheckRootMFA || c.Status == audit.Error {
				continue
			}
			var holds []string
			for _, k := range []struct{ key, name string }{
				{audit.EvidencePasswordPresent, "password"},
				{audit.EvidenceAccessKeysPresent, "access keys"},
				{audit.EvidenceCertificatesPresent, "signing certificates"},
				{audit.EvidenceMFAEnabled, "MFA"},
			} {
				if positive(c.Evidence[k.key]) {
					holds = append(holds, k.name)
				}
			}
			if len(holds) > 0 {
				out = append(out, Holdout{AccountID: row.Account.ID, Holds: holds})
			}
		}
	}
	return out
}

func positive(v any) bool {
	switch n := v.(type) {
	case int32:
		return n > 0
	case int:
		return n > 0
	case int64:
		return n > 0
	case float64:
		return n > 0
	}
	return false
}
