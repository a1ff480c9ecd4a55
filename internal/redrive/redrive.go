// Package redrive re-delivers the alerts waiting in the pipeline's
// dead-letter queue to its queue, once the webhook works again, with SQS's
// own message move task: the messages never leave SQS, and the task's
// progress is SQS's count, not ours.
package redrive

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/rootguard/rootguard/internal/awserr"
	"github.com/rootguard/rootguard/internal/clock"
	"github.com/rootguard/rootguard/internal/queuedepth"
	"github.com/rootguard/rootguard/internal/stack"
)

// SQSAPI is the SQS surface a redrive uses.
type SQSAPI interface {
	GetQueueUrl(ctx context.Context, in *sqs.GetQueueUrlInput, optFns ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error)
	GetQueueAttributes(ctx context.Context, in *sqs.GetQueueAttributesInput, optFns ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error)
	StartMessageMoveTask(ctx context.Context, in *sqs.StartMessageMoveTaskInput, optFns ...func(*sqs.Options)) (*sqs.StartMessageMoveTaskOutput, error)
	ListMessageMoveTasks(ctx context.Context, in *sqs.ListMessageMoveTasksInput, optFns ...func(*sqs.Options)) (*sqs.ListMessageMoveTasksOutput, error)
}

var _ SQSAPI = (*sqs.Client)(nil)

// Queue is one of the two queues.
type Queue struct {
	Name string
	ARN  string
}

// Plan is what a redrive would do.
type Plan struct {
	From, To Queue
	Messages int   // visible in From now
	Running  *Task // a move task already active on From, if any
}

// Message move task statuses, as SQS reports them.
const (
	StatusRunning    = "RUNNING"
	StatusCancelling = "CANCELLING"
	StatusCompleted  = "COMPLETED"
)

// Task is a message move task's state as SQS reports it.
type Task struct {
	Status  string // RUNNING, COMPLETED, CANCELLING, CANCELLED, FAILED
	Moved   int64
	ToMove  int64
	Failure string
}

// Done reports whether the task has stopped.
func (t Task) Done() bool {
	return t.Status != StatusRunning && t.Status != StatusCancelling
}

// ErrNoQueue is returned when the pipeline's queues are missing.
var ErrNoQueue = errors.New("queue not found: is the pipeline deployed (alert deploy) with this --prefix?")

// Read plans a redrive of the pipeline named by names.
func Read(ctx context.Context, api SQSAPI, names stack.Names) (Plan, error) {
	var p Plan
	var err error
	if p.From, p.Messages, err = readQueue(ctx, api, names.DeadLetterQueue()); err != nil {
		return p, err
	}
	if p.To, _, err = readQueue(ctx, api, names.Queue()); err != nil {
		return p, err
	}
	last, err := lastTask(ctx, api, p.From.ARN)
	if err != nil {
		return p, err
	}
	if last != nil && !last.Done() {
		p.Running = last
	}
	return p, nil
}

func readQueue(ctx context.Context, api SQSAPI, name string) (Queue, int, error) {
	q := Queue{Name: name}
	url, err := api.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
	if queuedepth.NoQueue(err) {
		return q, 0, fmt.Errorf("%s: %w", name, ErrNoQueue)
	}
	if err != nil {
		return q, 0, fmt.Errorf("find queue %s: %w", name, awserr.Classify(err))
	}
	out, err := api.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: url.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{
		sqstypes.QueueAttributeNameQueueArn, sqstypes.QueueAttributeNameApproximateNumberOfMessages,
	}})
	if err != nil {
		return q, 0, fmt.Errorf("read queue %s: %w", name, awserr.Classify(err))
	}
	q.ARN = out.Attributes[string(sqstypes.QueueAttributeNameQueueArn)]
	n, err := queuedepth.Count(out.Attributes, sqstypes.QueueAttributeNameApproximateNumberOfMessages)
	if err != nil {
		return q, 0, fmt.Errorf("read queue %s: %w", name, err)
	}
	return q, n, nil
}

// lastTask is the newest move task of source, nil if it never had one.
func lastTask(ctx context.Context, api SQSAPI, source string) (*Task, error) {
	out, err := api.ListMessageMoveTasks(ctx, &sqs.ListMessageMoveTasksInput{SourceArn: aws.String(source), MaxResults: aws.Int32(1)})
	if err != nil {
		return nil, fmt.Errorf("list message move tasks of %s: %w", source, awserr.Classify(err))
	}
	if len(out.Results) == 0 {
		return nil, nil
	}
	r := out.Results[0]
	return &Task{Status: aws.ToString(r.Status), Moved: r.ApproximateNumberOfMessagesMoved,
		ToMove: aws.ToInt64(r.ApproximateNumberOfMessagesToMove), Failure: aws.ToString(r.FailureReason)}, nil
}

// Run starts a move task from p.From to p.To (or follows the one already
// running) and polls it every poll until it stops, calling progress with
// each state. It returns the final state; a FAILED or CANCELLED task is an
// error.
func Run(ctx context.Context, api SQSAPI, p Plan, poll time.Duration, progress func(Task)) (Task, error) {
	if p.Running == nil {
		_, err := api.StartMessageMoveTask(ctx, &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(p.From.ARN), DestinationArn: aws.String(p.To.ARN)})
		if err != nil {
			return Task{}, fmt.Errorf("start moving messages from %s to %s: %w", p.From.Name, p.To.Name, awserr.Classify(err))
		}
	}
	for {
		t, err := lastTask(ctx, api, p.From.ARN)
		if err != nil {
			return Task{}, err
		}
		if t == nil {
			return Task{}, fmt.Errorf("the message move task of %s disappeared", p.From.Name)
		}
		progress(*t)
		if t.Done() {
			if t.Status != StatusCompleted {
				return *t, fmt.Errorf("moving messages from %s to %s ended %s after %d of %d: %s", p.From.Name, p.To.Name, t.Status, t.Moved, t.ToMove, t.Failure)
			}
			return *t, nil
		}
		if err := clock.Sleep(ctx, poll); err != nil {
			return *t, err
		}
	}
}
