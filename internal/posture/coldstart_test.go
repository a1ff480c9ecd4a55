//go:build coldstart

// The auditor function's cold start: `go test -tags coldstart -run
// TestAuditorColdStart -v ./internal/posture`. Not part of `make test`: it
// builds cmd/auditor and the minimal aws-lambda-go handler. Measured like
// the alert function's (internal/alertfn/coldstart_test.go), under a fake
// Lambda Runtime API on 127.0.0.1: cold start is exec → the first poll of
// .../invocation/next (Lambda's init phase); the init's peak RSS is read
// at that poll, before the invocation is handed out; the first invocation
// is one scheduled run of a 30-member organization on the local AWS (no
// injected latency), up to its response; the peak RSS after it is read
// while the function waits in its second poll. Peak RSS is VmHWM of
// /proc/<pid>/status, the process's own high-water mark. 7 runs of each,
// interleaved; ROOTGUARD_COLDSTART_RUNS sets another number.

package posture

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// runtimeAPI is a fake Lambda Runtime API: the first poll gets one
// invocation, later polls wait until the process is killed.
type runtimeAPI struct {
	srv *httptest.Server

	mu        sync.Mutex
	pid       int
	polls     int
	initPeak  int64          // VmHWM at the first poll, KiB
	firstPoll chan time.Time // first GET .../invocation/next
	responded chan string    // POST .../response or .../error
	idle      chan struct{}  // second poll
}

func newRuntimeAPI(t *testing.T) *runtimeAPI {
	r := &runtimeAPI{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.polls++
		n, pid := r.polls, r.pid
		r.mu.Unlock()
		switch n {
		case 1:
			at := time.Now()
			peak, err := vmHWMOf(pid)
			if err != nil {
				t.Error(err)
			}
			r.mu.Lock()
			r.initPeak = peak
			r.mu.Unlock()
			r.firstPoll <- at
			w.Header().Set("Lambda-Runtime-Aws-Request-Id", "bench-request-1")
			w.Header().Set("Lambda-Runtime-Deadline-Ms", fmt.Sprint(time.Now().Add(5*time.Minute).UnixMilli()))
			w.Header().Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:100000000000:function:rootguard-posture")
			_, _ = io.WriteString(w, "{}")
			return
		case 2:
			r.idle <- struct{}{}
		}
		<-req.Context().Done()
	})
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/{outcome}", func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		w.WriteHeader(http.StatusAccepted)
		r.responded <- req.PathValue("outcome") + " " + string(body)
	})
	r.srv = httptest.NewServer(mux)
	t.Cleanup(r.srv.Close)
	return r
}

type sample struct {
	coldStart, firstInvoke time.Duration
	initPeakKB, peakKB     int64
}

// measure starts cmd and follows it through its init, one invocation
// (when invoke) and its second poll, then kills it.
func (r *runtimeAPI) measure(t *testing.T, cmd *exec.Cmd, invoke bool) sample {
	t.Helper()
	r.mu.Lock()
	r.polls, r.pid = 0, 0
	r.firstPoll, r.responded, r.idle = make(chan time.Time, 1), make(chan string, 1), make(chan struct{}, 1)
	r.mu.Unlock()
	cmd.Env = append(cmd.Env, "AWS_LAMBDA_RUNTIME_API="+strings.TrimPrefix(r.srv.URL, "http://"))
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	r.mu.Lock() // the first poll reads the pid: hold it until it is known
	start := time.Now()
	if err := cmd.Start(); err != nil {
		r.mu.Unlock()
		t.Fatal(err)
	}
	r.pid = cmd.Process.Pid
	r.mu.Unlock()
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	var s sample
	select {
	case polled := <-r.firstPoll:
		s.coldStart = polled.Sub(start)
	case <-time.After(60 * time.Second):
		t.Fatalf("%s never polled the Runtime API:\n%s", cmd.Path, out.String())
	}
	r.mu.Lock()
	s.initPeakKB = r.initPeak
	r.mu.Unlock()
	if !invoke {
		return s
	}
	select {
	case resp := <-r.responded:
		s.firstInvoke = time.Since(start) - s.coldStart
		if !strings.HasPrefix(resp, "response") {
			t.Fatalf("%s failed the invocation: %s\n%s", cmd.Path, resp, out.String())
		}
	case <-time.After(5 * time.Minute):
		t.Fatalf("%s never answered the invocation:\n%s", cmd.Path, out.String())
	}
	select {
	case <-r.idle:
	case <-time.After(60 * time.Second):
		t.Fatalf("%s never polled again:\n%s", cmd.Path, out.String())
	}
	peak, err := vmHWMOf(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	s.peakKB = peak
	return s
}

// vmHWMOf reads the peak resident set size, in KiB, of process pid.
func vmHWMOf(pid int) (int64, error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("read peak RSS: %w", err)
	}
	for line := range strings.Lines(string(status)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("read peak RSS: VmHWM %q: %w", v, err)
			}
			return n, nil
		}
	}
	return 0, fmt.Errorf("read peak RSS: no VmHWM in /proc/%d/status", pid)
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func TestAuditorColdStart(t *testing.T) {
	dir := t.TempDir()
	build := func(pkg string) string {
		exe := filepath.Join(dir, filepath.Base(pkg))
		build := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags", "-s -w", "-o", exe, pkg)
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", pkg, err, out)
		}
		return exe
	}
	auditor, minimal := build("../../cmd/auditor"), build("../alertfn/testdata/minimal")

	h := localHub(t, 30)
	creds, err := h.cfg.Credentials.Retrieve(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	api := newRuntimeAPI(t)
	base := []string{"PATH=/usr/bin:/bin", "LANG=C.UTF-8", "AWS_EC2_METADATA_DISABLED=true",
		"AWS_LAMBDA_FUNCTION_NAME=rootguard-posture", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512"}
	auditorCmd := func() *exec.Cmd {
		c := exec.Command(auditor)
		c.Env = append(slices.Concat(base, h.emu.Env(creds)), EnvBucket+"="+h.bucket, EnvQueueURL+"="+h.queueURL, EnvConcurrency+"=4")
		return c
	}
	minCmd := func() *exec.Cmd {
		c := exec.Command(minimal)
		c.Env = append(slices.Clone(base), "AWS_REGION=us-east-1")
		return c
	}
	runs := 7
	if v, err := strconv.Atoi(os.Getenv("ROOTGUARD_COLDSTART_RUNS")); err == nil && v > 0 {
		runs = v
	}
	var audRuns, minRuns []sample
	for range runs { // interleaved, so both see the same machine load
		audRuns = append(audRuns, api.measure(t, auditorCmd(), true))
		minRuns = append(minRuns, api.measure(t, minCmd(), false))
	}
	// The fastest cold start of each is what the code costs with the least
	// interference from other jobs on a shared machine; the median is what
	// a run under that load sees.
	summarise := func(runs []sample) (cold, fastest, invoke time.Duration, initMB, peakMB float64) {
		var c, i []time.Duration
		var ip, p int64
		for _, r := range runs {
			c, i = append(c, r.coldStart), append(i, r.firstInvoke)
			ip, p = max(ip, r.initPeakKB), max(p, r.peakKB)
		}
		return median(c), slices.Min(c), median(i), float64(ip) / 1024, float64(p) / 1024
	}
	ac, af, ai, aip, ap := summarise(audRuns)
	mc, mf, _, mip, _ := summarise(minRuns)
	info, _ := os.Stat(auditor)
	minInfo, _ := os.Stat(minimal)
	t.Logf("\n| %d runs each, medians (peaks: largest) | cold start (exec → first poll) | fastest | peak RSS after init | first invocation (30 members) | peak RSS after it |\n|---|---|---|---|---|---|\n"+
		"| auditor (%.1f MB binary) | %v | %v | %.1f MiB | %v | %.1f MiB |\n"+
		"| minimal aws-lambda-go handler (%.1f MB binary) | %v | %v | %.1f MiB | | |\n| auditor vs minimal | %.2f× | %.2f× | | | |",
		runs, float64(info.Size())/1e6, ac.Round(10*time.Microsecond), af.Round(10*time.Microsecond), aip, ai.Round(time.Millisecond), ap,
		float64(minInfo.Size())/1e6, mc.Round(10*time.Microsecond), mf.Round(10*time.Microsecond), mip, float64(ac)/float64(mc), float64(af)/float64(mf))
	if aip <= 0 || ap < aip {
		t.Errorf("peak RSS after init %.1f MiB, after the invocation %.1f MiB: not read", aip, ap)
	}
}
