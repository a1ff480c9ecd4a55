package alertfn

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/rootguard/rootguard/internal/alertevent"
	"github.com/rootguard/rootguard/internal/slackmsg"
	"github.com/rootguard/rootguard/internal/webhook"
)

const (
	secretPath = "/services/TEST/TEST/not-a-real-secret-x9"
	paramName  = "/rootguard/slack-webhook"
)

type fakeSSM struct {
	mu    sync.Mutex
	value string
	err   error
	calls int
}

func (f *fakeSSM) GetDecrypted(_ context.Context, name string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if name != paramName {
		return "", fmt.Errorf("unexpected parameter %q", name)
	}
	if f.err != nil {
		return "", f.err
	}
	return f.value, nil
}

// slack is a Slack stand-in that records accepted bodies and answers with
// respond (200 "ok" when nil).
type slack struct {
	srv     *httptest.Server
	mu      sync.Mutex
	bodies  []string
	posts   int
	respond func(body string) (int, string)
}

func newSlack(t *testing.T) *slack {
	s := &slack{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		status, text := 200, "ok"
		if s.respond != nil {
			status, text = s.respond(string(b))
		}
		s.mu.Lock()
		s.posts++
		if status == 200 {
			s.bodies = append(s.bodies, string(b))
		}
		s.mu.Unlock()
		w.WriteHeader(status)
		_, _ = io.WriteString(w, text)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

type fixture struct {
	h    *Handler
	ssm  *fakeSSM
	logs *bytes.Buffer
}

func newFixture(t *testing.T, s *slack) fixture {
	t.Helper()
	logs := &bytes.Buffer{}
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	params := &fakeSSM{value: s.srv.URL + secretPath}
	cfg := Config{WebhookParameter: paramName, Events: alertevent.DefaultConfig()}
	h := New(cfg, params, nil, logger)
	build := h.newHook
	h.newHook = func(url string) (*webhook.Client, error) {
		c, err := build(url)
		if err == nil {
			c.MinBackoff, c.MaxBackoff = time.Millisecond, 2*time.Millisecond
		}
		return c, err
	}
	return fixture{h: h, ssm: params, logs: logs}
}

func (f fixture) assertNoSecret(t *testing.T, texts ...string) {
	t.Helper()
	for _, s := range append(texts, f.logs.String()) {
		if strings.Contains(s, "not-a-real-secret") || strings.Contains(s, "/services/") {
			t.Errorf("webhook URL revealed: %s", s)
		}
	}
}

func readEvent(t *testing.T, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("../alertevent/testdata", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestEventBridgeInvocationPostsTheRenderedEvent(t *testing.T) {
	s := newSlack(t)
	f := newFixture(t, s)
	raw := readEvent(t, "console-login-failure")
	for range 3 {
		out, err := f.h.Invoke(context.Background(), raw)
		if err != nil || out != nil {
			t.Fatalf("Invoke = %v, %v", out, err)
		}
	}
	want, _ := slackmsg.Body(slackmsg.Event(alertevent.Parse(raw, alertevent.DefaultConfig())))
	if len(s.bodies) != 3 || s.bodies[0] != string(want) {
		t.Fatalf("posted %d bodies, first:\n%s\nwant:\n%s", len(s.bodies), s.bodies[0], want)
	}
	if f.ssm.calls != 1 {
		t.Errorf("parameter read %d times over 3 invocations, want once per cold start", f.ssm.calls)
	}
	if !strings.Contains(f.logs.String(), `"event_ids":["a4fbbe77-91a0-4238-804a-64314184edb6"]`) {
		t.Errorf("log lacks the event ID:\n%s", f.logs.String())
	}
	f.assertNoSecret(t)
}

func TestParameterReadFailureFailsInvocationAndIsRetried(t *testing.T) {
	s := newSlack(t)
	f := newFixture(t, s)
	f.ssm.err = errors.New("ThrottlingException: Rate exceeded")
	_, err := f.h.Invoke(context.Background(), readEvent(t, "console-login-failure"))
	if err == nil || !strings.Contains(err.Error(), "read webhook parameter "+paramName) {
		t.Fatalf("err = %v", err)
	}
	f.ssm.err = nil
	if _, err := f.h.Invoke(context.Background(), readEvent(t, "console-login-failure")); err != nil {
		t.Fatal(err)
	}
	if f.ssm.calls != 2 || len(s.bodies) != 1 {
		t.Errorf("%d parameter reads, %d posts; want the failed read retried", f.ssm.calls, len(s.bodies))
	}
}

func TestBadWebhookValueIsNotQuoted(t *testing.T) {
	s := newSlack(t)
	f := newFixture(t, s)
	f.ssm.value = "http://hooks.example.com/services/TEST/TEST/not-a-real-secret-x9"
	_, err := f.h.Invoke(context.Background(), readEvent(t, "console-login-failure"))
	if err == nil || !strings.Contains(err.Error(), "must use https") {
		t.Fatalf("err = %v", err)
	}
	f.assertNoSecret(t, err.Error())
}

func TestEventBridgeInvocationFailsOnPermanentSlackError(t *testing.T) {
	s := newSlack(t)
	s.respond = func(string) (int, string) { return 404, "channel_not_found" }
	f := newFixture(t, s)
	_, err := f.h.Invoke(context.Background(), readEvent(t, "tampering-stop-logging"))
	var werr *webhook.Error
	if !errors.As(err, &werr) || werr.Code != "channel_not_found" || !werr.Permanent {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), "5f6a7b8c-9d0e-4f1a-2b3c-4d5e6f7a8b9c") {
		t.Errorf("error %q lacks the event ID", err)
	}
	for _, want := range []string{`"msg":"alert not posted"`, `"slack_code":"channel_not_found"`, `"http_status":404`, `"event_ids":["5f6a7b8c-9d0e-4f1a-2b3c-4d5e6f7a8b9c"]`} {
		if !strings.Contains(f.logs.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, f.logs.String())
		}
	}
	f.assertNoSecret(t, err.Error())
}

func sqsRecord(id string, body []byte) events.SQSMessage {
	return events.SQSMessage{MessageId: id, Body: string(body), EventSource: "aws:sqs",
		EventSourceARN: "arn:aws:sqs:us-east-1:111122223333:rootguard-alerts", AWSRegion: "us-east-1"}
}

func invokeBatch(t *testing.T, ctx context.Context, h *Handler, records []events.SQSMessage) events.SQSEventResponse {
	t.Helper()
	payload, err := json.Marshal(events.SQSEvent{Records: records})
	if err != nil {
		t.Fatal(err)
	}
	out, err := h.Invoke(ctx, payload)
	if err != nil {
		t.Fatal(err)
	}
	resp, ok := out.(events.SQSEventResponse)
	if !ok {
		t.Fatalf("Invoke returned %T, want events.SQSEventResponse", out)
	}
	return resp
}

func TestSQSBatchReportsOnlyFailedMessages(t *testing.T) {
	s := newSlack(t)
	s.respond = func(body string) (int, string) {
		if strings.Contains(body, "without MFA") {
			return 410, "channel_is_archived"
		}
		return 200, "ok"
	}
	f := newFixture(t, s)
	resp := invokeBatch(t, context.Background(), f.h, []events.SQSMessage{
		sqsRecord("m-1", readEvent(t, "console-login-failure")),
		sqsRecord("m-2", readEvent(t, "console-login-success-no-mfa")),
		sqsRecord("m-3", []byte("not json at all")),
	})
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != "m-2" {
		t.Errorf("failures = %+v, want only m-2", resp.BatchItemFailures)
	}
	if len(s.bodies) != 2 || !strings.Contains(s.bodies[1], "Unrecognised event") {
		t.Errorf("posted %d bodies; the unreadable message must be posted as an unrecognised event", len(s.bodies))
	}
	out, _ := json.Marshal(resp)
	if string(out) != `{"batchItemFailures":[{"itemIdentifier":"m-2"}]}` {
		t.Errorf("response JSON = %s", out)
	}
}

var summaryCount = regexp.MustCompile(`^\[\w+\] (\d+) `)

// accounted sums the events in posted bodies: a summary counts its events,
// any other message one.
func accounted(t *testing.T, bodies []string) int {
	t.Helper()
	n := 0
	for _, b := range bodies {
		var msg struct{ Text string }
		if err := json.Unmarshal([]byte(b), &msg); err != nil {
			t.Fatal(err)
		}
		if m := summaryCount.FindStringSubmatch(msg.Text); m != nil {
			c, _ := strconv.Atoi(m[1])
			n += c
		} else {
			n++
		}
	}
	return n
}

// failedSignIns returns n failed root sign-ins from rotating IPs, a tenth of
// a second apart.
func failedSignIns(t *testing.T, n int) [][]byte {
	raw := readEvent(t, "console-login-failure")
	var ev map[string]any
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2024, 5, 14, 9, 57, 0, 0, time.UTC)
	out := make([][]byte, n)
	for i := range n {
		d := ev["detail"].(map[string]any)
		d["eventID"] = fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		d["sourceIPAddress"] = fmt.Sprintf("192.0.2.%d", i%7)
		d["eventTime"] = start.Add(time.Duration(i) * 100 * time.Millisecond).Format(time.RFC3339)
		out[i], _ = json.Marshal(ev)
	}
	return out
}

// 500 failed root sign-ins within a minute, as an SQS mapping with a
// batching window delivers them, reach Slack as at most ~60 posts, and
// every event is in a post or a summary count.
func TestBurstIsSummarised(t *testing.T) {
	for _, batchSize := range []int{10, 37, 100, 500} {
		t.Run(fmt.Sprintf("batches of %d", batchSize), func(t *testing.T) {
			s := newSlack(t)
			f := newFixture(t, s)
			evs := failedSignIns(t, 500)
			for start := 0; start < len(evs); start += batchSize {
				var recs []events.SQSMessage
				for i := start; i < min(start+batchSize, len(evs)); i++ {
					recs = append(recs, sqsRecord(fmt.Sprintf("m-%d", i), evs[i]))
				}
				if resp := invokeBatch(t, context.Background(), f.h, recs); len(resp.BatchItemFailures) != 0 {
					t.Fatalf("failures %+v", resp.BatchItemFailures)
				}
			}
			if len(s.bodies) > 60 {
				t.Errorf("%d posts for 500 events, want at most 60", len(s.bodies))
			}
			if n := accounted(t, s.bodies); n != 500 {
				t.Errorf("posts account for %d events, want 500", n)
			}
		})
	}
}

// During a Slack outage nothing is lost: every message of the batch comes
// back as a failure, for SQS to redeliver and finally dead-letter.
func TestOutageFailsWholeBatch(t *testing.T) {
	s := newSlack(t)
	s.respond = func(string) (int, string) { return 503, "service_unavailable" }
	f := newFixture(t, s)
	evs := failedSignIns(t, 40)
	recs := []events.SQSMessage{sqsRecord("tamper", readEvent(t, "tampering-stop-logging"))}
	for i, e := range evs {
		recs = append(recs, sqsRecord(fmt.Sprintf("m-%d", i), e))
	}
	resp := invokeBatch(t, context.Background(), f.h, recs)
	if len(resp.BatchItemFailures) != len(recs) {
		t.Errorf("%d failures for %d messages", len(resp.BatchItemFailures), len(recs))
	}
	seen := map[string]bool{}
	for _, fl := range resp.BatchItemFailures {
		seen[fl.ItemIdentifier] = true
	}
	if len(seen) != len(recs) {
		t.Errorf("failures name %d distinct messages, want %d", len(seen), len(recs))
	}
	f.assertNoSecret(t)
}

// A batch that outlives its deadline fails what it could not post, and
// returns before Lambda would kill it.
func TestBatchStopsBeforeDeadline(t *testing.T) {
	s := newSlack(t)
	s.respond = func(string) (int, string) {
		time.Sleep(2 * time.Second) // Slack hangs
		return 200, "ok"
	}
	f := newFixture(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	start := time.Now()
	resp := invokeBatch(t, ctx, f.h, []events.SQSMessage{
		sqsRecord("a", readEvent(t, "console-login-failure")),
		sqsRecord("b", readEvent(t, "root-create-access-key")),
	})
	if took := time.Since(start); took > time.Second+100*time.Millisecond {
		t.Errorf("returned after %v, deadline minus margin is 1 s", took)
	}
	if len(resp.BatchItemFailures) != 2 {
		t.Errorf("failures = %+v, want both", resp.BatchItemFailures)
	}
}

func TestPlanCapsPostsAndKeepsEveryEvent(t *testing.T) {
	var items []item
	for i := range 30 {
		ev := alertevent.Event{Account: "111122223333", Group: fmt.Sprintf("group %d", i%15), Severity: alertevent.Severity(i % 4)}
		items = append(items, item{event: ev, messageID: strconv.Itoa(i)})
	}
	posts := plan(items)
	if len(posts) != maxPosts {
		t.Errorf("%d posts, want %d", len(posts), maxPosts)
	}
	seen := map[string]int{}
	for _, p := range posts {
		for _, it := range p.items {
			seen[it.messageID]++
		}
	}
	if len(seen) != 30 {
		t.Errorf("plan covers %d of 30 items", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("item %s in %d posts", id, n)
		}
	}
	if posts[0].severity() != alertevent.SeverityCritical {
		t.Errorf("first post severity %v, want the most severe first", posts[0].severity())
	}
	if few := plan(items[:individualMax]); len(few) != individualMax {
		t.Errorf("%d posts for %d events, want one each", len(few), individualMax)
	}
}

func TestConfigFromEnv(t *testing.T) {
	if _, err := ConfigFromEnv(func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), EnvWebhookParameter) {
		t.Errorf("err = %v, want it to name %s", err, EnvWebhookParameter)
	}
	env := map[string]string{EnvWebhookParameter: paramName, alertevent.EnvResourcePrefix: "acme"}
	cfg, err := ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil || cfg.WebhookParameter != paramName || cfg.Events.ResourcePrefix != "acme" {
		t.Errorf("cfg = %+v, %v", cfg, err)
	}
}

// A posture digest in a burst is posted on its own, rendered as a digest,
// before the summaries of the rest.
func TestPostureDigestIsNeverSummarised(t *testing.T) {
	s := newSlack(t)
	f := newFixture(t, s)
	digest := readEvent(t, "posture-digest")
	recs := []events.SQSMessage{}
	for i, e := range failedSignIns(t, 20) {
		recs = append(recs, sqsRecord(fmt.Sprintf("m-%d", i), e))
	}
	recs = append(recs, sqsRecord("digest", digest))
	if resp := invokeBatch(t, context.Background(), f.h, recs); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures %+v", resp.BatchItemFailures)
	}
	if len(s.bodies) < 2 || !strings.Contains(s.bodies[0], "Root posture drift: 1 new FAIL, 5 fixed") {
		t.Fatalf("first post is not the digest: %v", s.bodies)
	}
	for _, b := range s.bodies[1:] {
		if strings.Contains(b, "posture") {
			t.Errorf("the digest is also in another post: %s", b)
		}
	}
}

// Slack down: the digest's message comes back as a batch item failure, for
// SQS to redeliver and finally dead-letter (`alert redrive` re-delivers it).
func TestPostureDigestDuringOutageIsRetried(t *testing.T) {
	s := newSlack(t)
	s.respond = func(string) (int, string) { return 503, "service_unavailable" }
	f := newFixture(t, s)
	resp := invokeBatch(t, context.Background(), f.h, []events.SQSMessage{sqsRecord("digest", readEvent(t, "posture-digest"))})
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != "digest" {
		t.Errorf("failures = %+v, want the digest's message", resp.BatchItemFailures)
	}
	s.respond = nil
	resp = invokeBatch(t, context.Background(), f.h, []events.SQSMessage{sqsRecord("digest", readEvent(t, "posture-digest"))})
	if len(resp.BatchItemFailures) != 0 || len(s.bodies) != 1 || !strings.Contains(s.bodies[0], "Root posture drift") {
		t.Errorf("redelivered: failures %+v, posts %d", resp.BatchItemFailures, len(s.bodies))
	}
	f.assertNoSecret(t)
}
