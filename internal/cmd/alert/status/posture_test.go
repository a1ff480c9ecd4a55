package status

import (
	"strings"
	"testing"
	"time"

	"github.com/rootguard/rootguard/internal/iostreams"
	"github.com/rootguard/rootguard/internal/posturehealth"
)

func TestPostureLine(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	ios, _, out, errOut := iostreams.Test()
	opts := &Options{IO: ios, Now: func() time.Time { return now }}
	printPosture(opts, posturehealth.Health{})
	if !strings.Contains(out.String(), "posture      not deployed (`rootguard posture deploy`") || errOut.Len() > 0 {
		t.Errorf("not deployed: %q %q", out.String(), errOut.String())
	}
	out.Reset()
	h := posturehealth.Health{Deployed: true, Stack: "rootguard-posture", LastRun: "r7", LastRunAt: now.Add(-50 * time.Hour),
		Schedule: posturehealth.ScheduleState{Name: "rootguard-posture", Exists: true, Expression: "rate(1 day)", State: "ENABLED"},
		Problems: []string{"the last posture run (r7) started 50h0m0s ago, more than 2 periods of rate(1 day)"}}
	printPosture(opts, h)
	if !strings.Contains(out.String(), "posture      rootguard-posture: rate(1 day) (ENABLED), last run r7, 50h0m0s ago, 0 undelivered invocations") ||
		!strings.Contains(errOut.String(), "problem: the last posture run (r7)") {
		t.Errorf("deployed: %q %q", out.String(), errOut.String())
	}
	if j := jsonPosture(h); j["deployed"] != true || j["last_run"].(map[string]any)["id"] != "r7" || len(j["problems"].([]string)) != 1 {
		t.Errorf("json: %+v", j)
	}
	if j := jsonPosture(posturehealth.Health{}); len(j) != 1 || j["deployed"] != false {
		t.Errorf("json when not deployed: %+v", j)
	}
}
