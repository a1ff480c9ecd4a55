package alertstatus

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/organizations"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/awserr"
	"github.com/rootguard/rootguard/internal/deploy"
	"github.com/rootguard/rootguard/internal/eventpath"
	"github.com/rootguard/rootguard/internal/orgscan"
	"github.com/rootguard/rootguard/internal/stack"
)

// SpokeEventsAPI is the EventBridge API coverage reads in each account.
type SpokeEventsAPI interface {
	DescribeRule(context.Context, *eventbridge.DescribeRuleInput, ...func(*eventbridge.Options)) (*eventbridge.DescribeRuleOutput, error)
	ListTargetsByRule(context.Context, *eventbridge.ListTargetsByRuleInput, ...func(*eventbridge.Options)) (*eventbridge.ListTargetsByRuleOutput, error)
}

var _ SpokeEventsAPI = (*eventbridge.Client)(nil)

// CoverageClients are what the coverage check reads.
type CoverageClients struct {
	Org       deploy.OrgAPI
	StackSets deploy.StackSetAPI
	Caller    string
	Partition account.Partition
	// Events returns EventBridge in account and region (through orgscan's
	// credentials for member accounts).
	Events func(ctx context.Context, account, region string) (SpokeEventsAPI, error)
	// Trails returns CloudTrail in account's home Region; nil skips the
	// trail check (every account is then reported unchecked, a gap).
	Trails func(ctx context.Context, account string) (eventpath.TrailsAPI, error)
	// Regions returns the Regions enabled in account (Account Management
	// ListRegions); nil: the Regions are those given or deployed to.
	Regions func(ctx context.Context, account string) ([]string, error)
}

// CoverageOptions shape the check.
type CoverageOptions struct {
	Prefix     string
	HubAccount string   // default the caller's account
	Regions    []string // default the partition's home Region and every region the StackSet deploys to
	// Concurrency bounds the accounts read at once (orgscan's default if 0).
	Concurrency int
}

// Gap is an ACTIVE account and Region whose root activity does not reach
// the hub, why, and the command that closes it. Region is "*" when the gap
// is the whole account's (no trail records its API calls).
type Gap struct {
	Account string `json:"account_id"`
	Region  string `json:"region"`
	Problem string `json:"problem"`
	Fix     string `json:"fix,omitempty"`
}

// Coverage is the organization's alerting coverage.
type Coverage struct {
	HubAccount string   `json:"hub_account"`
	StackSet   string   `json:"stack_set"`
	Regions    []string `json:"regions"`
	Accounts   int      `json:"accounts"`
	// Pairs are the account-Region pairs checked (each account's enabled
	// Regions, or Regions), Covered those with no gap.
	Pairs   int               `json:"pairs"`
	Covered int               `json:"covered"`
	Gaps    []Gap             `json:"gaps"`
	Skipped []orgscan.Account `json:"skipped,omitempty"` // not ACTIVE
}

// CheckCoverage finds, for every ACTIVE account other than the hub and every
// Region enabled in it (or every Region given), whether its root activity
// reaches the hub: a logging trail records the account's API calls there
// (its own or an organization trail — without one CloudTrail sends
// EventBridge no API call at all), and a working spoke forwards them: a
// CURRENT stack instance, its rule present and enabled, targeting the hub
// bus. The management account never gets StackSet instances: unless it is
// the hub, its spoke is a plain stack (deploy.ManagementCommand), whose
// rule is checked the same way.
func CheckCoverage(ctx context.Context, c CoverageClients, o CoverageOptions) (*Coverage, error) {
	org, err := c.Org.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	if err != nil {
		return nil, fmt.Errorf("describe the organization: %w", awserr.Classify(err))
	}
	if org.Organization == nil {
		return nil, fmt.Errorf("describe the organization: no organization in the answer")
	}
	management := aws.ToString(org.Organization.MasterAccountId)
	callAs := cfntypes.CallAsSelf
	if c.Caller != management {
		callAs = cfntypes.CallAsDelegatedAdmin
	}
	n := stack.Names{Prefix: o.Prefix}
	if n.Prefix == "" {
		n.Prefix = stack.DefaultPrefix
	}
	p := c.Partition
	if p.ID == "" {
		p = account.AWS
	}
	cov := &Coverage{HubAccount: o.HubAccount, StackSet: n.SpokeStackSet(), Regions: []string{p.HomeRegion}}
	if cov.HubAccount == "" {
		cov.HubAccount = c.Caller
	}
	addRegion := func(r string) {
		if !slices.Contains(cov.Regions, r) {
			cov.Regions = append(cov.Regions, r)
		}
	}
	for _, r := range o.Regions {
		addRegion(r)
	}
	type key struct{ account, region string }
	instances := map[key]deploy.InstanceResult{}
	setMissing := false
	_, err = c.StackSets.DescribeStackSet(ctx, &cloudformation.DescribeStackSetInput{StackSetName: &cov.StackSet, CallAs: callAs})
	switch {
	case awserr.Code(err) == "StackSetNotFoundException":
		setMissing = true
	case err != nil:
		return nil, fmt.Errorf("describe StackSet %s: %w", cov.StackSet, awserr.Classify(err))
	default:
		list, err := deploy.ListInstances(ctx, c.StackSets, cov.StackSet, callAs)
		if err != nil {
			return nil, err
		}
		for _, i := range list {
			instances[key{i.Account, i.Region}] = i
			if len(o.Regions) == 0 {
				addRegion(i.Region)
			}
		}
	}
	targets, err := orgscan.Discover(ctx, c.Org, orgscan.Selection{Org: true, Exclude: []string{cov.HubAccount}})
	if err != nil {
		return nil, err
	}
	cov.Accounts, cov.Skipped = len(targets.Accounts), targets.Skipped
	busARN := n.OrgBusARN(p, cov.HubAccount)
	deployCmd := "rootguard alert deploy --org"
	if n.Prefix != stack.DefaultPrefix {
		deployCmd += " --prefix " + n.Prefix
	}
	if cov.HubAccount != c.Caller {
		deployCmd += " --hub-account " + cov.HubAccount
	}
	deployCmd += " --approve"

	type result struct {
		gaps  []Gap
		pairs int
		ok    int
	}
	perAccount := orgscan.Each(ctx, targets.Accounts, o.Concurrency, 0, func(ctx context.Context, _ int, a orgscan.Account) result {
		var res result
		regions := cov.Regions
		if c.Regions != nil && len(o.Regions) == 0 {
			enabled, err := c.Regions(ctx, a.ID)
			if err != nil {
				res.gaps = append(res.gaps, Gap{a.ID, "*", fmt.Sprintf("cannot list the Regions enabled in the account (account:ListRegions): %v", err), ""})
				return res
			}
			regions = enabled
		}
		res.pairs = len(regions)
		recorded, trailGap := accountTrail(ctx, c, a.ID, p.HomeRegion)
		if trailGap != "" {
			res.gaps = append(res.gaps, Gap{a.ID, "*", trailGap, deployCmd + " (plans an organization trail)"})
		}
		for _, region := range regions {
			if trailGap != "" {
				continue
			}
			gap := func(fix, format string, args ...any) {
				res.gaps = append(res.gaps, Gap{a.ID, region, fmt.Sprintf(format, args...), fix})
			}
			if !recorded(region) {
				gap(deployCmd+" (plans an organization trail)", "no logging trail records API calls in %s: root API calls there reach no rule", region)
				continue
			}
			if a.ID == management {
				// Service-managed StackSets never deploy to the management
				// account (CloudFormation API Reference, DeploymentTargets):
				// its spoke is a plain stack, checked as such.
				if problem := spokeProblem(ctx, c, a.ID, region, n.SpokeRule(), busARN); problem != "" {
					gap(deploy.ManagementCommand(n, cov.HubAccount, regions, false),
						"management account: %s (StackSets never deploy to the management account; it needs a plain spoke stack)", problem)
					continue
				}
				res.ok++
				continue
			}
			inst, ok := instances[key{a.ID, region}]
			switch {
			case setMissing:
				gap(deployCmd, "no StackSet %s", cov.StackSet)
				continue
			case !ok:
				gap(deployCmd, "no stack instance of StackSet %s: the Region is enabled in the account but not deployed to", cov.StackSet)
				continue
			case inst.Status != "CURRENT":
				gap(deployCmd, "stack instance is %s (%s)%s", inst.Status, inst.Detail, reasonText(inst.Reason))
				continue
			}
			if problem := spokeProblem(ctx, c, a.ID, region, n.SpokeRule(), busARN); problem != "" {
				gap(deployCmd, "%s", problem)
				continue
			}
			res.ok++
		}
		return res
	}, nil)
	for _, r := range perAccount {
		cov.Gaps = append(cov.Gaps, r.gaps...)
		cov.Pairs += r.pairs
		cov.Covered += r.ok
	}
	for _, g := range cov.Gaps {
		addRegion(g.Region)
	}
	cov.Regions = slices.DeleteFunc(cov.Regions, func(r string) bool { return r == "*" })
	// Without the hub's rule on its organization bus every spoke forwards
	// into nothing: report it first, and count no spoke as covering.
	if problem := hubProblem(ctx, c, cov.HubAccount, p.HomeRegion, n); problem != "" {
		cov.Gaps = append([]Gap{{cov.HubAccount, p.HomeRegion, problem, deployCmd}}, cov.Gaps...)
		cov.Covered = 0
	}
	return cov, nil
}

// accountTrail reads the account's trails from its home Region: recorded
// says in which Regions a logging trail (its own, or an organization trail
// applying to it) records management events. gap is non-empty when none
// does anywhere, or the trails could not be read — unknown is not covered.
func accountTrail(ctx context.Context, c CoverageClients, acct, home string) (recorded func(string) bool, gap string) {
	none := func(string) bool { return false }
	if c.Trails == nil {
		return none, "trails not checked"
	}
	api, err := c.Trails(ctx, acct)
	if err != nil {
		return none, fmt.Sprintf("cannot read the account's trails: %v", err)
	}
	trails, err := eventpath.Trails(ctx, api, home)
	if err != nil {
		return none, fmt.Sprintf("cannot read the account's trails: %v", awserr.Classify(err))
	}
	multi, inHome := false, false
	for _, t := range trails {
		switch {
		case t.StatusErr != nil:
			return none, fmt.Sprintf("cannot read trail %s: %v", t.Name, t.StatusErr)
		case t.SelectorsErr != nil:
			return none, fmt.Sprintf("cannot read trail %s: %v", t.Name, t.SelectorsErr)
		case !t.Records():
		case t.MultiRegion:
			multi = true
		default:
			inHome = true
		}
	}
	switch {
	case multi:
		return func(string) bool { return true }, ""
	case inHome:
		return func(r string) bool { return r == home }, ""
	}
	return none, "no logging trail records the account's API calls (its own multi-Region trail or an organization trail): CloudTrail sends EventBridge none of its root API calls"
}

// hubProblem reads the rule on the hub's organization bus; "" means it
// sends to the alert queue.
func hubProblem(ctx context.Context, c CoverageClients, hub, home string, n stack.Names) string {
	ev, err := c.Events(ctx, hub, home)
	if err != nil {
		return fmt.Sprintf("hub: cannot check the organization bus rule: %v", err)
	}
	rule, bus := n.OrgRule(), n.OrgBus()
	out, err := ev.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: &rule, EventBusName: &bus})
	switch {
	case awserr.Code(err) == "ResourceNotFoundException":
		return fmt.Sprintf("hub: rule %s on bus %s is missing, so no forwarded root activity reaches the queue: run `rootguard alert deploy --org`", rule, bus)
	case err != nil:
		return fmt.Sprintf("hub: cannot check the organization bus rule: %v", awserr.Classify(err))
	case out.State == "DISABLED":
		return fmt.Sprintf("hub: rule %s on bus %s is disabled, so no forwarded root activity reaches the queue", rule, bus)
	}
	return ""
}

func reasonText(reason string) string {
	if reason == "" {
		return ""
	}
	return ": " + reason
}

// spokeProblem reads the spoke rule in account and region; "" means it
// works.
func spokeProblem(ctx context.Context, c CoverageClients, acct, region, rule, busARN string) string {
	ev, err := c.Events(ctx, acct, region)
	if err != nil {
		return fmt.Sprintf("cannot check the spoke: %v", err)
	}
	out, err := ev.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: &rule})
	if awserr.Code(err) == "ResourceNotFoundException" {
		return fmt.Sprintf("spoke rule %s is missing", rule)
	}
	if err != nil {
		return fmt.Sprintf("cannot check the spoke: %v", awserr.Classify(err))
	}
	if out.State == "DISABLED" {
		return fmt.Sprintf("spoke rule %s is disabled", rule)
	}
	targets, err := ev.ListTargetsByRule(ctx, &eventbridge.ListTargetsByRuleInput{Rule: &rule})
	if err != nil {
		return fmt.Sprintf("cannot check the spoke's targets: %v", awserr.Classify(err))
	}
	var arns []string
	for _, t := range targets.Targets {
		if aws.ToString(t.Arn) == busARN {
			return ""
		}
		arns = append(arns, aws.ToString(t.Arn))
	}
	if len(arns) == 0 {
		return fmt.Sprintf("spoke rule %s has no target", rule)
	}
	return fmt.Sprintf("spoke rule %s targets %s, not the hub bus %s", rule, strings.Join(arns, ", "), busARN)
}
