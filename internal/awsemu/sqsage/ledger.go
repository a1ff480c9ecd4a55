// Package sqsage keeps what kumo's SQS cannot tell: how old the messages
// are that the emulator's own consumers (Lambda event-source mappings,
// message move tasks) received and have not deleted. SQS publishes that as
// the CloudWatch metric ApproximateAgeOfOldestMessage, "the approximate age
// of the oldest non-deleted message in the queue", in the AWS/SQS namespace
// with the dimension QueueName (Amazon SQS Developer Guide, "Available
// CloudWatch metrics for Amazon SQS",
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html);
// GetQueueAttributes has no age. kumo keeps its queues in package state
// the emulator cannot read, so the Ledger watches the SQS calls of the
// emulator's kumo clients (Middleware) instead.
//
// Limits: a message is known from its first receive by such a client (a
// queue nobody consumes has no age here), and messages received by clients
// outside the emulator are not seen.
package sqsage

import (
	"context"
	"net/url"
	"path"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go/middleware"
)

// Ledger is the received, not yet deleted messages of every queue, by
// queue name (kumo's queues are one namespace per process).
type Ledger struct {
	mu     sync.Mutex
	queues map[string]map[string]*message // queue name → message ID
	now    func() time.Time
}

type message struct {
	sent, lastReceived time.Time
	receipts           []string
}

// New returns an empty ledger on the clock now.
func New(now func() time.Time) *Ledger {
	if now == nil {
		now = time.Now
	}
	return &Ledger{queues: map[string]map[string]*message{}, now: now}
}

// QueueName is the queue a queue URL names: its last path segment.
func QueueName(queueURL string) string {
	u, err := url.Parse(queueURL)
	if err != nil {
		return path.Base(queueURL)
	}
	return path.Base(u.Path)
}

// Received notes messages received from queue at time at.
func (l *Ledger) Received(queue string, at time.Time, msgs ...ReceivedMessage) {
	l.mu.Lock()
	defer l.mu.Unlock()
	q := l.queues[queue]
	if q == nil {
		q = map[string]*message{}
		l.queues[queue] = q
	}
	for _, m := range msgs {
		e := q[m.ID]
		if e == nil {
			sent := m.Sent
			if sent.IsZero() || sent.After(at) {
				sent = at // without SentTimestamp: the first receive, a lower bound
			}
			e = &message{sent: sent}
			q[m.ID] = e
		}
		e.lastReceived = at
		e.receipts = append(e.receipts, m.ReceiptHandle)
	}
}

// ReceivedMessage is one message of a ReceiveMessage answer.
type ReceivedMessage struct {
	ID, ReceiptHandle string
	Sent              time.Time // SentTimestamp; zero when not asked for
}

// Deleted notes that the message behind each receipt handle was deleted.
func (l *Ledger) Deleted(queue string, receipts ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	q := l.queues[queue]
	for id, m := range q {
		if slices.ContainsFunc(receipts, func(r string) bool { return slices.Contains(m.receipts, r) }) {
			delete(q, id)
		}
	}
}

// OldestAge is the age of the oldest of queue's messages at now, given
// that the queue holds depth messages (visible and in flight, from
// GetQueueAttributes). Messages the ledger holds beyond depth left the
// queue some other way (kumo moved them to the dead-letter queue after
// maxReceiveCount receives, or their retention ended): those received least
// recently are forgotten. ok is false when no message is known, as AWS
// publishes no age for a queue with no active message.
func (l *Ledger) OldestAge(queue string, depth int, now time.Time) (age time.Duration, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	q := l.queues[queue]
	if len(q) > depth {
		ids := make([]string, 0, len(q))
		for id := range q {
			ids = append(ids, id)
		}
		slices.SortFunc(ids, func(a, b string) int { return q[a].lastReceived.Compare(q[b].lastReceived) })
		for _, id := range ids[:len(q)-max(depth, 0)] {
			delete(q, id)
		}
	}
	for _, m := range q {
		if d := now.Sub(m.sent); !ok || d > age {
			age, ok = d, true
		}
	}
	return max(age, 0), ok
}

// Middleware is an sqs.Options.APIOptions entry that notes every
// ReceiveMessage answer and every successful DeleteMessage and
// DeleteMessageBatch of the client in the ledger.
func (l *Ledger) Middleware(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("sqsage", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
		out, md, err := next.HandleInitialize(ctx, in)
		if err != nil {
			return out, md, err
		}
		switch p := in.Parameters.(type) {
		case *sqs.ReceiveMessageInput:
			if r, ok := out.Result.(*sqs.ReceiveMessageOutput); ok && len(r.Messages) > 0 {
				msgs := make([]ReceivedMessage, 0, len(r.Messages))
				for _, m := range r.Messages {
					rm := ReceivedMessage{ID: aws.ToString(m.MessageId), ReceiptHandle: aws.ToString(m.ReceiptHandle)}
					if ms, err := strconv.ParseInt(m.Attributes["SentTimestamp"], 10, 64); err == nil {
						rm.Sent = time.UnixMilli(ms)
					}
					msgs = append(msgs, rm)
				}
				l.Received(QueueName(aws.ToString(p.QueueUrl)), l.now(), msgs...)
			}
		case *sqs.DeleteMessageInput:
			l.Deleted(QueueName(aws.ToString(p.QueueUrl)), aws.ToString(p.ReceiptHandle))
		case *sqs.DeleteMessageBatchInput:
			r, _ := out.Result.(*sqs.DeleteMessageBatchOutput)
			done := map[string]bool{}
			if r != nil {
				for _, s := range r.Successful {
					done[aws.ToString(s.Id)] = true
				}
			}
			var receipts []string
			for _, e := range p.Entries {
				if done[aws.ToString(e.Id)] {
					receipts = append(receipts, aws.ToString(e.ReceiptHandle))
				}
			}
			l.Deleted(QueueName(aws.ToString(p.QueueUrl)), receipts...)
		}
		return out, md, err
	}), middleware.After)
}
