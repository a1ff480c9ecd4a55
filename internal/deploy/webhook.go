// Package deploy is the engine behind `rootguard alert deploy` and `alert
// remove`: it uploads the alert function, stores the Slack webhook URL as an
// SSM SecureString outside the template, and creates or updates the stacks
// from internal/stack through change sets — a readable plan first, changes
// only when approved.
package deploy

import (
	"errors"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/rootguard/rootguard/internal/webhook"
)

// ErrInvalidWebhook is returned for anything that is not a Slack incoming
// webhook URL. The message never repeats the input: it may be a secret.
var ErrInvalidWebhook = errors.New("not a Slack incoming webhook URL: expected https://hooks.slack.com/services/…")

// ValidateWebhook checks that raw is an https://hooks.slack.com/… URL and
// returns it trimmed of surrounding white space. With localAWS — the AWS
// endpoint itself is on this machine (IsLocalEndpoint) — an http URL on a
// loopback IP is accepted too: a stand-in Slack next to the local AWS, as
// in `rootguard demo`. Against real AWS such a URL could never be reached
// by the function, so it is refused.
func ValidateWebhook(raw string, localAWS bool) (string, error) {
	s := strings.TrimSpace(raw)
	u, err := url.Parse(s)
	if err != nil || u.User != nil || len(strings.Trim(u.Path, "/")) == 0 || strings.ContainsAny(s, " \t\r\n") {
		return "", ErrInvalidWebhook
	}
	slack := u.Scheme == "https" && u.Host == "hooks.slack.com"
	standIn := localAWS && u.Scheme == "http" && webhook.IsLoopbackHost(u.Hostname())
	if !slack && !standIn {
		return "", ErrInvalidWebhook
	}
	return s, nil
}

// IsLocalEndpoint reports whether cfg sends every call to an endpoint on
// this machine (AWS_ENDPOINT_URL on a loopback address): the local AWS.
func IsLocalEndpoint(cfg aws.Config) bool {
	if cfg.BaseEndpoint == nil {
		return false
	}
	u, err := url.Parse(*cfg.BaseEndpoint)
	if err != nil {
		return false
	}
	return webhook.IsLoopbackHost(u.Hostname())
}
