package status

import (
	"fmt"
	"time"

	"github.com/rootguard/rootguard/internal/posturehealth"
)

// printPosture is the posture auditor's line of `alert status`, and its
// problems and warnings.
func printPosture(opts *Options, h posturehealth.Health) {
	w := opts.IO.Out
	if !h.Deployed {
		fmt.Fprintln(w, "posture      not deployed (`rootguard posture deploy` audits the organization on a schedule)")
		return
	}
	schedule := h.Schedule.Name + " missing"
	if h.Schedule.Exists {
		schedule = h.Schedule.Expression + " (" + h.Schedule.State + ")"
	}
	last := "no run yet"
	if h.LastRun != "" {
		last = fmt.Sprintf("last run %s, %s ago", h.LastRun, opts.Now().Sub(h.LastRunAt).Round(time.Minute))
	}
	fmt.Fprintf(w, "posture      %s: %s, %s, %d undelivered invocations\n", h.Stack, schedule, last, h.DLQ.Visible)
	for _, p := range h.Problems {
		fmt.Fprintf(opts.IO.ErrOut, "problem: %s\n", p)
	}
	for _, warning := range h.Warnings {
		fmt.Fprintf(opts.IO.ErrOut, "warning: %s\n", warning)
	}
}

// jsonPosture is the "posture" member of the JSON report.
func jsonPosture(h posturehealth.Health) map[string]any {
	out := map[string]any{"deployed": h.Deployed}
	if !h.Deployed {
		return out
	}
	var last, next *time.Time
	if h.LastRun != "" {
		last = &h.LastRunAt
	}
	if !h.Next.IsZero() {
		next = &h.Next
	}
	out["stack"], out["stack_status"] = h.Stack, h.StackStatus
	out["schedule"] = map[string]any{"name": h.Schedule.Name, "exists": h.Schedule.Exists, "expression": h.Schedule.Expression,
		"timezone": h.Schedule.Timezone, "state": h.Schedule.State, "period_seconds": int(h.Period.Seconds()), "next_fire": next}
	out["last_run"] = map[string]any{"id": h.LastRun, "started_at": last}
	out["dead_letters"] = h.DLQ.Visible
	out["problems"], out["warnings"] = h.Problems, h.Warnings
	return out
}
