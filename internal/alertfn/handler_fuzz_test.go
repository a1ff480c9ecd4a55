package alertfn

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/rootguard/rootguard/internal/alertevent"
)

// FuzzInvoke feeds the function what Lambda hands it: an EventBridge event
// or an SQS batch of them, with Slack accepting or refusing every post.
// Nothing is lost: when Slack accepts, every event is counted in exactly one
// posted message; when Slack refuses, a direct invocation fails (Lambda
// retries it) and a batch names every one of its messages for redelivery.
func FuzzInvoke(f *testing.F) {
	var refuse bool
	slack := &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
		_, _ = io.Copy(io.Discard, r.Body)
		status, text := http.StatusOK, "ok"
		if refuse {
			status, text = http.StatusNotFound, "no_service"
		}
		return &http.Response{StatusCode: status, Body: io.NopCloser(strings.NewReader(text)), Header: http.Header{}, Request: r}, nil
	})}

	entries, err := os.ReadDir("../alertevent/testdata")
	if err != nil {
		f.Fatal(err)
	}
	var bodies [][]byte
	for _, e := range entries {
		raw, err := os.ReadFile(filepath.Join("../alertevent/testdata", e.Name()))
		if err != nil {
			f.Fatal(err)
		}
		bodies = append(bodies, raw)
		f.Add(raw, false)
	}
	batch := func(bodies ...[]byte) []byte {
		var ev events.SQSEvent
		for i, b := range bodies {
			ev.Records = append(ev.Records, sqsRecord("m-"+string(rune('a'+i)), b))
		}
		raw, _ := json.Marshal(ev)
		return raw
	}
	f.Add(batch(bodies[0]), false)
	f.Add(batch(bodies[0]), true)
	f.Add(batch(bodies[:3]...), true)
	f.Add(batch(bodies...), false)
	f.Add(batch(bodies...), true)
	f.Add([]byte(`{"Records":[]}`), false)
	f.Add([]byte(`{"Records":[{"eventSource":"aws:sqs"}]}`), false)
	f.Add([]byte(`{"Records":[{"eventSource":"aws:sqs","messageId":"m-1","body":"{}"},{"eventSource":"aws:kinesis","messageId":"m-2"}]}`), true)
	f.Add([]byte(`{"Records":[{"eventSource":"aws:sqs","messageId":"m-1","body":5}]}`), true)
	f.Add([]byte(`null`), true)

	f.Fuzz(func(t *testing.T, payload []byte, refused bool) {
		refuse = refused
		var logs bytes.Buffer
		cfg := Config{WebhookParameter: paramName, Events: alertevent.DefaultConfig()}
		h := New(cfg, &fakeSSM{value: "https://hooks.slack.com" + secretPath}, slack, slog.New(slog.NewJSONHandler(&logs, nil)))
		out, err := h.Invoke(context.Background(), payload)
		posted, n := postedEvents(t, &logs)
		sqs, isBatch := sqsBatch(payload)
		if !isBatch {
			if out != nil {
				t.Fatalf("direct invocation returned %#v", out)
			}
			switch {
			case refused && err == nil:
				t.Fatal("Slack refused the alert, but the invocation succeeded: Lambda would not retry it")
			case !refused && (err != nil || n != 1 || posted != 1):
				t.Fatalf("Slack accepting: err = %v after %d posts for %d events", err, n, posted)
			}
			return
		}
		if err != nil {
			t.Fatalf("batch invocation failed: %v", err)
		}
		resp, ok := out.(events.SQSEventResponse)
		if !ok {
			t.Fatalf("batch invocation returned %T", out)
		}
		var failed, all []string
		for _, f := range resp.BatchItemFailures {
			failed = append(failed, f.ItemIdentifier)
		}
		for _, r := range sqs.Records {
			all = append(all, r.MessageId)
		}
		slices.Sort(failed)
		slices.Sort(all)
		if refused {
			if !slices.Equal(failed, all) || posted != 0 {
				t.Fatalf("Slack refused every post, but %d events were logged as posted and the failures are %q, not every message %q", posted, failed, all)
			}
			return
		}
		if len(failed) != 0 || posted != len(sqs.Records) {
			t.Fatalf("Slack accepting: %d of %d events posted, failures %q", posted, len(sqs.Records), failed)
		}
		if len(sqs.Records) > individualMax && n > maxPosts {
			t.Fatalf("%d events in %d posts, more than %d", len(sqs.Records), n, maxPosts)
		}
	})
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// postedEvents sums the events of the function's "alert posted" log lines,
// and counts its posts, accepted or not.
func postedEvents(t *testing.T, logs *bytes.Buffer) (events, posts int) {
	t.Helper()
	sc := bufio.NewScanner(logs)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var line struct {
			Msg    string `json:"msg"`
			Events int    `json:"events"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("log line %s: %v", sc.Bytes(), err)
		}
		switch line.Msg {
		case "alert posted":
			events += line.Events
			posts++
		case "alert not posted":
			posts++
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return events, posts
}
