// Package webhook delivers messages to a Slack incoming webhook: one POST
// per message, retried with jittered backoff on 429 (honouring Retry-After),
// 5xx and network errors within the caller's deadline; Slack's permanent
// refusals come back at once as an *Error carrying Slack's code.
//
// The webhook URL is a secret. It appears in no error and no log line:
// net/http's *url.Error, which quotes the URL, is unwrapped before use.
package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Client posts to one webhook. Change the exported fields before first use.
type Client struct {
	url  string
	http *http.Client

	// RequestTimeout bounds one POST.
	RequestTimeout time.Duration
	// MaxAttempts bounds the POSTs for one message.
	MaxAttempts int
	// MinBackoff and MaxBackoff bound the wait before a retry that Slack
	// gave no Retry-After for; each wait is jittered.
	MinBackoff, MaxBackoff time.Duration
	Logger                 *slog.Logger
}

// New returns a Client for the webhook at rawURL, which must be https (or
// http to a loopback address, for local stand-ins). httpClient may be nil.
func New(rawURL string, httpClient *http.Client) (*Client, error) {
	u, err := url.Parse(rawURL)
	// The parse error quotes the URL, so it is not wrapped.
	if err != nil || u.Hostname() == "" {
		return nil, errors.New("webhook URL is not a valid URL")
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && IsLoopbackHost(u.Hostname())) {
		return nil, errors.New("webhook URL must use https")
	}
	if httpClient == nil {
		httpClient = &http.Client{}
	}
	hc := *httpClient
	// A redirect would be followed with the body to wherever it points, and
	// its error would quote the URL; Slack's webhooks do not redirect.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Client{
		url:            rawURL,
		http:           &hc,
		RequestTimeout: 5 * time.Second,
		MaxAttempts:    6,
		MinBackoff:     250 * time.Millisecond,
		MaxBackoff:     8 * time.Second,
		Logger:         slog.New(slog.DiscardHandler),
	}, nil
}

// IsLoopbackHost reports whether host (a URL's Hostname) names this
// machine: localhost or a loopback IP address. Only there may a webhook, a
// stand-in Slack or the AWS endpoint be plain http.
func IsLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Error is a message Slack did not accept.
type Error struct {
	// Status is the HTTP status of the last attempt, 0 when no response came.
	Status int
	// Code is Slack's error code from the response body, e.g.
	// channel_not_found, or "" when the body held none.
	Code string
	// Attempts is how many POSTs were made.
	Attempts int
	// Permanent is true when retrying cannot help: Slack refused the message
	// or the webhook (4xx other than 429).
	Permanent bool
	// Reason says why retrying stopped, for transient failures.
	Reason string
	cause  error // network or context error, URL-free
}

func (e *Error) Error() string {
	var what string
	switch {
	case e.Status != 0 && e.Code != "":
		what = fmt.Sprintf("slack webhook answered %d %s", e.Status, e.Code)
	case e.Status != 0:
		what = fmt.Sprintf("slack webhook answered %d", e.Status)
	default:
		what = fmt.Sprintf("post to slack webhook: %v", e.cause)
	}
	if e.Permanent {
		return what + " (permanent)"
	}
	return fmt.Sprintf("%s after %d attempts: %s", what, e.Attempts, e.Reason)
}

func (e *Error) Unwrap() error { return e.cause }

// slackCode matches the error codes Slack puts in webhook response bodies.
var slackCode = regexp.MustCompile(`^[a-z][a-z_]{0,63}$`)

type attempt struct {
	status     int
	code       string
	retryAfter time.Duration
	err        error // URL-free
}

// Post sends body, a JSON Slack message, retrying transient failures while
// ctx allows. It returns nil once Slack accepted the message.
func (c *Client) Post(ctx context.Context, body []byte) error {
	for n := 1; ; n++ {
		a := c.once(ctx, body)
		if a.err == nil && a.status/100 == 2 {
			if n > 1 {
				c.Logger.InfoContext(ctx, "slack accepted the message after retries", "attempts", n)
			}
			return nil
		}
		e := &Error{Status: a.status, Code: a.code, Attempts: n, cause: a.err}
		if a.err == nil && a.status != http.StatusTooManyRequests && a.status/100 != 5 {
			e.Permanent = true
			c.Logger.ErrorContext(ctx, "slack refused the message", "status", a.status, "slack_code", a.code, "attempts", n)
			return e
		}
		if n >= c.MaxAttempts {
			e.Reason = "no attempts left"
			return e
		}
		wait := a.retryAfter
		if wait == 0 {
			wait = c.backoff(n)
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			e.Reason = fmt.Sprintf("next try in %s would pass the deadline", wait.Round(time.Millisecond))
			return e
		}
		c.Logger.WarnContext(ctx, "slack webhook post failed, retrying",
			"status", a.status, "slack_code", a.code, "error", errString(a.err), "attempt", n, "wait_ms", wait.Milliseconds())
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			e.Reason = "stopped: " + ctx.Err().Error()
			return e
		case <-t.C:
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func (c *Client) once(ctx context.Context, body []byte) attempt {
	ctx, cancel := context.WithTimeout(ctx, c.RequestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return attempt{err: errors.New("build webhook request")}
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return attempt{err: err}
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	a := attempt{status: resp.StatusCode, retryAfter: retryAfter(resp.Header.Get("Retry-After"))}
	if code := string(bytes.TrimSpace(text)); slackCode.MatchString(code) && code != "ok" {
		a.code = code
	}
	return a
}

// maxRetryAfter is the longest wait a Retry-After header can ask for; a
// longer one, which would overflow a Duration, is read as this.
const maxRetryAfter = time.Duration(math.MaxInt64)

// retryAfter reads a Retry-After header: seconds (what Slack sends) or an
// HTTP date.
func retryAfter(h string) time.Duration {
	if h == "" {
		return 0
	}
	if strings.Trim(h, "0123456789") == "" {
		s, err := strconv.ParseInt(h, 10, 64)
		if err != nil || s > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}

// backoff is the wait before retry n: exponential, capped, and jittered
// into its upper half so that concurrent functions do not retry in step.
func (c *Client) backoff(n int) time.Duration {
	d := c.MaxBackoff
	if n < 32 && c.MinBackoff<<(n-1) < d {
		d = c.MinBackoff << (n - 1)
	}
	return d/2 + rand.N(d/2+1)
}
