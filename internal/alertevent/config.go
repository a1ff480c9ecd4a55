package alertevent

import (
	"fmt"
	"strings"
)

// Environment variables read by ConfigFromEnv. The deploy step sets them on
// the alert function; `rootguard alert preview` reads the same ones.
const (
	// EnvResourcePrefix: name prefix of rootguard's own trail, rules,
	// function and parameters (default DefaultResourcePrefix).
	EnvResourcePrefix = "ROOTGUARD_RESOURCE_PREFIX"
	// EnvProtectedResources: further names or ARNs to guard, comma-separated.
	EnvProtectedResources = "ROOTGUARD_PROTECTED_RESOURCES"
	// EnvAccountAliases: ACCOUNT=ALIAS pairs, comma-separated.
	EnvAccountAliases = "ROOTGUARD_ACCOUNT_ALIASES"
)

// DefaultResourcePrefix starts the name of every resource rootguard deploys.
const DefaultResourcePrefix = "rootguard"

// Config is what classification needs beyond the event itself.
type Config struct {
	// ResourcePrefix marks rootguard's own resources: a trail, rule,
	// function or parameter whose name starts with it is guarded.
	ResourcePrefix string
	// Resources are further guarded resources, by name or ARN.
	Resources []string
	// AccountAliases maps account IDs to the names people know them by.
	AccountAliases map[string]string
}

// DefaultConfig guards resources named with DefaultResourcePrefix.
func DefaultConfig() Config {
	return Config{ResourcePrefix: DefaultResourcePrefix}
}

// ConfigFromEnv reads the Config from the environment.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	cfg := DefaultConfig()
	if p := strings.TrimSpace(getenv(EnvResourcePrefix)); p != "" {
		cfg.ResourcePrefix = p
	}
	cfg.Resources = splitList(getenv(EnvProtectedResources))
	for _, pair := range splitList(getenv(EnvAccountAliases)) {
		id, alias, ok := strings.Cut(pair, "=")
		id, alias = strings.TrimSpace(id), strings.TrimSpace(alias)
		if !ok || id == "" || alias == "" {
			return Config{}, fmt.Errorf("%s: %q is not ACCOUNT=ALIAS", EnvAccountAliases, pair)
		}
		if cfg.AccountAliases == nil {
			cfg.AccountAliases = map[string]string{}
		}
		cfg.AccountAliases[id] = alias
	}
	return cfg, nil
}

func splitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// guards reports whether the resource named by id (a name, ARN or partial
// ARN, as CloudTrail recorded it) is one of rootguard's own.
func (c Config) guards(id string) bool {
	if id == "" {
		return false
	}
	name := resourceName(id)
	for _, r := range c.Resources {
		if r == id || r == name || resourceName(r) == name {
			return true
		}
	}
	return c.ResourcePrefix != "" && strings.HasPrefix(name, c.ResourcePrefix)
}

// resourceName reduces a CloudTrail resource identifier to the resource's own
// name: "arn:aws:cloudtrail:us-east-1:111122223333:trail/rootguard" →
// "rootguard", "111122223333:function:rootguard-alert:1" → "rootguard-alert",
// "/rootguard/webhook" → "rootguard/webhook".
func resourceName(id string) string {
	s := id
	if strings.HasPrefix(s, "arn:") {
		if parts := strings.SplitN(s, ":", 6); len(parts) == 6 {
			s = parts[5]
		}
	}
	if i := strings.Index(s, "function:"); i == 0 || (i > 0 && s[i-1] == ':') {
		name, _, _ := strings.Cut(s[i+len("function:"):], ":")
		return name
	}
	if p, ok := strings.CutPrefix(s, "parameter/"); ok {
		return p
	}
	for _, typ := range []string{"trail/", "rule/"} {
		if rest, ok := strings.CutPrefix(s, typ); ok {
			return rest[strings.LastIndex(rest, "/")+1:]
		}
	}
	return strings.TrimPrefix(s, "/")
}
