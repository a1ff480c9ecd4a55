package posture

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/alertstatus"
	"github.com/rootguard/rootguard/internal/awsemu"
	engine "github.com/rootguard/rootguard/internal/deploy"
	"github.com/rootguard/rootguard/internal/iostreams"
	"github.com/rootguard/rootguard/internal/lambdazip"
	"github.com/rootguard/rootguard/internal/orgscan"
	"github.com/rootguard/rootguard/internal/posturehealth"
	"github.com/rootguard/rootguard/internal/postureops"
	"github.com/rootguard/rootguard/internal/redrive"
	"github.com/rootguard/rootguard/internal/stack"
)

// slack is a stand-in Slack webhook: it records the fallback text of each
// post it accepts and answers status.
type slack struct {
	status atomic.Int32
	mu     sync.Mutex
	posts  []string
}

func (s *slack) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if code := int(s.status.Load()); code != http.StatusOK {
		w.WriteHeader(code)
		return
	}
	s.mu.Lock()
	s.posts = append(s.posts, string(body))
	s.mu.Unlock()
	_, _ = w.Write([]byte("ok"))
}

func (s *slack) all() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.posts...)
}

// scheduledWorld is an organization (a management account, three members:
// the third with a root password and a hardware MFA device, so that a root
// access key is its only news), centralized root access on, and the alert
// pipeline deployed to the stand-in Slack with the real alert function.
type scheduledWorld struct {
	emu     *awsemu.Server
	cfg     aws.Config
	sess    func(context.Context) (*account.Session, error)
	names   stack.Names
	slack   *slack
	webhook string
	member  []*awsemu.Account
}

const e2eMgmt = "100000000000"

func newScheduledWorld(t *testing.T, prefix string) *scheduledWorld {
	t.Helper()
	w := newOrganizationWorld(t, prefix)
	ctx := t.Context()
	sess, err := w.sess(ctx)
	if err != nil {
		t.Fatal(err)
	}
	alertZip, err := lambdazip.Build(ctx, "github.com/rootguard/rootguard/cmd/bootstrap", "linux", runtime.GOARCH)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := engine.New(engine.NewClients(sess), engine.Options{
		Stack: stack.HubOptions{Prefix: prefix, Architecture: arch()}, FunctionZip: alertZip,
		Webhook: w.webhook, Approve: true, Progress: io.Discard, Poll: 20 * time.Millisecond,
	}).Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := plan.Apply(ctx); err != nil {
		t.Fatal(err)
	}
	// kumo's functions, queues and buckets are process-wide.
	t.Cleanup(func() {
		_, _ = engine.New(engine.NewClients(sess), engine.Options{Stack: stack.HubOptions{Prefix: prefix}, Approve: true,
			Progress: io.Discard, Poll: 20 * time.Millisecond}).Remove(context.Background())
	})
	return w
}

// newOrganizationWorld is the scheduledWorld's organization and stand-in
// Slack, with nothing deployed yet.
func newOrganizationWorld(t *testing.T, prefix string) *scheduledWorld {
	t.Helper()
	if runtime.GOOS != "linux" || testing.Short() {
		t.Skip("runs the real functions on the local AWS (Linux)")
	}
	w := &scheduledWorld{names: stack.Names{Prefix: prefix}, slack: &slack{}}
	w.slack.status.Store(http.StatusOK)
	srv := httptest.NewServer(w.slack)
	t.Cleanup(srv.Close)
	w.webhook = srv.URL + "/services/T/B/x"
	emu, err := awsemu.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	w.emu = emu
	org := emu.CreateOrganization(emu.AddAccount(e2eMgmt, "management").ID)
	for i := 1; i <= 3; i++ {
		a := emu.AddAccount(fmt.Sprintf("2000000000%02d", i), fmt.Sprintf("member-%d", i))
		org.AddAccount(a, org.RootID())
		a.AddRole(orgscan.DefaultRoleName, e2eMgmt)
		w.member = append(w.member, a)
	}
	third := w.member[2].Root()
	third.SetPassword(time.Now().AddDate(-1, 0, 0), time.Now().AddDate(0, -6, 0))
	third.AddMFADevice(awsemu.MFAHardware, "token")
	emu.Organization().EnableCentralizedRootAccess("RootCredentialsManagement", "RootSessions")
	w.cfg = emu.Config(emu.Account(e2eMgmt).AddUser("admin", "*").AddAccessKey(awsemu.AccessKey{}))
	w.sess = func(ctx context.Context) (*account.Session, error) { return account.Resolve(ctx, w.cfg) }
	return w
}

func arch() string { return map[string]string{"amd64": "x86_64", "arm64": "arm64"}[runtime.GOARCH] }

func (w *scheduledWorld) fire(t *testing.T) error {
	t.Helper()
	return w.emu.FireSchedule(t.Context(), e2eMgmt, "us-east-1", "", w.names.PostureSchedule())
}

// digests counts the posture digests Slack accepted (shortening the alert
// function's timeout is tampering with the pipeline: it alerts too).
func (w *scheduledWorld) digests() int {
	n := 0
	for _, p := range w.slack.all() {
		if strings.Contains(p, "Root posture") {
			n++
		}
	}
	return n
}

// posts waits until the stand-in Slack has accepted n posts.
func (w *scheduledWorld) posts(t *testing.T, n int, within time.Duration) []string {
	t.Helper()
	deadline := time.Now().Add(within)
	for len(w.slack.all()) < n {
		if time.Now().After(deadline) {
			t.Fatalf("the stand-in Slack has %d posts, want %d within %s: %q", len(w.slack.all()), n, within, w.slack.all())
		}
		time.Sleep(100 * time.Millisecond)
	}
	return w.slack.all()
}

// TestScheduledAuditorEndToEnd: `posture deploy` beside the alert pipeline,
// the schedule fires the real auditor, its baseline digest reaches Slack; a
// member's root user gets an access key through the API; the next fire
// posts exactly that drift. `posture test` and `posture status` read the
// deployment; `posture remove` takes it away and leaves the pipeline.
func TestScheduledAuditorEndToEnd(t *testing.T) {
	w := newScheduledWorld(t, fmt.Sprintf("rgsch%d", time.Now().UnixNano()%1e6))
	ctx := t.Context()
	zip := auditorZip(t)

	ios, _, out, errOut := iostreams.Test()
	deployOpts := &DeployOptions{IO: ios, Session: w.sess, FunctionZip: zip, RetentionDays: 30, Approve: true, Poll: 20 * time.Millisecond,
		Stack: stack.PostureOptions{Prefix: w.names.Prefix, Architecture: arch(), MemoryMB: stack.DefaultPostureMemoryMB}}
	if err := runDeploy(ctx, deployOpts); err != nil {
		t.Fatalf("posture deploy: %v\n%s", err, errOut.String())
	}
	for _, want := range []string{"(plan) would upload the posture auditor", "(plan) would put lifecycle rule " + w.names.PostureLifecycleRule(),
		"+ AuditorSchedule (AWS::Scheduler::Schedule)", "+ AuditorFunction (AWS::Lambda::Function)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("deploy plan lacks %q:\n%s", want, out.String())
		}
	}
	t.Cleanup(func() {
		ios, _, _, _ := iostreams.Test()
		_ = runRemove(context.Background(), &DeployOptions{IO: ios, Session: w.sess, Approve: true, Poll: 20 * time.Millisecond, Stack: stack.PostureOptions{Prefix: w.names.Prefix}})
	})
	// Deployed again as it is: nothing to change (the code, the stack and
	// the lifecycle rule are compared with what is there).
	ios, _, out, errOut = iostreams.Test()
	again := *deployOpts
	again.IO, again.Approve = ios, false
	if err := runDeploy(ctx, &again); err != nil || !strings.Contains(errOut.String(), "No changes: the posture auditor is up to date.") {
		t.Errorf("second deploy: %v\n%s%s", err, out.String(), errOut.String())
	}
	bucket := w.names.ArtifactBucket(e2eMgmt, "us-east-1")
	s3c := s3.NewFromConfig(w.cfg, func(o *s3.Options) { o.UsePathStyle = true })
	lc, err := s3c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: &bucket})
	if err != nil || len(lc.Rules) != 1 || aws.ToString(lc.Rules[0].Filter.Prefix) != stack.PostureRunsPrefix || aws.ToInt32(lc.Rules[0].Expiration.Days) != 30 {
		t.Fatalf("lifecycle after deploy: %+v %v", lc, err)
	}
	fn, err := lambda.NewFromConfig(w.cfg).GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(w.names.PostureFunction())})
	if err != nil || fn.Environment.Variables["GOMEMLIMIT"] != "400MiB" || aws.ToInt32(fn.MemorySize) != 512 {
		t.Fatalf("auditor configuration: %+v %v", fn, err)
	}

	// First scheduled run: the baseline.
	if err := w.fire(t); err != nil {
		t.Fatalf("first scheduled run: %v", err)
	}
	posts := w.posts(t, 1, 60*time.Second)
	if !strings.Contains(posts[0], "Root posture baseline: 4 accounts audited") {
		t.Fatalf("baseline digest: %q", posts[0])
	}

	// A member gets a root access key through the API.
	keyMember := w.member[2]
	keyMember.Root().AddAccessKey(awsemu.AccessKey{})
	if err := w.fire(t); err != nil {
		t.Fatalf("second scheduled run: %v", err)
	}
	posts = w.posts(t, 2, 60*time.Second)
	drift := posts[1]
	if !strings.Contains(drift, "Root posture drift: 1 new FAIL") || !strings.Contains(drift, "*new FAIL* "+keyMember.ID+" (member-3) · root-access-keys: PASS → FAIL") {
		t.Fatalf("drift digest: %q", drift)
	}
	for _, other := range w.member[:2] {
		if strings.Contains(drift, other.ID) {
			t.Errorf("the drift digest names %s, which did not change", other.ID)
		}
	}

	// `posture test` runs it now: nothing changed since, so no digest. It
	// and `posture status` run as an operator whose identity policy is
	// exactly posture-operate.json and posture.json (status reads the last
	// run; their stack, schedule, queue, function and objects evaluated),
	// which keeps those documents true.
	opUser, err := w.emu.Account(e2eMgmt).AddPolicyUser("operator", documented(t, w.names.Prefix, "posture-operate.json", "posture.json")...)
	if err != nil {
		t.Fatal(err)
	}
	operatorCfg := w.emu.Config(opUser.AddAccessKey(awsemu.AccessKey{}))
	operator := func(ctx context.Context) (*account.Session, error) { return account.Resolve(ctx, operatorCfg) }
	w.emu.ResetCalls()
	ios, _, out, errOut = iostreams.Test()
	opts := &Options{IO: ios, Now: time.Now, Prefix: w.names.Prefix,
		Engine: func(ctx context.Context) (Engine, error) {
			s, err := operator(ctx)
			return postureops.New(s), err
		},
		Health: func(ctx context.Context, names stack.Names, now time.Time) (posturehealth.Health, error) {
			s, err := operator(ctx)
			if err != nil {
				return posturehealth.Health{}, err
			}
			return posturehealth.Read(ctx, posturehealth.NewClients(s), names, now)
		}}
	if err := runTest(ctx, opts); err != nil {
		t.Fatalf("posture test: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "drift: no change") || !strings.Contains(out.String(), "no digest queued") || !strings.Contains(out.String(), ": 4 accounts") {
		t.Errorf("posture test:\n%s", out.String())
	}
	ios, _, out, errOut = iostreams.Test()
	opts.IO = ios
	if err := runStatus(ctx, opts); err != nil {
		t.Fatalf("posture status: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "schedule: rate(1 day), ENABLED, next fire within 24h0m0s") || !strings.Contains(out.String(), "4 accounts: ") {
		t.Errorf("posture status:\n%s%s", out.String(), errOut.String())
	}
	for _, c := range w.emu.Calls() {
		if strings.HasSuffix(c.Principal, ":user/operator") && strings.HasPrefix(c.ErrorCode, "AccessDenied") {
			t.Errorf("operator refused %s:%s: posture-operate.json + posture.json do not allow all of %v", c.Service, c.Action, c.IAMActions)
		}
	}

	// A run that fails inside the function (here: the published pointer is
	// not a pointer) is retried by Lambda, then lands in the schedule's
	// dead-letter queue with the function's error: no failed run is silent.
	if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("posture/latest.json"), Body: strings.NewReader("not json")}); err != nil {
		t.Fatal(err)
	}
	if err := w.fire(t); err == nil {
		t.Fatal("a run that cannot publish succeeded")
	}
	q := sqs.NewFromConfig(w.cfg)
	dlq, err := q.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(w.names.PostureDeadLetterQueue())})
	if err != nil {
		t.Fatal(err)
	}
	var dead []string
	waitUntil(t, "the failed run dead-lettered", 30*time.Second, func() bool {
		got, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: dlq.QueueUrl, MaxNumberOfMessages: 10})
		for _, m := range got.Messages {
			dead = append(dead, aws.ToString(m.Body))
		}
		return err == nil && len(dead) > 0
	})
	if len(dead) != 1 || !strings.Contains(dead[0], `"condition":"RetriesExhausted"`) || !strings.Contains(dead[0], "latest pointer") {
		t.Errorf("dead letters: %q", dead)
	}

	// Removed: the stack and the rule go, the pipeline and the runs stay.
	ios, _, out, _ = iostreams.Test()
	if err := runRemove(ctx, &DeployOptions{IO: ios, Session: w.sess, Approve: true, Poll: 20 * time.Millisecond, Stack: stack.PostureOptions{Prefix: w.names.Prefix}}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "deleted stack "+w.names.PostureStack()) || !strings.Contains(out.String(), "deleted lifecycle rule") {
		t.Errorf("remove:\n%s", out.String())
	}
	if _, err := s3c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: &bucket}); err == nil {
		t.Error("the lifecycle rule outlived posture remove")
	}
	if err := w.fire(t); err == nil {
		t.Error("the schedule outlived posture remove")
	}
	h, err := posturehealth.Read(ctx, posturehealth.NewClients(mustSession(t, w)), w.names, time.Now())
	if err != nil || h.Deployed {
		t.Errorf("after remove: deployed %t, %v", h.Deployed, err)
	}
}

// TestScheduledDigestSurvivesASlackOutage: Slack is down while the
// schedule runs the auditor; the digest ends in the alert pipeline's
// dead-letter queue, and `alert redrive` delivers it once.
func TestScheduledDigestSurvivesASlackOutage(t *testing.T) {
	w := newScheduledWorld(t, fmt.Sprintf("rgsdl%d", time.Now().UnixNano()%1e6))
	ctx := t.Context()
	ios, _, _, errOut := iostreams.Test()
	if err := runDeploy(ctx, &DeployOptions{IO: ios, Session: w.sess, FunctionZip: auditorZip(t), RetentionDays: 90, Approve: true,
		Poll: 20 * time.Millisecond, Stack: stack.PostureOptions{Prefix: w.names.Prefix, Architecture: arch()}}); err != nil {
		t.Fatalf("posture deploy: %v\n%s", err, errOut.String())
	}
	t.Cleanup(func() {
		ios, _, _, _ := iostreams.Test()
		_ = runRemove(context.Background(), &DeployOptions{IO: ios, Session: w.sess, Approve: true, Poll: 20 * time.Millisecond, Stack: stack.PostureOptions{Prefix: w.names.Prefix}})
	})
	if err := w.fire(t); err != nil {
		t.Fatal(err)
	}
	w.posts(t, 1, 60*time.Second) // the baseline

	// The template's 30 s function timeout and 180 s visibility timeout
	// would make five failed receives take fifteen minutes.
	shorten(t, w, 1, 1)
	w.slack.status.Store(http.StatusServiceUnavailable)
	w.member[2].Root().AddAccessKey(awsemu.AccessKey{})
	if err := w.fire(t); err != nil {
		t.Fatalf("the run itself must succeed (its digest is queued; Slack is the pipeline's business): %v", err)
	}
	q := sqs.NewFromConfig(w.cfg)
	waitUntil(t, "the digest dead-lettered", 60*time.Second, func() bool {
		plan, err := redrive.Read(ctx, q, w.names)
		return err == nil && plan.Messages == 1 && queueEmpty(t, q, w.names.Queue())
	})
	if n := w.digests(); n != 1 {
		t.Fatalf("Slack accepted %d digests during the outage", n-1)
	}
	// Give the function room again before Slack is back: a post accepted
	// by a function that then times out would be retried, and posted twice.
	shorten(t, w, 10, 12)
	w.slack.status.Store(http.StatusOK)
	plan, err := redrive.Read(ctx, q, w.names)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := redrive.Run(ctx, q, plan, 50*time.Millisecond, func(redrive.Task) {}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the redriven digest posted", 60*time.Second, func() bool { return w.digests() >= 2 })
	posts := w.slack.all()
	if last := posts[len(posts)-1]; !strings.Contains(last, "*new FAIL* "+w.member[2].ID) {
		t.Fatalf("redriven digest: %q", last)
	}
	// Delivered once: the queues drain with no second post.
	waitUntil(t, "the queues drained", 30*time.Second, func() bool {
		plan, err := redrive.Read(ctx, q, w.names)
		return err == nil && plan.Messages == 0 && queueEmpty(t, q, w.names.Queue())
	})
	if n := w.digests(); n != 2 {
		t.Errorf("the redriven digest was posted %d times", n-1)
		// What the alert function did with each message says why.
		lines, _ := alertstatus.FunctionLines(ctx, cloudwatchlogs.NewFromConfig(w.cfg), w.names.LogGroup(), "", time.Now().Add(-time.Hour), time.Now())
		for _, l := range lines {
			t.Logf("%s %.400s", l.Time.Format("15:04:05.000"), l.Raw)
		}
	}

	// `alert remove` takes the auditor with the pipeline: its schedule
	// must not keep running it against a bucket and queue that are gone.
	sess := mustSession(t, w)
	removal, err := engine.New(engine.NewClients(sess), engine.Options{Stack: stack.HubOptions{Prefix: w.names.Prefix}, Approve: true,
		Progress: io.Discard, Poll: 20 * time.Millisecond}).Remove(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(removal.Delete) == 0 || !strings.HasPrefix(removal.Delete[0], "stack "+w.names.PostureStack()+" ") {
		t.Errorf("alert remove deletes %q, the posture stack first", removal.Delete)
	}
	if h, err := posturehealth.Read(ctx, posturehealth.NewClients(sess), w.names, time.Now()); err != nil || h.Deployed {
		t.Errorf("after alert remove: posture deployed %t, %v", h.Deployed, err)
	}
}

func auditorZip(t *testing.T) string {
	t.Helper()
	zip, err := lambdazip.Build(t.Context(), "github.com/rootguard/rootguard/cmd/auditor", "linux", runtime.GOARCH)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "auditor.zip")
	if err := os.WriteFile(path, zip, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func mustSession(t *testing.T, w *scheduledWorld) *account.Session {
	t.Helper()
	s, err := w.sess(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// shorten sets the alert function's timeout and its queue's visibility
// timeout (in seconds), the visibility never below the timeout.
func shorten(t *testing.T, w *scheduledWorld, timeout, visibility int32) {
	t.Helper()
	ctx := t.Context()
	q, fn := sqs.NewFromConfig(w.cfg), lambda.NewFromConfig(w.cfg)
	url, err := q.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(w.names.Queue())})
	if err != nil {
		t.Fatal(err)
	}
	setVisibility := func() {
		if _, err := q.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: url.QueueUrl,
			Attributes: map[string]string{"VisibilityTimeout": strconv.Itoa(int(visibility))}}); err != nil {
			t.Fatal(err)
		}
	}
	lengthening := timeout > 1
	if lengthening {
		setVisibility()
	} else {
		// A visibility timeout under the mapping's 2 s batching window
		// lets the poller receive the same message again while it still
		// fills the batch: no window while the timeouts are short.
		maps, err := fn.ListEventSourceMappings(ctx, &lambda.ListEventSourceMappingsInput{FunctionName: aws.String(w.names.Function())})
		if err != nil || len(maps.EventSourceMappings) != 1 {
			t.Fatalf("event-source mappings of %s: %v", w.names.Function(), err)
		}
		if _, err := fn.UpdateEventSourceMapping(ctx, &lambda.UpdateEventSourceMappingInput{
			UUID: maps.EventSourceMappings[0].UUID, BatchSize: aws.Int32(10), MaximumBatchingWindowInSeconds: aws.Int32(0)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := fn.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String(w.names.Function()), Timeout: aws.Int32(timeout)}); err != nil {
		t.Fatal(err)
	}
	if !lengthening {
		setVisibility()
	}
}

func queueEmpty(t *testing.T, q *sqs.Client, name string) bool {
	t.Helper()
	url, err := q.GetQueueUrl(t.Context(), &sqs.GetQueueUrlInput{QueueName: &name})
	if err != nil {
		return false
	}
	out, err := q.GetQueueAttributes(t.Context(), &sqs.GetQueueAttributesInput{QueueUrl: url.QueueUrl, AttributeNames: idle})
	if err != nil {
		return false
	}
	for _, a := range idle {
		if out.Attributes[string(a)] != "0" {
			return false
		}
	}
	return true
}

var idle = []sqstypes.QueueAttributeName{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"}

func waitUntil(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(within); !cond(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, within)
		}
	}
}

// documented reads the files of docs/permissions, with prefix (the
// world's own) in place of rootguard in their resource names.
func documented(t *testing.T, prefix string, files ...string) [][]byte {
	t.Helper()
	var out [][]byte
	for _, f := range files {
		raw, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "permissions", f))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, []byte(strings.ReplaceAll(string(raw), "rootguard-", prefix+"-")))
	}
	return out
}
