package alertfn

import (
	"errors"
	"strings"

	"github.com/rootguard/rootguard/internal/alertevent"
)

// EnvWebhookParameter names the SSM SecureString parameter that holds the
// Slack webhook URL.
const EnvWebhookParameter = "ROOTGUARD_WEBHOOK_PARAMETER"

// Config is the function's configuration, from its environment.
type Config struct {
	// WebhookParameter is the name of the SSM parameter holding the webhook URL.
	WebhookParameter string
	Events           alertevent.Config
}

// ConfigFromEnv reads the Config: EnvWebhookParameter (required) and the
// alertevent variables.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	param := strings.TrimSpace(getenv(EnvWebhookParameter))
	if param == "" {
		return Config{}, errors.New(EnvWebhookParameter + " is not set: it must name the SSM SecureString parameter holding the Slack webhook URL")
	}
	events, err := alertevent.ConfigFromEnv(getenv)
	if err != nil {
		return Config{}, err
	}
	return Config{WebhookParameter: param, Events: events}, nil
}
