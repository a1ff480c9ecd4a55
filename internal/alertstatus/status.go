package alertstatus

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/awserr"
	"github.com/rootguard/rootguard/internal/eventpath"
	"github.com/rootguard/rootguard/internal/queuedepth"
	"github.com/rootguard/rootguard/internal/stack"
)

// RuleAPI adds reading one rule to the rule evaluation's EventBridge surface.
type RuleAPI interface {
	eventpath.EventsAPI
	DescribeRule(ctx context.Context, in *eventbridge.DescribeRuleInput, optFns ...func(*eventbridge.Options)) (*eventbridge.DescribeRuleOutput, error)
}

// LambdaAPI reads the function's state.
type LambdaAPI interface {
	GetFunctionConfiguration(ctx context.Context, in *lambda.GetFunctionConfigurationInput, optFns ...func(*lambda.Options)) (*lambda.GetFunctionConfigurationOutput, error)
	ListEventSourceMappings(ctx context.Context, in *lambda.ListEventSourceMappingsInput, optFns ...func(*lambda.Options)) (*lambda.ListEventSourceMappingsOutput, error)
}

// QueueAPI reads queue depths.
type QueueAPI interface {
	GetQueueUrl(ctx context.Context, in *sqs.GetQueueUrlInput, optFns ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error)
	GetQueueAttributes(ctx context.Context, in *sqs.GetQueueAttributesInput, optFns ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error)
}

var (
	_ RuleAPI   = (*eventbridge.Client)(nil)
	_ LambdaAPI = (*lambda.Client)(nil)
	_ QueueAPI  = (*sqs.Client)(nil)
	_ LogsAPI   = (*cloudwatchlogs.Client)(nil)
)

// Clients are the clients Read uses: in the partition's home Region but for
// Stacks and RegionEvents, which give a region's (the hub stack is in the
// home Region, its forwarders elsewhere).
type Clients struct {
	// Partition is the account's partition (default aws): it names the
	// home Region and the ARNs the forwarders must target.
	Partition account.Partition
	// Account is the caller's account (account.Session.AccountID): the
	// rule's sample event and the forwarders' targets name it.
	Account      string
	Events       RuleAPI
	Trails       eventpath.TrailsAPI
	Lambda       LambdaAPI
	Logs         LogsAPI
	SQS          QueueAPI
	Metrics      MetricsAPI
	IAM          RoleAPI
	SNS          SubscriptionsAPI
	Stacks       func(region string) StacksAPI
	RegionEvents func(region string) ForwardRuleAPI
	// Regions lists the Regions enabled in the account (account:ListRegions):
	// each one without a forwarder is a gap. NewClients sets it; nil (a
	// test's hand-built Clients) leaves the Regions unchecked.
	Regions eventpath.RegionsAPI
}

// Report is the state of the pipeline in one account.
type Report struct {
	Account string            `json:"account"`
	Trails  []eventpath.Trail `json:"-"`
	Rule    RuleState
	// Function is rootguard's alert function; Deliveries what its log
	// group says about the Window before the report.
	Function   FunctionState
	Deliveries Deliveries
	Queue      QueueState
	DLQ        QueueState
	// Forwarders are those of the regions the hub stack holds a forwarding
	// role for; AlarmEmails the e-mail subscriptions of its alarm topic.
	Forwarders  []Forwarder
	AlarmEmails []AlarmEmail
	// Enabled are the Regions enabled in the account (nil when Clients
	// has no Regions).
	Enabled []string
	// Problems keep alerts from arriving; Warnings do not.
	Problems []string
	Warnings []string

	partition account.Partition
}

func (c Clients) partition() account.Partition {
	if c.Partition.ID == "" {
		return account.AWS
	}
	return c.Partition
}

// RuleState is rootguard's rule in us-east-1.
type RuleState struct {
	Name           string
	Exists         bool
	State          string
	MatchesRootLog bool // its pattern matches a root ConsoleLogin, per TestEventPattern
	Targets        int
}

// FunctionState is the alert function's configuration state.
type FunctionState struct {
	Name             string
	Exists           bool
	State            string
	LastUpdateStatus string
	// Mapping is the state of the event source mapping that feeds the
	// function from the alert queue ("" when there is none): only Enabled
	// consumes (Lambda: Creating, Enabling, Enabled, Disabling, Disabled,
	// Updating, Deleting), with its StateTransitionReason.
	Mapping       string
	MappingReason string
	// Timeout is the function's timeout.
	Timeout time.Duration
}

// Deliveries is what the function logged in the window.
type Deliveries struct {
	Window       time.Duration
	LastPosted   time.Time // the last `alert posted` line; zero if none
	Posted       int
	Errors       int // ERROR lines and runtime crashes
	LastError    string
	LogGroupRead bool
	// StartFailures are the times the function could not start (an
	// INIT_REPORT with Status: error); StartError names the last one and
	// LastStartFailure says when.
	StartFailures    int
	StartError       string
	LastStartFailure time.Time
}

// QueueState is a queue's depth.
type QueueState struct {
	Name     string
	Exists   bool
	Visible  int // ApproximateNumberOfMessages
	InFlight int
	// VisibilityTimeout and Age are read for the alert queue only.
	VisibilityTimeout time.Duration
	Age               QueueAge
}

// Window is how far back Read looks at the function's log group.
const Window = 24 * time.Hour

// Read reads the pipeline named by names. Unreadable parts are errors:
// a status that guesses is worse than none.
func Read(ctx context.Context, c Clients, names stack.Names, now time.Time) (Report, error) {
	r := Report{Account: c.Account, partition: c.partition()}
	var wg sync.WaitGroup
	errs := make([]error, 8)
	wg.Go(func() { r.Trails, errs[0] = eventpath.Trails(ctx, c.Trails, r.partition.HomeRegion) })
	wg.Go(func() { r.Rule, errs[1] = readRule(ctx, c.Events, names.Rule(), r.Account) })
	wg.Go(func() { r.Function, errs[2] = readFunction(ctx, c.Lambda, names.Function(), names.Queue()) })
	wg.Go(func() { r.Deliveries, errs[3] = ReadDeliveries(ctx, c.Logs, names.LogGroup(), now.Add(-Window), now) })
	wg.Go(func() {
		if r.Queue, errs[4] = readQueue(ctx, c.SQS, names.Queue()); errs[4] == nil && r.Queue.Exists {
			r.Queue.Age, errs[4] = readQueueAge(ctx, c.Metrics, names.Queue(), now)
		}
	})
	wg.Go(func() { r.DLQ, errs[5] = readQueue(ctx, c.SQS, names.DeadLetterQueue()) })
	wg.Go(func() { errs[6] = r.readDeployment(ctx, c, names) })
	if c.Regions != nil {
		wg.Go(func() { r.Enabled, errs[7] = eventpath.EnabledRegions(ctx, c.Regions) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return r, err
		}
	}
	r.Problems = append(append(r.problems(), r.forwarderProblems(names)...), r.regionProblems(names)...)
	r.Warnings = r.alarmWarnings()
	if p, w := r.stuckInFlight(); p != "" {
		r.Problems = append(r.Problems, p)
	} else if w != "" {
		r.Warnings = append(r.Warnings, w)
	}
	return r, nil
}

// readDeployment reads what the hub stack records and checks it: each
// forwarder and the alarm topic's e-mail subscriptions.
func (r *Report) readDeployment(ctx context.Context, c Clients, names stack.Names) error {
	d, err := readDeployment(ctx, c.Stacks(r.partition.HomeRegion), names)
	if err != nil {
		return err
	}
	if r.Forwarders, err = readForwarders(ctx, c, names, r.Account, d.regions); err != nil {
		return err
	}
	if d.alarmTopic != "" {
		r.AlarmEmails, err = readAlarmEmails(ctx, c.SNS, d.alarmTopic)
	}
	return err
}

func (r Report) problems() []string {
	var p []string
	recording := false
	for _, t := range r.Trails {
		recording = recording || t.Records()
	}
	if !recording {
		p = append(p, "no logging trail records root sign-ins into "+r.partition.HomeRegion)
	}
	switch {
	case !r.Rule.Exists:
		p = append(p, "rule "+r.Rule.Name+" does not exist")
	case r.Rule.State == string(ebtypes.RuleStateDisabled):
		p = append(p, "rule "+r.Rule.Name+" is disabled")
	case !r.Rule.MatchesRootLog:
		p = append(p, "rule "+r.Rule.Name+" does not match a root ConsoleLogin")
	case r.Rule.Targets == 0:
		p = append(p, "rule "+r.Rule.Name+" has no target")
	}
	switch {
	case !r.Function.Exists:
		p = append(p, "function "+r.Function.Name+" does not exist")
	case r.Function.State != "Active":
		p = append(p, "function "+r.Function.Name+" is "+r.Function.State)
	case r.Function.LastUpdateStatus == "Failed":
		p = append(p, "function "+r.Function.Name+"'s last update failed")
	case r.Function.Mapping == "":
		p = append(p, "no event source mapping feeds function "+r.Function.Name+" from queue "+r.Queue.Name+": alerts stay in the queue")
	case r.Function.Mapping != "Enabled":
		why := ""
		if r.Function.MappingReason != "" {
			why = " (" + r.Function.MappingReason + ")"
		}
		p = append(p, "the event source mapping from queue "+r.Queue.Name+" to function "+r.Function.Name+" is "+r.Function.Mapping+why+": alerts stay in the queue")
	}
	// A function that cannot start delivers nothing, however healthy its
	// configuration reads; a start failure after the last post says it is
	// still broken.
	if d := r.Deliveries; d.StartFailures > 0 && d.LastStartFailure.After(d.LastPosted) {
		p = append(p, fmt.Sprintf("function %s cannot start (%s, %d times in the last %s): no alert reaches Slack", r.Function.Name, d.StartError, d.StartFailures, d.Window))
	}
	if r.Deliveries.Errors > 0 {
		p = append(p, fmt.Sprintf("the function logged %d errors in the last %s", r.Deliveries.Errors, r.Deliveries.Window))
	}
	if !r.DLQ.Exists {
		p = append(p, "dead-letter queue "+r.DLQ.Name+" does not exist")
	} else if r.DLQ.Visible > 0 {
		p = append(p, fmt.Sprintf("%d undelivered alerts in %s (fix the webhook, then `rootguard alert redrive`)", r.DLQ.Visible, r.DLQ.Name))
	}
	return p
}

func readRule(ctx context.Context, api RuleAPI, name, account string) (RuleState, error) {
	st := RuleState{Name: name}
	out, err := api.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String(name)})
	if awserr.Code(err) == "ResourceNotFoundException" {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("describe rule %s: %w", name, err)
	}
	st.Exists, st.State = true, string(out.State)
	if aws.ToString(out.EventPattern) == "" {
		return st, nil
	}
	test, err := api.TestEventPattern(ctx, &eventbridge.TestEventPatternInput{EventPattern: out.EventPattern, Event: aws.String(eventpath.SampleRootSignIn(account))})
	if err != nil {
		return st, fmt.Errorf("test pattern of rule %s: %w", name, err)
	}
	st.MatchesRootLog = test.Result
	st.Targets, err = eventpath.CountTargets(ctx, api, aws.String(name))
	return st, err
}

func readFunction(ctx context.Context, api LambdaAPI, name, queue string) (FunctionState, error) {
	st := FunctionState{Name: name}
	out, err := api.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(name)})
	if awserr.Code(err) == "ResourceNotFoundException" {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("read function %s: %w", name, err)
	}
	st.Exists, st.State, st.LastUpdateStatus = true, string(out.State), string(out.LastUpdateStatus)
	st.Timeout = time.Duration(aws.ToInt32(out.Timeout)) * time.Second
	pages := lambda.NewListEventSourceMappingsPaginator(api, &lambda.ListEventSourceMappingsInput{FunctionName: aws.String(name)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return st, fmt.Errorf("list event source mappings of %s: %w", name, err)
		}
		for _, m := range page.EventSourceMappings {
			if a, err := arn.Parse(aws.ToString(m.EventSourceArn)); err == nil && a.Service == "sqs" && a.Resource == queue {
				st.Mapping, st.MappingReason = aws.ToString(m.State), aws.ToString(m.StateTransitionReason)
			}
		}
	}
	return st, nil
}

func readQueue(ctx context.Context, api QueueAPI, name string) (QueueState, error) {
	st := QueueState{Name: name}
	url, err := api.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
	if queuedepth.NoQueue(err) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("find queue %s: %w", name, err)
	}
	out, err := api.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: url.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{
		sqstypes.QueueAttributeNameApproximateNumberOfMessages, sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
		sqstypes.QueueAttributeNameVisibilityTimeout,
	}})
	if err != nil {
		return st, fmt.Errorf("read depth of queue %s: %w", name, err)
	}
	st.Exists = true
	for _, a := range []struct {
		name sqstypes.QueueAttributeName
		into *int
	}{
		{sqstypes.QueueAttributeNameApproximateNumberOfMessages, &st.Visible},
		{sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible, &st.InFlight},
	} {
		n, err := queuedepth.Count(out.Attributes, a.name)
		if err != nil {
			return st, fmt.Errorf("read depth of queue %s: %w", name, err)
		}
		*a.into = n
	}
	if v, ok := out.Attributes[string(sqstypes.QueueAttributeNameVisibilityTimeout)]; ok {
		secs, err := strconv.Atoi(v)
		if err != nil || secs < 0 {
			return st, fmt.Errorf("read visibility timeout of queue %s: %q is not a number of seconds", name, v)
		}
		st.VisibilityTimeout = time.Duration(secs) * time.Second
	}
	return st, nil
}

// LogsAPI reads the function's log group.
type LogsAPI interface {
	cloudwatchlogs.FilterLogEventsAPIClient
}

// LogLine is one structured line of the alert function.
type LogLine struct {
	Time       time.Time `json:"-"` // CloudWatch's timestamp, not the line's own "time"
	Msg        string    `json:"msg"`
	Level      string    `json:"level"`
	EventIDs   []string  `json:"event_ids"`
	HTTPStatus int       `json:"http_status"`
	SlackCode  string    `json:"slack_code"`
	Error      string    `json:"error"`
	Raw        string    `json:"-"`
}

// FunctionLines reads the function's log lines between from and to that
// contain term (empty: all), oldest first. A missing log group has none.
func FunctionLines(ctx context.Context, api LogsAPI, group, term string, from, to time.Time) ([]LogLine, error) {
	in := &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String(group), StartTime: aws.Int64(from.UnixMilli()), EndTime: aws.Int64(to.UnixMilli())}
	if term != "" {
		in.FilterPattern = aws.String(strconv.Quote(term))
	}
	var lines []LogLine
	pages := cloudwatchlogs.NewFilterLogEventsPaginator(api, in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if awserr.Code(err) == "ResourceNotFoundException" {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read log group %s: %w", group, err)
		}
		for _, e := range page.Events {
			msg := aws.ToString(e.Message)
			at := time.UnixMilli(aws.ToInt64(e.Timestamp))
			l := LogLine{Time: at, Raw: msg}
			// Only a JSON object is a structured line; anything else (the
			// runtime's own lines, null, a bare string) is its own message.
			if !strings.HasPrefix(strings.TrimSpace(msg), "{") || json.Unmarshal([]byte(msg), &l) != nil {
				l = LogLine{Time: at, Raw: msg, Msg: msg}
			}
			lines = append(lines, l)
		}
	}
	return lines, nil
}

// Failed reports whether a line is an error of the function or its runtime.
func (l LogLine) Failed() bool {
	return l.Level == "ERROR" || strings.Contains(l.Raw, "Runtime.ExitError") || strings.Contains(l.Raw, "Task timed out")
}

// StartFailure is the error type of a line that says the function could
// not start: Lambda logs "INIT_REPORT Init Duration: … Phase: invoke
// Status: error Error Type: Runtime.InvalidEntrypoint" when the runtime
// cannot run the bootstrap (a zip for another architecture, no bootstrap at
// its root; AWS Lambda Developer Guide, "Troubleshoot invocation issues",
// https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-invocation.html).
func (l LogLine) StartFailure() (string, bool) {
	if !strings.Contains(l.Raw, "INIT_REPORT") || !strings.Contains(l.Raw, "Status: error") {
		return "", false
	}
	_, errType, ok := strings.Cut(l.Raw, "Error Type: ")
	if !ok {
		return "an initialization error", true
	}
	return strings.TrimSpace(errType), true
}

// ReadDeliveries summarises the function's log group between from and to.
func ReadDeliveries(ctx context.Context, api LogsAPI, group string, from, to time.Time) (Deliveries, error) {
	d := Deliveries{Window: to.Sub(from)}
	lines, err := FunctionLines(ctx, api, group, "", from, to)
	if err != nil {
		return d, err
	}
	d.LogGroupRead = true
	for _, l := range lines {
		if errType, ok := l.StartFailure(); ok {
			d.StartFailures++
			d.StartError, d.LastStartFailure = errType, l.Time
			continue
		}
		switch {
		case l.Msg == "alert posted":
			d.Posted++
			d.LastPosted = l.Time
		case l.Failed():
			d.Errors++
			d.LastError = l.Msg
			if l.Error != "" {
				d.LastError += ": " + l.Error
			}
		}
	}
	return d, nil
}
