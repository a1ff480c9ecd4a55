package awsemu_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/smithy-go"

	"github.com/rootguard/rootguard/internal/awsemu"
)

// deniedOn reports whether err is AccessDenied for action on resource,
// worded as IAM words it.
func deniedOn(err error, action, resource string) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) || !strings.HasPrefix(ae.ErrorCode(), "AccessDenied") {
		return false
	}
	return strings.Contains(ae.ErrorMessage(), "is not authorized to perform: "+action+" on resource: "+resource)
}

// TestScopedActionsAreAuthorizedByResourceAndCondition: for a user given a
// policy document, the actions the documented policies scope (resources.go)
// are allowed only on the resources, and with the condition keys, their
// statements name — the action's name alone no longer passes.
func TestScopedActionsAreAuthorizedByResourceAndCondition(t *testing.T) {
	emu, err := awsemu.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	acct := emu.AddAccount(passAccount, "app")
	doc := []byte(`{"Version":"2012-10-17","Statement":[
	 {"Effect":"Allow","Action":["ssm:PutParameter","ssm:GetParameter"],"Resource":"arn:aws:ssm:us-east-1:*:parameter/rootguard/*"},
	 {"Effect":"Allow","Action":"events:PutEvents","Resource":"arn:aws:events:us-east-1:*:event-bus/default","Condition":{"StringEquals":{"events:source":"rootguard.test"}}},
	 {"Effect":"Allow","Action":"s3:CreateBucket","Resource":"arn:aws:s3:::rootguard-*"},
	 {"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::rootguard-*/posture/*"},
	 {"Effect":"Allow","Action":["sqs:CreateQueue","sqs:GetQueueAttributes"],"Resource":"arn:aws:sqs:us-east-1:*:rootguard-*"},
	 {"Effect":"Allow","Action":"cloudformation:DescribeStacks","Resource":"arn:aws:cloudformation:us-east-1:*:stack/rootguard-alert/*"},
	 {"Effect":"Allow","Action":"iam:CreateRole","Resource":"arn:aws:iam::*:role/rootguard-*"},
	 {"Effect":"Allow","Action":"logs:CreateLogGroup","Resource":"arn:aws:logs:us-east-1:*:log-group:/aws/lambda/rootguard-*"},
	 {"Effect":"Allow","Action":"events:PutRule","Resource":"arn:aws:events:*:*:rule/rootguard-*"}
	]}`)
	u, err := acct.AddPolicyUser("scoped", doc)
	if err != nil {
		t.Fatal(err)
	}
	cfg := emu.Config(u.AddAccessKey(awsemu.AccessKey{}))
	cfg.Region = "us-east-1"
	ctx := t.Context()
	acctARN := func(svc, res string) string { return "arn:aws:" + svc + ":us-east-1:" + passAccount + ":" + res }

	sm := ssm.NewFromConfig(cfg)
	if _, err := sm.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/rootguard/webhook"), Value: aws.String("x"), Type: "SecureString"}); err != nil {
		t.Errorf("PutParameter /rootguard/webhook: %v", err)
	}
	if _, err := sm.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/other/webhook"), Value: aws.String("x"), Type: "SecureString"}); !deniedOn(err, "ssm:PutParameter", acctARN("ssm", "parameter/other/webhook")) {
		t.Errorf("PutParameter /other/webhook: %v, want AccessDenied on its ARN", err)
	}
	west := cfg.Copy()
	west.Region = "eu-west-1"
	if _, err := ssm.NewFromConfig(west).GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/rootguard/webhook")}); !deniedOn(err, "ssm:GetParameter", "arn:aws:ssm:eu-west-1:"+passAccount+":parameter/rootguard/webhook") {
		t.Errorf("GetParameter in eu-west-1: %v, want AccessDenied (the statement names us-east-1)", err)
	}

	eb := eventbridge.NewFromConfig(cfg)
	put := func(source string) error {
		_, err := eb.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{Source: aws.String(source), DetailType: aws.String("t"), Detail: aws.String("{}")}}})
		return err
	}
	if err := put("rootguard.test"); err != nil {
		t.Errorf("PutEvents rootguard.test: %v", err)
	}
	if err := put("aws.signin"); !deniedOn(err, "events:PutEvents", acctARN("events", "event-bus/default")) {
		t.Errorf("PutEvents aws.signin: %v, want AccessDenied (events:source)", err)
	}

	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("rootguard-artifacts-1")}); err != nil {
		t.Errorf("CreateBucket rootguard-artifacts-1: %v", err)
	}
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("other-bucket")}); !deniedOn(err, "s3:CreateBucket", "arn:aws:s3:::other-bucket") {
		t.Errorf("CreateBucket other-bucket: %v, want AccessDenied", err)
	}
	if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("rootguard-artifacts-1"), Key: aws.String("posture/a.json"), Body: strings.NewReader("{}")}); err != nil {
		t.Errorf("PutObject posture/a.json: %v", err)
	}
	if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("rootguard-artifacts-1"), Key: aws.String("other/a.json"), Body: strings.NewReader("{}")}); !deniedOn(err, "s3:PutObject", "arn:aws:s3:::rootguard-artifacts-1/other/a.json") {
		t.Errorf("PutObject other/a.json: %v, want AccessDenied on the object", err)
	}

	q := sqs.NewFromConfig(cfg)
	out, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("rootguard-alerts")})
	if err != nil {
		t.Fatalf("CreateQueue rootguard-alerts: %v", err)
	}
	if _, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: out.QueueUrl}); err != nil {
		t.Errorf("GetQueueAttributes rootguard-alerts: %v", err)
	}
	if _, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("other")}); !deniedOn(err, "sqs:CreateQueue", acctARN("sqs", "other")) {
		t.Errorf("CreateQueue other: %v, want AccessDenied", err)
	}

	trust := aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)
	ic := iam.NewFromConfig(cfg)
	if _, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("rootguard-x"), AssumeRolePolicyDocument: trust}); err != nil {
		t.Errorf("CreateRole rootguard-x: %v", err)
	}
	if _, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("admin"), AssumeRolePolicyDocument: trust}); !deniedOn(err, "iam:CreateRole", "arn:aws:iam::"+passAccount+":role/admin") {
		t.Errorf("CreateRole admin: %v, want AccessDenied on the role", err)
	}
	lg := cloudwatchlogs.NewFromConfig(cfg)
	if _, err := lg.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("/aws/lambda/rootguard-alert")}); err != nil {
		t.Errorf("CreateLogGroup /aws/lambda/rootguard-alert: %v", err)
	}
	if _, err := lg.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("/aws/lambda/other")}); !deniedOn(err, "logs:CreateLogGroup", acctARN("logs", "log-group:/aws/lambda/other")) {
		t.Errorf("CreateLogGroup /aws/lambda/other: %v, want AccessDenied", err)
	}
	pattern := aws.String(`{"source":["aws.signin"]}`)
	if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("rootguard-root-activity"), EventPattern: pattern}); err != nil {
		t.Errorf("PutRule rootguard-root-activity: %v", err)
	}
	if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("other"), EventPattern: pattern}); !deniedOn(err, "events:PutRule", acctARN("events", "rule/other")) {
		t.Errorf("PutRule other: %v, want AccessDenied on the rule", err)
	}

	cfn := cloudformation.NewFromConfig(cfg)
	if _, err := cfn.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("rootguard-posture")}); !deniedOn(err, "cloudformation:DescribeStacks", acctARN("cloudformation", "stack/rootguard-posture/*")) {
		t.Errorf("DescribeStacks rootguard-posture: %v, want AccessDenied", err)
	}
	if _, err := cfn.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{}); !deniedOn(err, "cloudformation:DescribeStacks", "*") {
		t.Errorf("DescribeStacks of every stack: %v, want AccessDenied on *", err)
	}
}

// TestGetEventSourceMappingCarriesNoFunctionArn: GetEventSourceMapping has
// no condition key (Lambda guide, "Resources and conditions for Lambda
// actions": Resource "*", Condition None), so the lambda:FunctionArn
// condition that scopes Create/Update/Delete never allows it; a statement
// of its own does.
func TestGetEventSourceMappingCarriesNoFunctionArn(t *testing.T) {
	emu, err := awsemu.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	acct := emu.AddAccount(passAccount, "app")
	conditional := `{"Effect":"Allow","Action":["lambda:CreateEventSourceMapping","lambda:GetEventSourceMapping"],"Resource":"*","Condition":{"StringLike":{"lambda:FunctionArn":"arn:aws:lambda:us-east-1:*:function:rootguard-alert"}}}`
	own := `{"Effect":"Allow","Action":"lambda:GetEventSourceMapping","Resource":"*"}`
	get := func(user string, statements ...string) error {
		u, err := acct.AddPolicyUser(user, []byte(`{"Version":"2012-10-17","Statement":[`+strings.Join(statements, ",")+`]}`))
		if err != nil {
			t.Fatal(err)
		}
		cfg := emu.Config(u.AddAccessKey(awsemu.AccessKey{}))
		cfg.Region = "us-east-1"
		_, err = lambda.NewFromConfig(cfg).GetEventSourceMapping(t.Context(), &lambda.GetEventSourceMappingInput{UUID: aws.String("0b4f5e9e-1c1f-4a57-9d3e-6f1b2f0e1a11")})
		return err
	}
	resource := "arn:aws:lambda:us-east-1:" + passAccount + ":event-source-mapping:0b4f5e9e-1c1f-4a57-9d3e-6f1b2f0e1a11"
	if err := get("conditional", conditional); !deniedOn(err, "lambda:GetEventSourceMapping", resource) {
		t.Errorf("GetEventSourceMapping under lambda:FunctionArn only: %v, want AccessDenied on the mapping", err)
	}
	// Allowed, the mapping does not exist: the answer is Lambda's, not IAM's.
	var ae smithy.APIError
	if err := get("own", conditional, own); !errors.As(err, &ae) || strings.HasPrefix(ae.ErrorCode(), "AccessDenied") {
		t.Errorf("GetEventSourceMapping with its own statement: %v, want past authorization", err)
	}
}
