package awsemu_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/rootguard/rootguard/internal/awsemu"
)

const cfnTestTemplate = `{
  "Parameters": {"Suffix": {"Type": "String"}, "CodeKey": {"Type": "String", "Default": "code.zip"}, "Bucket": {"Type": "String"}},
  "Resources": {
    "DLQ": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Fn::Sub": "cfntest-dlq-${Suffix}"}}},
    "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Fn::Sub": "cfntest-q-${Suffix}"},
      "RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": ["DLQ", "Arn"]}, "maxReceiveCount": 3}}},
    "Role": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": {"Fn::Sub": "cfntest-${Suffix}"},
      "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": ["sts:AssumeRole"]}]},
      "Policies": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["sqs:ReceiveMessage"], "Resource": [{"Fn::GetAtt": ["Queue", "Arn"]}]}]}}]}},
    "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"FunctionName": {"Fn::Sub": "cfntest-${Suffix}"}, "Runtime": "provided.al2023", "Handler": "bootstrap",
      "Role": {"Fn::GetAtt": ["Role", "Arn"]}, "Code": {"S3Bucket": {"Ref": "Bucket"}, "S3Key": {"Ref": "CodeKey"}}}}
  },
  "Outputs": {"QueueUrl": {"Value": {"Ref": "Queue"}}}
}`

func TestCloudFormationChangeSetsCreateUpdateRollBackAndDelete(t *testing.T) {
	emu, err := awsemu.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	creds := emu.AddAccount("111122223333", "app").AddUser("deployer").AddAccessKey(awsemu.AccessKey{})
	cfg := emu.Config(creds)
	cfn := cloudformation.NewFromConfig(cfg)
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	sqsc := sqs.NewFromConfig(cfg)
	ctx := t.Context()
	suffix := strings.ToLower(t.Name()[len(t.Name())-8:])
	bucket := "cfntest-code-" + suffix
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket}); err != nil {
		t.Fatal(err)
	}
	if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("code.zip"), Body: bytes.NewReader([]byte("PK"))}); err != nil {
		t.Fatal(err)
	}
	params := func(key string) []cfntypes.Parameter {
		return []cfntypes.Parameter{
			{ParameterKey: aws.String("Suffix"), ParameterValue: aws.String(suffix)},
			{ParameterKey: aws.String("Bucket"), ParameterValue: aws.String(bucket)},
			{ParameterKey: aws.String("CodeKey"), ParameterValue: aws.String(key)},
		}
	}
	stack := "cfntest-" + suffix
	run := func(csType cfntypes.ChangeSetType, key string) *cloudformation.DescribeChangeSetOutput {
		t.Helper()
		name := "cs-" + time.Now().Format("150405.000000")
		name = strings.ReplaceAll(name, ".", "")
		if _, err := cfn.CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{
			StackName: &stack, ChangeSetName: &name, ChangeSetType: csType, TemplateBody: aws.String(cfnTestTemplate),
			Parameters: params(key), Tags: []cfntypes.Tag{{Key: aws.String("rootguard:managed"), Value: aws.String("true")}},
		}); err != nil {
			t.Fatal(err)
		}
		cs, err := cfn.DescribeChangeSet(ctx, &cloudformation.DescribeChangeSetInput{StackName: &stack, ChangeSetName: &name})
		if err != nil {
			t.Fatal(err)
		}
		if cs.Status == cfntypes.ChangeSetStatusCreateComplete {
			if _, err := cfn.ExecuteChangeSet(ctx, &cloudformation.ExecuteChangeSetInput{StackName: &stack, ChangeSetName: &name}); err != nil {
				t.Fatal(err)
			}
		}
		return cs
	}
	status := func() cfntypes.Stack {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			out, err := cfn.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: &stack})
			if err != nil {
				t.Fatal(err)
			}
			st := out.Stacks[0]
			if !strings.HasSuffix(string(st.StackStatus), "_IN_PROGRESS") || time.Now().After(deadline) {
				return st
			}
			time.Sleep(10 * time.Millisecond)
		}
	}

	cs := run(cfntypes.ChangeSetTypeCreate, "code.zip")
	if len(cs.Changes) != 4 {
		t.Fatalf("create change set has %d changes, want 4", len(cs.Changes))
	}
	st := status()
	if st.StackStatus != cfntypes.StackStatusCreateComplete {
		t.Fatalf("stack %s: %s", st.StackStatus, aws.ToString(st.StackStatusReason))
	}
	url := aws.ToString(st.Outputs[0].OutputValue)
	attrs, err := sqsc.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []sqstypes.QueueAttributeName{"RedrivePolicy"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(attrs.Attributes["RedrivePolicy"], "cfntest-dlq-"+suffix) {
		t.Errorf("queue redrive policy %q does not name the DLQ", attrs.Attributes["RedrivePolicy"])
	}

	if cs := run(cfntypes.ChangeSetTypeUpdate, "code.zip"); cs.Status != cfntypes.ChangeSetStatusFailed || !strings.Contains(aws.ToString(cs.StatusReason), "didn't contain changes") {
		t.Errorf("same template again: change set %s %q", cs.Status, aws.ToString(cs.StatusReason))
	}

	cs = run(cfntypes.ChangeSetTypeUpdate, "missing.zip")
	if len(cs.Changes) != 1 || aws.ToString(cs.Changes[0].ResourceChange.LogicalResourceId) != "Fn" {
		t.Fatalf("code change: %+v", cs.Changes)
	}
	st = status()
	if st.StackStatus != cfntypes.StackStatusUpdateRollbackComplete || !strings.Contains(aws.ToString(st.StackStatusReason), "[Fn]") {
		t.Errorf("update with missing code: %s %q", st.StackStatus, aws.ToString(st.StackStatusReason))
	}
	events, err := cfn.DescribeStackEvents(ctx, &cloudformation.DescribeStackEventsInput{StackName: &stack})
	if err != nil {
		t.Fatal(err)
	}
	var failed string
	for _, e := range events.StackEvents {
		if e.ResourceStatus == cfntypes.ResourceStatusUpdateFailed {
			failed = aws.ToString(e.ResourceStatusReason)
		}
	}
	if !strings.Contains(failed, "NoSuchKey") {
		t.Errorf("failure event reason %q", failed)
	}

	if _, err := cfn.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: &stack}); err != nil {
		t.Fatal(err)
	}
	waiter := cloudformation.NewStackDeleteCompleteWaiter(cfn, func(o *cloudformation.StackDeleteCompleteWaiterOptions) {
		o.MinDelay = 10 * time.Millisecond
		o.MaxDelay = 50 * time.Millisecond
	})
	if err := waiter.Wait(ctx, &cloudformation.DescribeStacksInput{StackName: &stack}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := sqsc.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("cfntest-q-" + suffix)}); err == nil {
		t.Error("queue still exists after the stack was deleted")
	}
}

// TestCloudFormationProvisionsWithTheCallersPermissions: without a service
// role CloudFormation uses the caller's credentials for every resource
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-iam-servicerole.html),
// so a caller allowed SQS but not IAM gets its queue and a stack that fails,
// and rolls back, on the role.
func TestCloudFormationProvisionsWithTheCallersPermissions(t *testing.T) {
	emu, err := awsemu.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	creds := emu.AddAccount("111122223333", "app").AddUser("narrow", "cloudformation:*", "sqs:*").AddAccessKey(awsemu.AccessKey{})
	cfn := cloudformation.NewFromConfig(emu.Config(creds))
	ctx := t.Context()
	const template = `{"Resources": {
  "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "cfnperm-q"}},
  "Role": {"Type": "AWS::IAM::Role", "DependsOn": "Queue", "Properties": {"RoleName": "cfnperm",
    "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}}}}}`
	stack := "cfnperm"
	if _, err := cfn.CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{
		StackName: &stack, ChangeSetName: aws.String("cs"), ChangeSetType: cfntypes.ChangeSetTypeCreate, TemplateBody: aws.String(template),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := cfn.ExecuteChangeSet(ctx, &cloudformation.ExecuteChangeSetInput{StackName: &stack, ChangeSetName: aws.String("cs")}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
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
	var queueCreated, roleDenied bool
	for _, e := range events.StackEvents {
		switch logical, reason := aws.ToString(e.LogicalResourceId), aws.ToString(e.ResourceStatusReason); {
		case logical == "Queue" && e.ResourceStatus == cfntypes.ResourceStatusCreateComplete:
			queueCreated = true
		case logical == "Role" && e.ResourceStatus == cfntypes.ResourceStatusCreateFailed:
			roleDenied = strings.Contains(reason, "AccessDenied") && strings.Contains(reason, "iam:CreateRole")
			if !roleDenied {
				t.Errorf("role failed with %q, want AccessDenied for iam:CreateRole", reason)
			}
		}
	}
	if !queueCreated || !roleDenied {
		t.Errorf("queue created %v, role denied %v; want both", queueCreated, roleDenied)
	}
}
