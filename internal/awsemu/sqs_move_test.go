package awsemu_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/awserr"
)

type moveQueue struct{ url, arn string }

func createMoveQueue(t *testing.T, api *sqs.Client, name string, attrs map[string]string) moveQueue {
	t.Helper()
	ctx := t.Context()
	out, err := api.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = api.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: out.QueueUrl}) })
	a, err := api.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: out.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	return moveQueue{aws.ToString(out.QueueUrl), a.Attributes["QueueArn"]}
}

func queueDepth(t *testing.T, api *sqs.Client, url string) int {
	t.Helper()
	a, err := api.GetQueueAttributes(t.Context(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages}})
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(a.Attributes["ApproximateNumberOfMessages"])
	return n
}

// waitTask lists the source's newest task until it is no longer RUNNING.
func waitTask(t *testing.T, api *sqs.Client, source string) sqstypes.ListMessageMoveTasksResultEntry {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		out, err := api.ListMessageMoveTasks(t.Context(), &sqs.ListMessageMoveTasksInput{SourceArn: aws.String(source)})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Results) != 1 {
			t.Fatalf("%d tasks listed, want the newest only", len(out.Results))
		}
		if s := aws.ToString(out.Results[0].Status); s != "RUNNING" && s != "CANCELLING" {
			return out.Results[0]
		}
	}
	t.Fatal("the move task did not finish")
	return sqstypes.ListMessageMoveTasksResultEntry{}
}

func TestMessageMoveTask(t *testing.T) {
	emu, err := awsemu.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	api := sqs.NewFromConfig(emu.Config(emu.AddAccount("111122223333", "security").AddUser("ops").AddAccessKey(awsemu.AccessKey{})))
	ctx := t.Context()
	name := fmt.Sprintf("movetest-%d", time.Now().UnixNano())
	dlq := createMoveQueue(t, api, name+"-dlq", nil)
	src := createMoveQueue(t, api, name, map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"` + dlq.arn + `","maxReceiveCount":"3"}`})
	other := createMoveQueue(t, api, name+"-other", nil)
	for i := range 5 {
		if _, err := api.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(dlq.url), MessageBody: aws.String(fmt.Sprint("m", i)),
			MessageAttributes: map[string]sqstypes.MessageAttributeValue{"n": {DataType: aws.String("Number"), StringValue: aws.String(fmt.Sprint(i))}}}); err != nil {
			t.Fatal(err)
		}
	}

	// Without a destination the messages go back to the queue dead-lettering into the DLQ.
	start, err := api.StartMessageMoveTask(ctx, &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(dlq.arn)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(start.TaskHandle) == "" {
		t.Fatal("no task handle")
	}
	done := waitTask(t, api, dlq.arn)
	if aws.ToString(done.Status) != "COMPLETED" || done.ApproximateNumberOfMessagesMoved != 5 || done.ApproximateNumberOfMessagesToMove == nil || *done.ApproximateNumberOfMessagesToMove != 5 {
		t.Errorf("finished task: %s, moved %d of %v", aws.ToString(done.Status), done.ApproximateNumberOfMessagesMoved, aws.ToInt64(done.ApproximateNumberOfMessagesToMove))
	}
	if done.TaskHandle != nil {
		t.Error("a finished task still lists its handle")
	}
	if got, want := [2]int{queueDepth(t, api, dlq.url), queueDepth(t, api, src.url)}, [2]int{0, 5}; got != want {
		t.Errorf("dlq, source depth %v, want %v", got, want)
	}
	recv, err := api.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(src.url), MaxNumberOfMessages: 1, MessageAttributeNames: []string{"All"}})
	if err != nil || len(recv.Messages) != 1 {
		t.Fatalf("receive moved message: %v, %d", err, len(recv.Messages))
	}
	if recv.Messages[0].MessageAttributes["n"].StringValue == nil {
		t.Error("the move dropped the message attributes")
	}

	// A rate-limited task is still running when a second one is asked for, and can be cancelled.
	for i := range 4 {
		if _, err := api.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(dlq.url), MessageBody: aws.String(fmt.Sprint("slow", i))}); err != nil {
			t.Fatal(err)
		}
	}
	slow, err := api.StartMessageMoveTask(ctx, &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(dlq.arn), DestinationArn: aws.String(other.arn), MaxNumberOfMessagesPerSecond: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = api.StartMessageMoveTask(ctx, &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(dlq.arn)})
	if code := awserr.Code(err); code != "UnsupportedOperation" {
		t.Errorf("second active task: %v (code %q), want UnsupportedOperation", err, code)
	}
	cancelled, err := api.CancelMessageMoveTask(ctx, &sqs.CancelMessageMoveTaskInput{TaskHandle: slow.TaskHandle})
	if err != nil {
		t.Fatal(err)
	}
	end := waitTask(t, api, dlq.arn)
	if aws.ToString(end.Status) != "CANCELLED" || end.ApproximateNumberOfMessagesMoved >= 4 || end.ApproximateNumberOfMessagesMoved < cancelled.ApproximateNumberOfMessagesMoved {
		t.Errorf("cancelled task: %s, moved %d (%d at cancel)", aws.ToString(end.Status), end.ApproximateNumberOfMessagesMoved, cancelled.ApproximateNumberOfMessagesMoved)
	}
	if got := queueDepth(t, api, other.url) + queueDepth(t, api, dlq.url); got != 4 {
		t.Errorf("%d messages in the destination and the DLQ after the cancel, want 4: none lost or doubled", got)
	}
	list, err := api.ListMessageMoveTasks(ctx, &sqs.ListMessageMoveTasksInput{SourceArn: aws.String(dlq.arn), MaxResults: aws.Int32(10)})
	if err != nil || len(list.Results) != 2 || aws.ToString(list.Results[1].Status) != "COMPLETED" {
		t.Errorf("listing both tasks, newest first: %v %+v", err, list)
	}

	for _, tc := range []struct {
		name string
		in   *sqs.StartMessageMoveTaskInput
		code string
	}{
		{"not a dead-letter queue, no destination", &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(other.arn)}, "UnsupportedOperation"},
		{"missing source", &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(dlq.arn + "-gone")}, "ResourceNotFoundException"},
		{"missing destination", &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(dlq.arn), DestinationArn: aws.String(src.arn + "-gone")}, "ResourceNotFoundException"},
		{"rate out of range", &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(dlq.arn), MaxNumberOfMessagesPerSecond: aws.Int32(501)}, "InvalidParameterValue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := api.StartMessageMoveTask(ctx, tc.in)
			if code := awserr.Code(err); code != tc.code {
				t.Errorf("error %v (code %q), want %s", err, code, tc.code)
			}
		})
	}
	if _, err := api.CancelMessageMoveTask(ctx, &sqs.CancelMessageMoveTaskInput{TaskHandle: start.TaskHandle}); awserr.Code(err) != "UnsupportedOperation" {
		t.Errorf("cancelling a completed task: %v", err)
	}
}
