package deploy

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// settlingCFN is a stack that settles between rootguard's read of its
// events and its read of its status: the failed resource's event is
// posted just as DescribeStacks first answers ROLLBACK_COMPLETE.
type settlingCFN struct {
	CFNAPI // only the calls below are made
	events []cfntypes.StackEvent
	failed cfntypes.StackEvent
}

func (c *settlingCFN) DescribeStackEvents(context.Context, *cloudformation.DescribeStackEventsInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeStackEventsOutput, error) {
	newestFirst := make([]cfntypes.StackEvent, len(c.events))
	for i, e := range c.events {
		newestFirst[len(c.events)-1-i] = e
	}
	return &cloudformation.DescribeStackEventsOutput{StackEvents: newestFirst}, nil
}

func (c *settlingCFN) DescribeStacks(context.Context, *cloudformation.DescribeStacksInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error) {
	c.events = append(c.events, c.failed)
	return &cloudformation.DescribeStacksOutput{Stacks: []cfntypes.Stack{{
		StackName:         aws.String("rg-alert-forward"),
		StackStatus:       cfntypes.StackStatusRollbackComplete,
		StackStatusReason: aws.String("The following resource(s) failed to create: [ForwardRule]. "),
	}}}, nil
}

// TestWaitShowsTheFailureReasonOfAStackThatSettledMeanwhile: a stack that
// ends in ROLLBACK_COMPLETE right after its events were read still shows
// the failed resource and CloudFormation's reason, in the progress and in
// the error, not only the stack's "The following resource(s) failed".
func TestWaitShowsTheFailureReasonOfAStackThatSettledMeanwhile(t *testing.T) {
	now := time.Now()
	event := func(id, logical, typ string, status cfntypes.ResourceStatus, why string) cfntypes.StackEvent {
		return cfntypes.StackEvent{EventId: aws.String(id), LogicalResourceId: aws.String(logical), ResourceType: aws.String(typ),
			ResourceStatus: status, ResourceStatusReason: aws.String(why), Timestamp: aws.Time(now)}
	}
	reason := "User: arn:aws:iam::123456789012:user/deployer is not authorized to perform: iam:PassRole on resource: arn:aws:iam::123456789012:role/rg-forward-eu-west-1"
	cfn := &settlingCFN{
		events: []cfntypes.StackEvent{event("1", "ForwardRule", "AWS::Events::Rule", cfntypes.ResourceStatusCreateInProgress, "")},
		failed: event("2", "ForwardRule", "AWS::Events::Rule", cfntypes.ResourceStatusCreateFailed, reason),
	}
	var progress bytes.Buffer
	r := stackRun{cfn: cfn, name: "rg-alert-forward", progress: &progress, poll: time.Millisecond, now: time.Now}
	err := r.wait(t.Context(), now.Add(-time.Second))
	if err == nil {
		t.Fatal("a stack in ROLLBACK_COMPLETE was taken for a success")
	}
	if !strings.Contains(err.Error(), "ForwardRule (AWS::Events::Rule): "+reason) {
		t.Errorf("the error does not name the failed resource and its reason: %v", err)
	}
	if !strings.Contains(progress.String(), "CREATE_FAILED") || !strings.Contains(progress.String(), reason) {
		t.Errorf("the progress does not show the failed resource's event:\n%s", progress.String())
	}
}
