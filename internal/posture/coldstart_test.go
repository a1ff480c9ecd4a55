//go:build coldstart

// The auditor function's cold start: `go test -tags coldstart -run
// TestAuditorColdStart -v ./internal/posture`. Not part of `make test`: it
// builds cmd/auditor. Measured like the alert function's
// (internal/alertfn/coldstart_test.go): from exec to the function's first
// poll of the Lambda Runtime API, which is Lambda's init phase.

package posture

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestAuditorColdStart(t *testing.T) {
	exe := filepath.Join(t.TempDir(), "bootstrap")
	build := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags", "-s -w", "-o", exe, "github.com/rootguard/rootguard/cmd/auditor")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	const runs = 7
	var starts []time.Duration
	for range runs {
		polled := make(chan time.Time, 1)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case polled <- time.Now():
			default:
			}
			<-r.Context().Done() // never hand out an invocation: only init is measured
		}))
		cmd := exec.Command(exe)
		cmd.Env = []string{
			"AWS_LAMBDA_RUNTIME_API=" + srv.Listener.Addr().String(),
			"AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY=example",
			EnvBucket + "=rootguard-artifacts-111122223333-us-east-1",
			EnvQueueURL + "=https://sqs.us-east-1.amazonaws.com/111122223333/rootguard-alerts",
		}
		start := time.Now()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		select {
		case at := <-polled:
			starts = append(starts, at.Sub(start))
		case <-time.After(30 * time.Second):
			t.Fatal("the function never polled the Runtime API")
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		srv.CloseClientConnections()
		srv.Close()
	}
	slices.Sort(starts)
	info, _ := os.Stat(exe)
	t.Logf("auditor cold start (exec → first Runtime API poll), %d runs: median %v, min %v, max %v; binary %.1f MB",
		runs, starts[runs/2].Round(100*time.Microsecond), starts[0].Round(100*time.Microsecond), starts[runs-1].Round(100*time.Microsecond), float64(info.Size())/1e6)
}
