package awsemu_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// The runbook's delivery path: rule → queue → event-source mapping →
// function, with ReportBatchItemFailures and a redrive to the DLQ.
func TestPipelineQueueMappingDeliversAndRedrivesFailures(t *testing.T) {
	emu, cfg := newHub(t)
	ctx := t.Context()
	suffix := time.Now().UnixNano()
	sq := sqs.NewFromConfig(cfg)

	dlq, err := sq.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(fmt.Sprintf("rg-dlq-%d", suffix))})
	if err != nil {
		t.Fatal(err)
	}
	dlqAttrs, err := sq.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: dlq.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{"QueueArn"}})
	if err != nil {
		t.Fatal(err)
	}
	queueName := fmt.Sprintf("rg-queue-%d", suffix)
	queue, err := sq.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(queueName), Attributes: map[string]string{
		"VisibilityTimeout": "1",
		"RedrivePolicy":     fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":"1"}`, dlqAttrs.Attributes["QueueArn"]),
	}})
	if err != nil {
		t.Fatal(err)
	}
	queueArn := "arn:aws:sqs:us-east-1:111122223333:" + queueName

	url, got := receiver(t)
	fn := fmt.Sprintf("rg-esm-%d", suffix)
	lc := lambda.NewFromConfig(cfg)
	startFunction(t, emu, lc, fn, url)

	mapping, err := lc.CreateEventSourceMapping(ctx, &lambda.CreateEventSourceMappingInput{
		EventSourceArn: aws.String(queueArn), FunctionName: aws.String(fn), BatchSize: aws.Int32(10),
		MaximumBatchingWindowInSeconds: aws.Int32(1),
		FunctionResponseTypes:          []lambdatypes.FunctionResponseType{lambdatypes.FunctionResponseTypeReportBatchItemFailures},
	})
	if err != nil {
		t.Fatalf("create mapping: %v", err)
	}
	if want := "arn:aws:lambda:us-east-1:111122223333:function:" + fn; aws.ToString(mapping.FunctionArn) != want {
		t.Errorf("mapping FunctionArn = %s, want %s", aws.ToString(mapping.FunctionArn), want)
	}

	eb := eventbridge.NewFromConfig(cfg)
	if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("to-queue"), EventPattern: aws.String(`{"source":["rootguard.test"]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("to-queue"), Targets: []ebtypes.Target{{Id: aws.String("q"), Arn: aws.String(queueArn)}}}); err != nil {
		t.Fatal(err)
	}
	for _, marker := range []string{"good", "poison"} {
		if _, err := eb.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
			Source: aws.String("rootguard.test"), DetailType: aws.String("rootguard test"), Detail: aws.String(fmt.Sprintf(`{"marker":%q}`, marker)),
		}}}); err != nil {
			t.Fatal(err)
		}
	}

	// Both events arrive, in one or two batches, as events.SQSEvent records.
	seen := map[string]events.SQSMessage{}
	for len(seen) < 2 {
		var batch events.SQSEvent
		if err := json.Unmarshal(waitFor(t, got, 10*time.Second), &batch); err != nil {
			t.Fatal(err)
		}
		for _, r := range batch.Records {
			var ev events.EventBridgeEvent
			if err := json.Unmarshal([]byte(r.Body), &ev); err != nil {
				t.Fatalf("record body is not the EventBridge event: %v", err)
			}
			var detail struct{ Marker string }
			_ = json.Unmarshal(ev.Detail, &detail)
			seen[detail.Marker] = r
		}
	}
	good := seen["good"]
	if good.EventSource != "aws:sqs" || good.EventSourceARN != queueArn || good.AWSRegion != "us-east-1" ||
		good.Attributes["ApproximateReceiveCount"] != "1" || good.ReceiptHandle == "" || good.MessageId == "" {
		t.Errorf("record = %+v, want an aws:sqs record from %s", good, queueArn)
	}

	// The poison message was reported failed: after its visibility timeout
	// it exceeds maxReceiveCount 1 and lands in the DLQ; the good one was
	// deleted.
	var dlqMessages []sqstypes.Message
	deadline := time.Now().Add(8 * time.Second)
	for len(dlqMessages) == 0 && time.Now().Before(deadline) {
		out, err := sq.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: dlq.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			t.Fatal(err)
		}
		dlqMessages = out.Messages
	}
	if len(dlqMessages) != 1 || aws.ToString(dlqMessages[0].MessageId) != seen["poison"].MessageId {
		t.Fatalf("DLQ holds %d messages, want only the poison one %s", len(dlqMessages), seen["poison"].MessageId)
	}
	attrs, err := sq.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: queue.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{"All"}})
	if err != nil {
		t.Fatal(err)
	}
	if attrs.Attributes["ApproximateNumberOfMessages"] != "0" || attrs.Attributes["ApproximateNumberOfMessagesNotVisible"] != "0" {
		t.Errorf("source queue still holds messages: %v", attrs.Attributes)
	}

	listed, err := lc.ListEventSourceMappings(ctx, &lambda.ListEventSourceMappingsInput{FunctionName: aws.String(fn)})
	if err != nil || len(listed.EventSourceMappings) != 1 || aws.ToString(listed.EventSourceMappings[0].State) != "Enabled" {
		t.Fatalf("list mappings: %v %+v", err, listed)
	}
	if _, err := lc.DeleteEventSourceMapping(ctx, &lambda.DeleteEventSourceMappingInput{UUID: mapping.UUID}); err != nil {
		t.Fatal(err)
	}
	_, err = lc.GetEventSourceMapping(ctx, &lambda.GetEventSourceMappingInput{UUID: mapping.UUID})
	var missing *lambdatypes.ResourceNotFoundException
	if !errors.As(err, &missing) {
		t.Errorf("get deleted mapping: err = %v, want ResourceNotFoundException", err)
	}
}
