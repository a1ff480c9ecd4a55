package deploy

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/orgscan"
	"github.com/rootguard/rootguard/internal/stack"
)

const testMgmt = "111111111111"

func clientsFor(cfg aws.Config, account string) Clients {
	home := cfg.Copy()
	home.Region = stack.HomeRegion
	return Clients{
		CFN: func(region string) CFNAPI {
			c := cfg.Copy()
			c.Region = region
			return cloudformation.NewFromConfig(c)
		},
		S3:      s3.NewFromConfig(home, func(o *s3.Options) { o.UsePathStyle = true }),
		SSM:     ssm.NewFromConfig(home),
		Trail:   cloudtrail.NewFromConfig(home),
		Account: account,
	}
}

// orgAWS: management account, OU prod with 222… and 333…, 444… under the
// root; the caller is the management account's administrator.
func orgAWS(t *testing.T, trustedAccess bool) (*awsemu.Server, OrgClients, *orgscan.Credentials) {
	t.Helper()
	emu, err := awsemu.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	org := emu.CreateOrganization(testMgmt)
	prod := org.AddOU(org.RootID(), "prod")
	for id, parent := range map[string]string{"222222222222": prod, "333333333333": prod, "444444444444": org.RootID()} {
		a := emu.AddAccount(id, "member")
		a.AddRole(orgscan.DefaultRoleName, testMgmt)
		org.AddAccount(a, parent)
	}
	if trustedAccess {
		org.EnableServiceAccess(StackSetsPrincipal)
	}
	cfg := emu.Config(emu.Account(testMgmt).AddUser("admin").AddAccessKey(awsemu.AccessKey{}))
	cfg.Region = stack.HomeRegion
	creds := &orgscan.Credentials{Base: cfg, Home: testMgmt}
	return emu, OrgClients{
		Org:       organizations.NewFromConfig(cfg),
		StackSets: cloudformation.NewFromConfig(cfg),
		Caller:    testMgmt,
		Hub: func(ctx context.Context, account string) (Clients, error) {
			acfg, _, err := creds.For(ctx, account)
			return clientsFor(acfg, account), err
		},
	}, creds
}

func TestDeployOrgWithAMemberHub(t *testing.T) {
	_, c, creds := orgAWS(t, true)
	ctx := t.Context()
	const hub = "222222222222"
	o := OrgOptions{
		Options:    Options{Stack: stack.HubOptions{Prefix: "rgmh"}, FunctionZip: []byte("PK\x05\x06 test function"), Webhook: fakeWebhook, Approve: true, Poll: 10 * time.Millisecond},
		HubAccount: hub,
	}
	plan, err := PlanOrg(ctx, c, o)
	if err != nil {
		t.Fatal(err)
	}
	var accounts []string
	for _, a := range plan.Accounts {
		accounts = append(accounts, a.ID)
	}
	if slices.Sort(accounts); !slices.Equal(accounts, []string{"333333333333", "444444444444"}) {
		t.Errorf("spoke accounts %v: the hub and the management account get none", accounts)
	}
	results, err := plan.Apply(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range results {
		got = append(got, r.Account+"/"+r.Region+"/"+r.Status)
	}
	if want := []string{"333333333333/us-east-1/CURRENT", "444444444444/us-east-1/CURRENT"}; !slices.Equal(got, want) {
		t.Errorf("instances %v, want %v", got, want)
	}
	hubCfg, _, err := creds.For(ctx, hub)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := stackState(ctx, clientsFor(hubCfg, "").CFN(stack.HomeRegion), "rgmh-alert"); !ok || err != nil {
		t.Fatalf("no hub stack in the hub account (%v)", err)
	}
	if _, ok, _ := stackState(ctx, c.StackSets.(CFNAPI), "rgmh-alert"); ok {
		t.Error("the hub stack went to the caller's account")
	}

	// The hub is not the management account, which the StackSet cannot
	// reach: the plan says so and gives the command that covers it.
	if plan.Uncovered != testMgmt || !strings.Contains(plan.ManagementCommand, "rootguard alert template --spoke "+hub+" --prefix rgmh") ||
		!strings.Contains(plan.ManagementCommand, "--stack-name rgmh-alert-spoke") {
		t.Errorf("uncovered %q, command %q", plan.Uncovered, plan.ManagementCommand)
	}

	o.Webhook = ""
	again, err := PlanOrg(ctx, c, o)
	if err != nil {
		t.Fatal(err)
	}
	if !again.NoChanges() {
		t.Errorf("second plan: steps %q, hub %v", again.Steps, again.Hub.Steps)
	}
	again.Discard(ctx)

	// --all-management-events reaches every spoke, and such spokes still count
	// as coverage.
	o.Stack.AllManagementEvents = true
	o.Webhook = fakeWebhook
	wider, err := PlanOrg(ctx, c, o)
	if err != nil {
		t.Fatal(err)
	}
	if wider.NoChanges() {
		t.Fatal("turning on --all-management-events planned no change")
	}
	if _, err := wider.Apply(ctx); err != nil {
		t.Fatal(err)
	}
	memberCfg, _, err := creds.For(ctx, "333333333333")
	if err != nil {
		t.Fatal(err)
	}
	rule, err := eventbridge.NewFromConfig(memberCfg).DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String(stack.Names{Prefix: "rgmh"}.SpokeRule())})
	if err != nil {
		t.Fatal(err)
	}
	if rule.State != "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS" {
		t.Errorf("member spoke rule state %s after --all-management-events", rule.State)
	}
	o.Stack.AllManagementEvents = false

	removal, err := RemoveOrg(ctx, c, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(removal.Delete) < 3 || !strings.Contains(removal.Delete[0], "2 spoke stack instances") {
		t.Errorf("removal %q", removal.Delete)
	}
	if _, ok, _ := stackState(ctx, clientsFor(hubCfg, "").CFN(stack.HomeRegion), "rgmh-alert"); ok {
		t.Error("the hub stack remains after remove")
	}
}

func TestDeployOrgNeedsTrustedAccess(t *testing.T) {
	_, c, _ := orgAWS(t, false)
	o := OrgOptions{Options: Options{Stack: stack.HubOptions{Prefix: "rgta"}, FunctionZip: []byte("PK"), Webhook: fakeWebhook, Approve: true, Poll: 10 * time.Millisecond}}
	_, err := PlanOrg(t.Context(), c, o)
	if !errors.Is(err, ErrNoTrustedAccess) {
		t.Fatalf("err = %v, want ErrNoTrustedAccess", err)
	}
	if _, ok, _ := stackState(t.Context(), c.StackSets.(CFNAPI), "rgta-alert"); ok {
		t.Error("the hub stack was created although the deploy cannot finish")
	}
}

// Members without a trail: the plan makes an organization trail only when
// CloudTrail's trusted access is on and the hub may make one, and
// otherwise says what to run — changing nothing it cannot finish.
func TestOrganizationTrailForMembersWithoutOne(t *testing.T) {
	emu, c, creds := orgAWS(t, true)
	ctx := t.Context()
	c.Trails = func(ctx context.Context, account string) (TrailAPI, error) {
		cfg, _, err := creds.For(ctx, account)
		return cloudtrail.NewFromConfig(cfg), err
	}
	if err := emu.Account("333333333333").AddTrail(awsemu.Trail{Name: "own", Region: stack.HomeRegion, S3BucketName: "b", MultiRegion: true, Logging: true}); err != nil {
		t.Fatal(err)
	}
	plan := func(hub string) *OrgPlan {
		t.Helper()
		p, err := PlanOrg(ctx, c, OrgOptions{HubAccount: hub,
			Options: Options{Stack: stack.HubOptions{Prefix: "rgot"}, FunctionZip: []byte("PK\x05\x06 test"), Webhook: fakeWebhook, Poll: 10 * time.Millisecond}})
		if err != nil {
			t.Fatal(err)
		}
		p.Discard(ctx)
		return p
	}
	// A member hub, before trusted access for CloudTrail.
	p := plan("222222222222")
	if want := []string{"444444444444"}; !slices.Equal(p.NoTrail, want) {
		t.Errorf("accounts without a trail %v, want %v", p.NoTrail, want)
	}
	if p.OrgTrail || !strings.Contains(p.TrailNote, "enable-aws-service-access --service-principal cloudtrail.amazonaws.com") {
		t.Errorf("no trusted access: org trail %v, note %q", p.OrgTrail, p.TrailNote)
	}
	emu.Organization().EnableServiceAccess(CloudTrailPrincipal)
	// Trusted access, but the hub is not CloudTrail's delegated administrator.
	if p = plan("222222222222"); p.OrgTrail || !strings.Contains(p.TrailNote, "register-delegated-administrator --service-principal cloudtrail.amazonaws.com --account-id 222222222222") {
		t.Errorf("member hub: org trail %v, note %q", p.OrgTrail, p.TrailNote)
	}
	// The management account as the hub makes one, in its hub stack.
	p = plan(testMgmt)
	if !p.OrgTrail || p.TrailNote != "" || !p.Hub.Trail.Organization {
		t.Errorf("management hub: org trail %v, hub trail %+v, note %q", p.OrgTrail, p.Hub.Trail, p.TrailNote)
	}
}

// noOrganization answers DescribeOrganization without an organization.
type noOrganization struct{ OrgAPI }

func (noOrganization) DescribeOrganization(context.Context, *organizations.DescribeOrganizationInput, ...func(*organizations.Options)) (*organizations.DescribeOrganizationOutput, error) {
	return &organizations.DescribeOrganizationOutput{}, nil
}

// An answer without an organization is an error, not a nil dereference.
func TestOrganizationMissingFromTheAnswer(t *testing.T) {
	c := OrgClients{Org: noOrganization{}, Caller: testMgmt}
	if _, err := PlanOrg(t.Context(), c, OrgOptions{}); err == nil || !strings.Contains(err.Error(), "no organization in the answer") {
		t.Errorf("plan: err = %v", err)
	}
	if _, err := RemoveOrg(t.Context(), c, OrgOptions{}); err == nil || !strings.Contains(err.Error(), "no organization in the answer") {
		t.Errorf("remove: err = %v", err)
	}
}
