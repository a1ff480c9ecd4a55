package posture

import (
	"bytes"
	"io"
	"math"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/awsconfig"
	"github.com/rootguard/rootguard/internal/orgscan"
	"github.com/rootguard/rootguard/internal/stack"
)

// countingTransport counts the API calls the run makes, and those of one
// action (read from the query-protocol body).
type countingTransport struct {
	next        http.RoundTripper
	calls       atomic.Int64
	lastUsed    atomic.Int64
	countAction string
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.calls.Add(1)
	if r.Body != nil && r.Method == http.MethodPost {
		body, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			return nil, err
		}
		if bytes.Contains(body, []byte("Action="+c.countAction)) {
			c.lastUsed.Add(1)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	return c.next.RoundTrip(r)
}

// TestScheduledRunAtScale is the scheduled function's benchmark: one run
// against an organization served by `rootguard local` in another process
// (so that this process is only the function), with GOMAXPROCS=1 like a
// 1-vCPU Lambda. It is skipped unless ROOTGUARD_POSTURE_BENCH=1 and the
// SDK environment points at the local AWS (see BENCHMARKS.md).
func TestScheduledRunAtScale(t *testing.T) {
	if os.Getenv("ROOTGUARD_POSTURE_BENCH") != "1" {
		t.Skip("set ROOTGUARD_POSTURE_BENCH=1 and point the SDK at `rootguard local --members N --latency 50ms`")
	}
	latency, err := time.ParseDuration(os.Getenv("ROOTGUARD_POSTURE_BENCH_LATENCY"))
	if err != nil {
		latency = 50 * time.Millisecond
	}
	ctx := t.Context()
	cfg, err := awsconfig.Load(ctx, awsconfig.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 256 // as the SDK's BuildableClient: no connection churn at concurrency 32
	counter := &countingTransport{next: tr, countAction: "GetAccessKeyLastUsed"}
	cfg.HTTPClient = &http.Client{Transport: counter}
	cfg.Retryer = awsconfig.NewRetryer
	caller, err := account.Resolve(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	names := stack.Names{Prefix: stack.DefaultPrefix}
	e := New(caller)
	bucket := e.Bucket(names)
	if _, err := e.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket}); err != nil && !strings.Contains(err.Error(), "BucketAlreadyOwnedByYou") {
		t.Fatal(err)
	}
	if _, err := e.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(names.Queue())}); err != nil {
		t.Fatal(err)
	}

	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	var before syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	counter.calls.Store(0)
	counter.lastUsed.Store(0)
	start := time.Now()
	res, err := e.Run(ctx, names, Options{Concurrency: orgscan.DefaultConcurrency, AccountTimeout: 5 * time.Minute})
	wall := time.Since(start)
	var after syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	if err != nil {
		t.Fatal(err)
	}
	members := len(res.Run.Accounts) - 1
	errorsSeen := 0
	for _, a := range res.Run.Accounts {
		if a.Error != "" {
			errorsSeen++
		}
	}
	cpu := time.Duration(after.Utime.Nano()+after.Stime.Nano()-before.Utime.Nano()-before.Stime.Nano()) * time.Nanosecond
	calls := counter.calls.Load()
	// Ideal, as in internal/orgaudit's benchmark: the ListAccounts pages
	// (20 accounts each) one after another, or the members' dependent
	// chains — AssumeRoot, then the reads, then GetAccessKeyLastUsed for a
	// root key — packed onto the concurrency, whichever is longer; then
	// the run's five sequential writes (run, report, pointer read and
	// swap, digest).
	pages := math.Ceil(float64(members+1) / 20)
	chainCalls := float64(2*members) + float64(counter.lastUsed.Load())
	packed := 3 + math.Ceil(chainCalls/float64(orgscan.DefaultConcurrency))
	ideal := time.Duration(max(2+pages, packed)+5) * latency
	t.Logf("members=%d accounts_in_error=%d wall=%v ideal=%v (%.0f%% of ideal) calls=%d client_cpu=%v (%.3f ms/call) peak_rss=%d MB GOMAXPROCS=1",
		members, errorsSeen, wall.Round(10*time.Millisecond), ideal.Round(10*time.Millisecond), 100*ideal.Seconds()/wall.Seconds(),
		calls, cpu.Round(time.Millisecond), float64(cpu.Microseconds())/1000/float64(calls), after.Maxrss/1024)
	if errorsSeen > 0 {
		t.Errorf("%d accounts in ERROR", errorsSeen)
	}
}
