package webhook

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FuzzNew feeds New what the SSM parameter may hold. A URL it accepts is
// one every Post can be sent to: https (or http to a loopback stand-in) with
// a host to dial. A URL it refuses is never quoted in the error.
func FuzzNew(f *testing.F) {
	for _, s := range []string{
		"https://hooks.slack.com" + secretPath,
		"https://hooks.slack.com" + secretPath + "\n",
		" https://hooks.slack.com" + secretPath,
		"http://hooks.slack.com" + secretPath,
		"http://127.0.0.1:8080" + secretPath,
		"http://[::1]:8080" + secretPath,
		"http://localhost" + secretPath,
		"http://localhost.example.com" + secretPath,
		"https://[::1" + secretPath,
		"https://:443" + secretPath,
		"https://user:pass@hooks.slack.com" + secretPath,
		"hooks.slack.com" + secretPath,
		"not-a-real-secret-x9",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := New(raw, nil)
		if err != nil {
			if len(raw) >= 8 && strings.Contains(err.Error(), raw) {
				t.Fatalf("error quotes the URL: %v", err)
			}
			return
		}
		u, perr := url.Parse(raw)
		if perr != nil {
			t.Fatalf("accepted %q, which does not parse: %v", raw, perr)
		}
		if u.Hostname() == "" {
			t.Fatalf("accepted %q, which names no host to dial", raw)
		}
		if u.Scheme != "https" && !(u.Scheme == "http" && IsLoopbackHost(u.Hostname())) {
			t.Fatalf("accepted %q: scheme %q to host %q", raw, u.Scheme, u.Hostname())
		}
		if _, err := http.NewRequest(http.MethodPost, c.url, nil); err != nil {
			t.Fatalf("accepted %q, but no request can be built for it: %v", raw, err)
		}
	})
}

// FuzzRetryAfter feeds retryAfter the Retry-After header of a Slack
// response. The wait is never negative, and a header of plain seconds is
// taken at its word.
func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{
		"", "0", "1", "30", "120", "-1", "+5", " 5", "1.5", "abc",
		"9223372036", "9223372037", "99999999999999999999",
		"Wed, 21 Oct 2015 07:28:00 GMT", "Sun, 06 Nov 2044 08:49:37 GMT",
		"Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		d := retryAfter(h)
		if d < 0 {
			t.Fatalf("retryAfter(%q) = %v, a negative wait", h, d)
		}
		if h == "" && d != 0 {
			t.Fatalf("retryAfter(\"\") = %v", d)
		}
		if strings.Trim(h, "0123456789") == "" && h != "" {
			s, err := strconv.ParseInt(h, 10, 64)
			if err == nil && s <= int64(maxRetryAfter/time.Second) && d != time.Duration(s)*time.Second {
				t.Fatalf("retryAfter(%q) = %v, want %ds", h, d, s)
			}
			if (err != nil || s > int64(maxRetryAfter/time.Second)) && d != maxRetryAfter {
				t.Fatalf("retryAfter(%q) = %v, want the longest wait %v", h, d, maxRetryAfter)
			}
		}
	})
}
