package alertstatus

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/rootguard/rootguard/internal/awserr"
	"github.com/rootguard/rootguard/internal/stack"
)

// StacksAPI reads the pipeline's stacks.
type StacksAPI interface {
	DescribeStacks(ctx context.Context, in *cloudformation.DescribeStacksInput, optFns ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error)
	cloudformation.ListStackResourcesAPIClient
}

// ForwardRuleAPI reads a forwarder's rule.
type ForwardRuleAPI interface {
	DescribeRule(ctx context.Context, in *eventbridge.DescribeRuleInput, optFns ...func(*eventbridge.Options)) (*eventbridge.DescribeRuleOutput, error)
	ListTargetsByRule(ctx context.Context, in *eventbridge.ListTargetsByRuleInput, optFns ...func(*eventbridge.Options)) (*eventbridge.ListTargetsByRuleOutput, error)
}

// RoleAPI reads a forwarding role's policy.
type RoleAPI interface {
	GetRolePolicy(ctx context.Context, in *iam.GetRolePolicyInput, optFns ...func(*iam.Options)) (*iam.GetRolePolicyOutput, error)
}

// SubscriptionsAPI reads the alarm topic's subscriptions.
type SubscriptionsAPI interface {
	sns.ListSubscriptionsByTopicAPIClient
}

var (
	_ StacksAPI        = (*cloudformation.Client)(nil)
	_ ForwardRuleAPI   = (*eventbridge.Client)(nil)
	_ RoleAPI          = (*iam.Client)(nil)
	_ SubscriptionsAPI = (*sns.Client)(nil)
)

// Forwarder is the stack forwarding root activity from Region to the
// default bus in us-east-1, and what it relies on.
type Forwarder struct {
	Region      string
	Stack       string
	StackStatus string // "" when the stack does not exist
	Rule        string
	RuleState   string // "" when the rule does not exist
	// TargetsHub: the rule targets the us-east-1 default bus through Role.
	TargetsHub bool
	Role       string
	// RoleReady: Role exists with its policy (stack.ForwardPolicy).
	RoleReady bool
}

// AlarmEmail is an e-mail subscription to the pipeline's alarm topic.
type AlarmEmail struct {
	Address string
	// Pending: AWS mailed a confirmation link that has not been followed;
	// until it is, alarms send the address nothing.
	Pending bool
}

// deployment is what the hub stack records: the regions it holds a
// forwarding role for and its alarm topic.
type deployment struct {
	regions    []string
	alarmTopic string // "" without --email
}

// readDeployment reads the hub stack's resources; a pipeline deployed
// under another stack name (`alert template`) records nothing.
func readDeployment(ctx context.Context, api StacksAPI, names stack.Names) (deployment, error) {
	var d deployment
	name := names.HubStack()
	if _, exists, err := describeStack(ctx, api, name); err != nil || !exists {
		return d, err
	}
	pages := cloudformation.NewListStackResourcesPaginator(api, &cloudformation.ListStackResourcesInput{StackName: &name})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return d, fmt.Errorf("list resources of stack %s: %w", name, err)
		}
		for _, r := range page.StackResourceSummaries {
			physical := aws.ToString(r.PhysicalResourceId)
			if region, ok := names.ForwardRoleRegion(physical); ok && aws.ToString(r.ResourceType) == "AWS::IAM::Role" {
				d.regions = append(d.regions, region)
			}
			if aws.ToString(r.LogicalResourceId) == stack.LogicalAlarmTopic {
				d.alarmTopic = physical
			}
		}
	}
	slices.Sort(d.regions)
	return d, nil
}

// describeStack is a stack's status; exists is false when there is none.
func describeStack(ctx context.Context, api StacksAPI, name string) (status string, exists bool, err error) {
	out, err := api.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: &name})
	if awserr.Code(err) == "ValidationError" && strings.Contains(awserr.Classify(err).Message, "does not exist") {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("describe stack %s: %w", name, err)
	}
	if len(out.Stacks) == 0 {
		return "", false, nil
	}
	return string(out.Stacks[0].StackStatus), true, nil
}

// readForwarders reads every region's forwarder at once.
func readForwarders(ctx context.Context, c Clients, names stack.Names, acct string, regions []string) ([]Forwarder, error) {
	fwds := make([]Forwarder, len(regions))
	errs := make([]error, len(regions))
	var wg sync.WaitGroup
	for i, region := range regions {
		wg.Go(func() { fwds[i], errs[i] = readForwarder(ctx, c, names, acct, region) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return fwds, err
		}
	}
	return fwds, nil
}

func readForwarder(ctx context.Context, c Clients, names stack.Names, acct, region string) (Forwarder, error) {
	f := Forwarder{Region: region, Stack: names.ForwarderStack(), Rule: names.ForwardRule(), Role: names.ForwardRole(region)}
	var err error
	if f.StackStatus, _, err = describeStack(ctx, c.Stacks(region), f.Stack); err != nil {
		return f, fmt.Errorf("region %s: %w", region, err)
	}
	events := c.RegionEvents(region)
	rule, err := events.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: &f.Rule})
	switch {
	case awserr.Code(err) == "ResourceNotFoundException":
	case err != nil:
		return f, fmt.Errorf("describe rule %s in %s: %w", f.Rule, region, err)
	default:
		f.RuleState = string(rule.State)
		p := c.partition()
		hubBus := p.ARN("events", p.HomeRegion, acct, "event-bus/default")
		roleARN := p.ARN("iam", "", acct, "role/"+f.Role)
		for token := (*string)(nil); ; {
			page, err := events.ListTargetsByRule(ctx, &eventbridge.ListTargetsByRuleInput{Rule: &f.Rule, NextToken: token})
			if err != nil {
				return f, fmt.Errorf("list targets of rule %s in %s: %w", f.Rule, region, err)
			}
			f.TargetsHub = f.TargetsHub || slices.ContainsFunc(page.Targets, func(t ebtypes.Target) bool {
				return aws.ToString(t.Arn) == hubBus && aws.ToString(t.RoleArn) == roleARN
			})
			if token = page.NextToken; token == nil || f.TargetsHub {
				break
			}
		}
	}
	// NoSuchEntity: the role or its policy is gone, and either way
	// EventBridge cannot put the events on the hub's bus.
	_, err = c.IAM.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: &f.Role, PolicyName: aws.String(stack.ForwardPolicy)})
	switch {
	case awserr.Code(err) == "NoSuchEntity":
	case err != nil:
		return f, fmt.Errorf("read policy %s of role %s: %w", stack.ForwardPolicy, f.Role, err)
	default:
		f.RoleReady = true
	}
	return f, nil
}

// readAlarmEmails reads the e-mail subscriptions of the alarm topic.
func readAlarmEmails(ctx context.Context, api SubscriptionsAPI, topic string) ([]AlarmEmail, error) {
	var out []AlarmEmail
	pages := sns.NewListSubscriptionsByTopicPaginator(api, &sns.ListSubscriptionsByTopicInput{TopicArn: &topic})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if awserr.Code(err) == "NotFound" {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("list subscriptions of alarm topic %s: %w", topic, err)
		}
		for _, s := range page.Subscriptions {
			if p := aws.ToString(s.Protocol); p == "email" || p == "email-json" {
				// AWS shows an unconfirmed subscription's ARN as this word.
				out = append(out, AlarmEmail{Address: aws.ToString(s.Endpoint), Pending: aws.ToString(s.SubscriptionArn) == "PendingConfirmation"})
			}
		}
	}
	return out, nil
}

// forwarderProblems names, per region, the first thing keeping root
// activity there from reaching the home Region, with its fix.
func (r Report) forwarderProblems(names stack.Names) []string {
	home := r.partition.HomeRegion
	var regions []string
	for _, f := range r.Forwarders {
		regions = append(regions, f.Region)
	}
	deploy := "rootguard alert deploy"
	if names.Prefix != stack.DefaultPrefix {
		deploy += " --prefix " + names.Prefix
	}
	if r.Rule.State == stack.RuleEnabledWithAllManagement {
		deploy += " --all-management-events"
	}
	redeploy := fmt.Sprintf("run `%s --regions %s` with your other deploy options", deploy, strings.Join(regions, ","))
	var p []string
	for _, f := range r.Forwarders {
		others := strings.Join(slices.DeleteFunc(slices.Clone(regions), func(x string) bool { return x == f.Region }), ",")
		// Without --regions a deploy forwards every enabled Region: naming
		// the home Region alone forwards none.
		if others == "" {
			others = home
		}
		withoutIt := deploy + " --regions " + others
		// CloudFormation compares templates, not live resources: a change
		// made outside it survives a deploy, so the forwarder is dropped
		// and deployed again.
		rebuild := fmt.Sprintf("changed outside CloudFormation, which a deploy does not undo: run `%s`, then `%s --regions %s`, with your other deploy options", withoutIt, deploy, strings.Join(regions, ","))
		where := fmt.Sprintf("root activity in %s does not reach %s: ", f.Region, home)
		switch {
		case f.StackStatus == "":
			p = append(p, where+fmt.Sprintf("forwarder stack %s does not exist there; %s", f.Stack, redeploy))
		case strings.HasSuffix(f.StackStatus, "_IN_PROGRESS"):
			p = append(p, where+fmt.Sprintf("forwarder stack %s is %s (a deploy or removal is running); check again when it settles", f.Stack, f.StackStatus))
		case !strings.HasSuffix(f.StackStatus, "_COMPLETE") || f.StackStatus == "ROLLBACK_COMPLETE" || f.StackStatus == "DELETE_COMPLETE":
			p = append(p, where+fmt.Sprintf("forwarder stack %s is %s; %s", f.Stack, f.StackStatus, redeploy))
		case f.RuleState == "":
			p = append(p, where+fmt.Sprintf("rule %s does not exist (%s)", f.Rule, rebuild))
		case f.RuleState == string(ebtypes.RuleStateDisabled):
			p = append(p, where+fmt.Sprintf("rule %s is disabled (%s)", f.Rule, rebuild))
		case !f.TargetsHub:
			p = append(p, where+fmt.Sprintf("rule %s does not target the %s default bus through role %s (%s)", f.Rule, home, f.Role, rebuild))
		case !f.RoleReady:
			p = append(p, where+fmt.Sprintf("role %s, which the rule forwards through, does not exist or lacks its policy %s (%s)", f.Role, stack.ForwardPolicy, rebuild))
		case r.Rule.State == stack.RuleEnabledWithAllManagement && f.RuleState != r.Rule.State:
			p = append(p, fmt.Sprintf("read-only root calls in %s do not reach %s: rule %s there is %s, not %s like the %s rule; %s",
				f.Region, home, f.Rule, f.RuleState, r.Rule.State, home, redeploy))
		}
	}
	return p
}

// regionProblems names each Region enabled in the account (ENABLED or
// ENABLED_BY_DEFAULT) that has no forwarder to the home Region: a root API
// call there reaches EventBridge there only (EventBridge User Guide, "AWS
// service events delivered via AWS CloudTrail"), so it alerts no one. A
// deploy without --regions forwards every enabled Region, which closes it.
func (r Report) regionProblems(names stack.Names) []string {
	home := r.partition.HomeRegion
	deploy := "rootguard alert deploy"
	if names.Prefix != stack.DefaultPrefix {
		deploy += " --prefix " + names.Prefix
	}
	if r.Rule.State == stack.RuleEnabledWithAllManagement {
		deploy += " --all-management-events"
	}
	var p []string
	for _, region := range r.Enabled {
		if region == home || slices.ContainsFunc(r.Forwarders, func(f Forwarder) bool { return f.Region == region }) {
			continue
		}
		p = append(p, fmt.Sprintf("root activity in %s does not reach %s: the Region is enabled in the account and has no forwarder; "+
			"run `%s --approve` (without --regions it forwards every enabled Region) with your other deploy options", region, home, deploy))
	}
	return p
}

// alarmWarnings names the alarm e-mail addresses that have not confirmed
// their subscription.
func (r Report) alarmWarnings() []string {
	var w []string
	for _, e := range r.AlarmEmails {
		if e.Pending {
			w = append(w, fmt.Sprintf("the alarm e-mail subscription of %s is pending confirmation: follow the link AWS mailed to it; until then the pipeline's alarms e-mail no one", e.Address))
		}
	}
	return w
}
