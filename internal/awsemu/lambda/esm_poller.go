package lambda

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

// pollInterval is how long an idle or disabled mapping waits between
// rounds; receives themselves long-poll for one second.
const pollInterval = 200 * time.Millisecond

// sqsRecord is one record of the events.SQSEvent Lambda receives.
type sqsRecord struct {
	MessageID         string                      `json:"messageId"`
	ReceiptHandle     string                      `json:"receiptHandle"`
	Body              string                      `json:"body"`
	Attributes        map[string]string           `json:"attributes"`
	MessageAttributes map[string]sqsRecordMsgAttr `json:"messageAttributes"`
	MD5OfBody         string                      `json:"md5OfBody"`
	EventSource       string                      `json:"eventSource"`
	EventSourceARN    string                      `json:"eventSourceARN"`
	AWSRegion         string                      `json:"awsRegion"`
}

type sqsRecordMsgAttr struct {
	StringValue      *string  `json:"stringValue,omitempty"`
	BinaryValue      []byte   `json:"binaryValue,omitempty"`
	StringListValues []string `json:"stringListValues"`
	BinaryListValues [][]byte `json:"binaryListValues"`
	DataType         string   `json:"dataType"`
}

// pollQueue is one mapping's poller: receive a batch (up to BatchSize,
// waiting at most the batching window to fill it), invoke the function
// synchronously, delete what succeeded. Failed messages stay and reappear
// after the queue's visibility timeout; kumo's SQS moves them to the
// dead-letter queue once maxReceiveCount is exceeded.
func (p *Functions) pollQueue(ctx context.Context, k emu.Scope, id string) {
	for ctx.Err() == nil {
		m, ok := p.mapping(k, id)
		if !ok {
			return
		}

		if m.State != "Enabled" {
			sleep(ctx, pollInterval)

			continue
		}

		queueURL, batch := p.receiveBatch(ctx, m)
		if len(batch) == 0 {
			continue
		}

		result := p.processBatch(ctx, m, queueURL, batch)

		p.mu.Lock()
		if live, ok := p.region(k).mappings[id]; ok {
			live.LastProcessingResult = result
		}
		p.mu.Unlock()
	}
}

// receiveBatch collects up to BatchSize messages, keeping on receiving
// until the batch is full or the batching window has passed.
func (p *Functions) receiveBatch(ctx context.Context, m eventSourceMapping) (string, []types.Message) {
	queue := emu.ParseARN(m.EventSourceArn).Resource

	url, err := p.sqs.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(queue)})
	if err != nil {
		sleep(ctx, pollInterval)

		return "", nil
	}

	window := time.Now().Add(time.Duration(m.MaximumBatchingWindowInSeconds) * time.Second)

	var batch []types.Message

	for len(batch) < m.BatchSize && ctx.Err() == nil {
		out, err := p.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl:                    url.QueueUrl,
			MaxNumberOfMessages:         int32(min(10, m.BatchSize-len(batch))), //nolint:gosec // at most 10
			WaitTimeSeconds:             1,
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
			MessageAttributeNames:       []string{"All"},
		})
		if err != nil {
			sleep(ctx, pollInterval)

			break
		}

		batch = append(batch, out.Messages...)

		if len(batch) > 0 && time.Now().After(window) {
			break
		}
	}

	return aws.ToString(url.QueueUrl), batch
}

// processBatch invokes the function with the batch and deletes the
// messages that succeeded. It returns Lambda's LastProcessingResult.
func (p *Functions) processBatch(ctx context.Context, m eventSourceMapping, queueURL string, batch []types.Message) string {
	source := emu.ParseARN(m.EventSourceArn)
	records := make([]sqsRecord, len(batch))

	for i, msg := range batch {
		records[i] = toSQSRecord(msg, m.EventSourceArn, source.Region)
	}

	event, err := json.Marshal(map[string]any{"Records": records})
	if err != nil {
		return "PROBLEM: " + err.Error()
	}

	res, err := p.invokeSync(ctx, arnFunction(emu.ParseARN(m.FunctionArn)), event)
	if err != nil {
		slog.Warn("awsemu: event-source mapping could not invoke", "mapping", m.UUID, "error", err)

		return "PROBLEM: Function call failed"
	}

	if res.functionError != "" {
		return "PROBLEM: Function call failed"
	}

	failed := map[string]bool{}

	if m.reportsItemFailures() {
		failed, err = batchItemFailures(res.payload, batch)
		if err != nil {
			// An unparseable response fails the whole batch, as on AWS.
			return "PROBLEM: " + err.Error()
		}
	}

	var done []types.DeleteMessageBatchRequestEntry

	for _, msg := range batch {
		if !failed[aws.ToString(msg.MessageId)] {
			done = append(done, types.DeleteMessageBatchRequestEntry{Id: msg.MessageId, ReceiptHandle: msg.ReceiptHandle})
		}
	}

	for start := 0; start < len(done); start += 10 {
		entries := done[start:min(start+10, len(done))]
		if _, err := p.sqs.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(queueURL), Entries: entries}); err != nil {
			return "PROBLEM: " + err.Error()
		}
	}

	return "OK"
}

// batchItemFailures reads a ReportBatchItemFailures response. Every
// identifier must name a message of the batch.
func batchItemFailures(payload []byte, batch []types.Message) (map[string]bool, error) {
	var resp struct {
		BatchItemFailures []struct {
			ItemIdentifier string `json:"itemIdentifier"`
		} `json:"batchItemFailures"`
	}

	if len(payload) == 0 || string(payload) == "null" {
		return map[string]bool{}, nil
	}

	if err := json.Unmarshal(payload, &resp); err != nil {
		return nil, fmt.Errorf("invalid batch item failures response: %w", err)
	}

	ids := map[string]bool{}
	for _, msg := range batch {
		ids[aws.ToString(msg.MessageId)] = true
	}

	failed := map[string]bool{}

	for _, f := range resp.BatchItemFailures {
		if !ids[f.ItemIdentifier] {
			return nil, fmt.Errorf("batch item failure %q names no message of the batch", f.ItemIdentifier)
		}

		failed[f.ItemIdentifier] = true
	}

	return failed, nil
}

func toSQSRecord(msg types.Message, sourceArn, region string) sqsRecord {
	attrs := make(map[string]string, len(msg.Attributes))
	for k, v := range msg.Attributes {
		attrs[k] = v
	}

	msgAttrs := make(map[string]sqsRecordMsgAttr, len(msg.MessageAttributes))
	for k, v := range msg.MessageAttributes {
		msgAttrs[k] = sqsRecordMsgAttr{
			StringValue: v.StringValue, BinaryValue: v.BinaryValue, DataType: aws.ToString(v.DataType),
			StringListValues: append([]string{}, v.StringListValues...),
			BinaryListValues: append([][]byte{}, v.BinaryListValues...),
		}
	}

	return sqsRecord{
		MessageID: aws.ToString(msg.MessageId), ReceiptHandle: aws.ToString(msg.ReceiptHandle),
		Body: aws.ToString(msg.Body), Attributes: attrs, MessageAttributes: msgAttrs,
		MD5OfBody: aws.ToString(msg.MD5OfBody), EventSource: "aws:sqs",
		EventSourceARN: sourceArn, AWSRegion: region,
	}
}
