package awsemu_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	schedtypes "github.com/aws/aws-sdk-go-v2/service/scheduler/types"
	"github.com/aws/smithy-go"

	"github.com/rootguard/rootguard/internal/awsemu"
)

const passAccount = "111122223333"

// passPolicy is an identity policy allowing actions on everything, plus
// extra statements (JSON objects).
func passPolicy(actions string, extra ...string) []byte {
	stmts := append([]string{`{"Effect":"Allow","Action":` + actions + `,"Resource":"*"}`}, extra...)
	return []byte(`{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`)
}

// passDenied reports whether err is AccessDenied for iam:PassRole on role,
// worded as AWS words it.
func passDenied(err error, principal, role string) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) || !strings.HasPrefix(ae.ErrorCode(), "AccessDenied") {
		return false
	}
	return strings.Contains(ae.ErrorMessage(), "User: "+principal+" is not authorized to perform: iam:PassRole on resource: "+role)
}

// TestPassRoleIsAuthorizedByRoleAndService: a call giving EventBridge a
// role (PutTargets with a RoleArn) needs iam:PassRole on that role's ARN
// with iam:PassedToService events.amazonaws.com
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html);
// the statement's Resource and Condition decide, not its action alone.
func TestPassRoleIsAuthorizedByRoleAndService(t *testing.T) {
	emu, err := awsemu.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	acct := emu.AddAccount(passAccount, "app")
	role := "arn:aws:iam::" + passAccount + ":role/fwd-eu-west-1"
	base := `["events:PutRule","events:PutTargets"]`
	for _, c := range []struct {
		name  string
		extra []string
		allow bool
	}{
		{"allowed", []string{`{"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::*:role/fwd-*","Condition":{"StringEquals":{"iam:PassedToService":["lambda.amazonaws.com","events.amazonaws.com"]}}}`}, true},
		{"allowed-like", []string{`{"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::` + passAccount + `:role/fwd-??-*","Condition":{"StringLike":{"iam:PassedToService":"events.*"}}}`}, true},
		{"allowed-no-condition", []string{`{"Effect":"Allow","Action":"iam:*","Resource":"` + role + `"}`}, true},
		{"wrong-resource", []string{`{"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::*:role/other","Condition":{"StringEquals":{"iam:PassedToService":"events.amazonaws.com"}}}`}, false},
		{"wrong-account", []string{`{"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::999999999999:role/fwd-*"}`}, false},
		{"wrong-service", []string{`{"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::*:role/fwd-*","Condition":{"StringEquals":{"iam:PassedToService":"lambda.amazonaws.com"}}}`}, false},
		{"service-case", []string{`{"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::*:role/fwd-*","Condition":{"StringEquals":{"iam:PassedToService":"Events.amazonaws.com"}}}`}, false},
		{"no-statement", nil, false},
		{"explicit-deny", []string{
			`{"Effect":"Allow","Action":"iam:PassRole","Resource":"*"}`,
			`{"Effect":"Deny","Action":"iam:PassRole","Resource":"arn:aws:iam::*:role/fwd-*"}`}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			u, err := acct.AddPolicyUser("u-"+c.name, passPolicy(base, c.extra...))
			if err != nil {
				t.Fatal(err)
			}
			eb := eventbridge.NewFromConfig(emu.Config(u.AddAccessKey(awsemu.AccessKey{})))
			rule := "r-" + c.name
			if _, err := eb.PutRule(t.Context(), &eventbridge.PutRuleInput{Name: &rule, EventPattern: aws.String(`{"source":["aws.ec2"]}`)}); err != nil {
				t.Fatal(err)
			}
			_, err = eb.PutTargets(t.Context(), &eventbridge.PutTargetsInput{Rule: &rule, Targets: []ebtypes.Target{{
				Id: aws.String("bus"), Arn: aws.String("arn:aws:events:us-east-1:" + passAccount + ":event-bus/default"), RoleArn: &role,
			}}})
			switch principal := "arn:aws:iam::" + passAccount + ":user/u-" + c.name; {
			case c.allow && err != nil:
				t.Errorf("PutTargets refused: %v", err)
			case !c.allow && !passDenied(err, principal, role):
				t.Errorf("PutTargets: %v, want AccessDenied for iam:PassRole on %s", err, role)
			}
		})
	}

	// Root and an administrator allowed every action pass any role.
	for name, creds := range map[string]aws.Credentials{
		"root":  acct.Root().AddAccessKey(awsemu.AccessKey{}),
		"admin": acct.AddUser("admin", "*").AddAccessKey(awsemu.AccessKey{}),
	} {
		eb := eventbridge.NewFromConfig(emu.Config(creds))
		rule := "r-" + name
		if _, err := eb.PutRule(t.Context(), &eventbridge.PutRuleInput{Name: &rule, EventPattern: aws.String(`{"source":["aws.ec2"]}`)}); err != nil {
			t.Fatal(err)
		}
		if _, err := eb.PutTargets(t.Context(), &eventbridge.PutTargetsInput{Rule: &rule, Targets: []ebtypes.Target{{
			Id: aws.String("bus"), Arn: aws.String("arn:aws:events:us-east-1:" + passAccount + ":event-bus/default"), RoleArn: &role,
		}}}); err != nil {
			t.Errorf("%s: PutTargets refused: %v", name, err)
		}
	}
}

// TestPassRoleOnFunctionsAndSchedules: Lambda's CreateFunction and
// UpdateFunctionConfiguration pass the function's Role to
// lambda.amazonaws.com, Scheduler's CreateSchedule and UpdateSchedule the
// target's RoleArn to scheduler.amazonaws.com (Service Authorization
// Reference, each service's operations table); a role allowed for the
// other service is refused.
func TestPassRoleOnFunctionsAndSchedules(t *testing.T) {
	emu, err := awsemu.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	acct := emu.AddAccount(passAccount, "app")
	role := "arn:aws:iam::" + passAccount + ":role/swapped"
	// The role may go to Scheduler only.
	u, err := acct.AddPolicyUser("deployer", passPolicy(`["lambda:*","scheduler:*"]`,
		`{"Effect":"Allow","Action":"iam:PassRole","Resource":"`+role+`","Condition":{"StringEquals":{"iam:PassedToService":"scheduler.amazonaws.com"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	cfg := emu.Config(u.AddAccessKey(awsemu.AccessKey{}))
	cfg.Region = "us-east-1"
	principal := "arn:aws:iam::" + passAccount + ":user/deployer"
	_, err = lambda.NewFromConfig(cfg).CreateFunction(t.Context(), &lambda.CreateFunctionInput{
		FunctionName: aws.String("fn"), Role: &role, Runtime: "provided.al2023", Handler: aws.String("bootstrap"),
		Code: &lambdatypes.FunctionCode{ZipFile: []byte("not reached: the role is refused first")},
	})
	if !passDenied(err, principal, role) {
		t.Errorf("CreateFunction: %v, want AccessDenied for iam:PassRole on %s", err, role)
	}
	_, err = lambda.NewFromConfig(cfg).UpdateFunctionConfiguration(t.Context(), &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("fn"), Role: &role})
	if !passDenied(err, principal, role) {
		t.Errorf("UpdateFunctionConfiguration: %v, want AccessDenied for iam:PassRole on %s", err, role)
	}
	target := &schedtypes.Target{Arn: aws.String("arn:aws:lambda:us-east-1:" + passAccount + ":function:fn"), RoleArn: &role}
	_, err = scheduler.NewFromConfig(cfg).CreateSchedule(t.Context(), &scheduler.CreateScheduleInput{
		Name: aws.String("s"), ScheduleExpression: aws.String("rate(1 hour)"), Target: target,
		FlexibleTimeWindow: &schedtypes.FlexibleTimeWindow{Mode: schedtypes.FlexibleTimeWindowModeOff},
	})
	if passDenied(err, principal, role) {
		t.Errorf("CreateSchedule refused with a role allowed for scheduler.amazonaws.com: %v", err)
	}
	other := "arn:aws:iam::" + passAccount + ":role/not-this"
	target.RoleArn = &other
	_, err = scheduler.NewFromConfig(cfg).UpdateSchedule(t.Context(), &scheduler.UpdateScheduleInput{
		Name: aws.String("s"), ScheduleExpression: aws.String("rate(1 hour)"), Target: target,
		FlexibleTimeWindow: &schedtypes.FlexibleTimeWindow{Mode: schedtypes.FlexibleTimeWindowModeOff},
	})
	if !passDenied(err, principal, other) {
		t.Errorf("UpdateSchedule: %v, want AccessDenied for iam:PassRole on %s", err, other)
	}
}

// TestCloudFormationPassesRolesAsTheCaller: without a service role
// CloudFormation provisions with the caller's credentials
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-iam-servicerole.html),
// so a rule target's RoleArn needs the caller's iam:PassRole: without it
// the rule fails (CREATE_FAILED, AWS's PassRole message) and the stack
// rolls back.
func TestCloudFormationPassesRolesAsTheCaller(t *testing.T) {
	emu, err := awsemu.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	acct := emu.AddAccount(passAccount, "app")
	role := "arn:aws:iam::" + passAccount + ":role/cfn-fwd"
	u, err := acct.AddPolicyUser("deployer", passPolicy(`["cloudformation:*","events:*"]`,
		`{"Effect":"Allow","Action":"iam:PassRole","Resource":"`+role+`","Condition":{"StringEquals":{"iam:PassedToService":"lambda.amazonaws.com"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	cfg := emu.Config(u.AddAccessKey(awsemu.AccessKey{}))
	cfg.Region = "us-east-1"
	cfn := cloudformation.NewFromConfig(cfg)
	ctx := t.Context()
	template := `{"Resources": {"Rule": {"Type": "AWS::Events::Rule", "Properties": {"Name": "cfn-fwd", "EventPattern": {"source": ["aws.ec2"]},
  "Targets": [{"Id": "bus", "Arn": "arn:aws:events:eu-west-1:` + passAccount + `:event-bus/default", "RoleArn": "` + role + `"}]}}}}`
	stack := "cfnpass"
	if _, err := cfn.CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{
		StackName: &stack, ChangeSetName: aws.String("cs"), ChangeSetType: cfntypes.ChangeSetTypeCreate, TemplateBody: &template,
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := cfn.ExecuteChangeSet(ctx, &cloudformation.ExecuteChangeSetInput{StackName: &stack, ChangeSetName: aws.String("cs")}); err != nil {
		t.Fatal(err)
	}
	// Wait for the stack to settle (a generous deadline: the machine may be
	// loaded), then require the rollback.
	deadline := time.Now().Add(30 * time.Second)
	var st cfntypes.Stack
	for {
		out, err := cfn.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: &stack})
		if err != nil {
			t.Fatal(err)
		}
		st = out.Stacks[0]
		if !strings.HasSuffix(string(st.StackStatus), "_IN_PROGRESS") || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if st.StackStatus != cfntypes.StackStatusRollbackComplete {
		t.Fatalf("stack %s (%s), want ROLLBACK_COMPLETE", st.StackStatus, aws.ToString(st.StackStatusReason))
	}
	events, err := cfn.DescribeStackEvents(ctx, &cloudformation.DescribeStackEventsInput{StackName: &stack})
	if err != nil {
		t.Fatal(err)
	}
	var reason string
	for _, e := range events.StackEvents {
		if aws.ToString(e.LogicalResourceId) == "Rule" && e.ResourceStatus == cfntypes.ResourceStatusCreateFailed {
			reason = aws.ToString(e.ResourceStatusReason)
		}
	}
	if !strings.Contains(reason, "is not authorized to perform: iam:PassRole on resource: "+role) {
		t.Errorf("rule's CREATE_FAILED reason %q, want AccessDenied for iam:PassRole on %s", reason, role)
	}
}
