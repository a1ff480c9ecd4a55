package alertstatus_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	acctapi "github.com/aws/aws-sdk-go-v2/service/account"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/rootguard/rootguard/internal/alertstatus"
	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/deploy"
	"github.com/rootguard/rootguard/internal/eventpath"
	"github.com/rootguard/rootguard/internal/redrive"
	"github.com/rootguard/rootguard/internal/stack"
)

// pipelineEnv is a pipeline deployed through the engine on the local AWS
// with the real bootstrap and a stand-in Slack.
type pipelineEnv struct {
	emu     *awsemu.Server
	cfg     aws.Config
	names   stack.Names
	slack   *standInSlack
	webhook string // the stand-in's URL: never to be logged
	clients alertstatus.Clients
	// engine deploys or removes; webhook false leaves the stored URL alone.
	engine func(approve, webhook bool) *deploy.Deployer
}

func deployPipeline(t testing.TB, prefix string) *pipelineEnv {
	t.Helper()
	if runtime.GOOS != "linux" || testing.Short() {
		t.Skip("runs the real function on the local AWS (Linux)")
	}
	slack := &standInSlack{}
	slack.status.Store(http.StatusOK)
	srv := httptest.NewServer(slack)
	t.Cleanup(srv.Close)
	emu, err := awsemu.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	cfg := emu.Config(emu.AddAccount("111122223333", "security").AddUser("deployer").AddAccessKey(awsemu.AccessKey{}))
	arch := map[string]string{"amd64": "x86_64", "arm64": "arm64"}[runtime.GOARCH]
	zip := bootstrapZip(t)
	env := &pipelineEnv{emu: emu, cfg: cfg, names: stack.Names{Prefix: prefix}, slack: slack, webhook: srv.URL,
		clients: clientsOf(t, cfg)}
	env.engine = func(approve, webhook bool) *deploy.Deployer {
		url := ""
		if webhook {
			url = srv.URL + "/services/T/B/x"
		}
		return deploy.New(deploy.Clients{
			CFN: func(string) deploy.CFNAPI { return cloudformation.NewFromConfig(cfg) },
			S3:  s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }),
			SSM: ssm.NewFromConfig(cfg), Trail: cloudtrail.NewFromConfig(cfg), Account: "111122223333",
			LocalAWS: true, // the stand-in Slack is on loopback
		}, deploy.Options{Stack: stack.HubOptions{Prefix: prefix, Architecture: arch}, FunctionZip: zip,
			Webhook: url, Approve: approve, Progress: io.Discard, Poll: 20 * time.Millisecond})
	}
	plan, err := env.engine(true, true).Plan(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if err := plan.Apply(t.Context()); err != nil {
		t.Fatal(err)
	}
	return env
}

// operator returns the configuration and clients of a principal whose
// identity policy is docs/permissions/alert-operate.json (with the
// pipeline's prefix for rootguard: the queues, bus and objects it scopes
// are evaluated by the local AWS), and fails the test
// at its end if any of its calls was refused: running status, test and
// redrive as this operator keeps the policy true.
func (e *pipelineEnv) operator(t *testing.T) (aws.Config, alertstatus.Clients) {
	t.Helper()
	u, err := e.emu.Account("111122223333").AddPolicyUser("operator", operatePolicy(t, e.names.Prefix))
	if err != nil {
		t.Fatal(err)
	}
	cfg := e.emu.Config(u.AddAccessKey(awsemu.AccessKey{}))
	t.Cleanup(func() {
		for _, c := range e.emu.Calls() {
			if strings.HasSuffix(c.Principal, ":user/operator") && (c.ErrorCode == "AccessDenied" || c.ErrorCode == "AccessDeniedException") {
				t.Errorf("operator refused %s:%s: docs/permissions/alert-operate.json lacks it", c.Service, c.Action)
			}
		}
	})
	clients := clientsOf(t, cfg)
	clients.Regions = acctapi.NewFromConfig(cfg)
	return cfg, clients
}

// putRootSignIns puts root ConsoleLogin events with the given CloudTrail
// event IDs on the default bus, one PutEvents call each.
func (e *pipelineEnv) putRootSignIn(t testing.TB, eventID string) {
	t.Helper()
	var ev map[string]any
	if err := json.Unmarshal([]byte(eventpath.SampleRootSignIn("111122223333")), &ev); err != nil {
		t.Fatal(err)
	}
	detail := ev["detail"].(map[string]any)
	detail["eventID"] = eventID
	raw, _ := json.Marshal(detail)
	if _, err := e.emu.EmitServiceEvent(awsemu.ServiceEvent{Account: "111122223333", Region: "us-east-1",
		Source: ev["source"].(string), DetailType: ev["detail-type"].(string), Detail: raw}); err != nil {
		t.Fatalf("deliver root sign-in %s: %v", eventID, err)
	}
}

// postsOf counts the accepted posts naming each event ID.
func (s *standInSlack) postsOf(ids []string) map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := map[string]int{}
	for _, p := range s.posts {
		for _, id := range ids {
			if strings.Contains(p, id) {
				n[id]++
			}
		}
	}
	return n
}

// shortenRetries sets the deployed function's timeout and the queue's
// visibility timeout (seconds) and removes the event-source mapping's
// batching window, so that a failed batch is received again within
// seconds rather than minutes. "Your function's timeout must be less than
// or equal to the queue's visibility timeout" (Lambda validates it), so the
// two change in the order that keeps it true
// (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html).
func (e *pipelineEnv) shortenRetries(t *testing.T, functionTimeout, visibility int32) {
	t.Helper()
	ctx := t.Context()
	if functionTimeout > visibility {
		t.Fatalf("visibility timeout %d s must not be under the function timeout %d s", visibility, functionTimeout)
	}
	sqsAPI, lambdaAPI := sqs.NewFromConfig(e.cfg), lambda.NewFromConfig(e.cfg)
	queueURL, err := sqsAPI.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(e.names.Queue())})
	if err != nil {
		t.Fatal(err)
	}
	setVisibility := func() {
		if _, err := sqsAPI.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: queueURL.QueueUrl,
			Attributes: map[string]string{"VisibilityTimeout": strconv.Itoa(int(visibility))}}); err != nil {
			t.Fatal(err)
		}
	}
	fn, err := lambdaAPI.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(e.names.Function())})
	if err != nil {
		t.Fatal(err)
	}
	if lengthening := aws.ToInt32(fn.Timeout) < functionTimeout; lengthening {
		setVisibility()
	}
	if _, err := lambdaAPI.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{
		FunctionName: aws.String(e.names.Function()), Timeout: aws.Int32(functionTimeout)}); err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(fn.Timeout) >= functionTimeout {
		setVisibility()
	}
	e.noBatchingWindow(t)
}

// noBatchingWindow has the event-source mapping invoke the function as soon
// as it receives a message, rather than after the template's 2 s window.
func (e *pipelineEnv) noBatchingWindow(t *testing.T) {
	t.Helper()
	ctx := t.Context()
	lambdaAPI := lambda.NewFromConfig(e.cfg)
	maps, err := lambdaAPI.ListEventSourceMappings(ctx, &lambda.ListEventSourceMappingsInput{FunctionName: aws.String(e.names.Function())})
	if err != nil {
		t.Fatal(err)
	}
	if len(maps.EventSourceMappings) != 1 {
		t.Fatalf("%d event-source mappings for %s, want 1", len(maps.EventSourceMappings), e.names.Function())
	}
	if _, err := lambdaAPI.UpdateEventSourceMapping(ctx, &lambda.UpdateEventSourceMappingInput{
		UUID: maps.EventSourceMappings[0].UUID, BatchSize: aws.Int32(10), MaximumBatchingWindowInSeconds: aws.Int32(0)}); err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(within); !cond(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, within)
		}
	}
}

// TestSlackOutageLosesNothing: while Slack answers 503 every alert ends in
// the dead-letter queue; after Slack recovers, a redrive posts each exactly
// once.
//
// `alert status` and `alert redrive` run as an operator allowed exactly
// docs/permissions/alert-operate.json's actions, which keeps that policy
// true: the run must not be refused anything.
func TestSlackOutageLosesNothing(t *testing.T) {
	t.Parallel() // a pipeline of its own (its prefix), waiting on Lambda and SQS time
	env := deployPipeline(t, "rgoutage")
	ctx := t.Context()
	operatorCfg, operator := env.operator(t)
	operatorSQS := sqs.NewFromConfig(operatorCfg)

	// The template's 30 s function timeout, 180 s visibility timeout and 2 s
	// batching window would make five failed receives take fifteen minutes;
	// shorten them on the deployed resources (the second deploy below still
	// plans nothing, as CloudFormation compares templates, not live
	// settings). maxReceiveCount stays the template's 5.
	// 1 s each: Lambda's shortest timeout, and a visibility timeout no
	// shorter. The mapping's poller waits for each batch before it
	// receives again, so a message cannot reappear inside its own batch.
	env.shortenRetries(t, 1, 1)

	env.slack.status.Store(http.StatusServiceUnavailable)
	ids := make([]string, 3)
	for i := range ids {
		ids[i] = fmt.Sprintf("0utage00-0000-4000-8000-%012d", i)
		env.putRootSignIn(t, ids[i])
	}
	waitFor(t, "all alerts dead-lettered", 35*time.Second, func() bool {
		r, err := alertstatus.Read(ctx, operator, env.names, time.Now())
		return err == nil && r.DLQ.Visible == len(ids) && r.Queue.Visible+r.Queue.InFlight == 0
	})
	r, err := alertstatus.Read(ctx, operator, env.names, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if r.DLQ.Visible != len(ids) || r.Deliveries.Errors == 0 || !slices.ContainsFunc(r.Problems, func(p string) bool { return strings.Contains(p, "3 undelivered alerts") }) {
		t.Errorf("status during the outage: dlq %d, errors %d, problems %q", r.DLQ.Visible, r.Deliveries.Errors, r.Problems)
	}
	if n := env.slack.postsOf(ids); len(n) != 0 {
		t.Fatalf("Slack accepted posts during the outage: %v", n)
	}

	// Slack is back: give the function room again (a cold start on a busy
	// machine must not time out), with the visibility timeout above it.
	env.slack.status.Store(http.StatusOK)
	env.shortenRetries(t, 10, 12)
	plan, err := redrive.Read(ctx, operatorSQS, env.names)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Messages != len(ids) {
		t.Errorf("redrive plan: %d messages, want %d", plan.Messages, len(ids))
	}
	if _, err := redrive.Run(ctx, operatorSQS, plan, 50*time.Millisecond, func(redrive.Task) {}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "every alert posted and the queue drained", 15*time.Second, func() bool {
		r, err := alertstatus.Read(ctx, env.clients, env.names, time.Now())
		return err == nil && len(env.slack.postsOf(ids)) == len(ids) && r.Queue.Visible+r.Queue.InFlight+r.DLQ.Visible+r.DLQ.InFlight == 0
	})
	for _, id := range ids {
		if n := env.slack.postsOf(ids)[id]; n != 1 {
			t.Errorf("event %s posted %d times, want once", id, n)
		}
	}

	second, err := env.engine(false, false).Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !second.NoChanges() {
		t.Errorf("second deploy plans changes: %+v", second)
	}
	second.Discard(ctx)

	removal, err := env.engine(true, false).Remove(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(removal.Keep) != 1 || !strings.Contains(removal.Keep[0], "trail bucket") {
		t.Errorf("remove keeps %q, want the trail bucket only", removal.Keep)
	}
	assertNothingManaged(t, env)
}

// operatePolicy reads docs/permissions/alert-operate.json with prefix (a
// test pipeline's own) in place of rootguard in its resource names.
func operatePolicy(t *testing.T, prefix string) []byte {
	t.Helper()
	raw, err := os.ReadFile("../../docs/permissions/alert-operate.json")
	if err != nil {
		t.Fatal(err)
	}
	if prefix == "" || prefix == "rootguard" {
		return raw
	}
	return []byte(strings.ReplaceAll(string(raw), "rootguard-", prefix+"-"))
}

// assertNothingManaged asks the local AWS for every kind of resource the
// pipeline creates and fails on any still tagged rootguard:managed=true.
func assertNothingManaged(t *testing.T, env *pipelineEnv) {
	t.Helper()
	ctx := t.Context()
	// kumo's queues, functions and buckets are process-wide: other tests'
	// pipelines use other prefixes.
	managed := func(kind, name string, tags map[string]string) {
		if strings.Contains(name, env.names.Prefix) && tags[stack.ManagedTagKey] == stack.ManagedTagValue {
			t.Errorf("%s %s is still tagged %s=%s after remove", kind, name, stack.ManagedTagKey, stack.ManagedTagValue)
		}
	}
	sqsAPI := sqs.NewFromConfig(env.cfg)
	queues, err := sqsAPI.ListQueues(ctx, &sqs.ListQueuesInput{QueueNamePrefix: aws.String(env.names.Prefix)})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range queues.QueueUrls {
		tags, err := sqsAPI.ListQueueTags(ctx, &sqs.ListQueueTagsInput{QueueUrl: aws.String(q)})
		if err != nil {
			t.Fatal(err)
		}
		managed("queue", q, tags.Tags)
	}
	lambdaAPI := lambda.NewFromConfig(env.cfg)
	fns, err := lambdaAPI.ListFunctions(ctx, &lambda.ListFunctionsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fns.Functions {
		tags, err := lambdaAPI.ListTags(ctx, &lambda.ListTagsInput{Resource: f.FunctionArn})
		if err != nil {
			t.Fatal(err)
		}
		managed("function", aws.ToString(f.FunctionName), tags.Tags)
	}
	ebAPI := eventbridge.NewFromConfig(env.cfg)
	rules, err := ebAPI.ListRules(ctx, &eventbridge.ListRulesInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules.Rules {
		tags, err := ebAPI.ListTagsForResource(ctx, &eventbridge.ListTagsForResourceInput{ResourceARN: r.Arn})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, tg := range tags.Tags {
			m[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
		}
		managed("rule", aws.ToString(r.Name), m)
	}
	if _, err := ssm.NewFromConfig(env.cfg).GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(env.names.WebhookParameter())}); err == nil {
		t.Errorf("webhook parameter %s remains", env.names.WebhookParameter())
	}
	s3API := s3.NewFromConfig(env.cfg, func(o *s3.Options) { o.UsePathStyle = true })
	retained := 0
	buckets, err := s3API.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range buckets.Buckets {
		tags, err := s3API.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: b.Name})
		if err != nil {
			continue // no tag set
		}
		m := map[string]string{}
		for _, tg := range tags.TagSet {
			m[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
		}
		managed("bucket", aws.ToString(b.Name), m)
		if strings.HasPrefix(aws.ToString(b.Name), env.names.HubStack()+"-trailbucket") {
			retained++
			if m[stack.RetainedTagKey] != "true" {
				t.Errorf("retained trail bucket %s tags %v, want %s=true", aws.ToString(b.Name), m, stack.RetainedTagKey)
			}
		}
	}
	if retained != 1 {
		t.Errorf("%d retained trail buckets, want 1", retained)
	}
}
