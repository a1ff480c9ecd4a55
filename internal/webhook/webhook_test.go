package webhook

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// secretPath stands in for the secret part of a webhook URL.
const secretPath = "/services/TEST/TEST/not-a-real-secret-x9"

type reply struct {
	status     int
	body       string
	retryAfter string
	delay      time.Duration
}

// slackStandIn answers POSTs with replies in order, repeating the last.
func slackStandIn(t *testing.T, replies ...reply) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(calls.Add(1)) - 1
		if r.URL.Path != secretPath || r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("request %s %s %q", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
		}
		rp := replies[min(n, len(replies)-1)]
		if rp.delay > 0 {
			select {
			case <-time.After(rp.delay):
			case <-r.Context().Done():
				return
			}
		}
		if rp.retryAfter != "" {
			w.Header().Set("Retry-After", rp.retryAfter)
		}
		w.WriteHeader(rp.status)
		_, _ = w.Write([]byte(rp.body))
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func newTestClient(t *testing.T, url string, logs *bytes.Buffer) *Client {
	t.Helper()
	c, err := New(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.MinBackoff, c.MaxBackoff = time.Millisecond, 5*time.Millisecond
	c.RequestTimeout = 2 * time.Second
	c.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	return c
}

// assertNoSecret fails when the webhook URL or its secret path shows up.
func assertNoSecret(t *testing.T, what, s string) {
	t.Helper()
	if strings.Contains(s, "not-a-real-secret") || strings.Contains(s, "/services/") {
		t.Errorf("%s reveals the webhook URL: %s", what, s)
	}
}

func TestPostSucceeds(t *testing.T) {
	srv, calls := slackStandIn(t, reply{status: 200, body: "ok"})
	var logs bytes.Buffer
	if err := newTestClient(t, srv.URL+secretPath, &logs).Post(context.Background(), []byte(`{"text":"hi"}`)); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 1 {
		t.Errorf("%d calls, want 1", calls.Load())
	}
}

func TestPostRetriesTransientFailures(t *testing.T) {
	srv, calls := slackStandIn(t,
		reply{status: 500, body: "rollup_error"},
		reply{status: 503, body: "service_unavailable"},
		reply{status: 429, body: "rate_limited"},
		reply{status: 200, body: "ok"})
	var logs bytes.Buffer
	if err := newTestClient(t, srv.URL+secretPath, &logs).Post(context.Background(), []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 4 {
		t.Errorf("%d calls, want 4", calls.Load())
	}
	if got := strings.Count(logs.String(), "retrying"); got != 3 {
		t.Errorf("%d retry log lines, want 3:\n%s", got, logs.String())
	}
	assertNoSecret(t, "logs", logs.String())
}

func TestPostHonoursRetryAfter(t *testing.T) {
	srv, calls := slackStandIn(t, reply{status: 429, body: "rate_limited", retryAfter: "1"}, reply{status: 200, body: "ok"})
	var logs bytes.Buffer
	start := time.Now()
	if err := newTestClient(t, srv.URL+secretPath, &logs).Post(context.Background(), []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < time.Second {
		t.Errorf("retried after %v, Retry-After asked for 1s", took)
	}
	if calls.Load() != 2 {
		t.Errorf("%d calls, want 2", calls.Load())
	}
}

func TestPostGivesUpWhenRetryAfterPassesDeadline(t *testing.T) {
	srv, calls := slackStandIn(t, reply{status: 429, body: "rate_limited", retryAfter: "30"})
	var logs bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	err := newTestClient(t, srv.URL+secretPath, &logs).Post(ctx, []byte(`{}`))
	var e *Error
	if !errors.As(err, &e) || e.Permanent || e.Status != 429 || e.Code != "rate_limited" {
		t.Fatalf("err = %#v", err)
	}
	if time.Since(start) > time.Second || calls.Load() != 1 {
		t.Errorf("waited %v over %d calls; a 30 s Retry-After cannot fit a 2 s deadline", time.Since(start), calls.Load())
	}
	if !strings.Contains(err.Error(), "would pass the deadline") {
		t.Errorf("error %q does not say why it stopped", err)
	}
}

func TestPostPermanentFailures(t *testing.T) {
	for _, tt := range []struct {
		status int
		code   string
	}{
		{400, "invalid_payload"},
		{403, "action_prohibited"},
		{404, "channel_not_found"},
		{404, "no_service"},
		{410, "channel_is_archived"},
	} {
		t.Run(tt.code, func(t *testing.T) {
			srv, calls := slackStandIn(t, reply{status: tt.status, body: tt.code})
			var logs bytes.Buffer
			err := newTestClient(t, srv.URL+secretPath, &logs).Post(context.Background(), []byte(`{}`))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if !e.Permanent || e.Status != tt.status || e.Code != tt.code || e.Attempts != 1 || calls.Load() != 1 {
				t.Errorf("got %+v after %d calls", e, calls.Load())
			}
			if !strings.Contains(err.Error(), tt.code) {
				t.Errorf("error %q lacks Slack's code", err)
			}
			if !strings.Contains(logs.String(), `"slack_code":"`+tt.code+`"`) {
				t.Errorf("log lacks slack_code:\n%s", logs.String())
			}
			assertNoSecret(t, "error", err.Error())
			assertNoSecret(t, "logs", logs.String())
		})
	}
}

func TestPostNetworkErrorsHideURL(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hook := "http://" + ln.Addr().String() + secretPath
	ln.Close() // connection refused from now on

	var logs bytes.Buffer
	c := newTestClient(t, hook, &logs)
	c.MaxAttempts = 3
	err = c.Post(context.Background(), []byte(`{}`))
	var e *Error
	if !errors.As(err, &e) || e.Permanent || e.Status != 0 || e.Attempts != 3 {
		t.Fatalf("err = %#v", err)
	}
	if !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("error %q does not name the network failure", err)
	}
	if errors.As(err, new(*url.Error)) {
		t.Errorf("error chain still holds a *url.Error, which quotes the URL")
	}
	assertNoSecret(t, "error", err.Error())
	assertNoSecret(t, "logs", logs.String())
}

func TestPostRequestTimeout(t *testing.T) {
	srv, calls := slackStandIn(t, reply{status: 200, body: "ok", delay: time.Second}, reply{status: 200, body: "ok"})
	var logs bytes.Buffer
	c := newTestClient(t, srv.URL+secretPath, &logs)
	c.RequestTimeout = 100 * time.Millisecond
	if err := c.Post(context.Background(), []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 2 {
		t.Errorf("%d calls, want a timed-out one and a retry", calls.Load())
	}
	if !strings.Contains(logs.String(), "deadline exceeded") {
		t.Errorf("timeout not logged:\n%s", logs.String())
	}
	assertNoSecret(t, "logs", logs.String())
}

func TestPostDoesNotFollowRedirects(t *testing.T) {
	srv, calls := slackStandIn(t, reply{status: 302, body: ""})
	var logs bytes.Buffer
	err := newTestClient(t, srv.URL+secretPath, &logs).Post(context.Background(), []byte(`{}`))
	var e *Error
	if !errors.As(err, &e) || !e.Permanent || e.Status != 302 || calls.Load() != 1 {
		t.Fatalf("err = %v after %d calls", err, calls.Load())
	}
}

func TestNewRejectsBadURLsWithoutQuotingThem(t *testing.T) {
	for _, u := range []string{
		"http://hooks.slack.com/services/TEST/TEST/not-a-real-secret-x9",
		"https://[::1/services/TEST/TEST/not-a-real-secret-x9",
		"not-a-real-secret-x9",
	} {
		_, err := New(u, nil)
		if err == nil {
			t.Errorf("New(%q) accepted", u)
			continue
		}
		assertNoSecret(t, "error", err.Error())
	}
	if _, err := New("http://127.0.0.1:8080"+secretPath, nil); err != nil {
		t.Errorf("loopback stand-in rejected: %v", err)
	}
}
