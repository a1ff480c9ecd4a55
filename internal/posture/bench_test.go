package posture

import (
	"bytes"
	"fmt"
	"math"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/awsconfig"
	"github.com/rootguard/rootguard/internal/orgscan"
	"github.com/rootguard/rootguard/internal/stack"
)

// countingTransport counts the API calls the run makes, and those of one
// operation, and times each round trip. The operation is the SDK's own
// name for it, from the request's context: reading it from the body would
// copy every request, work the function itself does not do.
type countingTransport struct {
	next        http.RoundTripper
	calls       atomic.Int64
	lastUsed    atomic.Int64
	countAction string

	mu    sync.Mutex
	trace []span
}

type span struct {
	action     string
	start, end time.Time
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.calls.Add(1)
	action := awsmiddleware.GetOperationName(r.Context())
	if action == c.countAction {
		c.lastUsed.Add(1)
	}
	if action == "" {
		action = r.Method + " " + r.URL.Host
	}
	start := time.Now()
	resp, err := c.next.RoundTrip(r)
	c.mu.Lock()
	c.trace = append(c.trace, span{action, start, time.Now()})
	c.mu.Unlock()
	return resp, err
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

	serverPID, _ := strconv.Atoi(os.Getenv("ROOTGUARD_POSTURE_BENCH_SERVER_PID"))
	srvBefore := time.Duration(-1)
	if serverPID > 0 {
		srvBefore = processCPU(t, serverPID)
	}
	loadBefore := loadAverage()
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
	serverCPU := "unknown (set ROOTGUARD_POSTURE_BENCH_SERVER_PID)"
	if srvBefore >= 0 {
		if srvAfter := processCPU(t, serverPID); srvAfter >= 0 {
			serverCPU = fmt.Sprintf("%v (%.3f ms/call)", (srvAfter - srvBefore).Round(time.Millisecond), float64((srvAfter-srvBefore).Microseconds())/1000/float64(calls))
		}
	}
	t.Logf("members=%d accounts_in_error=%d wall=%v ideal=%v (%.0f%% of ideal) calls=%d client_cpu=%v (%.3f ms/call) server_cpu=%s peak_rss(VmHWM)=%.0f MiB GOMAXPROCS=1 GOMEMLIMIT=%q GOGC=%q load_average=%s→%s",
		members, errorsSeen, wall.Round(10*time.Millisecond), ideal.Round(10*time.Millisecond), 100*ideal.Seconds()/wall.Seconds(),
		calls, cpu.Round(time.Millisecond), float64(cpu.Microseconds())/1000/float64(calls), serverCPU, float64(vmHWM(t))/1024,
		os.Getenv("GOMEMLIMIT"), os.Getenv("GOGC"), loadBefore, loadAverage())
	if errorsSeen > 0 {
		t.Errorf("%d accounts in ERROR", errorsSeen)
	}
	logTimeline(t, start, start.Add(wall), counter.trace)
}

// logTimeline says where the run's time went: per action the round trips
// as this process saw them, when the members' calls began and ended, how
// many calls were in flight meanwhile, and the tail after the last one.
func logTimeline(t *testing.T, start, end time.Time, trace []span) {
	byAction := map[string][]time.Duration{}
	var firstMember, lastMember, lastList time.Time
	var busy time.Duration
	for _, s := range trace {
		byAction[s.action] = append(byAction[s.action], s.end.Sub(s.start))
		switch s.action {
		case "ListAccounts":
			if s.end.After(lastList) {
				lastList = s.end
			}
		case "AssumeRoot", "GetAccountSummary", "GetUser", "ListAccessKeys", "ListMFADevices", "ListSigningCertificates", "GetAccessKeyLastUsed":
			if firstMember.IsZero() || s.start.Before(firstMember) {
				firstMember = s.start
			}
			if s.end.After(lastMember) {
				lastMember = s.end
			}
			busy += s.end.Sub(s.start)
		}
	}
	for a, ds := range byAction {
		slices.Sort(ds)
		var sum time.Duration
		for _, d := range ds {
			sum += d
		}
		t.Logf("  %-45s n=%6d mean=%6.1fms p50=%6.1fms p99=%6.1fms", a, len(ds),
			float64(sum.Microseconds())/1000/float64(len(ds)), float64(ds[len(ds)/2].Microseconds())/1000, float64(ds[len(ds)*99/100].Microseconds())/1000)
	}
	ms := func(d time.Duration) float64 { return float64(d.Milliseconds()) }
	var lastTree time.Time
	for _, s := range trace {
		if s.action == "ListAccountsForParent" && s.end.After(lastTree) {
			lastTree = s.end
		}
	}
	t.Logf("OU tree (ListAccountsForParent) done at %.0f ms", ms(lastTree.Sub(start)))
	for _, s := range trace {
		if s.end.After(lastMember) {
			t.Logf("  tail: %-30s %.0f → %.0f ms", s.action, ms(s.start.Sub(start)), ms(s.end.Sub(start)))
		}
	}
	t.Logf("first member call at %.0f ms, last ListAccounts done at %.0f ms, last member call done at %.0f ms, tail after it %.0f ms; member calls in flight on average %.1f",
		ms(firstMember.Sub(start)), ms(lastList.Sub(start)), ms(lastMember.Sub(start)), ms(end.Sub(lastMember)), busy.Seconds()/lastMember.Sub(firstMember).Seconds())
}

// vmHWM is this process's peak resident set, in KiB: VmHWM of
// /proc/self/status (proc(5)).
func vmHWM(t *testing.T) int {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(status)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			if err != nil {
				t.Fatalf("VmHWM %q: %v", v, err)
			}
			return kb
		}
	}
	t.Fatal("no VmHWM in /proc/self/status")
	return 0
}

// processCPU is the user and system CPU another process (the local AWS)
// has used: utime and stime of /proc/<pid>/stat, in clock ticks of 10 ms
// (proc(5); USER_HZ is 100 on Linux). -1 when it cannot be read.
func processCPU(t *testing.T, pid int) time.Duration {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Logf("read the local AWS's CPU time: %v", err)
		return -1
	}
	// The command name (field 2) may hold spaces: count from its ")".
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	utime, err1 := strconv.Atoi(fields[11])
	stime, err2 := strconv.Atoi(fields[12])
	if err1 != nil || err2 != nil {
		t.Logf("read the local AWS's CPU time: %q", stat)
		return -1
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// loadAverage is the machine's 1-minute load average (proc(5)): the other
// jobs on a shared machine stretch every round trip.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Fields(string(b))[0]
}
