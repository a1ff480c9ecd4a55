package posturehealth

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	schedtypes "github.com/aws/aws-sdk-go-v2/service/scheduler/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go"

	"github.com/rootguard/rootguard/internal/stack"
)

var now = time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)

// world is the posture deployment as the fakes answer it.
type world struct {
	stack   string // "" when not deployed
	created time.Time
	expr    string // "" when the schedule is missing
	state   string
	lastRun time.Time
	dlq     int
	noDLQ   bool
}

func (w *world) DescribeStacks(context.Context, *cloudformation.DescribeStacksInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error) {
	if w.stack == "" {
		return nil, &smithy.GenericAPIError{Code: "ValidationError", Message: "Stack with id rootguard-posture does not exist"}
	}
	return &cloudformation.DescribeStacksOutput{Stacks: []cfntypes.Stack{{StackStatus: cfntypes.StackStatus(w.stack), CreationTime: &w.created}}}, nil
}

func (w *world) GetSchedule(context.Context, *scheduler.GetScheduleInput, ...func(*scheduler.Options)) (*scheduler.GetScheduleOutput, error) {
	if w.expr == "" {
		return nil, &smithy.GenericAPIError{Code: "ResourceNotFoundException"}
	}
	return &scheduler.GetScheduleOutput{ScheduleExpression: &w.expr, State: schedtypes.ScheduleState(w.state)}, nil
}

func (w *world) GetObject(context.Context, *s3.GetObjectInput, ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	if w.lastRun.IsZero() {
		return nil, &s3types.NoSuchKey{}
	}
	body, _ := json.Marshal(map[string]any{"schema_version": "rootguard.posture-latest/v1", "run_id": "r1", "key": "posture/runs/r1.json", "started_at": w.lastRun})
	return &s3.GetObjectOutput{Body: io.NopCloser(bytes.NewReader(body)), ETag: aws.String(`"e"`)}, nil
}

func (w *world) PutObject(context.Context, *s3.PutObjectInput, ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	panic("status writes nothing")
}

func (w *world) GetQueueUrl(context.Context, *sqs.GetQueueUrlInput, ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error) {
	if w.noDLQ {
		return nil, &smithy.GenericAPIError{Code: "AWS.SimpleQueueService.NonExistentQueue"}
	}
	return &sqs.GetQueueUrlOutput{QueueUrl: aws.String("https://q")}, nil
}

func (w *world) GetQueueAttributes(context.Context, *sqs.GetQueueAttributesInput, ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error) {
	return &sqs.GetQueueAttributesOutput{Attributes: map[string]string{"ApproximateNumberOfMessages": string(rune('0' + w.dlq))}}, nil
}

func read(t *testing.T, w *world) Health {
	t.Helper()
	h, err := Read(t.Context(), Clients{Account: "111122223333", Region: "us-east-1", Stacks: w, Scheduler: w, Runs: w, SQS: w}, stack.Names{Prefix: "rootguard"}, now)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestHealth(t *testing.T) {
	daily := func() *world {
		return &world{stack: "CREATE_COMPLETE", created: now.AddDate(0, 0, -30), expr: "rate(1 day)", state: "ENABLED", lastRun: now.Add(-20 * time.Hour)}
	}
	for _, c := range []struct {
		name     string
		change   func(*world)
		problem  string // "" for none
		warning  string
		deployed bool
	}{
		{name: "not deployed is no problem", change: func(w *world) { w.stack = "" }},
		{name: "a run within the period", change: func(*world) {}, deployed: true},
		{name: "a run 1.5 periods old is a retry away, not a gap", change: func(w *world) { w.lastRun = now.Add(-36 * time.Hour) }, deployed: true},
		{name: "older than two periods", change: func(w *world) { w.lastRun = now.Add(-49 * time.Hour) }, problem: "more than 2 periods of rate(1 day)", deployed: true},
		{name: "never ran, deployed long ago", change: func(w *world) { w.lastRun = time.Time{} }, problem: "no posture run published since the auditor was deployed", deployed: true},
		{name: "never ran, just deployed", change: func(w *world) { w.lastRun, w.created = time.Time{}, now.Add(-time.Hour) }, warning: "no posture run published yet", deployed: true},
		{name: "disabled", change: func(w *world) { w.state = "DISABLED" }, problem: "is DISABLED", deployed: true},
		{name: "schedule gone", change: func(w *world) { w.expr = "" }, problem: "does not exist: nothing runs the auditor", deployed: true},
		{name: "dead letters", change: func(w *world) { w.dlq = 2 }, problem: "2 scheduled posture runs failed or could not be started", deployed: true},
		{name: "no dead-letter queue", change: func(w *world) { w.noDLQ = true }, problem: "dead-letter queue rootguard-posture-dlq does not exist", deployed: true},
		{name: "failed stack", change: func(w *world) { w.stack = "UPDATE_ROLLBACK_FAILED" }, problem: "posture stack rootguard-posture is UPDATE_ROLLBACK_FAILED", deployed: true},
		{name: "weekday cron: Monday morning after a Friday run is on time", change: func(w *world) {
			w.expr, w.lastRun = "cron(0 6 ? * MON-FRI *)", now.Add(-52*time.Hour)
		}, deployed: true},
		{name: "cron with L: staleness not judged", change: func(w *world) { w.expr = "cron(0 6 L * ? *)"; w.lastRun = now.AddDate(0, -3, 0) }, warning: "is not computed", deployed: true},
	} {
		w := daily()
		c.change(w)
		h := read(t, w)
		if h.Deployed != c.deployed {
			t.Errorf("%s: deployed = %t", c.name, h.Deployed)
		}
		problems, warnings := strings.Join(h.Problems, "\n"), strings.Join(h.Warnings, "\n")
		if c.problem == "" && problems != "" || !strings.Contains(problems, c.problem) {
			t.Errorf("%s: problems = %q, want %q", c.name, problems, c.problem)
		}
		if c.warning != "" && !strings.Contains(warnings, c.warning) {
			t.Errorf("%s: warnings = %q, want %q", c.name, warnings, c.warning)
		}
	}
	cron := daily()
	cron.expr = "cron(0 6 * * ? *)"
	if h := read(t, cron); !h.Next.Equal(time.Date(2026, 12, 4, 6, 0, 0, 0, time.UTC)) || h.Period != 24*time.Hour {
		t.Errorf("cron: next %v, period %v", h.Next, h.Period)
	}
	if h := read(t, daily()); !h.Next.IsZero() || h.Period != 24*time.Hour {
		t.Errorf("rate: next %v (a rate's next fire is not known from its expression), period %v", h.Next, h.Period)
	}
}
