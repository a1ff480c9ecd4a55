package deploy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/awserr"
	"github.com/rootguard/rootguard/internal/clock"
	"github.com/rootguard/rootguard/internal/orgscan"
	"github.com/rootguard/rootguard/internal/stack"
)

// StackSetsPrincipal is the service principal whose trusted access and
// delegated administration service-managed StackSets need.
const StackSetsPrincipal = "member.org.stacksets.cloudformation.amazonaws.com"

// Spoke deployments attempt every account even when some fail: StackSets
// lets MaxConcurrentCount be at most FailureToleranceCount + 1, so the
// tolerance sits just under the concurrency.
const (
	spokeMaxConcurrent    = 25
	spokeFailureTolerance = spokeMaxConcurrent - 1
)

// OrgClients are the APIs an organization deploy calls beyond the hub's.
type OrgClients struct {
	// Org reads the organization (caller's credentials).
	Org OrgAPI
	// StackSets is CloudFormation in the partition's home Region with the
	// caller's credentials: the management account or a delegated
	// administrator.
	StackSets StackSetAPI
	// Caller is the caller's account ID, Partition its partition.
	Caller    string
	Partition account.Partition
	// Hub returns the engine's clients in the hub account.
	Hub func(ctx context.Context, account string) (Clients, error)
	// Trails returns CloudTrail in an account's home Region; nil skips the
	// member trail check (no organization trail is planned).
	Trails func(ctx context.Context, account string) (TrailAPI, error)
	// Regions returns the Regions enabled in an account; nil: the default
	// Regions are the home Region only.
	Regions func(ctx context.Context, account string) ([]string, error)
}

// OrgAPI is the Organizations API the organization deploy and coverage
// call; it includes what orgscan.Discover needs.
type OrgAPI interface {
	DescribeOrganization(context.Context, *organizations.DescribeOrganizationInput, ...func(*organizations.Options)) (*organizations.DescribeOrganizationOutput, error)
	ListRoots(context.Context, *organizations.ListRootsInput, ...func(*organizations.Options)) (*organizations.ListRootsOutput, error)
	organizations.ListAWSServiceAccessForOrganizationAPIClient
	ListAccounts(context.Context, *organizations.ListAccountsInput, ...func(*organizations.Options)) (*organizations.ListAccountsOutput, error)
	ListAccountsForParent(context.Context, *organizations.ListAccountsForParentInput, ...func(*organizations.Options)) (*organizations.ListAccountsForParentOutput, error)
	ListOrganizationalUnitsForParent(context.Context, *organizations.ListOrganizationalUnitsForParentInput, ...func(*organizations.Options)) (*organizations.ListOrganizationalUnitsForParentOutput, error)
	ListDelegatedAdministrators(context.Context, *organizations.ListDelegatedAdministratorsInput, ...func(*organizations.Options)) (*organizations.ListDelegatedAdministratorsOutput, error)
}

// StackSetAPI is the StackSets part of CloudFormation.
type StackSetAPI interface {
	CreateStackSet(context.Context, *cloudformation.CreateStackSetInput, ...func(*cloudformation.Options)) (*cloudformation.CreateStackSetOutput, error)
	DescribeStackSet(context.Context, *cloudformation.DescribeStackSetInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeStackSetOutput, error)
	UpdateStackSet(context.Context, *cloudformation.UpdateStackSetInput, ...func(*cloudformation.Options)) (*cloudformation.UpdateStackSetOutput, error)
	DeleteStackSet(context.Context, *cloudformation.DeleteStackSetInput, ...func(*cloudformation.Options)) (*cloudformation.DeleteStackSetOutput, error)
	CreateStackInstances(context.Context, *cloudformation.CreateStackInstancesInput, ...func(*cloudformation.Options)) (*cloudformation.CreateStackInstancesOutput, error)
	DeleteStackInstances(context.Context, *cloudformation.DeleteStackInstancesInput, ...func(*cloudformation.Options)) (*cloudformation.DeleteStackInstancesOutput, error)
	DescribeStackSetOperation(context.Context, *cloudformation.DescribeStackSetOperationInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeStackSetOperationOutput, error)
	cloudformation.ListStackInstancesAPIClient
}

var (
	_ OrgAPI      = (*organizations.Client)(nil)
	_ StackSetAPI = (*cloudformation.Client)(nil)
)

// OrgOptions shape an organization deploy.
type OrgOptions struct {
	Options
	// HubAccount holds the pipeline; default the caller's account.
	HubAccount string
	// Regions get spokes; the partition's home Region always does. The hub
	// account gets forwarders in the others. Empty: every Region enabled in
	// any of the accounts (OrgClients.Regions).
	Regions []string
	// OUs are targeted; default the organization's root.
	OUs []string
}

// OrgPlan is what an organization deploy would do.
type OrgPlan struct {
	OrgID, Management, HubAccount string
	StackSet                      string
	OUs, Regions                  []string

	// HomeRegion is the partition's home Region, where the hub lives.
	HomeRegion string
	// Hub is the hub account's plan (its stacks and steps).
	Hub *Plan
	// Steps are the StackSet's changes, in order.
	Steps []string
	// Accounts expected to hold a spoke in every region.
	Accounts []orgscan.Account
	// Uncovered is the management account when the StackSet cannot reach it
	// and it is not the hub: run from a delegated administrator, it needs
	// a plain spoke stack, deployed with ManagementCommand.
	Uncovered         string
	ManagementCommand string
	// NoTrail are the member accounts no logging multi-Region trail
	// records; OrgTrail says the hub stack makes an organization trail for
	// them, TrailNote why it cannot when it does not.
	NoTrail   []string
	OrgTrail  bool
	TrailNote string

	c            OrgClients
	o            OrgOptions
	names        stack.Names
	body         string
	createSet    bool
	updateSet    bool
	deploySpokes bool
	// enabled is each account's enabled Regions (when OrgClients.Regions
	// read them): a spoke goes only where its Region is enabled.
	enabled map[string][]string
}

// NoChanges reports whether the deploy would change nothing.
func (p *OrgPlan) NoChanges() bool { return p.Hub.NoChanges() && len(p.Steps) == 0 }

// Discard drops the hub's previewed change sets.
func (p *OrgPlan) Discard(ctx context.Context) { p.Hub.Discard(ctx) }

// InstanceResult is one account and region of the StackSet.
type InstanceResult struct {
	Account, Region, Status, Detail, Reason string
}

// withDefaults fills Progress as New does.
func (o OrgOptions) withDefaults() OrgOptions {
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	return o
}

func (o OrgOptions) regions(home string) []string {
	out := []string{home}
	for _, r := range o.Regions {
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

func names(prefix string) stack.Names {
	if prefix == "" {
		prefix = stack.DefaultPrefix
	}
	return stack.Names{Prefix: prefix}
}

// PlanOrg reads the organization, plans the hub in the hub account and the
// StackSet of spokes. With Approve the hub's plan uploads code and stores
// the webhook, as Plan does.
func PlanOrg(ctx context.Context, c OrgClients, o OrgOptions) (*OrgPlan, error) {
	o = o.withDefaults()
	org, err := c.Org.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	if err != nil {
		return nil, fmt.Errorf("describe the organization: %w", awserr.Classify(err))
	}
	if org.Organization == nil {
		return nil, errors.New("describe the organization: no organization in the answer")
	}
	n := names(o.Stack.Prefix)
	home := c.partition().HomeRegion
	p := &OrgPlan{
		OrgID: aws.ToString(org.Organization.Id), Management: aws.ToString(org.Organization.MasterAccountId),
		HubAccount: o.HubAccount, HomeRegion: home, StackSet: n.SpokeStackSet(), Regions: o.regions(home), OUs: o.OUs,
		c: c, o: o, names: n,
	}
	if p.HubAccount == "" {
		p.HubAccount = c.Caller
	}
	if err := checkTrustedAccess(ctx, c, p.Management); err != nil {
		return nil, err
	}
	if len(p.OUs) == 0 {
		roots, err := c.Org.ListRoots(ctx, &organizations.ListRootsInput{})
		if err != nil {
			return nil, fmt.Errorf("list the organization's roots: %w", awserr.Classify(err))
		}
		for _, r := range roots.Roots {
			p.OUs = append(p.OUs, aws.ToString(r.Id))
		}
	}
	targets, err := orgscan.Discover(ctx, c.Org, orgscan.Selection{OUs: p.OUs, Exclude: []string{p.Management, p.HubAccount}})
	if err != nil {
		return nil, err
	}
	p.Accounts = targets.Accounts
	if p.HubAccount != p.Management {
		all, err := orgscan.Discover(ctx, c.Org, orgscan.Selection{Accounts: []string{p.HubAccount}})
		if err != nil {
			return nil, fmt.Errorf("hub account: %w", err)
		}
		if len(all.Accounts) == 0 {
			return nil, fmt.Errorf("hub account %s is not ACTIVE", p.HubAccount)
		}
	}

	if len(o.Regions) == 0 && c.Regions != nil {
		if p.Regions, err = p.enabledRegions(ctx, home); err != nil {
			return nil, err
		}
	}
	if err := p.checkTrails(ctx); err != nil {
		return nil, err
	}

	hubClients, err := c.Hub(ctx, p.HubAccount)
	if err != nil {
		return nil, fmt.Errorf("reach hub account %s: %w", p.HubAccount, err)
	}
	hubOpts := o.Options
	hubOpts.Stack.OrgID = p.OrgID
	hubOpts.Stack.OrganizationTrail = p.OrgTrail
	hubOpts.Stack.ForwardRegions = slices.DeleteFunc(slices.Clone(p.Regions), func(r string) bool { return r == home })
	p.Hub, err = New(hubClients, hubOpts).Plan(ctx)
	if err != nil {
		return nil, err
	}

	spokeOpts := o.Options.Stack
	spokeOpts.Partition = c.partition()
	spoke, err := stack.Spoke(spokeOpts, p.HubAccount)
	if err != nil {
		p.Discard(ctx)
		return nil, err
	}
	b, err := spoke.JSON()
	if err != nil {
		p.Discard(ctx)
		return nil, err
	}
	p.body = string(b)
	if err := p.planStackSet(ctx); err != nil {
		p.Discard(ctx)
		return nil, err
	}
	if p.Management != p.HubAccount && p.Management != "" {
		p.Uncovered = p.Management
		regions := p.Regions
		// Its own enabled Regions when it can be read (a delegated
		// administrator may not reach it); the plan's otherwise.
		if c.Regions != nil && len(o.Regions) == 0 {
			if mine, err := c.Regions(ctx, p.Management); err == nil {
				regions = append([]string{home}, slices.DeleteFunc(mine, func(r string) bool { return r == home })...)
			}
		}
		p.ManagementCommand = ManagementCommand(n, p.HubAccount, regions, o.Stack.AllManagementEvents)
	}
	return p, nil
}

// ManagementCommand is what covers the management account, which a
// service-managed StackSet never deploys to ("DeploymentTargets":
// "StackSets doesn't deploy stack instances to the organization management
// account, even if the organization management account is in your
// organization or in an OU in your organization" — AWS CloudFormation API
// Reference, DeploymentTargets): the same spoke template, deployed as a
// plain stack in each Region with the management account's credentials.
// It forwards to the hub's organization bus, which admits the whole
// organization (aws:PrincipalOrgID), the management account included.
func ManagementCommand(n stack.Names, hub string, regions []string, allManagementEvents bool) string {
	flags := ""
	if n.Prefix != stack.DefaultPrefix {
		flags += " --prefix " + n.Prefix
	}
	if allManagementEvents {
		flags += " --all-management-events"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "rootguard alert template --spoke %s%s > %s-spoke.json", hub, flags, n.Prefix)
	for _, r := range regions {
		fmt.Fprintf(&b, " && aws cloudformation deploy --region %s --stack-name %s --template-file %s-spoke.json --capabilities CAPABILITY_NAMED_IAM", r, n.ManagementSpokeStack(), n.Prefix)
	}
	return b.String()
}

func (c OrgClients) partition() account.Partition {
	if c.Partition.ID == "" {
		return account.AWS
	}
	return c.Partition
}

// enabledRegions is the home Region, then every Region enabled in the hub
// or a targeted account (account:ListRegions in each): root activity can
// happen in any of them. An account whose Regions cannot be read stops the
// plan — a Region left out silently would be a gap no one sees.
func (p *OrgPlan) enabledRegions(ctx context.Context, home string) ([]string, error) {
	accounts := append([]orgscan.Account{{ID: p.HubAccount}}, p.Accounts...)
	p.enabled = map[string][]string{}
	type result struct {
		regions []string
		err     error
	}
	per := orgscan.Each(ctx, accounts, 0, 0, func(ctx context.Context, _ int, a orgscan.Account) result {
		r, err := p.c.Regions(ctx, a.ID)
		if err != nil {
			err = fmt.Errorf("account %s: %w", a.ID, err)
		}
		return result{r, err}
	}, nil)
	out := []string{home}
	for i, r := range per {
		if r.err != nil {
			return nil, fmt.Errorf("list the Regions to cover (or name them with --regions): %w", r.err)
		}
		p.enabled[accounts[i].ID] = r.regions
		for _, region := range r.regions {
			if !slices.Contains(out, region) {
				out = append(out, region)
			}
		}
	}
	slices.Sort(out[1:])
	return out, nil
}

// checkTrails finds the targeted accounts whose management events no
// multi-Region trail records — EventBridge gets none of their API calls —
// and decides whether the hub makes an organization trail for them: only
// the management account or CloudTrail's delegated administrator can
// (CloudTrail User Guide, "Creating a trail for an organization").
func (p *OrgPlan) checkTrails(ctx context.Context) error {
	if p.c.Trails == nil {
		return nil
	}
	type result struct {
		ok  bool
		err error
	}
	per := orgscan.Each(ctx, p.Accounts, 0, 0, func(ctx context.Context, _ int, a orgscan.Account) result {
		ct, err := p.c.Trails(ctx, a.ID)
		if err != nil {
			return result{err: err}
		}
		ok, err := RecordsEverywhere(ctx, ct)
		return result{ok, err}
	}, nil)
	for i, r := range per {
		switch {
		case r.err != nil:
			return fmt.Errorf("read the trails of account %s: %w", p.Accounts[i].ID, r.err)
		case !r.ok:
			p.NoTrail = append(p.NoTrail, p.Accounts[i].ID)
		}
	}
	if len(p.NoTrail) == 0 {
		return nil
	}
	can, err := p.canMakeOrgTrail(ctx)
	if err != nil {
		return err
	}
	if can {
		p.OrgTrail = true
		p.Steps = append(p.Steps, fmt.Sprintf("make the hub's trail %s an organization trail (multi-Region, global service events, log file validation): no logging trail records the API calls of %s",
			p.names.Trail(), strings.Join(p.NoTrail, ", ")))
		return nil
	}
	p.TrailNote += fmt.Sprintf("no logging trail records the API calls of %s, so their root API calls reach no rule; only the management account or CloudTrail's delegated administrator can make an organization trail: "+
		"from the management account run `aws organizations register-delegated-administrator --service-principal cloudtrail.amazonaws.com --account-id %s`, then deploy again",
		strings.Join(p.NoTrail, ", "), p.HubAccount)
	return nil
}

// canMakeOrgTrail: the organization has trusted access on for CloudTrail
// (without it CreateTrail refuses an organization trail,
// CloudTrailAccessNotEnabledException), and the hub is the management
// account or CloudTrail's delegated administrator. When it cannot, the
// note says what to run.
func (p *OrgPlan) canMakeOrgTrail(ctx context.Context) (bool, error) {
	access, err := p.trustedAccess(ctx, CloudTrailPrincipal)
	if err != nil {
		return false, err
	}
	if !access {
		p.TrailNote = "trusted access for CloudTrail is not enabled in the organization: from the management account run `aws organizations enable-aws-service-access --service-principal cloudtrail.amazonaws.com`, then deploy again. "
		return false, nil
	}
	if p.HubAccount == p.Management {
		return true, nil
	}
	pg := organizations.NewListDelegatedAdministratorsPaginator(p.c.Org, &organizations.ListDelegatedAdministratorsInput{ServicePrincipal: aws.String(CloudTrailPrincipal)})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return false, fmt.Errorf("list CloudTrail's delegated administrators: %w", awserr.Classify(err))
		}
		for _, a := range page.DelegatedAdministrators {
			if aws.ToString(a.Id) == p.HubAccount {
				return true, nil
			}
		}
	}
	return false, nil
}

// trustedAccess reports whether the organization has trusted access on for
// the service principal.
func (p *OrgPlan) trustedAccess(ctx context.Context, principal string) (bool, error) {
	pg := organizations.NewListAWSServiceAccessForOrganizationPaginator(p.c.Org, &organizations.ListAWSServiceAccessForOrganizationInput{})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return false, fmt.Errorf("list the organization's trusted services: %w", awserr.Classify(err))
		}
		for _, s := range page.EnabledServicePrincipals {
			if aws.ToString(s.ServicePrincipal) == principal {
				return true, nil
			}
		}
	}
	return false, nil
}

// CloudTrailPrincipal is CloudTrail's service principal, for delegated
// administration.
const CloudTrailPrincipal = "cloudtrail.amazonaws.com"

// ErrNoTrustedAccess means service-managed StackSets cannot work yet.
var ErrNoTrustedAccess = errors.New("trusted access for CloudFormation StackSets is not enabled in the organization: " +
	"enable it in the CloudFormation console (StackSets → Activate trusted access) or with `aws cloudformation activate-organizations-access`, then run again")

// checkTrustedAccess fails early, before anything changes, when the
// management account runs the deploy without StackSets' trusted access. A
// delegated administrator cannot read the list; StackSets answers it then.
func checkTrustedAccess(ctx context.Context, c OrgClients, management string) error {
	if c.Caller != management {
		return nil
	}
	pg := organizations.NewListAWSServiceAccessForOrganizationPaginator(c.Org, &organizations.ListAWSServiceAccessForOrganizationInput{})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list the organization's trusted services: %w", awserr.Classify(err))
		}
		for _, s := range page.EnabledServicePrincipals {
			if aws.ToString(s.ServicePrincipal) == StackSetsPrincipal {
				return nil
			}
		}
	}
	return ErrNoTrustedAccess
}

// callAs is DELEGATED_ADMIN unless the caller is the management account.
func (p *OrgPlan) callAs() cfntypes.CallAs {
	if p.c.Caller == p.Management {
		return cfntypes.CallAsSelf
	}
	return cfntypes.CallAsDelegatedAdmin
}

func (p *OrgPlan) planStackSet(ctx context.Context) error {
	out, err := p.c.StackSets.DescribeStackSet(ctx, &cloudformation.DescribeStackSetInput{StackSetName: &p.StackSet, CallAs: p.callAs()})
	switch {
	case awserr.Code(err) == "StackSetNotFoundException":
		p.createSet, p.deploySpokes = true, true
		p.Steps = append(p.Steps,
			fmt.Sprintf("create the service-managed StackSet %s (automatic deployment: accounts joining the targeted OUs get a spoke)", p.StackSet),
			p.spokeStep())
		return nil
	case err != nil:
		return fmt.Errorf("describe StackSet %s: %w", p.StackSet, awserr.Classify(err))
	}
	set := out.StackSet
	auto := set.AutoDeployment != nil && aws.ToBool(set.AutoDeployment.Enabled) && !aws.ToBool(set.AutoDeployment.RetainStacksOnAccountRemoval)
	if aws.ToString(set.TemplateBody) != p.body || !auto {
		p.updateSet = true
		p.Steps = append(p.Steps, fmt.Sprintf("update StackSet %s (spoke template, automatic deployment) in every existing instance", p.StackSet))
	}
	have, err := p.instances(ctx)
	if err != nil {
		return err
	}
	for _, a := range p.Accounts {
		for _, r := range p.Regions {
			if !p.isEnabled(a.ID, r) {
				continue
			}
			if i := slices.IndexFunc(have, func(x InstanceResult) bool { return x.Account == a.ID && x.Region == r }); i < 0 || have[i].Status != "CURRENT" {
				p.deploySpokes = true
			}
		}
	}
	if p.deploySpokes {
		p.Steps = append(p.Steps, p.spokeStep())
	}
	return nil
}

// isEnabled reports whether region is enabled in account, as far as the
// plan read it (Regions named with --regions are taken as enabled).
func (p *OrgPlan) isEnabled(account, region string) bool {
	regions, ok := p.enabled[account]
	return !ok || slices.Contains(regions, region)
}

// spokeTargets splits the plan's Regions for CreateStackInstances: those
// enabled in every targeted account go to the OUs (minus the hub), each
// other Region only to the accounts that enabled it — StackSets cannot
// create a stack in a Region an account has not opted into (an opt-in
// Region, AWS Account Management Reference Guide, "Considerations before
// enabling and disabling Regions").
func (p *OrgPlan) spokeTargets() []spokeTarget {
	common := spokeTarget{regions: nil, targets: &cfntypes.DeploymentTargets{
		OrganizationalUnitIds: p.OUs, Accounts: []string{p.HubAccount}, AccountFilterType: cfntypes.AccountFilterTypeDifference,
	}}
	var out []spokeTarget
	for _, r := range p.Regions {
		var in []string
		for _, a := range p.Accounts {
			if p.isEnabled(a.ID, r) {
				in = append(in, a.ID)
			}
		}
		switch {
		case len(in) == len(p.Accounts):
			common.regions = append(common.regions, r)
		case len(in) > 0:
			out = append(out, spokeTarget{regions: []string{r}, targets: &cfntypes.DeploymentTargets{
				OrganizationalUnitIds: p.OUs, Accounts: in, AccountFilterType: cfntypes.AccountFilterTypeIntersection,
			}})
		}
	}
	if len(common.regions) > 0 {
		out = append([]spokeTarget{common}, out...)
	}
	return out
}

type spokeTarget struct {
	regions []string
	targets *cfntypes.DeploymentTargets
}

func (p *OrgPlan) spokeStep() string {
	return fmt.Sprintf("deploy spokes to %s in %s: %d accounts × %d regions, forwarding to %s",
		strings.Join(p.OUs, ", "), strings.Join(p.Regions, ", "), len(p.Accounts), len(p.Regions), p.names.OrgBusARN(p.c.partition(), p.HubAccount))
}

// instances lists the StackSet's stack instances.
func (p *OrgPlan) instances(ctx context.Context) ([]InstanceResult, error) {
	return listInstances(ctx, p.c.StackSets, p.StackSet, p.callAs())
}

// ListInstances lists a StackSet's stack instances.
func ListInstances(ctx context.Context, c StackSetAPI, set string, callAs cfntypes.CallAs) ([]InstanceResult, error) {
	return listInstances(ctx, c, set, callAs)
}

func listInstances(ctx context.Context, c StackSetAPI, set string, callAs cfntypes.CallAs) ([]InstanceResult, error) {
	var out []InstanceResult
	pg := cloudformation.NewListStackInstancesPaginator(c, &cloudformation.ListStackInstancesInput{StackSetName: &set, CallAs: callAs})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list instances of StackSet %s: %w", set, awserr.Classify(err))
		}
		for _, s := range page.Summaries {
			r := InstanceResult{Account: aws.ToString(s.Account), Region: aws.ToString(s.Region), Status: string(s.Status), Reason: aws.ToString(s.StatusReason)}
			if s.StackInstanceStatus != nil {
				r.Detail = string(s.StackInstanceStatus.DetailedStatus)
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// Apply deploys the hub, then the StackSet and its instances, and returns
// every stack instance's state.
func (p *OrgPlan) Apply(ctx context.Context) ([]InstanceResult, error) {
	if !p.o.Approve {
		return nil, errors.New("apply needs approval")
	}
	if err := p.Hub.Apply(ctx); err != nil {
		return nil, fmt.Errorf("hub account %s: %w", p.HubAccount, err)
	}
	tags := []cfntypes.Tag{{Key: aws.String(stack.ManagedTagKey), Value: aws.String(stack.ManagedTagValue)}}
	auto := &cfntypes.AutoDeployment{Enabled: aws.Bool(true), RetainStacksOnAccountRemoval: aws.Bool(false)}
	caps := []cfntypes.Capability{cfntypes.CapabilityCapabilityNamedIam}
	prefs := &cfntypes.StackSetOperationPreferences{MaxConcurrentCount: aws.Int32(spokeMaxConcurrent), FailureToleranceCount: aws.Int32(spokeFailureTolerance)}
	switch {
	case p.createSet:
		fmt.Fprintf(p.o.Progress, "Creating StackSet %s\n", p.StackSet)
		if _, err := p.c.StackSets.CreateStackSet(ctx, &cloudformation.CreateStackSetInput{
			StackSetName: &p.StackSet, TemplateBody: &p.body, PermissionModel: cfntypes.PermissionModelsServiceManaged,
			AutoDeployment: auto, Capabilities: caps, Tags: tags, CallAs: p.callAs(),
			Description: aws.String("rootguard: forward root activity from every member account to the organization's hub"),
		}); err != nil {
			return nil, fmt.Errorf("create StackSet %s: %w", p.StackSet, awserr.Classify(err))
		}
	case p.updateSet:
		fmt.Fprintf(p.o.Progress, "Updating StackSet %s\n", p.StackSet)
		out, err := p.c.StackSets.UpdateStackSet(ctx, &cloudformation.UpdateStackSetInput{
			StackSetName: &p.StackSet, TemplateBody: &p.body, AutoDeployment: auto, Capabilities: caps, Tags: tags,
			PermissionModel: cfntypes.PermissionModelsServiceManaged, OperationPreferences: prefs, CallAs: p.callAs(),
		})
		if err != nil {
			return nil, fmt.Errorf("update StackSet %s: %w", p.StackSet, awserr.Classify(err))
		}
		if err := p.wait(ctx, aws.ToString(out.OperationId)); err != nil {
			return nil, err
		}
	}
	if p.deploySpokes {
		// The hub's own rule already sends its root activity to the queue.
		for _, st := range p.spokeTargets() {
			who := strings.Join(p.OUs, ", ")
			if st.targets.AccountFilterType == cfntypes.AccountFilterTypeIntersection {
				who = strings.Join(st.targets.Accounts, ", ")
			}
			fmt.Fprintf(p.o.Progress, "Deploying spokes to %s in %s\n", who, strings.Join(st.regions, ", "))
			out, err := p.c.StackSets.CreateStackInstances(ctx, &cloudformation.CreateStackInstancesInput{
				StackSetName: &p.StackSet, Regions: st.regions, OperationPreferences: prefs, CallAs: p.callAs(),
				DeploymentTargets: st.targets,
			})
			if err != nil {
				return nil, fmt.Errorf("create instances of StackSet %s: %w", p.StackSet, awserr.Classify(err))
			}
			if err := p.wait(ctx, aws.ToString(out.OperationId)); err != nil {
				return nil, err
			}
		}
	}
	return p.instances(ctx)
}

// wait follows a StackSet operation until it ends; a FAILED operation is
// not an error here, since each instance's result says which account and
// region failed and why.
func (p *OrgPlan) wait(ctx context.Context, op string) error {
	return waitOperation(ctx, p.c.StackSets, p.StackSet, op, p.callAs(), p.o.poll())
}

func (o Options) poll() time.Duration {
	if o.Poll == 0 {
		return 5 * time.Second
	}
	return o.Poll
}

func waitOperation(ctx context.Context, c StackSetAPI, set, op string, callAs cfntypes.CallAs, poll time.Duration) error {
	for n := 0; ; n++ {
		out, err := c.DescribeStackSetOperation(ctx, &cloudformation.DescribeStackSetOperationInput{StackSetName: &set, OperationId: &op, CallAs: callAs})
		if err != nil {
			return fmt.Errorf("follow StackSet %s operation %s: %w", set, op, awserr.Classify(err))
		}
		switch out.StackSetOperation.Status {
		case cfntypes.StackSetOperationStatusSucceeded, cfntypes.StackSetOperationStatusFailed:
			return nil
		case cfntypes.StackSetOperationStatusStopped:
			return fmt.Errorf("StackSet %s operation %s was stopped", set, op)
		}
		if clock.Sleep(ctx, pollDelay(n, poll)) != nil {
			return fmt.Errorf("%w while StackSet %s operation %s was running: StackSets carries on without rootguard; deploy again to converge", ErrInterrupted, set, op)
		}
	}
}
