package alertstatus

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

type logLines []logtypes.FilteredLogEvent

func (l logLines) FilterLogEvents(context.Context, *cloudwatchlogs.FilterLogEventsInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.FilterLogEventsOutput, error) {
	return &cloudwatchlogs.FilterLogEventsOutput{Events: l}, nil
}

func line(at time.Time, msg string) logtypes.FilteredLogEvent {
	return logtypes.FilteredLogEvent{Timestamp: aws.Int64(at.UnixMilli()), Message: aws.String(msg)}
}

// TestFunctionThatCannotStartIsNotHealthy: an alert function whose runtime
// cannot start (Lambda's INIT_REPORT … Status: error) is a problem named
// with its error type — "Root activity reaches Slack" would be false — until
// an alert is posted after it.
func TestFunctionThatCannotStartIsNotHealthy(t *testing.T) {
	now := time.Now()
	initErr := "INIT_REPORT Init Duration: 0.27 ms Phase: invoke Status: error Error Type: Runtime.InvalidEntrypoint"
	healthy := Report{
		Rule:     RuleState{Name: "rootguard-root-activity", Exists: true, State: "ENABLED", MatchesRootLog: true, Targets: 1},
		Function: FunctionState{Name: "rootguard-alert", Exists: true, State: "Active", LastUpdateStatus: "Successful", Mapping: "Enabled"},
		Queue:    QueueState{Name: "rootguard-alerts", Exists: true},
		DLQ:      QueueState{Name: "rootguard-alert-dlq", Exists: true},
	}
	for name, tc := range map[string]struct {
		lines logLines
		want  string // a problem that must be named; "" none about the function
	}{
		"cannot start":             {logLines{line(now.Add(-2*time.Minute), `{"msg":"alert posted","level":"INFO"}`), line(now.Add(-time.Minute), initErr)}, "function rootguard-alert cannot start (Runtime.InvalidEntrypoint, 1 times in the last 24h0m0s)"},
		"posted after the failure": {logLines{line(now.Add(-2*time.Minute), initErr), line(now.Add(-time.Minute), `{"msg":"alert posted","level":"INFO"}`)}, ""},
		"never failed":             {logLines{line(now.Add(-time.Minute), `{"msg":"alert posted","level":"INFO"}`)}, ""},
	} {
		t.Run(name, func(t *testing.T) {
			d, err := ReadDeliveries(context.Background(), tc.lines, "/aws/lambda/rootguard-alert", now.Add(-Window), now)
			if err != nil {
				t.Fatal(err)
			}
			r := healthy
			r.Deliveries = d
			problems := strings.Join(r.problems(), "\n")
			if tc.want == "" && strings.Contains(problems, "cannot start") {
				t.Errorf("problems %q", problems)
			}
			if tc.want != "" && !strings.Contains(problems, tc.want) {
				t.Errorf("problems %q, want %q", problems, tc.want)
			}
		})
	}
}

// TestQueueNotConsumedIsNotHealthy: with no event source mapping from the
// alert queue, or one that is not Enabled, alerts wait in the queue: a
// problem, named.
func TestQueueNotConsumedIsNotHealthy(t *testing.T) {
	for _, tc := range []struct{ mapping, reason, want string }{
		{"", "", "no event source mapping feeds function rootguard-alert from queue rootguard-alerts"},
		{"Disabled", "USER_INITIATED", "the event source mapping from queue rootguard-alerts to function rootguard-alert is Disabled (USER_INITIATED): alerts stay in the queue"},
		{"Enabled", "", ""},
	} {
		r := Report{
			Rule:     RuleState{Name: "r", Exists: true, State: "ENABLED", MatchesRootLog: true, Targets: 1},
			Function: FunctionState{Name: "rootguard-alert", Exists: true, State: "Active", Mapping: tc.mapping, MappingReason: tc.reason},
			Queue:    QueueState{Name: "rootguard-alerts", Exists: true},
			DLQ:      QueueState{Name: "rootguard-alerts-dlq", Exists: true},
		}
		problems := strings.Join(r.problems(), "\n")
		if tc.want == "" && strings.Contains(problems, "event source mapping") || tc.want != "" && !strings.Contains(problems, tc.want) {
			t.Errorf("mapping %q: problems %q, want %q", tc.mapping, problems, tc.want)
		}
	}
}

// FuzzStartFailure: any log line is read without panicking, and only a
// line with INIT_REPORT and Status: error is a start failure.
func FuzzStartFailure(f *testing.F) {
	for _, s := range []string{
		"INIT_REPORT Init Duration: 0.27 ms Phase: invoke Status: error Error Type: Runtime.InvalidEntrypoint",
		"INIT_REPORT Init Duration: 0.27 ms Phase: init Status: error",
		"INIT_REPORT Init Duration: 12.3 ms Phase: init Status: success",
		"INIT_START Runtime Version: provided:al2023", `{"msg":"alert posted"}`, "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		errType, ok := LogLine{Raw: raw}.StartFailure()
		if ok != (strings.Contains(raw, "INIT_REPORT") && strings.Contains(raw, "Status: error")) {
			t.Fatalf("%q: start failure %v", raw, ok)
		}
		if ok && errType == "" && !strings.HasSuffix(strings.TrimSpace(raw), "Error Type:") {
			t.Fatalf("%q: a start failure without its type", raw)
		}
	})
}
