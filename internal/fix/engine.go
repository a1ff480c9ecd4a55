package fix

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/smithy-go"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/audit"
	"github.com/rootguard/rootguard/internal/awserr"
	"github.com/rootguard/rootguard/internal/orgscan"
	"github.com/rootguard/rootguard/internal/rootsession"
)

// The check IDs fix acts on or verifies.
const (
	CheckAccessKeys   = audit.CheckRootAccessKeys
	CheckCertificates = audit.CheckRootSigningCertificates
	CheckCentralized  = audit.CheckOrgCentralizedRootAccess
)

// Fixable are the checks fix can turn green, for --only.
var Fixable = []audit.CheckID{CheckAccessKeys, CheckCertificates, CheckCentralized}

// Engine plans and applies `rootguard fix` for one caller. Sessions in
// member accounts are opened right before each use — one to read the plan,
// one to apply it, one each to verify before and after — and renew
// themselves, so however long the user takes to confirm and however many
// accounts a run covers, no call is signed with an expired root session.
type Engine struct {
	Caller      *account.Session
	Now         func() time.Time
	Concurrency int
	// RootSession tunes the sts:AssumeRoot sessions (tests shorten them).
	RootSession rootsession.Options
}

// CallerARN is the caller's ARN, the actor of the change record.
func (e *Engine) CallerARN() string { return e.Caller.CallerARN }

// IsRoot reports whether the caller is the account's root user.
func (e *Engine) IsRoot() bool { return e.Caller.IsRoot }

// Request is what to fix.
type Request struct {
	What What
	// Only lists the checks asked for with --only; empty means all.
	Only []string
	// Members selects member accounts, reached through sts:AssumeRoot; the
	// zero value fixes the caller's own account.
	Members orgscan.Selection
}

func (r Request) wants(id audit.CheckID) bool {
	return len(r.Only) == 0 || slices.Contains(r.Only, string(id))
}

// MembersSelected reports whether the request names member accounts.
func (r Request) MembersSelected() bool {
	return r.Members.Org || len(r.Members.OUs) > 0 || len(r.Members.Accounts) > 0
}

// Target is one account's plan, what fix cannot do there, and the checks
// to run again afterwards.
type Target struct {
	Plan   *Plan
	Undone []string
	Checks []audit.CheckID

	member      bool       // reached through sts:AssumeRoot
	inventory   *Inventory // root's credentials when planned; nil: none planned
	what        What
	inUseKey    string
	centralized bool // the plan enables centralized root access
}

// Planned is the result of planning: one target per account, in order,
// and notes for the user (skipped accounts).
type Planned struct {
	Targets []*Target
	Notes   []string
}

// Steps counts the planned changes and the accounts with something fix
// cannot do.
func (p *Planned) Steps() (steps, undone int) {
	for _, t := range p.Targets {
		steps += len(t.Plan.Steps)
		undone += len(t.Undone)
	}
	return steps, undone
}

// Irreversible lists the accounts whose plan cannot be undone.
func (p *Planned) Irreversible() []string {
	var out []string
	for _, t := range p.Targets {
		if t.Plan.Irreversible() {
			out = append(out, t.Plan.Account)
		}
	}
	return out
}

// AffectedChecks are the checks whose result the selected credential
// kinds change.
func AffectedChecks(what What) []audit.CheckID {
	var ids []audit.CheckID
	if what.AccessKeys {
		ids = append(ids, CheckAccessKeys)
	}
	if what.Certificates {
		ids = append(ids, CheckCertificates)
	}
	if what.LoginProfile || what.MFADevices {
		ids = append(ids, audit.CheckRootMFA, audit.CheckRootHardwareMFA)
	}
	return ids
}

// Plan reads what root holds in each target account and plans the changes.
// Nothing is changed. Member accounts are read in a root session scoped by
// IAMAuditRootUserCredentials: a plan never holds the right to delete.
func (e *Engine) Plan(ctx context.Context, req Request) (*Planned, error) {
	if !req.MembersSelected() {
		t, err := e.planOwnAccount(ctx, req)
		if err != nil {
			return nil, err
		}
		return &Planned{Targets: []*Target{t}}, nil
	}
	members, notes, err := e.members(ctx, req.Members)
	if err != nil {
		return nil, err
	}
	type planned struct {
		t   *Target
		err error
	}
	plans := orgscan.Each(ctx, members, e.Concurrency, orgscan.DefaultAccountTimeout,
		func(ctx context.Context, _ int, a orgscan.Account) planned {
			t, err := e.planMember(ctx, a.ID, req.What)
			return planned{t, err}
		}, nil)
	out := &Planned{Notes: notes}
	for i, p := range plans {
		if p.err != nil {
			if len(plans) == 1 {
				return nil, p.err
			}
			// One account that cannot be planned is reported, not fatal.
			p.t = &Target{Plan: &Plan{Account: members[i].ID}, Undone: []string{p.err.Error()}, member: true}
		}
		out.Targets = append(out.Targets, p.t)
	}
	return out, nil
}

// members resolves the selection to member accounts. The caller's own
// account cannot be reached with AssumeRoot: it is left out of --org and
// --ou with a note, and refused in --accounts.
func (e *Engine) members(ctx context.Context, sel orgscan.Selection) ([]orgscan.Account, []string, error) {
	own := e.Caller.AccountID
	for _, a := range sel.Accounts {
		if a == own {
			return nil, nil, &UsageError{fmt.Sprintf("--accounts %s is the caller's own account: run without --accounts to fix it", a)}
		}
	}
	if !sel.Org && len(sel.OUs) == 0 {
		out := make([]orgscan.Account, len(sel.Accounts))
		for i, a := range sel.Accounts {
			out[i] = orgscan.Account{ID: a}
		}
		return out, nil, nil
	}
	sel.Exclude = append(slices.Clone(sel.Exclude), own)
	found, err := orgscan.Discover(ctx, organizations.NewFromConfig(e.Caller.Config()), sel)
	if err != nil {
		return nil, nil, withAWSReason(err, e.Caller.CallerARN)
	}
	var notes []string
	for _, s := range found.Skipped {
		notes = append(notes, fmt.Sprintf("%s is %s: skipped", s.ID, strings.ToLower(s.Status)))
	}
	notes = append(notes, fmt.Sprintf("the caller's account %s is not a member: fix it separately, without --org", own))
	return found.Accounts, notes, nil
}

// UsageError is a request fix refuses before touching AWS.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

func (e *Engine) planMember(ctx context.Context, acct string, what What) (*Target, error) {
	cfg, err := e.rootSession(ctx, acct, rootsession.AuditRootUserCredentials)
	if err != nil {
		return nil, err
	}
	inv, err := ReadInventory(ctx, iam.NewFromConfig(cfg), acct, "", what)
	if err != nil {
		return nil, withAWSReason(err, e.Caller.Partition.RootARN(acct))
	}
	return &Target{
		Plan:      PlanRootCredentials(nil, inv, e.Now(), true),
		Checks:    AffectedChecks(what),
		member:    true,
		inventory: inv,
		what:      what,
	}, nil
}

// rootSession opens a self-renewing root session in acct.
func (e *Engine) rootSession(ctx context.Context, acct string, task rootsession.TaskPolicy) (aws.Config, error) {
	cfg, err := rootsession.Open(ctx, e.Caller, acct, task, e.RootSession)
	if err != nil {
		return aws.Config{}, explainAssumeRoot(acct, e.Caller.CallerARN, err)
	}
	return orgscan.MemberConfig(cfg), nil
}

func explainAssumeRoot(acct, caller string, err error) error {
	e := awserr.Classify(err)
	if e.AccessDenied() || e.Code == "InvalidParameterValue" || e.Code == "OrganizationNotFoundException" {
		return fmt.Errorf("%w\nsts:AssumeRoot into %s works only from the organization's management account (or the IAM delegated administrator), "+
			"for a member account, with centralized root access enabled (root credentials management and root sessions): "+
			"run `rootguard fix` in the management account to enable it", withAWSReason(err, caller), acct)
	}
	return err
}

// withAWSReason keeps the wrapped message and adds the classified AWS
// part, which keeps AWS's own message (it names the SCP or boundary that
// denied) and the advice that fits caller — the IAM action to grant an IAM
// principal, the SCP exemption for a root session.
func withAWSReason(err error, caller string) error {
	e := awserr.Classify(err)
	if !e.AccessDenied() {
		return err
	}
	withCaller := *e
	withCaller.Caller = caller
	msg := err.Error()
	// The SDK's chain (operation, status, request ID, code, message) is
	// replaced by the classified text, which quotes AWS's message once.
	var op *smithy.OperationError
	if errors.As(err, &op) && strings.Contains(msg, op.Error()) {
		msg = strings.Replace(msg, op.Error(), withCaller.Error(), 1)
	} else {
		msg += " (" + withCaller.Error() + ")"
	}
	return &explained{msg: msg, err: err}
}

// explained is an error with a rewritten message that still unwraps to
// the original, so errors.As finds the API error.
type explained struct {
	msg string
	err error
}

func (e *explained) Error() string { return e.msg }
func (e *explained) Unwrap() error { return e.err }

func (e *Engine) planOwnAccount(ctx context.Context, req Request) (*Target, error) {
	who := e.Caller
	t := &Target{Plan: &Plan{Account: who.AccountID}}
	what := req.What
	if what.AccessKeys || what.Certificates {
		if who.IsRoot {
			creds, err := who.Config().Credentials.Retrieve(ctx)
			if err != nil {
				return nil, fmt.Errorf("read the caller's credentials: %w", err)
			}
			inv, err := ReadInventory(ctx, iam.NewFromConfig(who.Config()), who.AccountID, creds.AccessKeyID, what)
			if err != nil {
				return nil, withAWSReason(err, who.CallerARN)
			}
			t.Plan = PlanRootCredentials(nil, inv, e.Now(), false)
			t.inventory, t.what, t.inUseKey = inv, what, creds.AccessKeyID
			t.Checks = AffectedChecks(what)
		} else {
			present, err := rootCredentialsPresent(ctx, iam.NewFromConfig(who.Config()), what)
			if err != nil {
				return nil, withAWSReason(err, who.CallerARN)
			}
			if len(present) > 0 {
				t.Undone = append(t.Undone, fmt.Sprintf(
					"root holds %s in %s, and an IAM principal (%s) cannot delete root's credentials. Two ways work:\n"+
						"    1. sign in as root and run rootguard fix with root's credentials (that run is root use), or\n"+
						"    2. from the organization's management account, with centralized root access enabled:\n"+
						"       rootguard fix --accounts %s", strings.Join(present, " and "), who.AccountID, who.CallerARN, who.AccountID))
			}
		}
	}
	if req.wants(CheckCentralized) {
		steps, err := e.planCentralized(ctx, len(req.Only) > 0)
		if err != nil {
			return nil, err
		}
		t.Plan.Steps = append(t.Plan.Steps, steps...)
		if len(steps) > 0 {
			t.centralized = true
			t.Checks = append(t.Checks, CheckCentralized)
		}
	}
	return t, nil
}

type summaryAPI interface {
	GetAccountSummary(ctx context.Context, in *iam.GetAccountSummaryInput, optFns ...func(*iam.Options)) (*iam.GetAccountSummaryOutput, error)
}

var _ summaryAPI = (*iam.Client)(nil)

func rootCredentialsPresent(ctx context.Context, client summaryAPI, what What) ([]string, error) {
	out, err := client.GetAccountSummary(ctx, &iam.GetAccountSummaryInput{})
	if err != nil {
		return nil, fmt.Errorf("read the account summary: %w", err)
	}
	var present []string
	if what.AccessKeys && out.SummaryMap["AccountAccessKeysPresent"] > 0 {
		present = append(present, "access keys")
	}
	if what.Certificates && out.SummaryMap["AccountSigningCertificatesPresent"] > 0 {
		present = append(present, "signing certificates")
	}
	return present, nil
}

type describeOrgAPI interface {
	DescribeOrganization(ctx context.Context, in *organizations.DescribeOrganizationInput, optFns ...func(*organizations.Options)) (*organizations.DescribeOrganizationOutput, error)
}

var _ describeOrgAPI = (*organizations.Client)(nil)

// planCentralized plans centralized root access when the caller is in the
// organization's management account. explicit: the user asked for it with
// --only, so not being able to is an error rather than a skip.
func (e *Engine) planCentralized(ctx context.Context, explicit bool) ([]Step, error) {
	org := organizations.NewFromConfig(e.Caller.Config())
	mgmt, err := managementAccount(ctx, org)
	if err != nil {
		if awserr.Code(err) == "AWSOrganizationsNotInUseException" && !explicit {
			return nil, nil
		}
		return nil, fmt.Errorf("read the organization: %w", awserr.Classify(err))
	}
	if mgmt != e.Caller.AccountID {
		if explicit {
			return nil, fmt.Errorf("centralized root access is enabled from the management account (%s), not from %s", mgmt, e.Caller.AccountID)
		}
		return nil, nil
	}
	p, err := PlanCentralizedRootAccess(ctx, org, iam.NewFromConfig(e.Caller.Config()), e.Caller.AccountID)
	if err != nil {
		return nil, withAWSReason(err, e.Caller.CallerARN)
	}
	return p.Steps, nil
}

// managementAccount is the organization's management account ID. An answer
// without an organization (which AWS does not give, but a proxy might) is
// an error, not a panic.
func managementAccount(ctx context.Context, org describeOrgAPI) (string, error) {
	out, err := org.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	if err != nil {
		return "", err
	}
	if out.Organization == nil || aws.ToString(out.Organization.MasterAccountId) == "" {
		return "", fmt.Errorf("DescribeOrganization answered without the organization's management account")
	}
	return aws.ToString(out.Organization.MasterAccountId), nil
}
