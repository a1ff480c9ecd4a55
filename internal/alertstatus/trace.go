package alertstatus

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/rootguard/rootguard/internal/clock"
	"github.com/rootguard/rootguard/internal/stack"
)

// PutAPI puts the test event on the default bus.
type PutAPI interface {
	PutEvents(ctx context.Context, in *eventbridge.PutEventsInput, optFns ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error)
}

var _ PutAPI = (*eventbridge.Client)(nil)

// Stage is how far a test event got.
type Stage string

// The stages a test event stops at, in pipeline order.
const (
	StageRule     Stage = "rule"     // the rule is missing, disabled or does not match
	StageQueue    Stage = "queue"    // waiting in the queue: the function is not consuming it
	StageDLQ      Stage = "dlq"      // dead-lettered
	StageFunction Stage = "function" // the function failed without a Slack answer
	StageSlack    Stage = "slack"    // Slack refused the post
	StagePosted   Stage = "posted"   // Slack accepted the post
	StageUnknown  Stage = "unknown"  // nothing seen anywhere within the wait
)

// TestResult is the outcome of a test event.
type TestResult struct {
	EventID string
	Stage   Stage
	Line    LogLine // the function's line about the event, if any
	Detail  string
}

// SendTest puts a rootguard.test event on the default bus in us-east-1 and
// follows it to the function's log line for its event ID, for at most wait.
// When no line arrives it says where the event stopped.
func SendTest(ctx context.Context, put PutAPI, c Clients, names stack.Names, wait, poll time.Duration, now func() time.Time) (TestResult, error) {
	started := now().Add(-time.Second) // log timestamps are the function's clock
	detail, _ := json.Marshal(map[string]string{"message": "rootguard alert test at " + started.UTC().Format(time.RFC3339)})
	out, err := put.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
		Source: aws.String(stack.TestSource), DetailType: aws.String(stack.TestDetailType), Detail: aws.String(string(detail)),
	}}})
	if err != nil {
		return TestResult{}, fmt.Errorf("put the test event: %w", err)
	}
	if out.FailedEntryCount > 0 || len(out.Entries) != 1 {
		why := fmt.Sprintf("%d entries in its answer for 1 event", len(out.Entries))
		if len(out.Entries) > 0 {
			why = aws.ToString(out.Entries[0].ErrorCode) + " " + aws.ToString(out.Entries[0].ErrorMessage)
		}
		return TestResult{}, fmt.Errorf("put the test event: EventBridge refused it: %s", strings.TrimSpace(why))
	}
	r := TestResult{EventID: aws.ToString(out.Entries[0].EventId)}

	deadline := time.Now().Add(wait)
	for {
		lines, err := FunctionLines(ctx, c.Logs, names.LogGroup(), r.EventID, started, now().Add(time.Minute))
		if err != nil {
			return r, err
		}
		for _, l := range lines {
			switch l.Msg {
			case "alert posted":
				r.Stage, r.Line = StagePosted, l
				return r, nil
			case "alert not posted":
				r.Stage, r.Line = StageSlack, l
				r.Detail = fmt.Sprintf("Slack answered HTTP %d %s", l.HTTPStatus, l.SlackCode)
				if l.HTTPStatus == 0 {
					r.Stage, r.Detail = StageFunction, l.Error
				}
				return r, nil
			}
		}
		if time.Now().After(deadline) {
			break
		}
		if err := clock.Sleep(ctx, poll); err != nil {
			return r, err
		}
	}
	return r, diagnose(ctx, c, names, started, now(), &r)
}

// diagnose finds where an event without a log line stopped.
func diagnose(ctx context.Context, c Clients, names stack.Names, from, to time.Time, r *TestResult) error {
	rule, err := readRule(ctx, c.Events, names.Rule(), "000000000000")
	if err != nil {
		return err
	}
	if !rule.Exists || rule.State == string(ebtypes.RuleStateDisabled) || rule.Targets == 0 {
		r.Stage, r.Detail = StageRule, fmt.Sprintf("rule %s: exists %t, state %q, targets %d", rule.Name, rule.Exists, rule.State, rule.Targets)
		return nil
	}
	dlq, err := readQueue(ctx, c.SQS, names.DeadLetterQueue())
	if err != nil {
		return err
	}
	queue, err := readQueue(ctx, c.SQS, names.Queue())
	if err != nil {
		return err
	}
	d, err := ReadDeliveries(ctx, c.Logs, names.LogGroup(), from, to)
	if err != nil {
		return err
	}
	switch {
	case d.Errors > 0:
		r.Stage, r.Detail = StageFunction, fmt.Sprintf("the function logged %d errors, the last: %s", d.Errors, d.LastError)
	case dlq.Visible > 0:
		r.Stage, r.Detail = StageDLQ, fmt.Sprintf("%d messages in %s", dlq.Visible, dlq.Name)
	case queue.Visible+queue.InFlight > 0:
		r.Stage, r.Detail = StageQueue, fmt.Sprintf("%d messages waiting and %d in flight in %s: the function is not consuming them", queue.Visible, queue.InFlight, queue.Name)
	default:
		r.Stage, r.Detail = StageUnknown, "no trace of the event in the queue, the dead-letter queue or the function's log"
	}
	return nil
}
