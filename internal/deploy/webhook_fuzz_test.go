package deploy

import (
	"net/url"
	"testing"
)

// FuzzValidateWebhook: whatever is typed at the prompt, validation never
// panics, never echoes the input in its error, and accepts only an https
// hooks.slack.com URL (or, for the local AWS, an http loopback one).
func FuzzValidateWebhook(f *testing.F) {
	for _, s := range []string{fakeWebhook, "http://127.0.0.1:8080/services/T/B/x", "https://hooks.slack.com.evil/x", "", " ", "%zz", "https://user@hooks.slack.com/x"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, raw string, local bool) {
		got, err := ValidateWebhook(raw, local)
		if err != nil {
			// The one fixed message: nothing of the input (a secret) in it.
			if err.Error() != ErrInvalidWebhook.Error() {
				t.Fatalf("error %q is not the fixed message", err)
			}
			return
		}
		u, perr := url.Parse(got)
		if perr != nil {
			t.Fatalf("accepted %q, which does not parse: %v", got, perr)
		}
		slack := u.Scheme == "https" && u.Host == "hooks.slack.com"
		if !slack && !(local && u.Scheme == "http") {
			t.Fatalf("accepted %q (local=%v)", got, local)
		}
	})
}
