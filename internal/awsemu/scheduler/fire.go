package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/google/uuid"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

// InvocationError is a schedule's invocation that failed: as EventBridge
// Scheduler saw it (Code, Message: the execution role, the target's API),
// or — for a Lambda target — the function's own failure after Lambda's
// asynchronous retries (Code "FunctionError"). DeadLettered tells whether
// the dead-letter event reached the schedule's dead-letter queue.
type InvocationError struct {
	Schedule, Target string
	Code, Message    string
	DeadLettered     bool
}

func (e *InvocationError) Error() string {
	dl := "no dead-letter queue received it"
	if e.DeadLettered {
		dl = "sent to the dead-letter queue"
	}
	return fmt.Sprintf("schedule %s: invoke %s: %s: %s (%s)", e.Schedule, e.Target, e.Code, e.Message, dl)
}

// Fire invokes the target of schedule name in group (default: "default")
// of k now, as the schedule would when due, and waits for the outcome: nil
// when the target received the input (a Lambda function: ran it without
// error), an *InvocationError when the invocation failed, an API error
// when there is no such schedule, and an error for a DISABLED schedule,
// which never fires.
func (s *Scheduler) Fire(ctx context.Context, k emu.Scope, groupName, name string) error {
	s.mu.Lock()
	sc, err := s.find(k, groupName, name)
	var snapshot schedule
	if err == nil {
		snapshot = *sc
	}
	s.mu.Unlock()
	if err != nil {
		return err
	}
	if snapshot.state != "ENABLED" {
		return fmt.Errorf("schedule %s is %s: it never fires", snapshot.arn(), snapshot.state)
	}
	return s.invoke(ctx, &snapshot, s.host.Now())
}

// failure is one failed attempt: AWS's error code and message, and whether
// a retry could succeed.
type failure struct {
	code, message string
	retryable     bool
}

// invoke delivers sc's input to its target at scheduled time at, retrying
// as its RetryPolicy allows, and sends the dead-letter event when the
// invocation fails for good
// (retries with exponential backoff until MaximumRetryAttempts or
// MaximumEventAgeInSeconds: https://docs.aws.amazon.com/scheduler/latest/APIReference/API_RetryPolicy.html;
// https://docs.aws.amazon.com/scheduler/latest/UserGuide/configuring-schedule-dlq.html).
// Errors that no retry can fix — the role cannot be assumed, lacks the
// permission, the target does not exist — go to the dead-letter queue at
// once.
func (s *Scheduler) invoke(ctx context.Context, sc *schedule, at time.Time) error {
	if service := emu.ParseARN(sc.target.Arn).Service; service != "lambda" && service != "sqs" {
		return errNotEmulated(sc.target.Arn)
	}
	policy := sc.target.RetryPolicy
	deadline := time.Now().Add(time.Duration(*policy.MaximumEventAgeInSeconds) * time.Second)
	backoff := 100 * time.Millisecond
	retries := 0
	for {
		f, fnErr := s.attempt(ctx, sc)
		if f == nil {
			if fnErr != nil {
				return &InvocationError{Schedule: sc.arn(), Target: sc.target.Arn, Code: "FunctionError", Message: fnErr.Error()}
			}
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		exhausted := ""
		switch {
		case !f.retryable:
		case retries >= *policy.MaximumRetryAttempts:
			exhausted = "MaximumRetryAttempts"
		case time.Now().Add(backoff).After(deadline):
			exhausted = "MaximumEventAgeInSeconds"
		default:
			retries++
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 2*time.Second)
			continue
		}
		ierr := &InvocationError{Schedule: sc.arn(), Target: sc.target.Arn, Code: f.code, Message: f.message}
		ierr.DeadLettered = s.deadLetter(ctx, sc, at, f, exhausted, retries)
		return ierr
	}
}

// attempt invokes the target once as the execution role. A nil failure
// with a non-nil error is a Lambda function that ran and failed.
func (s *Scheduler) attempt(ctx context.Context, sc *schedule) (*failure, error) {
	policies, f := s.assumeRole(sc)
	if f != nil {
		return f, nil
	}
	target := emu.ParseARN(sc.target.Arn)
	input := []byte(sc.target.Input)
	if len(input) == 0 {
		// Without Input the target gets an empty JSON object (emulator's
		// choice: the API reference leaves Input optional and says no more).
		input = []byte("{}")
	}
	switch target.Service {
	case "lambda":
		if !allows(policies, "lambda:InvokeFunction", sc.target.Arn) {
			return denied(sc, "lambda:InvokeFunction"), nil
		}
		fn := strings.TrimPrefix(target.Resource, "function:")
		fn, _, _ = strings.Cut(fn, ":")
		err := s.links.InvokeFunction(ctx, emu.Scope{Account: target.Account, Region: target.Region}, fn, input)
		if errors.Is(err, ErrNoFunction) {
			return &failure{code: "ResourceNotFoundException", message: "Function not found: " + sc.target.Arn}, nil
		}
		return nil, err
	case "sqs":
		if !allows(policies, "sqs:SendMessage", sc.target.Arn) {
			return denied(sc, "sqs:SendMessage"), nil
		}
		group := ""
		if sc.target.SqsParameters != nil {
			group = sc.target.SqsParameters.MessageGroupId
		}
		return s.send(ctx, target.Resource, group, string(input), nil), nil
	}
	return nil, errNotEmulated(sc.target.Arn)
}

// errNotEmulated is a target the local AWS does not invoke: not an AWS
// error, so nothing is dead-lettered for it.
func errNotEmulated(target string) error {
	return fmt.Errorf("the local AWS's Scheduler invokes Lambda functions and SQS queues only, not %s", target)
}

// assumeRole checks that Scheduler may assume the execution role for sc
// and returns the role's permission policies.
func (s *Scheduler) assumeRole(sc *schedule) ([]string, *failure) {
	role := emu.ParseARN(sc.target.RoleArn)
	name := role.Resource[strings.LastIndexByte(role.Resource, '/')+1:]
	trust, policies, err := s.links.Role(role.Account, name)
	if err != nil || !trusts(trust, "scheduler.amazonaws.com", map[string]string{
		"aws:SourceAccount": sc.scope.Account, "aws:SourceArn": groupARN(sc.scope, sc.group),
	}) {
		return nil, &failure{code: "AccessDenied", message: fmt.Sprintf("scheduler.amazonaws.com is not authorized to perform: sts:AssumeRole on resource: %s", sc.target.RoleArn)}
	}
	return policies, nil
}

func denied(sc *schedule, action string) *failure {
	role := emu.ParseARN(sc.target.RoleArn)
	session := fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/%s", role.Account, role.Resource[strings.LastIndexByte(role.Resource, '/')+1:], "scheduler")
	return &failure{code: "AccessDeniedException", message: fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s because no identity-based policy allows the %s action", session, action, sc.target.Arn, action)}
}

// send sends body to kumo's queue named queue.
func (s *Scheduler) send(ctx context.Context, queue, group, body string, attrs map[string]sqstypes.MessageAttributeValue) *failure {
	url, err := s.sqs.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(queue)})
	if err != nil {
		return &failure{code: "ResourceNotFoundException", message: fmt.Sprintf("queue %s: %v", queue, err)}
	}
	in := &sqs.SendMessageInput{QueueUrl: url.QueueUrl, MessageBody: aws.String(body), MessageAttributes: attrs}
	if group != "" {
		in.MessageGroupId, in.MessageDeduplicationId = aws.String(group), aws.String(uuid.NewString())
	}
	if _, err := s.sqs.SendMessage(ctx, in); err != nil {
		return &failure{code: "InternalServerException", message: err.Error(), retryable: true}
	}
	return nil
}

// deadLetter sends the dead-letter event to the schedule's dead-letter
// queue, as the execution role (which needs sqs:SendMessage on it): the
// target's input as the body and, as message attributes, the error and
// the invocation — ERROR_CODE, ERROR_MESSAGE, EXECUTION_ID,
// EXHAUSTED_RETRY_CONDITION (only when a retry limit ended it),
// IS_PAYLOAD_TRUNCATED, RETRY_ATTEMPTS, SCHEDULED_TIME, SCHEDULE_ARN and
// TARGET_ARN, per "Retrieve the dead-letter event" in
// https://docs.aws.amazon.com/scheduler/latest/UserGuide/configuring-schedule-dlq.html.
// It reports whether the event reached the queue.
func (s *Scheduler) deadLetter(ctx context.Context, sc *schedule, at time.Time, f *failure, exhausted string, retries int) bool {
	dlq := sc.target.DeadLetterConfig
	if dlq == nil {
		slog.Warn("awsemu: scheduler invocation failed, no dead-letter queue", "schedule", sc.arn(), "code", f.code)
		return false
	}
	policies, roleFailure := s.assumeRole(sc)
	if roleFailure != nil || !allows(policies, "sqs:SendMessage", dlq.Arn) {
		slog.Warn("awsemu: scheduler dead-letter event lost: the execution role may not send to the queue", "schedule", sc.arn(), "queue", dlq.Arn)
		return false
	}
	str := func(v string) sqstypes.MessageAttributeValue {
		return sqstypes.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
	}
	attrs := map[string]sqstypes.MessageAttributeValue{
		"ERROR_CODE":           str(f.code),
		"ERROR_MESSAGE":        str(f.message),
		"EXECUTION_ID":         str(uuid.NewString()),
		"IS_PAYLOAD_TRUNCATED": str("false"),
		"RETRY_ATTEMPTS":       str(strconv.Itoa(retries)),
		"SCHEDULED_TIME":       str(at.UTC().Format(time.RFC3339)),
		"SCHEDULE_ARN":         str(sc.arn()),
		"TARGET_ARN":           str(sc.target.Arn),
	}
	if exhausted != "" {
		attrs["EXHAUSTED_RETRY_CONDITION"] = str(exhausted)
	}
	body := sc.target.Input
	if body == "" {
		body = "{}"
	}
	if lost := s.send(ctx, emu.ParseARN(dlq.Arn).Resource, "", body, attrs); lost != nil {
		slog.Warn("awsemu: scheduler dead-letter event lost", "schedule", sc.arn(), "queue", dlq.Arn, "error", lost.message)
		return false
	}
	return true
}
