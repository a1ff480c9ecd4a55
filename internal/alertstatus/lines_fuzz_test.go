package alertstatus

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

// oneLine is a log group holding a single event.
type oneLine struct {
	msg string
	ts  int64
}

func (g oneLine) FilterLogEvents(context.Context, *cloudwatchlogs.FilterLogEventsInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.FilterLogEventsOutput, error) {
	return &cloudwatchlogs.FilterLogEventsOutput{Events: []logtypes.FilteredLogEvent{{Message: aws.String(g.msg), Timestamp: aws.Int64(g.ts)}}}, nil
}

// FuzzFunctionLines feeds FunctionLines what the function's log group may
// hold: the function's JSON lines, the Lambda runtime's plain-text lines,
// and anything else written there. Every line is kept as written; a line
// that is not a JSON object is its own message, at CloudWatch's time; a
// line that decodes is read by its fields.
func FuzzFunctionLines(f *testing.F) {
	for _, s := range []string{
		`{"time":"2026-11-28T12:00:00.123456789Z","level":"INFO","msg":"alert posted","events":1,"event_ids":["a1b2"],"kind":"console-login"}`,
		`{"time":"2026-11-28T12:00:00Z","level":"ERROR","msg":"alert not posted","http_status":404,"slack_code":"no_service","error":"slack webhook answered 404 no_service (permanent)"}`,
		`{"level":"ERROR","msg":"alert not posted","http_status":"404"}`,
		`START RequestId: 8f5a Version: $LATEST`,
		`2026-11-28T12:00:03.000Z 8f5a Task timed out after 3.00 seconds`,
		`RequestId: 8f5a Error: Runtime exited with error: exit status 2 Runtime.ExitError`,
		`null`, `[]`, `{"time":"2020-01-01T00:00:00Z","msg":"alert posted"}`, `{"level":"ERROR","msg":{}}`, `"alert posted"`, `{}`, `{"msg":null}`, ``,
	} {
		f.Add(s, int64(1796040000000))
	}
	f.Fuzz(func(t *testing.T, msg string, ts int64) {
		lines, err := FunctionLines(context.Background(), oneLine{msg, ts}, "/aws/lambda/rootguard-alert", "", time.UnixMilli(0), time.UnixMilli(ts))
		if err != nil || len(lines) != 1 {
			t.Fatalf("%d lines, err %v", len(lines), err)
		}
		l := lines[0]
		if l.Raw != msg {
			t.Fatalf("Raw = %q, want the line as written, %q", l.Raw, msg)
		}
		if (strings.Contains(msg, "Task timed out") || strings.Contains(msg, "Runtime.ExitError")) && !l.Failed() {
			t.Fatalf("a runtime failure line is not Failed: %q", msg)
		}
		if !l.Time.Equal(time.UnixMilli(ts)) {
			t.Fatalf("line %q timed %v, want CloudWatch's timestamp", msg, l.Time)
		}
		var obj map[string]json.RawMessage
		if json.Unmarshal([]byte(msg), &obj) != nil || obj == nil {
			if l.Msg != msg || l.Level != "" {
				t.Fatalf("a line that is not a JSON object read as %+v", l)
			}
			return
		}
		var fields struct {
			Msg   string `json:"msg"`
			Level string `json:"level"`
		}
		if json.Unmarshal([]byte(msg), &fields) == nil && json.Unmarshal([]byte(msg), &LogLine{}) == nil {
			if l.Msg != fields.Msg || l.Level != fields.Level {
				t.Fatalf("line %q read as msg %q level %q", msg, l.Msg, l.Level)
			}
		} else if l.Msg != msg || l.Level != "" {
			t.Fatalf("a line that does not decode read as %+v, want its text as the message", l)
		}
	})
}
