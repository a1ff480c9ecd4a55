package mfawait

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/audit"
)

type organizationAPI interface {
	DescribeOrganization(ctx context.Context, in *organizations.DescribeOrganizationInput, optFns ...func(*organizations.Options)) (*organizations.DescribeOrganizationOutput, error)
}

var _ organizationAPI = (*organizations.Client)(nil)

// Engine is `rootguard mfa`'s engine in the caller's account: it reads
// whether root MFA is on, whether the account is an organization member,
// waits for MFA, and verifies it with the audit's MFA checks.
type Engine struct {
	caller *account.Session
	iam    summaryAPI
	org    organizationAPI
}

// New builds the engine's clients for the caller's account.
func New(caller *account.Session) *Engine {
	cfg := caller.Config()
	return &Engine{caller: caller, iam: iam.NewFromConfig(cfg), org: organizations.NewFromConfig(cfg)}
}

// Account is the caller's account ID.
func (e *Engine) Account() string { return e.caller.AccountID }

// Partition is the caller's partition.
func (e *Engine) Partition() account.Partition { return e.caller.Partition }

// Enabled reads whether root MFA is on.
func (e *Engine) Enabled(ctx context.Context) (bool, error) { return Enabled(ctx, e.iam) }

// Wait polls until root MFA is on; see Wait.
func (e *Engine) Wait(ctx context.Context, o Options) error { return Wait(ctx, e.iam, o) }

// Membership reports whether the account is a member (not the management
// account) of an organization. An unreadable organization counts as
// standalone: the answer only chooses advice, never a reason to stop.
func (e *Engine) Membership(ctx context.Context) (management string, member bool) {
	out, err := e.org.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	if err != nil || out.Organization == nil {
		return "", false
	}
	management = aws.ToString(out.Organization.MasterAccountId)
	return management, management != e.caller.AccountID
}

// VerifyChecks are the checks Verify runs.
var VerifyChecks = []audit.CheckID{audit.CheckRootMFA, audit.CheckRootHardwareMFA}

// Verify runs VerifyChecks in the caller's account.
func (e *Engine) Verify(ctx context.Context, now func() time.Time) audit.AccountResult {
	return audit.Account(ctx, e.caller.Config(), audit.Options{Checks: VerifyChecks, Caller: e.caller, Now: now})
}
