package awsemu_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/smithy-go"

	"github.com/rootguard/rootguard/internal/awsemu"
)

// yamlTemplate uses the YAML short forms of Ref, GetAtt and Sub and a named
// IAM role.
const yamlTemplate = `AWSTemplateFormatVersion: "2010-09-09"
Description: a queue, its dead-letter queue and a role
Parameters:
  Suffix:
    Type: String
    Description: made unique per test
  Retention:
    Type: Number
    Default: 345600
Resources:
  DLQ:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub "yamltest-dlq-${Suffix}"
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub yamltest-q-${Suffix}
      MessageRetentionPeriod: !Ref Retention
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt DLQ.Arn
        maxReceiveCount: 3
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: !Sub yamltest-${Suffix}
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Service: lambda.amazonaws.com}
            Action: ["sts:AssumeRole"]
Outputs:
  QueueArn:
    Value: !GetAtt [Queue, Arn]
  DLQName:
    Value: !Select [5, !Split [":", !GetAtt DLQ.Arn]]
`

func newCFN(t *testing.T) *cloudformation.Client {
	t.Helper()
	emu, err := awsemu.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	creds := emu.AddAccount("111122223333", "app").AddUser("deployer").AddAccessKey(awsemu.AccessKey{})
	return cloudformation.NewFromConfig(emu.Config(creds))
}

// TestValidateTemplateReadsYAMLAndListsWhatItNeeds: a YAML template is
// valid, its parameters are listed, and its named role asks for
// CAPABILITY_NAMED_IAM.
func TestValidateTemplateReadsYAMLAndListsWhatItNeeds(t *testing.T) {
	cfn := newCFN(t)
	out, err := cfn.ValidateTemplate(t.Context(), &cloudformation.ValidateTemplateInput{TemplateBody: aws.String(yamlTemplate)})
	if err != nil {
		t.Fatalf("a valid YAML template: %v", err)
	}
	if aws.ToString(out.Description) != "a queue, its dead-letter queue and a role" {
		t.Errorf("Description = %q", aws.ToString(out.Description))
	}
	if len(out.Parameters) != 2 || aws.ToString(out.Parameters[0].ParameterKey) != "Retention" ||
		aws.ToString(out.Parameters[0].DefaultValue) != "345600" || aws.ToString(out.Parameters[1].Description) != "made unique per test" {
		t.Errorf("Parameters = %+v", out.Parameters)
	}
	if len(out.Capabilities) != 1 || out.Capabilities[0] != cfntypes.CapabilityCapabilityNamedIam ||
		!strings.Contains(aws.ToString(out.CapabilitiesReason), "AWS::IAM::Role") {
		t.Errorf("Capabilities = %v (%q), want CAPABILITY_NAMED_IAM for the named role", out.Capabilities, aws.ToString(out.CapabilitiesReason))
	}
}

// TestValidateTemplateRefusesWhatCloudFormationWould: unknown resource
// types (all of them named, as CloudFormation does), malformed YAML or
// JSON, an unknown short-form tag and a template without resources are
// each a ValidationError.
func TestValidateTemplateRefusesWhatCloudFormationWould(t *testing.T) {
	cfn := newCFN(t)
	for name, tt := range map[string]struct{ body, want string }{
		"unknown types": {"Resources:\n  A: {Type: AWS::Foo::Bar}\n  B: {Type: AWS::EC2::VPC}\n  C: {Type: AWS::SQS::Queue}\n",
			"Unrecognized resource types: [AWS::EC2::VPC, AWS::Foo::Bar]"},
		"unknown JSON type": {`{"Resources": {"A": {"Type": "AWS::SQS::Quueue"}}}`, "Unrecognized resource types: [AWS::SQS::Quueue]"},
		"malformed YAML":    {"Resources:\n  A: [unclosed\n", "YAML not well-formed"},
		"malformed JSON":    {`{"Resources": `, "JSON not well-formed"},
		"unknown tag":       {"Resources:\n  A:\n    Type: AWS::SQS::Queue\n    Properties: {QueueName: !Bogus x}\n", "unknown tag !Bogus"},
		"no resources":      {"Description: nothing\n", "At least one Resources member must be defined"},
		"not a mapping":     {"- a\n- b\n", "Template format error"},
	} {
		_, err := cfn.ValidateTemplate(t.Context(), &cloudformation.ValidateTemplateInput{TemplateBody: aws.String(tt.body)})
		var api smithy.APIError
		if !errors.As(err, &api) || api.ErrorCode() != "ValidationError" || !strings.Contains(api.ErrorMessage(), tt.want) {
			t.Errorf("%s: err = %v, want a ValidationError saying %q", name, err, tt.want)
		}
	}
}

// TestYAMLTemplateDeploys: the short forms resolve in a deployed stack —
// the queue's redrive policy and the outputs carry the dead-letter queue's
// ARN.
func TestYAMLTemplateDeploys(t *testing.T) {
	cfn := newCFN(t)
	ctx := t.Context()
	suffix := strings.ToLower(strings.ReplaceAll(t.Name(), "Test", ""))
	stack := "yaml-" + suffix
	if _, err := cfn.CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{
		StackName: &stack, ChangeSetName: aws.String("create"), ChangeSetType: cfntypes.ChangeSetTypeCreate,
		TemplateBody: aws.String(yamlTemplate), Capabilities: []cfntypes.Capability{cfntypes.CapabilityCapabilityNamedIam},
		Parameters: []cfntypes.Parameter{{ParameterKey: aws.String("Suffix"), ParameterValue: aws.String(suffix)}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := cfn.ExecuteChangeSet(ctx, &cloudformation.ExecuteChangeSetInput{StackName: &stack, ChangeSetName: aws.String("create")}); err != nil {
		t.Fatal(err)
	}
	waiter := cloudformation.NewStackCreateCompleteWaiter(cfn, func(o *cloudformation.StackCreateCompleteWaiterOptions) {
		o.MinDelay = 10 * time.Millisecond
		o.MaxDelay = 50 * time.Millisecond
	})
	if err := waiter.Wait(ctx, &cloudformation.DescribeStacksInput{StackName: &stack}, 30*time.Second); err != nil {
		t.Fatalf("the YAML stack was not created: %v", err)
	}
	out, err := cfn.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: &stack})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, o := range out.Stacks[0].Outputs {
		got[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	if got["QueueArn"] != "arn:aws:sqs:us-east-1:111122223333:yamltest-q-"+suffix || got["DLQName"] != "yamltest-dlq-"+suffix {
		t.Errorf("outputs = %v", got)
	}
}
