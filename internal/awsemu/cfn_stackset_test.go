package awsemu_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/awserr"
)

const stackSetTemplate = `{"Resources": {"Rule": {"Type": "AWS::Events::Rule", "Properties": {
  "Name": "ss-test-rule", "EventPattern": {"source": ["ss.test"]}, "State": "ENABLED"}}}}`

// waitOperation polls a stack set operation until it leaves RUNNING.
func waitOperation(t *testing.T, cfn *cloudformation.Client, set, op string) cfntypes.StackSetOperationStatus {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		out, err := cfn.DescribeStackSetOperation(t.Context(), &cloudformation.DescribeStackSetOperationInput{StackSetName: &set, OperationId: &op})
		if err != nil {
			t.Fatal(err)
		}
		if s := out.StackSetOperation.Status; s != cfntypes.StackSetOperationStatusRunning {
			return s
		}
	}
	t.Fatalf("operation %s still running", op)
	return ""
}

func instances(t *testing.T, cfn *cloudformation.Client, set string) []string {
	t.Helper()
	out, err := cfn.ListStackInstances(t.Context(), &cloudformation.ListStackInstancesInput{StackSetName: &set})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range out.Summaries {
		got = append(got, fmt.Sprintf("%s/%s/%s", aws.ToString(s.Account), aws.ToString(s.Region), s.Status))
	}
	return got
}

func ruleExists(ctx context.Context, emu *awsemu.Server, creds aws.Credentials, region string) bool {
	cfg := emu.Config(creds)
	cfg.Region = region
	_, err := eventbridge.NewFromConfig(cfg).DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String("ss-test-rule")})
	return err == nil
}

func TestServiceManagedStackSetDeploysToOUsAndFollowsAccounts(t *testing.T) {
	emu, err := awsemu.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	ctx := t.Context()
	org := emu.CreateOrganization("111111111111")
	workloads := org.AddOU(org.RootID(), "workloads")
	memberCreds := map[string]aws.Credentials{}
	for _, id := range []string{"222222222222", "333333333333"} {
		a := emu.AddAccount(id, "member")
		org.AddAccount(a, workloads)
		memberCreds[id] = a.AddUser("reader").AddAccessKey(awsemu.AccessKey{})
	}
	admin := emu.Account("111111111111").AddUser("admin").AddAccessKey(awsemu.AccessKey{})
	cfn := cloudformation.NewFromConfig(emu.Config(admin))
	set := "spokes"
	create := &cloudformation.CreateStackSetInput{
		StackSetName: &set, TemplateBody: aws.String(stackSetTemplate), PermissionModel: cfntypes.PermissionModelsServiceManaged,
		AutoDeployment: &cfntypes.AutoDeployment{Enabled: aws.Bool(true), RetainStacksOnAccountRemoval: aws.Bool(false)},
		Capabilities:   []cfntypes.Capability{cfntypes.CapabilityCapabilityNamedIam},
	}

	_, err = cfn.CreateStackSet(ctx, create)
	if awserr.Code(err) != "ValidationError" {
		t.Fatalf("without trusted access: err = %v, want ValidationError", err)
	}
	org.EnableServiceAccess("member.org.stacksets.cloudformation.amazonaws.com")
	memberCFN := cloudformation.NewFromConfig(emu.Config(memberCreds["222222222222"]))
	if _, err := memberCFN.CreateStackSet(ctx, create); awserr.Code(err) != "ValidationError" {
		t.Fatalf("from a member account: err = %v, want ValidationError", err)
	}
	if _, err := cfn.CreateStackSet(ctx, create); err != nil {
		t.Fatal(err)
	}
	desc, err := cfn.DescribeStackSet(ctx, &cloudformation.DescribeStackSetInput{StackSetName: &set})
	if err != nil {
		t.Fatal(err)
	}
	if desc.StackSet.PermissionModel != cfntypes.PermissionModelsServiceManaged || !aws.ToBool(desc.StackSet.AutoDeployment.Enabled) {
		t.Errorf("described as %s, auto deployment %v", desc.StackSet.PermissionModel, desc.StackSet.AutoDeployment)
	}

	regions := []string{"us-east-1", "eu-west-1"}
	op, err := cfn.CreateStackInstances(ctx, &cloudformation.CreateStackInstancesInput{
		StackSetName: &set, Regions: regions,
		DeploymentTargets:    &cfntypes.DeploymentTargets{OrganizationalUnitIds: []string{org.RootID()}},
		OperationPreferences: &cfntypes.StackSetOperationPreferences{MaxConcurrentCount: aws.Int32(4), FailureToleranceCount: aws.Int32(0)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if s := waitOperation(t, cfn, set, aws.ToString(op.OperationId)); s != cfntypes.StackSetOperationStatusSucceeded {
		t.Fatalf("create instances: %s", s)
	}
	want := []string{"222222222222/eu-west-1/CURRENT", "222222222222/us-east-1/CURRENT", "333333333333/eu-west-1/CURRENT", "333333333333/us-east-1/CURRENT"}
	if got := instances(t, cfn, set); !slices.Equal(got, want) {
		t.Errorf("instances %v, want %v (the management account never gets one)", got, want)
	}
	for id, creds := range memberCreds {
		for _, r := range regions {
			if !ruleExists(ctx, emu, creds, r) {
				t.Errorf("no stack-set rule in %s %s", id, r)
			}
		}
	}
	if ruleExists(ctx, emu, admin, "us-east-1") {
		t.Error("the management account got the stack set's rule")
	}

	// Automatic deployment: a new account joins a targeted OU, one leaves.
	newcomer := emu.AddAccount("444444444444", "new")
	newCreds := newcomer.AddUser("reader").AddAccessKey(awsemu.AccessKey{})
	org.AddAccount(newcomer, workloads)
	org.RemoveAccount("333333333333")
	deadline := time.Now().Add(10 * time.Second)
	want = []string{"222222222222/eu-west-1/CURRENT", "222222222222/us-east-1/CURRENT", "444444444444/eu-west-1/CURRENT", "444444444444/us-east-1/CURRENT"}
	for !slices.Equal(instances(t, cfn, set), want) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := instances(t, cfn, set); !slices.Equal(got, want) {
		t.Fatalf("after a join and a removal: instances %v, want %v", got, want)
	}
	if !ruleExists(ctx, emu, newCreds, "eu-west-1") {
		t.Error("the account that joined has no rule")
	}
	if ruleExists(ctx, emu, memberCreds["333333333333"], "us-east-1") {
		t.Error("the removed account kept its stack without RetainStacksOnAccountRemoval")
	}

	if _, err := cfn.DeleteStackSet(ctx, &cloudformation.DeleteStackSetInput{StackSetName: &set}); awserr.Code(err) != "StackSetNotEmptyException" {
		t.Errorf("deleting a stack set with instances: err = %v", err)
	}
	del, err := cfn.DeleteStackInstances(ctx, &cloudformation.DeleteStackInstancesInput{
		StackSetName: &set, Regions: regions, RetainStacks: aws.Bool(false),
		DeploymentTargets: &cfntypes.DeploymentTargets{OrganizationalUnitIds: []string{org.RootID()}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if s := waitOperation(t, cfn, set, aws.ToString(del.OperationId)); s != cfntypes.StackSetOperationStatusSucceeded {
		t.Fatalf("delete instances: %s", s)
	}
	if got := instances(t, cfn, set); len(got) != 0 {
		t.Errorf("instances left: %v", got)
	}
	if ruleExists(ctx, emu, memberCreds["222222222222"], "us-east-1") {
		t.Error("deleting the instance left its stack's rule")
	}
	ops, err := cfn.ListStackSetOperations(ctx, &cloudformation.ListStackSetOperationsInput{StackSetName: &set})
	if err != nil || len(ops.Summaries) != 4 {
		t.Errorf("operations %d, %v; want create, two automatic, delete", len(ops.Summaries), err)
	}
	if _, err := cfn.DeleteStackSet(ctx, &cloudformation.DeleteStackSetInput{StackSetName: &set}); err != nil {
		t.Fatal(err)
	}
	if _, err := cfn.DescribeStackSet(ctx, &cloudformation.DescribeStackSetInput{StackSetName: &set}); awserr.Code(err) != "StackSetNotFoundException" {
		t.Errorf("after delete: err = %v", err)
	}
}
