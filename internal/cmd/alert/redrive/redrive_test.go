package redrive

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/iostreams"
	"github.com/rootguard/rootguard/internal/stack"
)

func TestRunRedrivePlansThenMoves(t *testing.T) {
	emu, err := awsemu.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	cfg := emu.Config(emu.AddAccount("111122223333", "security").AddUser("ops").AddAccessKey(awsemu.AccessKey{}))
	api := sqs.NewFromConfig(cfg)
	ctx := t.Context()
	names := stack.Names{Prefix: fmt.Sprintf("rdc%d", time.Now().UnixNano())}
	dlq, err := api.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(names.DeadLetterQueue())})
	if err != nil {
		t.Fatal(err)
	}
	arn, err := api.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: dlq.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(names.Queue()), Attributes: map[string]string{
		"RedrivePolicy": `{"deadLetterTargetArn":"` + arn.Attributes["QueueArn"] + `","maxReceiveCount":"5"}`,
	}}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := api.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: dlq.QueueUrl, MessageBody: aws.String("{}")}); err != nil {
			t.Fatal(err)
		}
	}
	run := func(approve bool) (string, string) {
		t.Helper()
		ios, _, out, errOut := iostreams.Test()
		opts := &Options{IO: ios, AWSConfig: func(context.Context) (aws.Config, error) { return cfg, nil },
			Prefix: names.Prefix, Approve: approve, Poll: 10 * time.Millisecond}
		if err := runRedrive(ctx, opts); err != nil {
			t.Fatal(err)
		}
		return out.String(), errOut.String()
	}

	out, errOut := run(false)
	want := fmt.Sprintf("(plan) would move 2 messages from %s to %s\n", names.DeadLetterQueue(), names.Queue())
	if out != want || !strings.Contains(errOut, "--approve") {
		t.Errorf("plan: stdout %q, stderr %q; want stdout %q", out, errOut, want)
	}
	out, errOut = run(true)
	if out != fmt.Sprintf("moved 2 messages from %s to %s\n", names.DeadLetterQueue(), names.Queue()) || !strings.Contains(errOut, "COMPLETED: 2 of 2 moved") {
		t.Errorf("approve: stdout %q, stderr %q", out, errOut)
	}
	if out, _ = run(true); out != names.DeadLetterQueue()+" is empty\n" {
		t.Errorf("second run: %q", out)
	}
}
