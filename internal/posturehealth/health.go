// Package posturehealth reads whether the scheduled posture auditor runs:
// its stack, its EventBridge Scheduler schedule (expression, state, next
// fire), the age of the last published run against the schedule's period,
// and the schedule's dead-letter queue. `posture status` and `alert status`
// report it. (It is not part of alertstatus: the runs' store depends on the
// audit, which depends on alertstatus.)
package posturehealth

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/awserr"
	"github.com/rootguard/rootguard/internal/queuedepth"
	"github.com/rootguard/rootguard/internal/runstore"
	"github.com/rootguard/rootguard/internal/schedule"
	"github.com/rootguard/rootguard/internal/stack"
)

// ScheduleAPI reads the posture auditor's schedule.
type ScheduleAPI interface {
	GetSchedule(ctx context.Context, in *scheduler.GetScheduleInput, optFns ...func(*scheduler.Options)) (*scheduler.GetScheduleOutput, error)
}

// RunsAPI reads the posture runs' latest pointer.
type RunsAPI interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// StacksAPI reads the posture stack.
type StacksAPI interface {
	DescribeStacks(ctx context.Context, in *cloudformation.DescribeStacksInput, optFns ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error)
}

// QueueAPI reads the depth of the schedule's dead-letter queue.
type QueueAPI interface {
	GetQueueUrl(ctx context.Context, in *sqs.GetQueueUrlInput, optFns ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error)
	GetQueueAttributes(ctx context.Context, in *sqs.GetQueueAttributesInput, optFns ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error)
}

var (
	_ ScheduleAPI = (*scheduler.Client)(nil)
	_ RunsAPI     = (*s3.Client)(nil)
	_ StacksAPI   = (*cloudformation.Client)(nil)
	_ QueueAPI    = (*sqs.Client)(nil)
)

// Clients read the scheduled auditor's deployment in the home
// Region.
type Clients struct {
	Account   string
	Region    string
	Stacks    StacksAPI
	Scheduler ScheduleAPI
	Runs      RunsAPI
	SQS       QueueAPI
}

// Health is the health of the scheduled posture auditor.
type Health struct {
	// Deployed: the posture stack exists (`posture deploy`); nothing
	// else is read without it, and nothing about it is a problem.
	Deployed    bool
	Stack       string
	StackStatus string
	// DeployedAt is when the stack was created: a schedule younger than
	// two periods may not have run yet.
	DeployedAt time.Time

	Schedule ScheduleState
	// Period is the longest the schedule leaves between two fires, 0 when
	// it cannot be computed (cron with L, W or #); Next is the next fire,
	// zero when it cannot be computed honestly (every rate(), whose fires
	// count from when Scheduler created the schedule).
	Period time.Duration
	Next   time.Time

	// LastRun is the last published run ("" when none), LastRunAt when
	// it started.
	LastRun   string
	LastRunAt time.Time
	// DLQ is the schedule's dead-letter queue: invocations it could not
	// make, and runs that failed after Lambda's retries.
	DLQ Queue

	Problems []string
	Warnings []string
}

// ScheduleState is the deployed schedule as EventBridge Scheduler has it.
type ScheduleState struct {
	Name       string
	Exists     bool
	Expression string
	Timezone   string
	State      string
}

// staleAfter is how many periods may pass without a run before the
// auditor counts as not running: one missed fire can be a retry in
// progress, two are not.
const staleAfter = 2

// Read reads the posture auditor named by names: its stack, its
// schedule, the last published run and the schedule's dead-letter queue.
func Read(ctx context.Context, c Clients, names stack.Names, now time.Time) (Health, error) {
	p := Health{Stack: names.PostureStack(), Schedule: ScheduleState{Name: names.PostureSchedule()}, DLQ: Queue{Name: names.PostureDeadLetterQueue()}}
	out, err := c.Stacks.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(p.Stack)})
	if awserr.Code(err) == "ValidationError" && strings.Contains(awserr.Classify(err).Message, "does not exist") {
		return p, nil
	}
	if err != nil {
		return p, fmt.Errorf("describe stack %s: %w", p.Stack, err)
	}
	if len(out.Stacks) == 0 || out.Stacks[0].StackStatus == "DELETE_COMPLETE" {
		return p, nil
	}
	st := out.Stacks[0]
	p.Deployed, p.StackStatus, p.DeployedAt = true, string(st.StackStatus), aws.ToTime(st.CreationTime)
	if err := p.readSchedule(ctx, c.Scheduler, now); err != nil {
		return p, err
	}
	store := &runstore.Store{S3: c.Runs, Bucket: names.ArtifactBucket(c.Account, c.Region)}
	ptr, err := store.LatestPointer(ctx)
	if err != nil {
		return p, fmt.Errorf("read the last posture run: %w", err)
	}
	if ptr != nil {
		p.LastRun, p.LastRunAt = ptr.RunID, ptr.StartedAt
	}
	if p.DLQ, err = readQueue(ctx, c.SQS, p.DLQ.Name); err != nil {
		return p, err
	}
	p.judge(names, now)
	return p, nil
}

func (p *Health) readSchedule(ctx context.Context, api ScheduleAPI, now time.Time) error {
	out, err := api.GetSchedule(ctx, &scheduler.GetScheduleInput{Name: aws.String(p.Schedule.Name), GroupName: aws.String("default")})
	if awserr.Code(err) == "ResourceNotFoundException" {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read schedule %s: %w", p.Schedule.Name, err)
	}
	p.Schedule.Exists = true
	p.Schedule.Expression, p.Schedule.Timezone, p.Schedule.State = aws.ToString(out.ScheduleExpression), aws.ToString(out.ScheduleExpressionTimezone), string(out.State)
	e, err := schedule.Parse(p.Schedule.Expression)
	if err != nil {
		return nil // judged a problem: an expression rootguard cannot read
	}
	loc := time.UTC
	if p.Schedule.Timezone != "" {
		if loc, err = time.LoadLocation(p.Schedule.Timezone); err != nil {
			return nil
		}
	}
	p.Period, _ = e.Period(now, loc)
	if next, ok := e.Next(now, loc); ok {
		p.Next = next
	}
	return nil
}

// judge turns what was read into problems (the auditor does not run, or
// its runs are not known to happen) and warnings.
func (p *Health) judge(names stack.Names, now time.Time) {
	if !strings.HasSuffix(p.StackStatus, "_COMPLETE") || strings.Contains(p.StackStatus, "ROLLBACK") && p.StackStatus != "UPDATE_ROLLBACK_COMPLETE" {
		p.Problems = append(p.Problems, fmt.Sprintf("posture stack %s is %s: run `rootguard posture deploy` again", p.Stack, p.StackStatus))
	}
	switch {
	case !p.Schedule.Exists:
		p.Problems = append(p.Problems, "posture schedule "+p.Schedule.Name+" does not exist: nothing runs the auditor (`rootguard posture deploy`)")
		return
	case p.Schedule.State != "ENABLED":
		p.Problems = append(p.Problems, fmt.Sprintf("posture schedule %s is %s: the auditor does not run", p.Schedule.Name, p.Schedule.State))
	}
	if _, err := schedule.Parse(p.Schedule.Expression); err != nil {
		p.Problems = append(p.Problems, fmt.Sprintf("posture schedule %s: %v", p.Schedule.Name, err))
		return
	}
	if !p.DLQ.Exists {
		p.Problems = append(p.Problems, "the posture schedule's dead-letter queue "+p.DLQ.Name+" does not exist: an invocation it cannot make would be lost")
	} else if p.DLQ.Visible > 0 {
		p.Problems = append(p.Problems, fmt.Sprintf("%d scheduled posture runs failed or could not be started (in %s; each message says why)", p.DLQ.Visible, p.DLQ.Name))
	}
	if p.Period == 0 {
		p.Warnings = append(p.Warnings, fmt.Sprintf("the period of %s is not computed (L, W or #): whether the last posture run is overdue is not judged", p.Schedule.Expression))
		return
	}
	limit := staleAfter * p.Period
	switch {
	case p.LastRun != "" && now.Sub(p.LastRunAt) > limit:
		p.Problems = append(p.Problems, fmt.Sprintf("the last posture run (%s) started %s ago, more than %d periods of %s: the auditor is not running (see log group %s)",
			p.LastRun, now.Sub(p.LastRunAt).Round(time.Minute), staleAfter, p.Schedule.Expression, names.PostureLogGroup()))
	case p.LastRun == "" && now.Sub(p.DeployedAt) > limit:
		p.Problems = append(p.Problems, fmt.Sprintf("no posture run published since the auditor was deployed %s ago (%d periods of %s: see log group %s)",
			now.Sub(p.DeployedAt).Round(time.Minute), staleAfter, p.Schedule.Expression, names.PostureLogGroup()))
	case p.LastRun == "":
		p.Warnings = append(p.Warnings, "no posture run published yet: the schedule has not fired, or run it now with `rootguard posture test`")
	}
}

// Queue is a queue's depth.
type Queue struct {
	Name    string
	Exists  bool
	Visible int
}

func readQueue(ctx context.Context, api QueueAPI, name string) (Queue, error) {
	q := Queue{Name: name}
	url, err := api.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
	if queuedepth.NoQueue(err) {
		return q, nil
	}
	if err != nil {
		return q, fmt.Errorf("find queue %s: %w", name, err)
	}
	out, err := api.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: url.QueueUrl,
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages}})
	if err != nil {
		return q, fmt.Errorf("read depth of queue %s: %w", name, err)
	}
	q.Exists = true
	if q.Visible, err = queuedepth.Count(out.Attributes, sqstypes.QueueAttributeNameApproximateNumberOfMessages); err != nil {
		return q, fmt.Errorf("read depth of queue %s: %w", name, err)
	}
	return q, nil
}

// NewClients builds the clients of the caller's account, in the partition's
// home Region where the auditor lives.
func NewClients(caller *account.Session) Clients {
	home := caller.Home()
	return Clients{
		Account: caller.AccountID, Region: home.Region,
		Stacks: cloudformation.NewFromConfig(home), Scheduler: scheduler.NewFromConfig(home),
		Runs: s3.NewFromConfig(home), SQS: sqs.NewFromConfig(home),
	}
}
