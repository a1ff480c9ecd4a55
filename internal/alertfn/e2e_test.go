package alertfn_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/rootguard/rootguard/internal/alertevent"
	"github.com/rootguard/rootguard/internal/alertfn"
	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/cmd/alert/preview"
	"github.com/rootguard/rootguard/internal/cmdutil"
	"github.com/rootguard/rootguard/internal/iostreams"
)

// The alert pipeline as the runbook's recommended shape deploys it, on the
// local AWS: EventBridge rule → SQS queue (redrive to a DLQ) → event-source
// mapping → the real bootstrap binary under the Lambda Runtime API → the
// Slack stand-in.
const (
	e2eAccount  = "111122223333"
	e2eFunction = "rootguard-alert"
	e2eParam    = "/rootguard/e2e/slack-webhook"
	webhookPath = "/services/TEST/TEST/test"
	// rootActivityPattern is the runbook's sign-in pattern widened to every
	// API call made as root.
	rootActivityPattern = `{"detail-type":["AWS Console Sign In via CloudTrail","AWS API Call via CloudTrail"],"detail":{"userIdentity":{"type":["Root"]}}}`
	// The source queue's visibility timeout must outlast the batching window
	// plus the poller's last one-second receive plus the invocation, or a
	// batch's first messages reappear before it is deleted.
	visibilitySeconds = 4
	maxReceiveCount   = 2
	burstSize         = 200
)

func TestEndToEndRootActivityReachesSlack(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("skipping: the end-to-end test builds cmd/bootstrap and needs go on PATH")
	}
	start := time.Now()
	bootstrap := buildBootstrap(t)

	emu, err := awsemu.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	acct := emu.AddAccount(e2eAccount, "prod")
	cfg := emu.Config(acct.AddUser("deployer").AddAccessKey(awsemu.AccessKey{}))
	fnCreds := acct.AddUser("alert-function").AddAccessKey(awsemu.AccessKey{})

	slack := newSlackStandIn(t)
	webhookURL := slack.srv.URL + webhookPath
	putWebhookParameter(t, ssm.NewFromConfig(cfg), webhookURL)

	p := newPipeline(t, cfg)

	// The function reads the same variables as `alert preview`, so the
	// expected bodies are rendered with this configuration.
	const aliases = e2eAccount + "=prod"
	t.Setenv(alertevent.EnvAccountAliases, aliases)
	api, err := emu.LambdaRuntimeAPI(e2eFunction)
	if err != nil {
		t.Fatal(err)
	}
	logs := runBootstrap(t, bootstrap, append(emu.Env(fnCreds),
		"AWS_LAMBDA_RUNTIME_API="+api,
		"AWS_LAMBDA_FUNCTION_NAME="+e2eFunction,
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128",
		alertfn.EnvWebhookParameter+"="+e2eParam,
		alertevent.EnvAccountAliases+"="+aliases,
	))

	fixture := readFixture(t)

	// One failed root sign-in: the stand-in receives exactly the body
	// `rootguard alert preview` prints for the event as delivered.
	t.Run("single event", func(t *testing.T) {
		ids := putEvents(t, emu, []signIn{fixture})
		want := previewBody(t, fixture.delivered(ids[0]))
		posts := slack.waitPosts(t, 1, 10*time.Second)
		if got := posts[0].body; got != want {
			t.Errorf("Slack received:\n%s\nalert preview renders:\n%s", got, want)
		}
		p.waitDrained(t)
		slack.expectNoMore(t, 1)
	})

	// A burst of failed root sign-ins reaches Slack as a few summaries
	// whose counts add up to every event, with nothing dead-lettered.
	t.Run("burst", func(t *testing.T) {
		slack.reset()
		burst := make([]signIn, burstSize)
		for i := range burst {
			burst[i] = fixture.variant(i)
		}
		burstStart := time.Now()
		putEvents(t, emu, burst)
		var posts []slackPost
		counted := 0
		deadline := time.Now().Add(15 * time.Second)
		for counted < burstSize && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
			posts = slack.accepted()
			counted = countEvents(t, posts)
		}
		if counted != burstSize {
			t.Fatalf("Slack posts account for %d of %d events (%d posts)", counted, burstSize, len(posts))
		}
		p.waitDrained(t)
		slack.expectNoMore(t, len(posts))
		t.Logf("%d failed root sign-ins reached Slack as %d posts in %v", burstSize, len(posts), time.Since(burstStart).Round(time.Millisecond))
		if len(posts) > 30 {
			t.Errorf("%d events took %d posts, want at most 30", burstSize, len(posts))
		}
		if n := p.dlqDepth(t); n != 0 {
			t.Errorf("DLQ holds %d messages after the burst, want 0", n)
		}
	})

	// Slack refuses for good: every receive fails, and after
	// maxReceiveCount receives the event sits in the DLQ unchanged.
	t.Run("slack down", func(t *testing.T) {
		slack.reset()
		slack.refuse(http.StatusNotFound, "channel_not_found")
		p.oneAtATime(t)
		ev := fixture.variant(burstSize)
		ids := putEvents(t, emu, []signIn{ev})

		msg := p.waitDeadLetter(t, 15*time.Second)
		var got, want any
		if err := json.Unmarshal([]byte(aws.ToString(msg.Body)), &got); err != nil {
			t.Fatalf("DLQ message is not JSON: %v", err)
		}
		_ = json.Unmarshal(ev.delivered(ids[0]), &want)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("DLQ message body:\n%s\nwant the event put on the bus:\n%s", aws.ToString(msg.Body), ev.delivered(ids[0]))
		}
		if n := slack.attempts(); n != maxReceiveCount {
			t.Errorf("Slack saw %d attempts, want one per receive (%d)", n, maxReceiveCount)
		}
		eventually(t, 5*time.Second, "the function logs Slack's code with the event ID", func() bool {
			for _, l := range logs.lines() {
				if l["msg"] == "alert not posted" && l["slack_code"] == "channel_not_found" && l["permanent"] == true &&
					fmt.Sprint(l["event_ids"]) == "["+ev.eventID+"]" {
					return true
				}
			}
			return false
		})
	})

	// The secret is the webhook URL, above all its path.
	for _, line := range logs.raw() {
		if strings.Contains(line, webhookURL) || strings.Contains(line, webhookPath) {
			t.Errorf("the function logged the webhook URL: %s", line)
		}
	}
	t.Logf("end to end in %v (bootstrap build included)", time.Since(start).Round(time.Millisecond))
}

// buildBootstrap builds cmd/bootstrap as `make lambda` does, for this
// machine.
func buildBootstrap(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "bootstrap")
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags", "-s -w", "-o", out, "./cmd/bootstrap")
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build bootstrap: %v\n%s", err, b)
	}
	return out
}

func putWebhookParameter(t *testing.T, sc *ssm.Client, url string) {
	t.Helper()
	if _, err := sc.PutParameter(t.Context(), &ssm.PutParameterInput{
		Name: aws.String(e2eParam), Type: ssmtypes.ParameterTypeSecureString, Value: aws.String(url), Overwrite: aws.Bool(true),
	}); err != nil {
		t.Fatalf("put webhook parameter: %v", err)
	}
	masked, err := sc.GetParameter(t.Context(), &ssm.GetParameterInput{Name: aws.String(e2eParam)})
	if err != nil {
		t.Fatalf("get webhook parameter: %v", err)
	}
	if aws.ToString(masked.Parameter.Value) == url || masked.Parameter.Type != ssmtypes.ParameterTypeSecureString {
		t.Fatalf("GetParameter without decryption returned %s %q, want the SecureString's value hidden", masked.Parameter.Type, aws.ToString(masked.Parameter.Value))
	}
}

// pipeline is the queue, its DLQ, the rule and the function with its
// event-source mapping.
type pipeline struct {
	sqs              *sqs.Client
	queueURL, dlqURL string
	lambda           *lambda.Client
	mapping          string // the event-source mapping's UUID
}

func newPipeline(t *testing.T, cfg aws.Config) *pipeline {
	t.Helper()
	ctx := t.Context()
	// kumo's queues and functions are process-wide: the names carry the
	// run so a repeated run (-count) starts empty.
	suffix := strconv.FormatInt(time.Now().UnixNano(), 36)
	p := &pipeline{sqs: sqs.NewFromConfig(cfg)}
	dlq, err := p.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("rootguard-alert-dlq-" + suffix)})
	if err != nil {
		t.Fatalf("create DLQ: %v", err)
	}
	p.dlqURL = aws.ToString(dlq.QueueUrl)
	dlqAttrs, err := p.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: dlq.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	queueName := "rootguard-alert-" + suffix
	queue, err := p.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(queueName), Attributes: map[string]string{
		"VisibilityTimeout": strconv.Itoa(visibilitySeconds),
		"RedrivePolicy":     fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":"%d"}`, dlqAttrs.Attributes["QueueArn"], maxReceiveCount),
	}})
	if err != nil {
		t.Fatalf("create queue: %v", err)
	}
	p.queueURL = aws.ToString(queue.QueueUrl)
	queueArn := "arn:aws:sqs:us-east-1:" + e2eAccount + ":" + queueName

	eb := eventbridge.NewFromConfig(cfg)
	if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("rootguard-root-activity"), EventPattern: aws.String(rootActivityPattern)}); err != nil {
		t.Fatalf("put rule: %v", err)
	}
	if _, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{
		Rule: aws.String("rootguard-root-activity"), Targets: []ebtypes.Target{{Id: aws.String("queue"), Arn: aws.String(queueArn)}},
	}); err != nil {
		t.Fatalf("put targets: %v", err)
	}

	lc := lambda.NewFromConfig(cfg)
	if _, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName:  aws.String(e2eFunction),
		Runtime:       lambdatypes.RuntimeProvidedal2023,
		Architectures: []lambdatypes.Architecture{lambdatypes.ArchitectureX8664},
		Handler:       aws.String("bootstrap"),
		Role:          aws.String("arn:aws:iam::" + e2eAccount + ":role/rootguard-alert"),
		Timeout:       aws.Int32(visibilitySeconds),
		// The code is the binary the test runs; Lambda only needs a zip.
		Code: &lambdatypes.FunctionCode{ZipFile: []byte("PK\x05\x06" + string(make([]byte, 18)))},
	}); err != nil {
		t.Fatalf("create function: %v", err)
	}
	t.Cleanup(func() {
		_, _ = lc.DeleteFunction(context.Background(), &lambda.DeleteFunctionInput{FunctionName: aws.String(e2eFunction)})
	})
	mapping, err := lc.CreateEventSourceMapping(ctx, &lambda.CreateEventSourceMappingInput{
		EventSourceArn: aws.String(queueArn), FunctionName: aws.String(e2eFunction),
		BatchSize: aws.Int32(100), MaximumBatchingWindowInSeconds: aws.Int32(1),
		FunctionResponseTypes: []lambdatypes.FunctionResponseType{lambdatypes.FunctionResponseTypeReportBatchItemFailures},
	})
	if err != nil {
		t.Fatalf("create event-source mapping: %v", err)
	}
	p.lambda, p.mapping = lc, aws.ToString(mapping.UUID)
	return p
}

// oneAtATime drops the batching window (batches of at most 10, the most
// Lambda allows without one), the function timeout to 1 s and the
// visibility timeout to 2 s, above it as Lambda requires: a failed event is
// received again after 2 s instead of 4.
func (p *pipeline) oneAtATime(t *testing.T) {
	t.Helper()
	ctx := t.Context()
	if _, err := p.lambda.UpdateEventSourceMapping(ctx, &lambda.UpdateEventSourceMappingInput{UUID: aws.String(p.mapping),
		BatchSize: aws.Int32(10), MaximumBatchingWindowInSeconds: aws.Int32(0)}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.lambda.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String(e2eFunction), Timeout: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.sqs.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(p.queueURL), Attributes: map[string]string{"VisibilityTimeout": "2"}}); err != nil {
		t.Fatal(err)
	}
}

// waitDrained waits until the source queue holds no message, visible or
// in flight: the poller has deleted what the function reported done.
func (p *pipeline) waitDrained(t *testing.T) {
	t.Helper()
	eventually(t, 10*time.Second, "the source queue drains", func() bool {
		out, err := p.sqs.GetQueueAttributes(t.Context(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(p.queueURL), AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}})
		if err != nil {
			t.Fatal(err)
		}
		return out.Attributes["ApproximateNumberOfMessages"] == "0" && out.Attributes["ApproximateNumberOfMessagesNotVisible"] == "0"
	})
}

func (p *pipeline) dlqDepth(t *testing.T) int {
	t.Helper()
	out, err := p.sqs.GetQueueAttributes(t.Context(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(p.dlqURL), AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}})
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(out.Attributes["ApproximateNumberOfMessages"])
	m, _ := strconv.Atoi(out.Attributes["ApproximateNumberOfMessagesNotVisible"])
	return n + m
}

func (p *pipeline) waitDeadLetter(t *testing.T, within time.Duration) sqstypes.Message {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		out, err := p.sqs.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(p.dlqURL), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			t.Fatal(err)
		}
		switch len(out.Messages) {
		case 0:
			continue
		case 1:
			return out.Messages[0]
		default:
			t.Fatalf("DLQ holds %d messages, want 1", len(out.Messages))
		}
	}
	t.Fatalf("no message reached the DLQ within %v", within)
	return sqstypes.Message{}
}

// signIn is a root ConsoleLogin event as put on the bus.
type signIn struct {
	detail  map[string]any
	eventID string
	at      time.Time
}

func readFixture(t *testing.T) signIn {
	t.Helper()
	raw, err := os.ReadFile("../alertevent/testdata/console-login-failure.json")
	if err != nil {
		t.Fatal(err)
	}
	var env struct {
		Time   time.Time      `json:"time"`
		Detail map[string]any `json:"detail"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		t.Fatal(err)
	}
	return signIn{detail: env.Detail, eventID: env.Detail["eventID"].(string), at: env.Time}
}

// variant is the fixture's sign-in failure number i of a brute-force run:
// its own CloudTrail event ID, a tenth of a second later, from one of five
// addresses.
func (s signIn) variant(i int) signIn {
	d := make(map[string]any, len(s.detail))
	for k, v := range s.detail {
		d[k] = v
	}
	at := s.at.Add(time.Duration(i) * 100 * time.Millisecond).Truncate(time.Second)
	id := fmt.Sprintf("e2e0%04d-91a0-4238-804a-64314184edb6", i)
	d["eventID"], d["eventTime"], d["sourceIPAddress"] = id, at.Format(time.RFC3339), fmt.Sprintf("198.51.100.%d", 10+i%5)
	return signIn{detail: d, eventID: id, at: at}
}

func (s signIn) detailJSON() string {
	b, _ := json.Marshal(s.detail)
	return string(b)
}

// delivered is the EventBridge event the rule hands on: the entry in the
// envelope EventBridge adds, with the id PutEvents returned.
func (s signIn) delivered(id string) []byte {
	b, _ := json.Marshal(map[string]any{
		"version": "0", "id": id, "detail-type": "AWS Console Sign In via CloudTrail", "source": "aws.signin",
		"account": e2eAccount, "time": s.at.UTC().Format(time.RFC3339), "region": "us-east-1", "resources": []string{},
		"detail": json.RawMessage(s.detailJSON()),
	})
	return b
}

// putEvents has the local AWS deliver the sign-ins to the default bus as
// CloudTrail does (PutEvents refuses aws.* sources), and returns their
// EventBridge ids.
func putEvents(t *testing.T, emu *awsemu.Server, evs []signIn) []string {
	t.Helper()
	var ids []string
	for _, ev := range evs {
		id, err := emu.EmitServiceEvent(awsemu.ServiceEvent{Account: e2eAccount, Region: "us-east-1", Source: "aws.signin",
			DetailType: "AWS Console Sign In via CloudTrail", Time: ev.at, Detail: []byte(ev.detailJSON())})
		if err != nil {
			t.Fatalf("deliver sign-in: %v", err)
		}
		ids = append(ids, id)
	}
	return ids
}

// previewBody is what `rootguard alert preview --event` prints for event,
// without the final newline.
func previewBody(t *testing.T, event []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "event.json")
	if err := os.WriteFile(path, event, 0o600); err != nil {
		t.Fatal(err)
	}
	ios, _, out, _ := iostreams.Test()
	cmd := preview.NewCmdPreview(&cmdutil.Factory{IOStreams: ios}, nil)
	cmd.SetArgs([]string{"--event", path})
	if err := cmd.Execute(); err != nil {
		t.Fatalf("alert preview: %v", err)
	}
	return strings.TrimSuffix(out.String(), "\n")
}

var (
	summaryText = regexp.MustCompile(`^\[high\] (\d+) failed root sign-ins for ` + e2eAccount + ` \(prod\) from `)
	singleText  = regexp.MustCompile(`^\[high\] Failed root sign-in — account ` + e2eAccount + ` \(prod\) from `)
)

// countEvents adds up the failed sign-ins the posts carry: a summary's
// count, or one for a single-event post.
func countEvents(t *testing.T, posts []slackPost) int {
	t.Helper()
	n := 0
	for _, p := range posts {
		var msg struct{ Text string }
		if err := json.Unmarshal([]byte(p.body), &msg); err != nil {
			t.Fatalf("Slack received a body that is not JSON: %v", err)
		}
		switch m := summaryText.FindStringSubmatch(msg.Text); {
		case m != nil:
			c, _ := strconv.Atoi(m[1])
			n += c
		case singleText.MatchString(msg.Text):
			n++
		default:
			t.Fatalf("Slack received a post that is neither a failed sign-in nor their summary: %q", msg.Text)
		}
	}
	return n
}

// slackStandIn is the incoming webhook: it records every POST and answers
// 200 "ok", or the refusal set with refuse.
type slackStandIn struct {
	srv *httptest.Server

	mu     sync.Mutex
	posts  []slackPost
	status int
	code   string
}

type slackPost struct {
	body   string
	status int
}

func newSlackStandIn(t *testing.T) *slackStandIn {
	s := &slackStandIn{status: http.StatusOK, code: "ok"}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+webhookPath, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		status, code := s.status, s.code
		s.posts = append(s.posts, slackPost{body: string(body), status: status})
		s.mu.Unlock()
		w.WriteHeader(status)
		_, _ = io.WriteString(w, code)
	})
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

func (s *slackStandIn) refuse(status int, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status, s.code = status, code
}

func (s *slackStandIn) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.posts = nil
}

func (s *slackStandIn) attempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.posts)
}

func (s *slackStandIn) accepted() []slackPost {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []slackPost
	for _, p := range s.posts {
		if p.status == http.StatusOK {
			out = append(out, p)
		}
	}
	return out
}

func (s *slackStandIn) waitPosts(t *testing.T, n int, within time.Duration) []slackPost {
	t.Helper()
	var posts []slackPost
	eventually(t, within, fmt.Sprintf("Slack receives %d posts", n), func() bool {
		posts = s.accepted()
		return len(posts) >= n
	})
	return posts
}

// expectNoMore fails if Slack received more than n posts; called once the
// queue has drained, so every invocation has answered.
func (s *slackStandIn) expectNoMore(t *testing.T, n int) {
	t.Helper()
	if got := s.attempts(); got != n {
		t.Errorf("Slack received %d posts, want %d", got, n)
	}
}

// eventually polls cond until it holds or within passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting until %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// functionLogs is everything the function wrote, stdout and stderr.
type functionLogs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *functionLogs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *functionLogs) raw() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(l.buf.Bytes()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines
}

// lines are the JSON log records; a line that is not JSON is skipped here
// and reported by the check in runBootstrap's cleanup.
func (l *functionLogs) lines() []map[string]any {
	var out []map[string]any
	for _, line := range l.raw() {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil {
			out = append(out, rec)
		}
	}
	return out
}

// runBootstrap runs the function with env and nothing else from the test's
// environment, and stops it at the end of the test.
func runBootstrap(t *testing.T, path string, env []string) *functionLogs {
	t.Helper()
	logs := &functionLogs{}
	cmd := exec.Command(path)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		for _, line := range logs.raw() {
			if !json.Valid([]byte(line)) {
				t.Errorf("the function wrote a line that is not a JSON log record: %s", line)
			}
		}
		if t.Failed() {
			t.Logf("function output:\n%s", strings.Join(logs.raw(), "\n"))
		}
	})
	return logs
}
