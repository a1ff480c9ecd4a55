// Package audit is rootguard's per-account engine: it reads the root user's
// state of one AWS account with the fewest API calls, running independent
// calls concurrently, and decides every check from what it read. A check
// whose inputs could not be read is ERROR, never a guessed PASS.
//
// The organization runner calls Account once per account, each with that
// account's own credentials.
package audit

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/clock"
)

// Status is a check's outcome.
type Status string

const (
	Pass          Status = "PASS"
	Fail          Status = "FAIL"
	NotApplicable Status = "NOT_APPLICABLE"
	Error         Status = "ERROR"
)

// Severity ranks a failing check.
type Severity string

const (
	Critical Severity = "critical"
	High     Severity = "high"
	Medium   Severity = "medium"
	Low      Severity = "low"
)

// CheckResult is one check's outcome for one account, in the shape of the
// rootguard.audit/v1 JSON document.
type CheckResult struct {
	ID          CheckID        `json:"id"`
	Status      Status         `json:"status"`
	Severity    Severity       `json:"severity"`
	Title       string         `json:"title"`
	Detail      string         `json:"detail"`
	Remediation string         `json:"remediation"`
	Evidence    map[string]any `json:"evidence"`
	References  []string       `json:"references"`
}

// AccountResult is the audit of one account.
//
// The rule every output format relies on: Checks holds one row for every
// check that was asked for, whatever happened. Error is set when the
// account as a whole could not be (fully) audited — caller unknown, account
// unreachable, out of time, interrupted — and then every check that was not
// decided is an ERROR row whose detail carries that reason, while every
// check that was decided before (a FAIL, a PASS) keeps its verdict.
type AccountResult struct {
	AccountID    string `json:"account_id"`
	AccountAlias string `json:"account_alias"`
	Error        string `json:"error"` // why the account could not be (fully) audited; "" when it was
	// Access says how an organization run reached the account: caller,
	// assume-root or assume-role. Empty for a single-account run.
	Access string `json:"access,omitempty"`
	// Skipped, in jsonl only, marks an account an organization run did not
	// audit by design: its status (SUSPENDED, PENDING_CLOSURE, EXCLUDED).
	// Checks is empty then, and only then.
	Skipped string        `json:"skipped,omitempty"`
	Checks  []CheckResult `json:"checks"`

	// CallerARN is who ran the audit. Warnings are for stderr (for example:
	// this run itself used root credentials).
	CallerARN string   `json:"-"`
	Warnings  []string `json:"-"`
	// Caller is the caller as the audit identified it (concurrently with
	// its first reads) or was given it; nil when it could not be
	// identified, and then IdentityErr says why. A command that must not
	// write a report without a caller checks IdentityErr.
	Caller      *account.Session `json:"-"`
	IdentityErr error            `json:"-"`
}

// ReasonInterrupted is the Error of an account that a cancelled run
// (Ctrl-C, SIGTERM) did not finish.
const ReasonInterrupted = "the run was interrupted before this account was fully audited"

// Session says which credentials the audit runs with.
type Session int

const (
	// SessionAuto decides from the caller's ARN: a root ARN (root credentials
	// or an sts:AssumeRoot session) reads the root user directly, any other
	// principal reads the credential report.
	SessionAuto Session = iota
	// SessionIAM is an ordinary IAM principal: the credential report is read.
	SessionIAM
	// SessionAssumeRoot is an sts:AssumeRoot session with the
	// IAMAuditRootUserCredentials task policy, which has no credential
	// report: the root user is read with GetUser, ListAccessKeys,
	// GetAccessKeyLastUsed, ListMFADevices and ListSigningCertificates.
	SessionAssumeRoot
)

// Defaults for Options.
const (
	DefaultRootUseDays = 90
	DefaultReportWait  = 60 * time.Second
)

// Options tune one account's audit. The zero value is usable.
type Options struct {
	RootUseDays int           // root-recent-use window; 0 means DefaultRootUseDays
	ReportWait  time.Duration // bound on waiting for a credential report; 0 means DefaultReportWait
	Session     Session
	// Caller is the caller when it is already known — a member's root
	// session an organization run opened (account.New with the member's
	// root ARN), or a command's resolved session: the audit then skips
	// sts:GetCallerIdentity. Nil: the audit identifies the caller itself,
	// concurrently with its first reads, so identity adds no round trip.
	Caller *account.Session
	// Checks limits the audit to these checks (nil: all). Only the calls
	// the chosen checks need are made.
	Checks []CheckID

	Now   func() time.Time                                 // nil: time.Now
	Sleep func(ctx context.Context, d time.Duration) error // nil: a context-aware timer
}

func (o Options) withDefaults() Options {
	if o.RootUseDays <= 0 {
		o.RootUseDays = DefaultRootUseDays
	}
	if o.ReportWait <= 0 {
		o.ReportWait = DefaultReportWait
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = clock.Sleep
	}
	return o
}

// Account audits the account that cfg's credentials belong to. It never
// fails as a whole: unreadable inputs become ERROR checks, and an account
// whose identity cannot even be read gets AccountResult.Error.
func Account(ctx context.Context, cfg aws.Config, opts Options) AccountResult {
	selected, _ := selectChecks(opts.Checks) // an unknown check is run's error
	return run(ctx, newClients(cfg, opts.Caller, needsOf(selected)), opts)
}

func run(ctx context.Context, c clients, opts Options) AccountResult {
	opts = opts.withDefaults()
	selected, err := selectChecks(opts.Checks)
	if err != nil {
		// Only a caller's bug reaches here: commands validate --checks.
		return AccountResult{Error: err.Error(), Checks: []CheckResult{}}
	}
	in := gather(ctx, c, opts, needsOf(selected))
	res := AccountResult{
		AccountID:    in.accountID,
		AccountAlias: in.alias,
		CallerARN:    in.callerARN,
	}
	if in.identityErr != nil {
		r := NotAudited(res.AccountID, opts.Checks, describeErr(in.identityErr, ""))
		r.IdentityErr = in.identityErr
		return r
	}
	res.Caller = in.caller
	if in.callerIsRoot && opts.Session == SessionAuto {
		res.Warnings = append(res.Warnings, "rootguard ran with root user credentials ("+in.callerARN+"): this run is itself root use and will show as such; audit with an IAM principal or an sts:AssumeRoot session instead")
	}
	if in.aliasErr != nil {
		// No check needs the alias, but a silent empty alias would hide
		// a missing permission of the documented policy.
		res.Warnings = append(res.Warnings, "account alias not read: "+describeErr(in.aliasErr, in.callerARN))
	}
	res.Checks = make([]CheckResult, 0, len(selected))
	for _, ch := range selected {
		res.Checks = append(res.Checks, ch.result(in, opts))
	}
	return res
}

// NotAudited is the result of an account that could not be audited at all:
// one ERROR row per check asked for (nil: every check), each carrying the
// reason, so that no output format shows the account as clean. Unknown
// check IDs are ignored.
func NotAudited(accountID string, checkIDs []CheckID, reason string) AccountResult {
	selected, _ := selectChecks(checkIDs)
	res := AccountResult{AccountID: accountID, Error: reason, Checks: make([]CheckResult, 0, len(selected))}
	for _, ch := range selected {
		res.Checks = append(res.Checks, ch.undecided(reason))
	}
	return res
}

// Unfinished marks an account whose audit was cut short (its deadline, or
// the run was interrupted): every check asked for that has no row yet gets
// an ERROR row carrying the reason, and the rows already there are kept —
// FAIL stays FAIL, and a check whose inputs were cut off is already ERROR
// with the error that cut them off. The reason becomes the account's Error
// when any check is left undecided; an account whose every check was
// decided before the cut was audited in full.
func (r *AccountResult) Unfinished(checkIDs []CheckID, reason string) {
	selected, _ := selectChecks(checkIDs)
	have := map[CheckID]bool{}
	undecided := false
	for _, c := range r.Checks {
		have[c.ID] = true
		undecided = undecided || c.Status == Error
	}
	if r.Checks == nil {
		r.Checks = []CheckResult{}
	}
	for _, ch := range selected {
		if !have[ch.id] {
			r.Checks = append(r.Checks, ch.undecided(reason))
			undecided = true
		}
	}
	if !undecided {
		// Every check was decided from inputs read in full before the
		// cut: the account was audited.
		return
	}
	r.Error = reason
	order := map[CheckID]int{}
	for i, id := range CheckIDs() {
		order[id] = i
	}
	slices.SortStableFunc(r.Checks, func(a, b CheckResult) int { return order[a.ID] - order[b.ID] })
}

// Status is the account's overall status: FAIL if any check failed (an
// account that ran out of time after finding a FAIL still fails), else
// ERROR if the account could not be fully audited or any check is ERROR,
// else PASS. NOT_APPLICABLE checks do not change it.
func (r AccountResult) Status() Status {
	st := Pass
	if r.Error != "" {
		st = Error
	}
	for _, c := range r.Checks {
		switch c.Status {
		case Fail:
			return Fail
		case Error:
			st = Error
		}
	}
	return st
}

// MarshalJSON writes checks as an array even when there are none.
func (r AccountResult) MarshalJSON() ([]byte, error) {
	type plain AccountResult
	if r.Checks == nil {
		r.Checks = []CheckResult{}
	}
	return json.Marshal(plain(r))
}
