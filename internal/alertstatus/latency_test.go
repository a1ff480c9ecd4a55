package alertstatus_test

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"
)

// TestAlertLatency measures the time from PutEvents on the default bus to
// the stand-in Slack receiving the post, on the local AWS with the real
// bootstrap, one event at a time. It runs only when asked:
//
//	ROOTGUARD_LATENCY=200 go test ./internal/alertstatus -run TestAlertLatency -v -timeout 30m
func TestAlertLatency(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("ROOTGUARD_LATENCY"))
	if n <= 0 {
		t.Skip("set ROOTGUARD_LATENCY=<events> to measure")
	}
	env := deployPipeline(t, "rglatency")
	env.putRootSignIn(t, "warmup00-0000-4000-8000-000000000000") // cold start excluded
	waitFor(t, "the warm-up alert", 30*time.Second, func() bool { return len(env.slack.postsOf([]string{"warmup00-0000-4000-8000-000000000000"})) == 1 })

	lat := make([]time.Duration, n)
	for i := range lat {
		id := fmt.Sprintf("latency0-0000-4000-8000-%012d", i)
		start := time.Now()
		env.putRootSignIn(t, id)
		for len(env.slack.postsOf([]string{id})) == 0 {
			if time.Since(start) > 30*time.Second {
				t.Fatalf("event %d not posted within 30 s", i)
			}
			time.Sleep(2 * time.Millisecond)
		}
		lat[i] = time.Since(start)
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration {
		return lat[min(len(lat)-1, int(p*float64(len(lat))))].Round(time.Millisecond)
	}
	t.Logf("%d events one at a time: min %s p50 %s p90 %s p99 %s max %s", n, lat[0].Round(time.Millisecond), pct(0.50), pct(0.90), pct(0.99), lat[n-1].Round(time.Millisecond))
}
