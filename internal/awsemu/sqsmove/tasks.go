// Package sqsmove answers SQS message move tasks (dead-letter queue
// redrive) for awsemu, which kumo's SQS lacks: StartMessageMoveTask,
// ListMessageMoveTasks and CancelMessageMoveTask. A task moves messages
// through kumo's own API — receive from the source, send to the
// destination, delete from the source — in the background, so queue depths,
// receive counts and redrive behave as kumo models them.
package sqsmove

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"
	"github.com/google/uuid"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

// Register answers the move-task actions on host. Tasks move messages
// through api (kumo's SQS) and stop when ctx, the emulator's lifetime, is
// cancelled.
func Register(ctx context.Context, host emu.Host, api API) {
	m := &moveTasks{sqs: api, ctx: ctx, bySource: map[string][]*moveTask{}}
	host.Handle("sqs", "StartMessageMoveTask", m.start)
	host.Handle("sqs", "ListMessageMoveTasks", m.list)
	host.Handle("sqs", "CancelMessageMoveTask", m.cancel)
}

// Move task statuses, as SQS names them.
const (
	moveRunning    = "RUNNING"
	moveCompleted  = "COMPLETED"
	moveCancelling = "CANCELLING"
	moveCancelled  = "CANCELLED"
	moveFailed     = "FAILED"
)

// moveTasksListMax is ListMessageMoveTasks' MaxResults limit.
const moveTasksListMax = 10

// API is the part of kumo's SQS a move task uses.
type API interface {
	GetQueueUrl(ctx context.Context, in *sqs.GetQueueUrlInput, optFns ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error)
	GetQueueAttributes(ctx context.Context, in *sqs.GetQueueAttributesInput, optFns ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error)
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, optFns ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error)
	DeleteMessageBatch(ctx context.Context, in *sqs.DeleteMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error)
	sqs.ListQueuesAPIClient
}

var _ API = (*sqs.Client)(nil)

// moveTasks are one emulator's message move tasks; kumo's queues are
// process-wide, but tasks belong to the emulator that started them.
type moveTasks struct {
	sqs API
	ctx context.Context // cancelled when the Server closes

	mu       sync.Mutex
	bySource map[string][]*moveTask // by source ARN, oldest first
}

// moveTask is one task; its fields are guarded by moveTasks.mu.
type moveTask struct {
	id, handle         string
	source, dest       string // ARNs as given; dest is empty for "back to each source"
	maxPerSecond       int
	started            time.Time
	status             string
	moved, toMove      int64
	failure            string
	cancel             context.CancelFunc
	sourceURL, destURL string
}

type moveTaskResult struct {
	TaskHandle                        string `json:"TaskHandle,omitempty"`
	Status                            string `json:"Status"`
	SourceArn                         string `json:"SourceArn"`
	DestinationArn                    string `json:"DestinationArn,omitempty"`
	MaxNumberOfMessagesPerSecond      int    `json:"MaxNumberOfMessagesPerSecond,omitempty"`
	ApproximateNumberOfMessagesMoved  int64  `json:"ApproximateNumberOfMessagesMoved"`
	ApproximateNumberOfMessagesToMove int64  `json:"ApproximateNumberOfMessagesToMove"`
	FailureReason                     string `json:"FailureReason,omitempty"`
	StartedTimestamp                  int64  `json:"StartedTimestamp"`
}

func errMoveNotFound(format string, args ...any) error {
	return emu.BadRequest("ResourceNotFoundException", format, args...)
}

func errMoveUnsupported(format string, args ...any) error {
	return emu.BadRequest("UnsupportedOperation", format, args...)
}

func errMoveInvalid(format string, args ...any) error {
	return emu.BadRequest("InvalidParameterValue", format, args...)
}

func (m *moveTasks) start(c *emu.Call) error {
	var in struct {
		SourceArn                    string
		DestinationArn               string
		MaxNumberOfMessagesPerSecond *int
	}
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	if in.MaxNumberOfMessagesPerSecond != nil && (*in.MaxNumberOfMessagesPerSecond < 1 || *in.MaxNumberOfMessagesPerSecond > 500) {
		return errMoveInvalid("Value %d for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: must be between 1 and 500.", *in.MaxNumberOfMessagesPerSecond)
	}
	ctx := c.Request.Context()
	sourceURL, err := m.queueURL(ctx, in.SourceArn)
	if err != nil {
		return err
	}
	dest := in.DestinationArn
	if dest == "" {
		// On AWS each message goes back to the queue it was dead-lettered
		// from; kumo does not record it, so the source must serve one queue.
		if dest, err = m.onlySourceOf(ctx, in.SourceArn); err != nil {
			return err
		}
	} else if emu.ParseARN(dest).Resource == emu.ParseARN(in.SourceArn).Resource {
		return errMoveInvalid("Source queue and destination queue must be different.")
	}
	destURL, err := m.queueURL(ctx, dest)
	if err != nil {
		return err
	}
	toMove, err := m.depth(ctx, sourceURL)
	if err != nil {
		return err
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	for _, t := range m.bySource[in.SourceArn] {
		if t.status == moveRunning || t.status == moveCancelling {
			return errMoveUnsupported("There is already a task running. Only one active task is allowed for a source queue arn at a given time.")
		}
	}
	id := uuid.NewString()
	handle, _ := json.Marshal(map[string]string{"taskId": id, "sourceArn": in.SourceArn})
	taskCtx, cancel := context.WithCancel(m.ctx)
	t := &moveTask{
		id: id, handle: base64.StdEncoding.EncodeToString(handle), source: in.SourceArn, dest: in.DestinationArn,
		started: time.Now(), status: moveRunning, toMove: toMove, cancel: cancel, sourceURL: sourceURL, destURL: destURL,
	}
	if in.MaxNumberOfMessagesPerSecond != nil {
		t.maxPerSecond = *in.MaxNumberOfMessagesPerSecond
	}
	m.bySource[in.SourceArn] = append(m.bySource[in.SourceArn], t)
	go m.run(taskCtx, t)
	return c.Result(map[string]string{"TaskHandle": t.handle})
}

func (m *moveTasks) list(c *emu.Call) error {
	var in struct {
		SourceArn  string
		MaxResults *int
	}
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	limit := 1
	if in.MaxResults != nil {
		limit = *in.MaxResults
	}
	if limit < 1 || limit > moveTasksListMax {
		return errMoveInvalid("Value %d for parameter MaxResults is invalid. Reason: must be between 1 and %d.", limit, moveTasksListMax)
	}
	if _, err := m.queueURL(c.Request.Context(), in.SourceArn); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	results := []moveTaskResult{}
	tasks := m.bySource[in.SourceArn]
	for _, t := range slices.Backward(tasks) {
		if len(results) == limit {
			break
		}
		r := moveTaskResult{
			Status: t.status, SourceArn: t.source, DestinationArn: t.dest, MaxNumberOfMessagesPerSecond: t.maxPerSecond,
			ApproximateNumberOfMessagesMoved: t.moved, ApproximateNumberOfMessagesToMove: t.toMove,
			FailureReason: t.failure, StartedTimestamp: t.started.UnixMilli(),
		}
		if t.status == moveRunning {
			r.TaskHandle = t.handle
		}
		results = append(results, r)
	}
	return c.Result(map[string]any{"Results": results})
}

func (m *moveTasks) cancel(c *emu.Call) error {
	var in struct{ TaskHandle string }
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	raw, err := base64.StdEncoding.DecodeString(in.TaskHandle)
	var handle struct{ TaskID, SourceArn string }
	if err != nil || json.Unmarshal(raw, &handle) != nil {
		return errMoveInvalid("Value %s for parameter TaskHandle is invalid.", in.TaskHandle)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, t := range m.bySource[handle.SourceArn] {
		if t.id != handle.TaskID {
			continue
		}
		if t.status != moveRunning {
			return errMoveUnsupported("Only tasks in RUNNING status can be cancelled; this task is %s.", t.status)
		}
		t.status = moveCancelling
		t.cancel()
		return c.Result(map[string]int64{"ApproximateNumberOfMessagesMoved": t.moved})
	}
	return errMoveNotFound("The task %s does not exist.", handle.TaskID)
}

// run moves up to toMove messages, ten at a time, honouring the task's rate.
func (m *moveTasks) run(ctx context.Context, t *moveTask) {
	err := m.move(ctx, t)
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case t.status == moveCancelling:
		t.status = moveCancelled
	case err != nil:
		t.status, t.failure = moveFailed, err.Error()
	default:
		t.status = moveCompleted
	}
	t.cancel()
}

// move moves batch after batch. A cancel (or the Server's close) stops it
// between batches: a batch once received is sent and deleted in full, so
// no message is left in flight, lost or doubled.
func (m *moveTasks) move(ctx context.Context, t *moveTask) error {
	batchCtx := context.WithoutCancel(ctx)
	for {
		if ctx.Err() != nil {
			return nil // cancelled or closed; run decides the status
		}
		m.mu.Lock()
		left := t.toMove - t.moved
		m.mu.Unlock()
		if left <= 0 {
			return nil
		}
		batch := min(int32(10), int32(left)) //nolint:gosec // at most 10
		if t.maxPerSecond > 0 {
			batch = min(batch, int32(t.maxPerSecond)) //nolint:gosec // at most 500
		}
		began := time.Now()
		out, err := m.sqs.ReceiveMessage(batchCtx, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(t.sourceURL), MaxNumberOfMessages: batch, WaitTimeSeconds: 0,
			MessageAttributeNames: []string{"All"},
		})
		if err != nil {
			return errors.New("receive from the source queue: " + err.Error())
		}
		if len(out.Messages) == 0 {
			return nil // the rest were deleted or are in flight elsewhere
		}
		send := make([]sqstypes.SendMessageBatchRequestEntry, len(out.Messages))
		for i, msg := range out.Messages {
			send[i] = sqstypes.SendMessageBatchRequestEntry{Id: msg.MessageId, MessageBody: msg.Body, MessageAttributes: msg.MessageAttributes}
		}
		sent, err := m.sqs.SendMessageBatch(batchCtx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(t.destURL), Entries: send})
		if err != nil {
			return errors.New("send to the destination queue: " + err.Error())
		}
		var done []sqstypes.DeleteMessageBatchRequestEntry
		for _, ok := range sent.Successful {
			for _, msg := range out.Messages {
				if aws.ToString(msg.MessageId) == aws.ToString(ok.Id) {
					done = append(done, sqstypes.DeleteMessageBatchRequestEntry{Id: msg.MessageId, ReceiptHandle: msg.ReceiptHandle})
				}
			}
		}
		if len(done) > 0 {
			if _, err := m.sqs.DeleteMessageBatch(batchCtx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(t.sourceURL), Entries: done}); err != nil {
				return errors.New("delete from the source queue: " + err.Error())
			}
		}
		m.mu.Lock()
		t.moved += int64(len(done))
		m.mu.Unlock()
		if len(sent.Failed) > 0 {
			return errors.New("the destination queue refused " + aws.ToString(sent.Failed[0].Code) + ": " + aws.ToString(sent.Failed[0].Message))
		}
		if t.maxPerSecond > 0 {
			sleep(ctx, time.Until(began.Add(time.Duration(len(done))*time.Second/time.Duration(t.maxPerSecond))))
		}
	}
}

// queueURL finds the queue an ARN names in kumo; kumo is single-account, so
// the name decides.
func (m *moveTasks) queueURL(ctx context.Context, queueARN string) (string, error) {
	a := emu.ParseARN(queueARN)
	if a.Service != "sqs" || a.Resource == "" {
		return "", errMoveInvalid("Value %s for parameter SourceArn is invalid. Reason: not an SQS queue ARN.", queueARN)
	}
	out, err := m.sqs.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(a.Resource)})
	if err != nil {
		if isCode(err, "AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist") {
			return "", errMoveNotFound("The resource that you specified for the SourceArn or DestinationArn parameter doesn't exist: %s", queueARN)
		}
		return "", err
	}
	return aws.ToString(out.QueueUrl), nil
}

// onlySourceOf returns the ARN of the one queue whose redrive policy
// dead-letters into dlqARN.
func (m *moveTasks) onlySourceOf(ctx context.Context, dlqARN string) (string, error) {
	var sources []string
	pages := sqs.NewListQueuesPaginator(m.sqs, &sqs.ListQueuesInput{})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return "", err
		}
		for _, url := range page.QueueUrls {
			attrs, err := m.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
				AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn, sqstypes.QueueAttributeNameRedrivePolicy}})
			if err != nil {
				continue // deleted since the listing
			}
			var policy struct {
				DeadLetterTargetArn string `json:"deadLetterTargetArn"`
			}
			if json.Unmarshal([]byte(attrs.Attributes[string(sqstypes.QueueAttributeNameRedrivePolicy)]), &policy) == nil &&
				emu.ParseARN(policy.DeadLetterTargetArn).Resource == emu.ParseARN(dlqARN).Resource {
				sources = append(sources, attrs.Attributes[string(sqstypes.QueueAttributeNameQueueArn)])
			}
		}
	}
	switch len(sources) {
	case 0:
		return "", errMoveUnsupported("Source queue must be configured as a Dead Letter Queue.")
	case 1:
		return sources[0], nil
	default:
		return "", errMoveUnsupported("%s is the dead-letter queue of %d queues; name the DestinationArn (this emulator does not record each message's origin).", dlqARN, len(sources))
	}
}

// depth is the source's visible messages when the task starts: the task
// moves at most that many.
func (m *moveTasks) depth(ctx context.Context, url string) (int64, error) {
	out, err := m.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages}})
	if err != nil {
		return 0, err
	}
	var n int64
	err = json.Unmarshal([]byte(out.Attributes[string(sqstypes.QueueAttributeNameApproximateNumberOfMessages)]), &n)
	return n, err
}

// isCode reports whether err is an API error with one of codes.
func isCode(err error, codes ...string) bool {
	var api smithy.APIError
	return errors.As(err, &api) && slices.Contains(codes, api.ErrorCode())
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
