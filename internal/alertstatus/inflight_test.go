package alertstatus_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rootguard/rootguard/internal/alertstatus"
)

// TestMessageStuckInFlightIsNotHealthy: a function that never deletes its
// message (Slack refuses, so every invocation fails) keeps the alert in
// flight, received again after each visibility timeout; once the oldest
// message is older than the visibility timeout plus the function timeout,
// status names it — read by an operator allowed exactly
// docs/permissions/alert-operate.json, which keeps cloudwatch:GetMetricData
// in it. Once the alert has gone to the dead-letter queue and Slack is
// back, a delivered alert leaves no such problem.
func TestMessageStuckInFlightIsNotHealthy(t *testing.T) {
	t.Parallel() // a pipeline of its own (its prefix), waiting on Lambda and SQS time
	env := deployPipeline(t, "rgstuck")
	ctx := t.Context()
	_, operator := env.operator(t)
	// 1 s function timeout, 2 s visibility timeout: the message is stuck
	// after 3 s and dead-lettered after the template's 5 receives (~10 s).
	env.shortenRetries(t, 1, 2)
	env.slack.status.Store(http.StatusServiceUnavailable)
	env.putRootSignIn(t, "5tuck000-0000-4000-8000-000000000001")

	stuck := func(r alertstatus.Report) bool {
		return slices.ContainsFunc(r.Problems, func(p string) bool {
			return strings.Contains(p, "in flight, the oldest for longer than the visibility timeout")
		})
	}
	var seen alertstatus.Report
	waitFor(t, "status names the message stuck in flight", 30*time.Second, func() bool {
		r, err := alertstatus.Read(ctx, operator, env.names, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		seen = r
		return stuck(r)
	})
	if seen.Queue.Age.Oldest <= seen.Queue.VisibilityTimeout+seen.Function.Timeout || seen.Function.Timeout != time.Second || seen.Queue.VisibilityTimeout != 2*time.Second {
		t.Errorf("stuck with age %s, visibility timeout %s, function timeout %s", seen.Queue.Age.Oldest, seen.Queue.VisibilityTimeout, seen.Function.Timeout)
	}

	// The alert ends in the dead-letter queue; Slack recovers and a new
	// alert is delivered: nothing is stuck, although the first message was
	// never deleted from the alert queue by the function.
	waitFor(t, "the alert dead-lettered", 40*time.Second, func() bool {
		r, err := alertstatus.Read(ctx, operator, env.names, time.Now())
		return err == nil && r.DLQ.Visible == 1 && r.Queue.Visible+r.Queue.InFlight == 0
	})
	env.slack.status.Store(http.StatusOK)
	env.shortenRetries(t, 10, 12)
	id := "5tuck000-0000-4000-8000-000000000002"
	env.putRootSignIn(t, id)
	waitFor(t, "the new alert posted", 20*time.Second, func() bool { return env.slack.postsOf([]string{id})[id] == 1 })
	waitFor(t, "the queue drained", 10*time.Second, func() bool {
		r, err := alertstatus.Read(ctx, operator, env.names, time.Now())
		return err == nil && r.Queue.Visible+r.Queue.InFlight == 0
	})
	r, err := alertstatus.Read(ctx, operator, env.names, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if stuck(r) || r.Queue.Age.Known {
		t.Errorf("healthy pipeline: age known %v (%s), problems %q", r.Queue.Age.Known, r.Queue.Age.Oldest, r.Problems)
	}
}
