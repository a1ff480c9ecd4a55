package alertstatus_test

import (
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/rootguard/rootguard/internal/alertstatus"
	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/deploy"
	"github.com/rootguard/rootguard/internal/stack"
)

// Each way a forwarder can stop forwarding is a problem naming its region;
// an unconfirmed alarm e-mail is a warning. Status runs as an operator
// allowed exactly docs/permissions/alert-operate.json's actions.
func TestReadChecksEachForwarderAndTheAlarmEmail(t *testing.T) {
	emu, err := awsemu.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	// The deployed Regions and the home Region are enabled; me-south-1 is
	// opted into after the deploy.
	if err := emu.SetRegions([]string{"ap-northeast-2", "eu-west-1", "us-east-1"}, []string{"me-south-1"}); err != nil {
		t.Fatal(err)
	}
	const account = "111122223333"
	cfg := emu.Config(emu.AddAccount(account, "security").AddUser("deployer").AddAccessKey(awsemu.AccessKey{}))
	cfg.Region = stack.HomeRegion
	in := func(region string) aws.Config {
		c := cfg.Copy()
		c.Region = region
		return c
	}
	ctx := t.Context()
	names := stack.Names{Prefix: "rgfwd"}
	plan, err := deploy.New(deploy.Clients{
		CFN: func(region string) deploy.CFNAPI { return cloudformation.NewFromConfig(in(region)) },
		S3:  s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }),
		SSM: ssm.NewFromConfig(cfg), Trail: cloudtrail.NewFromConfig(cfg), Account: account,
	}, deploy.Options{
		Stack: stack.HubOptions{Prefix: names.Prefix, ForwardRegions: []string{"eu-west-1", "ap-northeast-2"},
			Email: "ops@example.com", AllManagementEvents: true},
		FunctionZip: []byte("PK\x05\x06 forwarders test"), Webhook: "https://hooks.slack.com/services/T/B/x",
		Approve: true, Progress: io.Discard, Poll: 20 * time.Millisecond,
	}).Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := plan.Apply(ctx); err != nil {
		t.Fatal(err)
	}
	_, operator := (&pipelineEnv{emu: emu}).operator(t)
	read := func() alertstatus.Report {
		t.Helper()
		r, err := alertstatus.Read(ctx, operator, names, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return r
	}

	r := read()
	if len(r.Problems) != 0 || len(r.Forwarders) != 2 {
		t.Fatalf("deployed: problems %q, forwarders %+v", r.Problems, r.Forwarders)
	}
	for _, f := range r.Forwarders {
		if f.StackStatus != "CREATE_COMPLETE" || f.RuleState != stack.RuleEnabledWithAllManagement || !f.TargetsHub || !f.RoleReady {
			t.Errorf("deployed forwarder %+v", f)
		}
	}
	if !slices.Equal(r.AlarmEmails, []alertstatus.AlarmEmail{{Address: "ops@example.com", Pending: true}}) ||
		len(r.Warnings) != 1 || !strings.HasPrefix(r.Warnings[0], "the alarm e-mail subscription of ops@example.com is pending confirmation") {
		t.Errorf("unconfirmed alarm e-mail: %+v, warnings %q", r.AlarmEmails, r.Warnings)
	}

	eu := eventbridge.NewFromConfig(in("eu-west-1"))
	rule := aws.String(names.ForwardRule())
	redeploy := "run `rootguard alert deploy --prefix rgfwd --all-management-events --regions ap-northeast-2,eu-west-1` with your other deploy options"
	rebuild := "changed outside CloudFormation, which a deploy does not undo: run `rootguard alert deploy --prefix rgfwd --all-management-events --regions ap-northeast-2`, then `rootguard alert deploy --prefix rgfwd --all-management-events --regions ap-northeast-2,eu-west-1`, with your other deploy options"
	for _, step := range []struct {
		name  string
		breaK func() error
		want  string
	}{
		{"rule disabled", func() error {
			_, err := eu.DisableRule(ctx, &eventbridge.DisableRuleInput{Name: rule})
			return err
		}, "root activity in eu-west-1 does not reach us-east-1: rule rgfwd-root-activity-forward is disabled (" + rebuild + ")"},
		{"rule enabled without read-only calls", func() error {
			_, err := eu.EnableRule(ctx, &eventbridge.EnableRuleInput{Name: rule})
			return err
		}, "read-only root calls in eu-west-1 do not reach us-east-1: rule rgfwd-root-activity-forward there is ENABLED, not ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS like the us-east-1 rule; " + redeploy},
		{"rule targets another bus", func() error {
			_, err := eu.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: rule, Targets: []ebtypes.Target{{Id: aws.String("home-bus"),
				Arn: aws.String("arn:aws:events:us-east-2:" + account + ":event-bus/default"), RoleArn: aws.String("arn:aws:iam::" + account + ":role/rgfwd-forward-eu-west-1")}}})
			return err
		}, "root activity in eu-west-1 does not reach us-east-1: rule rgfwd-root-activity-forward does not target the us-east-1 default bus through role rgfwd-forward-eu-west-1 (" + rebuild + ")"},
		{"stack deleted", func() error {
			cfn := cloudformation.NewFromConfig(in("eu-west-1"))
			name := aws.String(names.ForwarderStack())
			if _, err := cfn.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: name}); err != nil {
				return err
			}
			return cloudformation.NewStackDeleteCompleteWaiter(cfn, func(o *cloudformation.StackDeleteCompleteWaiterOptions) {
				o.MinDelay, o.MaxDelay = 10*time.Millisecond, 50*time.Millisecond
			}).Wait(ctx, &cloudformation.DescribeStacksInput{StackName: name}, 5*time.Second)
		}, "root activity in eu-west-1 does not reach us-east-1: forwarder stack rgfwd-alert-forward does not exist there; " + redeploy},
		{"role deleted", func() error {
			roles := iam.NewFromConfig(cfg)
			role := aws.String(names.ForwardRole("ap-northeast-2"))
			if _, err := roles.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: role, PolicyName: aws.String("forward-root-activity")}); err != nil {
				return err
			}
			_, err := roles.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: role})
			return err
		}, "root activity in ap-northeast-2 does not reach us-east-1: role rgfwd-forward-ap-northeast-2, which the rule forwards through, does not exist or lacks its policy forward-root-activity (changed outside CloudFormation, which a deploy does not undo: run `rootguard alert deploy --prefix rgfwd --all-management-events --regions eu-west-1`, then `rootguard alert deploy --prefix rgfwd --all-management-events --regions ap-northeast-2,eu-west-1`, with your other deploy options)"},
	} {
		if err := step.breaK(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if r := read(); !slices.Contains(r.Problems, step.want) {
			t.Errorf("%s: problems\n%q\nlack\n%q", step.name, r.Problems, step.want)
		}
	}
	// Both regions are now broken, one problem each.
	if r := read(); len(r.Problems) != 2 {
		t.Errorf("two broken forwarders, problems %q", r.Problems)
	}

	// A Region enabled after the deploy has no forwarder: a gap, closed by
	// a deploy without --regions (every enabled Region).
	if err := emu.Account(account).EnableRegion("me-south-1"); err != nil {
		t.Fatal(err)
	}
	want := "root activity in me-south-1 does not reach us-east-1: the Region is enabled in the account and has no forwarder; " +
		"run `rootguard alert deploy --prefix rgfwd --all-management-events --approve` (without --regions it forwards every enabled Region) with your other deploy options"
	if r := read(); len(r.Problems) != 3 || !slices.Contains(r.Problems, want) || !slices.Contains(r.Enabled, "me-south-1") {
		t.Errorf("opt-in Region enabled after deploy: problems\n%q\nwant 3 with\n%q", r.Problems, want)
	}
}
