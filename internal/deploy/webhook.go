// Package deploy is the engine behind `rootguard alert deploy` and `alert
// remove`: it uploads the alert function, stores the Slack webhook URL as an
// SSM SecureString outside the template, and creates or updates the stacks
// from internal/stack through change sets — a readable plan first, changes
// only when approved.
package deploy

import (
	"errors"
	"net"
	"net/url"
	"strings"
)

// ErrInvalidWebhook is returned for anything that is not a Slack incoming
// webhook URL. The message never repeats the input: it may be a secret.
var ErrInvalidWebhook = errors.New("not a Slack incoming webhook URL: expected https://hooks.slack.com/services/…")

// ValidateWebhook checks that raw is an https://hooks.slack.com/… URL, or
// an http URL on a loopback IP (a stand-in Slack next to the local AWS, as
// in `rootguard demo`), and returns it trimmed of surrounding white space.
func ValidateWebhook(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	u, err := url.Parse(s)
	if err != nil || u.User != nil || len(strings.Trim(u.Path, "/")) == 0 || strings.ContainsAny(s, " \t\r\n") {
		return "", ErrInvalidWebhook
	}
	slack := u.Scheme == "https" && u.Host == "hooks.slack.com"
	ip := net.ParseIP(u.Hostname())
	standIn := u.Scheme == "http" && ip != nil && ip.IsLoopback()
	if !slack && !standIn {
		return "", ErrInvalidWebhook
	}
	return s, nil
}
