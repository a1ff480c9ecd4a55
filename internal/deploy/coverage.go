package deploy

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
	"github.com/rootguard/rootguard/internal/orgscan"
	"github.com/rootguard/rootguard/internal/stack"
)

// EventsAPI is the EventBridge API coverage reads in each account.
type EventsAPI interface {
	DescribeRule(context.Context, *eventbridge.DescribeRuleInput, ...func(*eventbridge.Options)) (*eventbridge.DescribeRuleOutput, error)
	ListTargetsByRule(context.Context, *eventbridge.ListTargetsByRuleInput, ...func(*eventbridge.Options)) (*eventbridge.ListTargetsByRuleOutput, error)
}

var _ EventsAPI = (*eventbridge.Client)(nil)

// CoverageClients are what the coverage check reads.
type CoverageClients struct {
	Org       OrgAPI
	StackSets StackSetAPI
	Caller    string
	Partition account.Partition
	// Events returns EventBridge in account and region (through orgscan's
	// credentials for member accounts).
	Events func(ctx context.Context, account, region string) (EventsAPI, error)
}

// CoverageOptions shape the check.
type CoverageOptions struct {
	Prefix     string
	HubAccount string   // default the caller's account
	Regions    []string // default the partition's home Region and every region the StackSet deploys to
	// Concurrency bounds the accounts read at once (orgscan's default if 0).
	Concurrency int
}

// Gap is an ACTIVE account and region whose root activity does not reach
// the hub, and why.
type Gap struct {
	Account string `json:"account_id"`
	Region  string `json:"region"`
	Problem string `json:"problem"`
}

// Coverage is the organization's alerting coverage.
type Coverage struct {
	HubAccount string            `json:"hub_account"`
	StackSet   string            `json:"stack_set"`
	Regions    []string          `json:"regions"`
	Accounts   int               `json:"accounts"`
	Covered    int               `json:"covered"` // account-region pairs with a working spoke
	Gaps       []Gap             `json:"gaps"`
	Skipped    []orgscan.Account `json:"skipped,omitempty"` // not ACTIVE
}

// CheckCoverage finds, for every ACTIVE account other than the hub and every
// region, whether a working spoke forwards root activity to the hub bus: a
// CURRENT stack instance, its rule present and enabled, targeting the hub
// bus. The management account never gets StackSet instances, so unless it
// is the hub it is a gap.
func CheckCoverage(ctx context.Context, c CoverageClients, o CoverageOptions) (*Coverage, error) {
	org, err := c.Org.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	if err != nil {
		return nil, fmt.Errorf("describe the organization: %w", awserr.Classify(err))
	}
	management := aws.ToString(org.Organization.MasterAccountId)
	callAs := cfntypes.CallAsSelf
	if c.Caller != management {
		callAs = cfntypes.CallAsDelegatedAdmin
	}
	n := names(o.Prefix)
	p := c.Partition
	if p.ID == "" {
		p = account.AWS
	}
	cov := &Coverage{HubAccount: o.HubAccount, StackSet: n.SpokeStackSet(), Regions: []string{p.HomeRegion}}
	if cov.HubAccount == "" {
		cov.HubAccount = c.Caller
	}
	for _, r := range o.Regions {
		if !slices.Contains(cov.Regions, r) {
			cov.Regions = append(cov.Regions, r)
		}
	}
	type key struct{ account, region string }
	instances := map[key]InstanceResult{}
	setMissing := false
	_, err = c.StackSets.DescribeStackSet(ctx, &cloudformation.DescribeStackSetInput{StackSetName: &cov.StackSet, CallAs: callAs})
	switch {
	case awserr.Code(err) == "StackSetNotFoundException":
		setMissing = true
	case err != nil:
		return nil, fmt.Errorf("describe StackSet %s: %w", cov.StackSet, awserr.Classify(err))
	default:
		list, err := listInstances(ctx, c.StackSets, cov.StackSet, callAs)
		if err != nil {
			return nil, err
		}
		for _, i := range list {
			instances[key{i.Account, i.Region}] = i
			if len(o.Regions) == 0 && !slices.Contains(cov.Regions, i.Region) {
				cov.Regions = append(cov.Regions, i.Region)
			}
		}
	}
	targets, err := orgscan.Discover(ctx, c.Org, orgscan.Selection{Org: true, Exclude: []string{cov.HubAccount}})
	if err != nil {
		return nil, err
	}
	cov.Accounts, cov.Skipped = len(targets.Accounts), targets.Skipped
	busARN := n.OrgBusARN(p, cov.HubAccount)

	perAccount := orgscan.Each(ctx, targets.Accounts, o.Concurrency, 0, func(ctx context.Context, _ int, a orgscan.Account) []Gap {
		var gaps []Gap
		for _, region := range cov.Regions {
			gap := func(format string, args ...any) {
				gaps = append(gaps, Gap{a.ID, region, fmt.Sprintf(format, args...)})
			}
			inst, ok := instances[key{a.ID, region}]
			switch {
			case a.ID == management:
				gap("management account: service-managed StackSets never deploy to it; make it the hub (--hub-account %s) to cover it", management)
				continue
			case setMissing:
				gap("no StackSet %s: run `rootguard alert deploy --org`", cov.StackSet)
				continue
			case !ok:
				gap("no stack instance of StackSet %s", cov.StackSet)
				continue
			case inst.Status != "CURRENT":
				gap("stack instance is %s (%s)%s", inst.Status, inst.Detail, reasonText(inst.Reason))
				continue
			}
			if problem := spokeProblem(ctx, c, a.ID, region, n.SpokeRule(), busARN); problem != "" {
				gap("%s", problem)
			}
		}
		return gaps
	}, nil)
	for _, gaps := range perAccount {
		cov.Gaps = append(cov.Gaps, gaps...)
	}
	cov.Covered = cov.Accounts*len(cov.Regions) - len(cov.Gaps)
	// Without the hub's rule on its organization bus every spoke forwards
	// into nothing: report it first, and count no spoke as covering.
	if problem := hubProblem(ctx, c, cov.HubAccount, p.HomeRegion, n); problem != "" {
		cov.Gaps = append([]Gap{{cov.HubAccount, p.HomeRegion, problem}}, cov.Gaps...)
		cov.Covered = 0
	}
	return cov, nil
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
func spokeProblem(ctx context.Context, c CoverageClients, account, region, rule, busARN string) string {
	ev, err := c.Events(ctx, account, region)
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
