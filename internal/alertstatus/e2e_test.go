package alertstatus_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/rootguard/rootguard/internal/alertstatus"
	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/deploy"
	"github.com/rootguard/rootguard/internal/lambdazip"
	"github.com/rootguard/rootguard/internal/stack"
)

// bootstrapZip builds cmd/bootstrap as `make lambda` does, for this host,
// and zips it with archive/zip.
func bootstrapZip(t testing.TB) []byte {
	t.Helper()
	zip, err := lambdazip.Build(t.Context(), "github.com/rootguard/rootguard/cmd/bootstrap", "linux", runtime.GOARCH)
	if err != nil {
		t.Fatal(err)
	}
	return zip
}

// standInSlack records posts and answers with status.
type standInSlack struct {
	status atomic.Int32
	mu     sync.Mutex
	posts  []string
}

func (s *standInSlack) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	code := int(s.status.Load())
	if code == http.StatusOK {
		s.mu.Lock()
		s.posts = append(s.posts, string(body))
		s.mu.Unlock()
		_, _ = w.Write([]byte("ok"))
		return
	}
	w.WriteHeader(code)
	_, _ = w.Write([]byte("channel_not_found"))
}

func TestSendTestFollowsEventToSlack(t *testing.T) {
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
	ctx := t.Context()
	prefix := "rgtest"
	names := stack.Names{Prefix: prefix}
	arch := map[string]string{"amd64": "x86_64", "arm64": "arm64"}[runtime.GOARCH]
	plan, err := deploy.New(deploy.Clients{
		CFN: func(string) deploy.CFNAPI { return cloudformation.NewFromConfig(cfg) },
		S3:  s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }),
		SSM: ssm.NewFromConfig(cfg), Trail: cloudtrail.NewFromConfig(cfg), STS: sts.NewFromConfig(cfg),
		LocalAWS: true, // the stand-in Slack is on loopback
	}, deploy.Options{Stack: stack.HubOptions{Prefix: prefix, Architecture: arch}, FunctionZip: bootstrapZip(t),
		Webhook: srv.URL + "/services/T/B/x", Approve: true, Progress: io.Discard, Poll: 20 * time.Millisecond}).Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := plan.Apply(ctx); err != nil {
		t.Fatal(err)
	}
	// `alert test` runs as an operator allowed exactly
	// docs/permissions/alert-operate.json's actions.
	cfg = emu.Config(emu.Account("111122223333").AddUser("operator", operatePolicyActions(t)...).AddAccessKey(awsemu.AccessKey{}))
	t.Cleanup(func() {
		for _, c := range emu.Calls() {
			if strings.HasSuffix(c.Principal, ":user/operator") && (c.ErrorCode == "AccessDenied" || c.ErrorCode == "AccessDeniedException") {
				t.Errorf("operator refused %s:%s: docs/permissions/alert-operate.json lacks it", c.Service, c.Action)
			}
		}
	})
	clients := alertstatus.Clients{STS: sts.NewFromConfig(cfg), Events: eventbridge.NewFromConfig(cfg), Trails: cloudtrail.NewFromConfig(cfg),
		Lambda: lambda.NewFromConfig(cfg), Logs: cloudwatchlogs.NewFromConfig(cfg), SQS: sqs.NewFromConfig(cfg)}

	r, err := alertstatus.SendTest(ctx, eventbridge.NewFromConfig(cfg), clients, names, 20*time.Second, 100*time.Millisecond, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if r.Stage != alertstatus.StagePosted {
		t.Fatalf("test event stopped at %s: %s", r.Stage, r.Detail)
	}
	slack.mu.Lock()
	posts := append([]string(nil), slack.posts...)
	slack.mu.Unlock()
	if len(posts) != 1 || !strings.Contains(posts[0], "Test alert from rootguard") {
		t.Errorf("stand-in Slack received %q", posts)
	}

	// Slack refuses for good: the command says so, with Slack's answer.
	slack.status.Store(http.StatusNotFound)
	r, err = alertstatus.SendTest(ctx, eventbridge.NewFromConfig(cfg), clients, names, 20*time.Second, 100*time.Millisecond, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if r.Stage != alertstatus.StageSlack || !strings.Contains(r.Detail, "404") {
		t.Errorf("refused test: stage %s, detail %q", r.Stage, r.Detail)
	}
	if strings.Contains(r.Line.Raw, srv.URL) {
		t.Error("the function logged the webhook URL")
	}
}
