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
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/rootguard/rootguard/internal/account"
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
type AccountResult struct {
	AccountID    string `json:"account_id"`
	AccountAlias string `json:"account_alias"`
	Error        string `json:"error"` // set when the account could not be audited at all
	// Access says how an organization run reached the account: caller,
	// assume-root or assume-role. Empty for a single-account run.
	Access string        `json:"access,omitempty"`
	Checks []CheckResult `json:"checks"`

	// CallerARN is who ran the audit. Warnings are for stderr (for example:
	// this run itself used root credentials).
	CallerARN string   `json:"-"`
	Warnings  []string `json:"-"`
}

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
		o.Sleep = sleepContext
	}
	return o
}

func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Account audits the account that cfg's credentials belong to. It never
// fails as a whole: unreadable inputs become ERROR checks, and an account
// whose identity cannot even be read gets AccountResult.Error.
func Account(ctx context.Context, cfg aws.Config, opts Options) AccountResult {
	return run(ctx, newClients(cfg, opts.Caller), opts)
}

func run(ctx context.Context, c clients, opts Options) AccountResult {
	opts = opts.withDefaults()
	selected, err := selectChecks(opts.Checks)
	if err != nil {
		return AccountResult{Error: err.Error()}
	}
	in := gather(ctx, c, opts, needsOf(selected))
	res := AccountResult{
		AccountID:    in.accountID,
		AccountAlias: in.alias,
		CallerARN:    in.callerARN,
	}
	if in.identityErr != nil {
		res.Error = describeErr(in.identityErr, "")
		return res
	}
	if in.callerIsRoot && opts.Session == SessionAuto {
		res.Warnings = append(res.Warnings, "rootguard ran with root user credentials ("+in.callerARN+"): this run is itself root use and will show as such; audit with an IAM principal or an sts:AssumeRoot session instead")
	}
	if in.aliasErr != nil {
		// No check needs the alias, but a silent empty alias would hide
		// a missing permission of the documented policy.
		res.Warnings = append(res.Warnings, "account alias not read: "+describeErr(in.aliasErr, in.callerARN))
	}
	for _, ch := range selected {
		res.Checks = append(res.Checks, ch.result(in, opts))
	}
	return res
}
