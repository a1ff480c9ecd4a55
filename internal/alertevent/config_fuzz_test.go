package alertevent

import (
	"strings"
	"testing"
)

// FuzzConfigFromEnv feeds ConfigFromEnv the function's environment, as set
// by deploy or by hand. A configuration it returns has a prefix, no empty
// guarded resource and only ACCOUNT=ALIAS pairs with both sides given; a
// malformed alias list is an error naming the variable, never a config that
// silently lacks aliases.
func FuzzConfigFromEnv(f *testing.F) {
	f.Add("", "", "")
	f.Add("rootguard", "arn:aws:cloudtrail:us-east-1:111122223333:trail/org-trail, other", "111122223333=prod, 222233334444 = staging")
	f.Add("  ", ",,", ",")
	f.Add("rg", "", "111122223333")
	f.Add("rg", "", "=prod")
	f.Add("rg", "", "111122223333=")
	f.Add("rg", "", "111122223333=a=b")
	f.Fuzz(func(t *testing.T, prefix, resources, aliases string) {
		env := map[string]string{EnvResourcePrefix: prefix, EnvProtectedResources: resources, EnvAccountAliases: aliases}
		cfg, err := ConfigFromEnv(func(k string) string { return env[k] })
		if err != nil {
			if !strings.Contains(err.Error(), EnvAccountAliases) {
				t.Fatalf("error does not name the variable: %v", err)
			}
			return
		}
		if cfg.ResourcePrefix == "" || cfg.ResourcePrefix != strings.TrimSpace(cfg.ResourcePrefix) {
			t.Fatalf("resource prefix %q", cfg.ResourcePrefix)
		}
		if p := strings.TrimSpace(prefix); p != "" && cfg.ResourcePrefix != p {
			t.Fatalf("prefix %q read as %q", prefix, cfg.ResourcePrefix)
		}
		for _, r := range cfg.Resources {
			if r == "" || r != strings.TrimSpace(r) || strings.Contains(r, ",") {
				t.Fatalf("guarded resource %q", r)
			}
		}
		pairs := 0
		for _, p := range strings.Split(aliases, ",") {
			if strings.TrimSpace(p) != "" {
				pairs++
			}
		}
		if pairs > 0 && len(cfg.AccountAliases) == 0 {
			t.Fatalf("%d alias pairs read as none", pairs)
		}
		for id, alias := range cfg.AccountAliases {
			if id == "" || alias == "" || id != strings.TrimSpace(id) || alias != strings.TrimSpace(alias) || strings.Contains(id, "=") {
				t.Fatalf("alias %q=%q", id, alias)
			}
		}
	})
}
