package fix

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/rootguard/rootguard/internal/audit"
	"github.com/rootguard/rootguard/internal/awserr"
	"github.com/rootguard/rootguard/internal/cmdutil"
	rgfix "github.com/rootguard/rootguard/internal/fix"
	"github.com/rootguard/rootguard/internal/orgscan"
	"github.com/rootguard/rootguard/internal/rootsession"
)

// caller is who runs rootguard.
type caller struct {
	account string
	arn     string
	isRoot  bool
	keyID   string // access key ID signing this run
}

// target is one account's plan and how to verify it afterwards.
type target struct {
	plan   *rgfix.Plan
	checks []audit.CheckID // the checks to run again after acting
	audit  func(ctx context.Context) (aws.Config, audit.Session, error)
	// undone explains what rootguard cannot change in this account.
	undone []string
}

func runFix(ctx context.Context, opts *FixOptions) error {
	cfg, err := opts.AWSConfig(ctx)
	if err != nil {
		return err
	}
	who, err := whoAmI(ctx, cfg)
	if err != nil {
		return err
	}
	errOut := opts.IO.ErrOut
	if who.isRoot {
		fmt.Fprintf(errOut, "! rootguard is running with root user credentials (%s): this run is itself root use.\n", who.arn)
	}

	targets, err := planTargets(ctx, opts, cfg, who)
	if err != nil {
		return err
	}
	steps, undone := 0, 0
	for _, t := range targets {
		printPlan(opts.IO.Out, t)
		steps += len(t.plan.Steps)
		undone += len(t.undone)
	}
	if steps == 0 {
		if undone > 0 {
			return &cmdutil.ExitCodeError{Code: cmdutil.ExitPartial}
		}
		fmt.Fprintln(errOut, "Nothing to fix.")
		return nil
	}
	if !opts.Approve {
		fmt.Fprintf(errOut, "\n%s planned; no changes were applied. Run again with --approve to make them.\n", plural(steps, "change"))
		return nil
	}
	var irreversible []string
	for _, t := range targets {
		if t.plan.Irreversible() {
			irreversible = append(irreversible, t.plan.Account)
		}
	}
	if err := confirm(opts, irreversible); err != nil {
		return err
	}

	var rec *rgfix.Recorder
	if opts.RecordPath != "" {
		if rec, err = rgfix.OpenRecorder(opts.RecordPath, who.arn); err != nil {
			return err
		}
	}
	// Accounts are changed concurrently; each account's report is written
	// to a buffer and printed in plan order.
	reports := orgscan.Each(ctx, accountsOf(targets), opts.Concurrency, orgscan.DefaultAccountTimeout,
		func(ctx context.Context, i int, _ orgscan.Account) applied {
			t := targets[i]
			var buf bytes.Buffer
			before := verify(ctx, t)
			outcomes := rgfix.Apply(ctx, t.plan, rec, opts.Now)
			n := printOutcomes(&buf, outcomes)
			printVerification(ctx, &buf, t, before, outcomes)
			return applied{report: buf.Bytes(), notDone: n}
		}, nil)
	failed := 0
	for _, r := range reports {
		opts.IO.Out.Write(r.report)
		failed += r.notDone
	}
	if err := rec.Close(); err != nil {
		fmt.Fprintf(errOut, "! the change record %s is incomplete: %v\n", opts.RecordPath, err)
		failed++
	}
	fmt.Fprintf(errOut, "\n%s: %d done or already gone, %d not done.\n", plural(steps, "change"), steps-failed, failed)
	if failed > 0 || undone > 0 {
		return &cmdutil.ExitCodeError{Code: cmdutil.ExitPartial}
	}
	return nil
}

type applied struct {
	report  []byte
	notDone int
}

func accountsOf(targets []*target) []orgscan.Account {
	out := make([]orgscan.Account, len(targets))
	for i, t := range targets {
		out[i] = orgscan.Account{ID: t.plan.Account}
	}
	return out
}

func whoAmI(ctx context.Context, cfg aws.Config) (caller, error) {
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return caller{}, fmt.Errorf("identify the caller: %w", awserr.Classify(err))
	}
	c := caller{account: aws.ToString(out.Account), arn: aws.ToString(out.Arn)}
	c.isRoot = c.arn == "arn:aws:iam::"+c.account+":root"
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return caller{}, fmt.Errorf("read the caller's credentials: %w", err)
	}
	c.keyID = creds.AccessKeyID
	return c, nil
}

func wants(opts *FixOptions, id audit.CheckID) bool {
	return len(opts.Only) == 0 || slices.Contains(opts.Only, string(id))
}

func planTargets(ctx context.Context, opts *FixOptions, cfg aws.Config, who caller) ([]*target, error) {
	what := rgfix.What{
		AccessKeys:   wants(opts, checkAccessKeys) || opts.RemoveRootCredentials,
		Certificates: wants(opts, checkCertificates) || opts.RemoveRootCredentials,
		LoginProfile: opts.RemoveRootCredentials,
		MFADevices:   opts.RemoveRootCredentials,
	}
	affected := affectedChecks(what)
	if !opts.members() {
		return planOwnAccount(ctx, opts, cfg, who, what, affected)
	}
	members, err := memberTargets(ctx, opts, cfg, who)
	if err != nil {
		return nil, err
	}
	type planned struct {
		t   *target
		err error
	}
	plans := orgscan.Each(ctx, members, opts.Concurrency, orgscan.DefaultAccountTimeout,
		func(ctx context.Context, _ int, a orgscan.Account) planned {
			t, err := planMember(ctx, opts, cfg, a.ID, what, affected)
			return planned{t, err}
		}, nil)
	out := make([]*target, 0, len(plans))
	for i, p := range plans {
		if p.err != nil {
			if len(plans) == 1 {
				return nil, p.err
			}
			// One account that cannot be planned is reported, not fatal.
			p.t = &target{plan: &rgfix.Plan{Account: members[i].ID}, undone: []string{p.err.Error()}}
		}
		out = append(out, p.t)
	}
	return out, nil
}

// memberTargets resolves --accounts, --ou and --org to member accounts.
// The caller's own account cannot be reached with AssumeRoot: it is left
// out of --org and --ou with a note, and refused in --accounts.
func memberTargets(ctx context.Context, opts *FixOptions, cfg aws.Config, who caller) ([]orgscan.Account, error) {
	for _, a := range opts.Accounts {
		if a == who.account {
			return nil, cmdutil.Usagef("--accounts %s is the caller's own account: run without --accounts to fix it", a)
		}
	}
	if !opts.Org && len(opts.OUs) == 0 {
		out := make([]orgscan.Account, len(opts.Accounts))
		for i, a := range opts.Accounts {
			out[i] = orgscan.Account{ID: a}
		}
		return out, nil
	}
	found, err := orgscan.Discover(ctx, organizations.NewFromConfig(cfg), orgscan.Selection{
		Org: opts.Org, OUs: opts.OUs, Accounts: opts.Accounts, Exclude: append(slices.Clone(opts.Exclude), who.account),
	})
	if err != nil {
		return nil, awserrContext(err)
	}
	for _, s := range found.Skipped {
		fmt.Fprintf(opts.IO.ErrOut, "note: %s is %s: skipped\n", s.ID, strings.ToLower(s.Status))
	}
	if opts.Org || len(opts.OUs) > 0 {
		fmt.Fprintf(opts.IO.ErrOut, "note: the caller's account %s is not a member: fix it separately, without --org\n", who.account)
	}
	return found.Accounts, nil
}

func affectedChecks(what rgfix.What) []audit.CheckID {
	var ids []audit.CheckID
	if what.AccessKeys {
		ids = append(ids, checkAccessKeys)
	}
	if what.Certificates {
		ids = append(ids, checkCertificates)
	}
	if what.LoginProfile || what.MFADevices {
		ids = append(ids, audit.CheckRootMFA, audit.CheckRootHardwareMFA)
	}
	return ids
}

func planMember(ctx context.Context, opts *FixOptions, cfg aws.Config, acct string, what rgfix.What, affected []audit.CheckID) (*target, error) {
	session, err := rootsession.Assume(ctx, cfg, acct, rootsession.DeleteRootUserCredentials)
	if err != nil {
		return nil, explainAssumeRoot(acct, err)
	}
	client := iam.NewFromConfig(orgscan.MemberConfig(session))
	inv, err := rgfix.ReadInventory(ctx, client, acct, "", what)
	if err != nil {
		return nil, awserrContext(err)
	}
	return &target{
		plan:   rgfix.PlanRootCredentials(client, inv, opts.Now(), true),
		checks: affected,
		audit: func(ctx context.Context) (aws.Config, audit.Session, error) {
			s, err := rootsession.Assume(ctx, cfg, acct, rootsession.AuditRootUserCredentials)
			if err != nil {
				return aws.Config{}, audit.SessionAssumeRoot, err
			}
			return orgscan.MemberConfig(s), audit.SessionAssumeRoot, nil
		},
	}, nil
}

func explainAssumeRoot(acct string, err error) error {
	e := awserr.Classify(err)
	if e.AccessDenied() || e.Code == "InvalidParameterValue" || e.Code == "OrganizationNotFoundException" {
		return fmt.Errorf("%w\nsts:AssumeRoot into %s works only from the organization's management account (or the IAM delegated administrator), "+
			"for a member account, with centralized root access enabled (root credentials management and root sessions): "+
			"run `rootguard fix` in the management account to enable it", err, acct)
	}
	return err
}

// awserrContext keeps the wrapped message but makes the AWS part of it the
// classified one, so AccessDenied names the IAM action to grant.
func awserrContext(err error) error {
	e := awserr.Classify(err)
	if e.AccessDenied() {
		return fmt.Errorf("%w (%s)", err, e.Error())
	}
	return err
}

func planOwnAccount(ctx context.Context, opts *FixOptions, cfg aws.Config, who caller, what rgfix.What, affected []audit.CheckID) ([]*target, error) {
	t := &target{plan: &rgfix.Plan{Account: who.account}}
	if what.AccessKeys || what.Certificates {
		if who.isRoot {
			client := iam.NewFromConfig(cfg)
			inv, err := rgfix.ReadInventory(ctx, client, who.account, who.keyID, what)
			if err != nil {
				return nil, awserrContext(err)
			}
			t.plan = rgfix.PlanRootCredentials(client, inv, opts.Now(), false)
			t.checks = affected
			t.audit = func(context.Context) (aws.Config, audit.Session, error) { return cfg, audit.SessionAuto, nil }
		} else {
			present, err := rootCredentialsPresent(ctx, cfg, what)
			if err != nil {
				return nil, awserrContext(err)
			}
			if len(present) > 0 {
				t.undone = append(t.undone, fmt.Sprintf(
					"root holds %s in %s, and an IAM principal (%s) cannot delete root's credentials. Two ways work:\n"+
						"    1. sign in as root and run rootguard fix with root's credentials (that run is root use), or\n"+
						"    2. from the organization's management account, with centralized root access enabled:\n"+
						"       rootguard fix --accounts %s", strings.Join(present, " and "), who.account, who.arn, who.account))
			}
		}
	}
	if wants(opts, checkCentralized) {
		steps, err := planCentralized(ctx, cfg, who, len(opts.Only) > 0)
		if err != nil {
			return nil, err
		}
		t.plan.Steps = append(t.plan.Steps, steps...)
		if len(steps) > 0 {
			t.checks = append(t.checks, checkCentralized)
			if t.audit == nil {
				t.audit = func(context.Context) (aws.Config, audit.Session, error) { return cfg, audit.SessionAuto, nil }
			}
		}
	}
	return []*target{t}, nil
}

type summaryAPI interface {
	GetAccountSummary(ctx context.Context, in *iam.GetAccountSummaryInput, optFns ...func(*iam.Options)) (*iam.GetAccountSummaryOutput, error)
}

var _ summaryAPI = (*iam.Client)(nil)

func rootCredentialsPresent(ctx context.Context, cfg aws.Config, what rgfix.What) ([]string, error) {
	var client summaryAPI = iam.NewFromConfig(cfg)
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

// planCentralized plans centralized root access when the caller is in the
// organization's management account. explicit: the user asked for it with
// --only, so not being able to is an error rather than a skip.
func planCentralized(ctx context.Context, cfg aws.Config, who caller, explicit bool) ([]rgfix.Step, error) {
	org := organizations.NewFromConfig(cfg)
	out, err := org.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	if err != nil {
		if awserr.Code(err) == "AWSOrganizationsNotInUseException" && !explicit {
			return nil, nil
		}
		return nil, fmt.Errorf("read the organization: %w", awserr.Classify(err))
	}
	if out.Organization == nil || aws.ToString(out.Organization.MasterAccountId) != who.account {
		if explicit {
			return nil, fmt.Errorf("centralized root access is enabled from the management account (%s), not from %s",
				aws.ToString(out.Organization.MasterAccountId), who.account)
		}
		return nil, nil
	}
	p, err := rgfix.PlanCentralizedRootAccess(ctx, org, iam.NewFromConfig(cfg), who.account)
	if err != nil {
		return nil, awserrContext(err)
	}
	return p.Steps, nil
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

var errVerifyUnavailable = errors.New("verification skipped")

func verify(ctx context.Context, t *target) map[audit.CheckID]audit.CheckResult {
	if t.audit == nil || len(t.checks) == 0 {
		return nil
	}
	cfg, session, err := t.audit(ctx)
	if err != nil {
		return nil
	}
	res := audit.Account(ctx, cfg, audit.Options{Checks: t.checks, Session: session})
	out := map[audit.CheckID]audit.CheckResult{}
	for _, c := range res.Checks {
		out[c.ID] = c
	}
	return out
}

func printVerification(ctx context.Context, w io.Writer, t *target, before map[audit.CheckID]audit.CheckResult, outcomes []rgfix.Outcome) {
	if t.audit == nil || len(t.checks) == 0 {
		return
	}
	for _, o := range outcomes {
		if o.Step.EndsSession && o.Result == rgfix.Done {
			fmt.Fprintf(w, "\nVerify in %s: the credentials this run used were deleted, so the checks cannot run again from here.\n"+
				"  Run `rootguard audit` with another principal to confirm.\n", t.plan.Account)
			return
		}
	}
	after := verify(ctx, t)
	fmt.Fprintf(w, "\nVerify in %s:\n", t.plan.Account)
	if after == nil {
		fmt.Fprintf(w, "  %v: could not open a session to re-run the checks\n", errVerifyUnavailable)
		return
	}
	for _, id := range t.checks {
		b, a := before[id], after[id]
		fmt.Fprintf(w, "  %-28s %s → %s", id, statusOr(b), statusOr(a))
		if a.Status != audit.Pass && a.Status != audit.NotApplicable && a.Detail != "" {
			fmt.Fprintf(w, "  (%s)", a.Detail)
		}
		fmt.Fprintln(w)
	}
}

func statusOr(c audit.CheckResult) string {
	if c.Status == "" {
		return "?"
	}
	return string(c.Status)
}
