package status

import (
	"context"
	"encoding/json"
	"errors"
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

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/alertstatus"
	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/cmdutil"
	"github.com/rootguard/rootguard/internal/deploy"
	"github.com/rootguard/rootguard/internal/iostreams"
	"github.com/rootguard/rootguard/internal/orgscan"
	"github.com/rootguard/rootguard/internal/stack"
)

const statusMgmt = "111111111111"

func engineClients(cfg aws.Config, account string) deploy.Clients {
	return deploy.Clients{
		CFN: func(region string) deploy.CFNAPI {
			c := cfg.Copy()
			c.Region = region
			return cloudformation.NewFromConfig(c)
		},
		S3:  s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }),
		SSM: ssm.NewFromConfig(cfg), Trail: cloudtrail.NewFromConfig(cfg), Account: account,
	}
}

func TestStatusOrgReportsCoverageGaps(t *testing.T) {
	emu, err := awsemu.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	org := emu.CreateOrganization(statusMgmt)
	for _, id := range []string{"222222222222", "333333333333"} {
		a := emu.AddAccount(id, "member")
		a.AddRole(orgscan.DefaultRoleName, statusMgmt)
		org.AddAccount(a, org.RootID())
	}
	org.EnableServiceAccess(deploy.StackSetsPrincipal)
	// A world of two Regions, and an organization trail recording every
	// member's API calls.
	if err := emu.SetRegions([]string{"us-east-1", "eu-west-1"}, []string{"ap-east-1"}); err != nil {
		t.Fatal(err)
	}
	if err := emu.Account(statusMgmt).AddTrail(awsemu.Trail{Name: "org", Region: "us-east-1", S3BucketName: "b", MultiRegion: true, Logging: true, Organization: true}); err != nil {
		t.Fatal(err)
	}
	cfg := emu.Config(emu.Account(statusMgmt).AddUser("admin").AddAccessKey(awsemu.AccessKey{}))
	cfg.Region = stack.HomeRegion
	ctx := t.Context()
	clients := deploy.OrgClients{
		Org: organizations.NewFromConfig(cfg), StackSets: cloudformation.NewFromConfig(cfg), Caller: statusMgmt,
		Hub: func(context.Context, string) (deploy.Clients, error) { return engineClients(cfg, statusMgmt), nil },
	}
	oo := deploy.OrgOptions{
		Options: deploy.Options{Stack: stack.HubOptions{Prefix: "rgst"}, FunctionZip: []byte("PK test"),
			Webhook: "https://hooks.slack.com/services/TEST/TEST/test", Approve: true, Poll: 10 * time.Millisecond},
		Regions: []string{"eu-west-1"},
	}
	plan, err := deploy.PlanOrg(ctx, clients, oo)
	if err != nil {
		t.Fatal(err)
	}
	// The function and queues live in the local AWS's process-wide
	// Lambda and SQS: remove them for the next run in this process.
	t.Cleanup(func() {
		if _, err := deploy.RemoveOrg(context.Background(), clients, oo); err != nil {
			t.Errorf("remove: %v", err)
		}
	})
	if _, err := plan.Apply(ctx); err != nil {
		t.Fatal(err)
	}

	status := func(output string) (string, string, error) {
		ios, _, out, errOut := iostreams.Test()
		err := runStatus(ctx, &Options{IO: ios, Engine: engineFor(func(ctx context.Context) (*account.Session, error) { return account.Resolve(ctx, cfg) }),
			Now: time.Now, Prefix: "rgst", Output: output, Org: true})
		return out.String(), errOut.String(), err
	}
	out, errOut, err := status("text")
	if err != nil || !strings.Contains(errOut, "2 accounts, 4 account-Region pairs: 4 covered, 0 gaps.") {
		t.Fatalf("fully covered organization: err %v\n%s%s", err, out, errOut)
	}

	memberCfg, _, err := (&orgscan.Credentials{Base: cfg, Home: statusMgmt}).For(ctx, "333333333333")
	if err != nil {
		t.Fatal(err)
	}
	memberCfg.Region = "eu-west-1"
	if _, err := eventbridge.NewFromConfig(memberCfg).DisableRule(ctx, &eventbridge.DisableRuleInput{Name: aws.String("rgst-root-activity-spoke")}); err != nil {
		t.Fatal(err)
	}
	out, _, err = status("json")
	var exit *cmdutil.ExitCodeError
	if !errors.As(err, &exit) || exit.Code != cmdutil.ExitFindings {
		t.Errorf("err = %v, want exit %d for a gap", err, cmdutil.ExitFindings)
	}
	var doc struct {
		SchemaVersion int               `json:"schema_version"`
		Gaps          []alertstatus.Gap `json:"gaps"`
		Covered       int               `json:"covered"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	want := alertstatus.Gap{Account: "333333333333", Region: "eu-west-1", Problem: "spoke rule rgst-root-activity-spoke is disabled", Fix: "rootguard alert deploy --org --prefix rgst --approve"}
	if doc.SchemaVersion != 1 || len(doc.Gaps) != 1 || doc.Gaps[0] != want || doc.Covered != 3 {
		t.Errorf("json %+v, want one gap %+v", doc, want)
	}

	// Without the hub's rule nothing forwarded arrives.
	if _, err := eventbridge.NewFromConfig(cfg).DisableRule(ctx, &eventbridge.DisableRuleInput{
		Name: aws.String("rgst-org-root-activity"), EventBusName: aws.String("rgst-org"),
	}); err != nil {
		t.Fatal(err)
	}
	out, errOut, _ = status("text")
	if !strings.Contains(out, statusMgmt+"  us-east-1  hub: rule rgst-org-root-activity on bus rgst-org is disabled") || !strings.Contains(errOut, "0 covered, 2 gaps") {
		t.Errorf("hub rule disabled:\n%s%s", out, errOut)
	}
}
