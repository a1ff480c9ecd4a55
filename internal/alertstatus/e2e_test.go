package alertstatus_test

import (
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/rootguard/rootguard/internal/alertstatus"
	"github.com/rootguard/rootguard/internal/lambdazip"
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
	t.Parallel() // a pipeline of its own (its prefix), waiting on Lambda and SQS time
	env := deployPipeline(t, "rgtest")
	env.noBatchingWindow(t) // one event: the template's 2 s window only waits
	ctx := t.Context()
	cfg, clients := env.operator(t)

	r, err := alertstatus.SendTest(ctx, eventbridge.NewFromConfig(cfg), clients, env.names, 20*time.Second, 100*time.Millisecond, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if r.Stage != alertstatus.StagePosted {
		t.Fatalf("test event stopped at %s: %s", r.Stage, r.Detail)
	}
	env.slack.mu.Lock()
	posts := append([]string(nil), env.slack.posts...)
	env.slack.mu.Unlock()
	if len(posts) != 1 || !strings.Contains(posts[0], "Test alert from rootguard") {
		t.Errorf("stand-in Slack received %q", posts)
	}

	// Slack refuses for good: the command says so, with Slack's answer.
	env.slack.status.Store(http.StatusNotFound)
	r, err = alertstatus.SendTest(ctx, eventbridge.NewFromConfig(cfg), clients, env.names, 20*time.Second, 100*time.Millisecond, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if r.Stage != alertstatus.StageSlack || !strings.Contains(r.Detail, "404") {
		t.Errorf("refused test: stage %s, detail %q", r.Stage, r.Detail)
	}
	if strings.Contains(r.Line.Raw, env.webhook) {
		t.Error("the function logged the webhook URL")
	}
}
