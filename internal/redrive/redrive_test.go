package redrive_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/redrive"
	"github.com/rootguard/rootguard/internal/stack"
)

func TestRedriveMovesTheDeadLetters(t *testing.T) {
	emu, err := awsemu.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	api := sqs.NewFromConfig(emu.Config(emu.AddAccount("111122223333", "security").AddUser("ops").AddAccessKey(awsemu.AccessKey{})))
	ctx := t.Context()
	names := stack.Names{Prefix: fmt.Sprintf("rd%d", time.Now().UnixNano())}

	if _, err := redrive.Read(ctx, api, names); !errors.Is(err, redrive.ErrNoQueue) {
		t.Fatalf("no pipeline: %v, want ErrNoQueue", err)
	}

	dlq, err := api.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(names.DeadLetterQueue())})
	if err != nil {
		t.Fatal(err)
	}
	attrs, err := api.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: dlq.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	queue, err := api.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(names.Queue()), Attributes: map[string]string{
		"RedrivePolicy": `{"deadLetterTargetArn":"` + attrs.Attributes["QueueArn"] + `","maxReceiveCount":"5"}`,
	}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := api.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: dlq.QueueUrl, MessageBody: aws.String(fmt.Sprint("alert ", i))}); err != nil {
			t.Fatal(err)
		}
	}

	plan, err := redrive.Read(ctx, api, names)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Messages != 3 || plan.From.Name != names.DeadLetterQueue() || plan.To.Name != names.Queue() || plan.Running != nil ||
		!strings.HasSuffix(plan.From.ARN, ":"+names.DeadLetterQueue()) || !strings.HasSuffix(plan.To.ARN, ":"+names.Queue()) {
		t.Fatalf("plan %+v", plan)
	}

	var seen []redrive.Task
	final, err := redrive.Run(ctx, api, plan, 10*time.Millisecond, func(task redrive.Task) { seen = append(seen, task) })
	if err != nil {
		t.Fatal(err)
	}
	if final.Status != "COMPLETED" || final.Moved != 3 || final.ToMove != 3 || len(seen) == 0 || seen[len(seen)-1] != final {
		t.Errorf("final %+v after %d progress reports", final, len(seen))
	}
	got, err := api.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: queue.QueueUrl, MaxNumberOfMessages: 10})
	if err != nil || len(got.Messages) != 3 {
		t.Fatalf("queue after the redrive: %v, %d messages, want 3", err, len(got.Messages))
	}
	after, err := redrive.Read(ctx, api, names)
	if err != nil || after.Messages != 0 || after.Running != nil {
		t.Errorf("plan after the redrive: %+v, %v", after, err)
	}

	// Without sqs:StartMessageMoveTask the error names the action.
	emu.InjectFault(awsemu.Fault{Service: "sqs", Action: "StartMessageMoveTask", DenyRate: 1})
	_, err = redrive.Run(ctx, api, plan, 10*time.Millisecond, func(redrive.Task) {})
	if err == nil || !strings.Contains(err.Error(), "sqs:StartMessageMoveTask") {
		t.Errorf("denied start: %v, want it to name sqs:StartMessageMoveTask", err)
	}
}
