package alertevent

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestParseFixtures(t *testing.T) {
	cfg := DefaultConfig()
	cfg.AccountAliases = map[string]string{"111122223333": "prod"}
	tests := []struct {
		fixture  string
		kind     Kind
		severity Severity
		title    string
		check    func(t *testing.T, ev Event)
	}{
		{"console-login-success-mfa", KindConsoleLogin, SeverityMedium, "Root signed in with MFA", func(t *testing.T, ev Event) {
			want := Event{Result: "Success", MFAUsed: "Yes", SourceIP: "203.0.113.45", Account: "111122223333", AccountAlias: "prod",
				Region: "us-east-1", EventID: "fed06f42-cb12-4764-8c69-121063dc79b9", Time: time.Date(2024, 5, 14, 9, 58, 2, 0, time.UTC)}
			got := Event{Result: ev.Result, MFAUsed: ev.MFAUsed, SourceIP: ev.SourceIP, Account: ev.Account, AccountAlias: ev.AccountAlias,
				Region: ev.Region, EventID: ev.EventID, Time: ev.Time}
			if got.Time != want.Time || got.Result != want.Result || got.MFAUsed != want.MFAUsed || got.SourceIP != want.SourceIP ||
				got.Account != want.Account || got.AccountAlias != want.AccountAlias || got.Region != want.Region || got.EventID != want.EventID {
				t.Errorf("fields = %+v, want %+v", got, want)
			}
		}},
		{"console-login-success-no-mfa", KindConsoleLogin, SeverityCritical, "Root signed in without MFA", nil},
		{"console-login-failure", KindConsoleLogin, SeverityHigh, "Failed root sign-in", func(t *testing.T, ev Event) {
			if ev.Result != "Failure" || ev.ErrorMessage != "Failed authentication" {
				t.Errorf("result %q error %q", ev.Result, ev.ErrorMessage)
			}
		}},
		{"console-login-ipv6", KindConsoleLogin, SeverityMedium, "Root signed in with MFA", func(t *testing.T, ev Event) {
			if ev.SourceIP != "2001:db8:85a3::8a2e:370:7334" {
				t.Errorf("SourceIP = %q", ev.SourceIP)
			}
		}},
		{"console-login-aws-internal", KindConsoleLogin, SeverityMedium, "Root signed in with MFA", func(t *testing.T, ev Event) {
			if ev.SourceIP != "AWS Internal" {
				t.Errorf("SourceIP = %q", ev.SourceIP)
			}
		}},
		{"password-recovery-requested", KindRootSignIn, SeverityHigh, "Root password recovery requested", nil},
		{"email-updated", KindRootSignIn, SeverityCritical, "Root e-mail address changed", nil},
		{"root-create-access-key", KindRootAPICall, SeverityCritical, "Root access key created", func(t *testing.T, ev Event) {
			// A console session's temporary key (ASIA…) is not an AssumeRoot session.
			if ev.Identity.Session != nil {
				t.Errorf("session = %+v", ev.Identity.Session)
			}
		}},
		{"root-session-delete-access-key", KindRootAPICall, SeverityMedium, "Root called DeleteAccessKey", func(t *testing.T, ev Event) {
			s := ev.Identity.Session
			if s == nil || s.AccessKeyID != "ASIAROOTSESSIONEXMPL" || s.SourceIdentity != "" || s.Created != "2024-11-14T17:36:45Z" {
				t.Errorf("session = %+v", s)
			}
		}},
		{"root-session-source-identity", KindRootAPICall, SeverityMedium, "Root called DeleteAccessKey", func(t *testing.T, ev Event) {
			if s := ev.Identity.Session; s == nil || s.SourceIdentity != "alice@example.com" {
				t.Errorf("session = %+v", s)
			}
		}},
		{"assume-root", KindRootSessionOpened, SeverityHigh, "Root session opened in a member account", func(t *testing.T, ev Event) {
			if ev.Target != "222233334444" || ev.TaskPolicy != "IAMDeleteRootUserCredentials" || ev.SessionKey != "ASIAROOTSESSIONEXMPL" ||
				ev.Identity.ARN != "arn:aws:sts::111122223333:assumed-role/RootAccessAdmin/alice" || ev.Identity.Session != nil {
				t.Errorf("event = %+v", ev)
			}
		}},
		{"root-deactivate-mfa", KindRootAPICall, SeverityCritical, "MFA was deactivated", func(t *testing.T, ev Event) {
			if ev.Target != "arn:aws:iam::111122223333:mfa/root-account-mfa-device" {
				t.Errorf("Target = %q", ev.Target)
			}
		}},
		{"root-delete-virtual-mfa", KindRootAPICall, SeverityCritical, "MFA was deactivated", nil},
		{"root-create-login-profile", KindRootAPICall, SeverityHigh, "Console password created by root", func(t *testing.T, ev Event) {
			if ev.Target != "alice" {
				t.Errorf("Target = %q", ev.Target)
			}
		}},
		{"root-api-call-other", KindRootAPICall, SeverityMedium, "Root called PutBucketPolicy", func(t *testing.T, ev Event) {
			if ev.Region != "eu-west-1" {
				t.Errorf("Region = %q, want the record's awsRegion", ev.Region)
			}
		}},
		{"tampering-stop-logging", KindTampering, SeverityCritical, "Alert pipeline tampering: CloudTrail logging stopped", func(t *testing.T, ev Event) {
			if ev.Identity.ARN != "arn:aws:iam::111122223333:user/deploy-bot" || ev.Target != "arn:aws:cloudtrail:us-east-1:111122223333:trail/rootguard-trail" {
				t.Errorf("identity %q target %q", ev.Identity.ARN, ev.Target)
			}
		}},
		{"tampering-update-function-code", KindTampering, SeverityCritical, "Alert pipeline tampering: Alert function code replaced", nil},
		{"tampering-delete-parameter-denied", KindTampering, SeverityHigh, "Attempted alert pipeline tampering: Webhook parameter deleted", func(t *testing.T, ev Event) {
			if ev.Result != "Failure" || ev.ErrorCode != "AccessDenied" {
				t.Errorf("result %q code %q", ev.Result, ev.ErrorCode)
			}
		}},
		{"not-tampering-other-rule", KindUnrecognised, SeverityMedium, "Unrecognised event: DeleteRule", nil},
		{"test-event", KindTest, SeverityInfo, "Test alert from rootguard", func(t *testing.T, ev Event) {
			if !strings.Contains(ev.Message, "rootguard alert test") || ev.AccountAlias != "prod" {
				t.Errorf("message %q alias %q", ev.Message, ev.AccountAlias)
			}
		}},
		{"malformed-no-detail", KindUnrecognised, SeverityHigh, "Unrecognised event: AWS Console Sign In via CloudTrail", func(t *testing.T, ev Event) {
			if len(ev.Problems) != 1 || ev.Problems[0] != "no CloudTrail detail object" || !strings.Contains(ev.Excerpt, `"detail":"truncated"`) {
				t.Errorf("problems %q excerpt %q", ev.Problems, ev.Excerpt)
			}
		}},
		{"malformed-not-json", KindUnrecognised, SeverityHigh, "Unrecognised event", func(t *testing.T, ev Event) {
			if !strings.HasPrefix(ev.Excerpt, `{"version":"0","id":"cut-off"`) {
				t.Errorf("excerpt %q", ev.Excerpt)
			}
		}},
		// Wrong field types spoil only themselves: MFAUsed and the time are
		// unreadable, the rest of the sign-in is still reported.
		{"malformed-field-types", KindConsoleLogin, SeverityCritical, "Root signed in (MFA use not recorded)", func(t *testing.T, ev Event) {
			if ev.RawTime != "yesterday" || !ev.Time.IsZero() || ev.Account != "111122223333" || ev.SourceIP != "203.0.113.45" {
				t.Errorf("raw time %q time %v account %q ip %q", ev.RawTime, ev.Time, ev.Account, ev.SourceIP)
			}
		}},
		{"mrkdwn-injection", KindConsoleLogin, SeverityHigh, "Failed root sign-in", func(t *testing.T, ev Event) {
			if ev.UserAgent != "<!channel> <https://x|click> & *bold* `tick` <@U012AB3CD>" {
				t.Errorf("UserAgent = %q, want it read verbatim (escaping is the renderer's job)", ev.UserAgent)
			}
		}},
		{"oversized", KindConsoleLogin, SeverityHigh, "Failed root sign-in", nil},
		{"posture-digest", KindPostureDigest, SeverityCritical, "Root posture digest", func(t *testing.T, ev Event) {
			d := ev.Digest
			if d == nil || d.Current != "2026-01-02T06:00:00Z-5f3a" || d.Count("fixed") != 5 || d.Accounts != 412 || d.Changes[0].Check != "root-access-keys" {
				t.Errorf("digest = %+v", d)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			ev := Parse(readFixture(t, tt.fixture), cfg)
			if ev.Kind != tt.kind || ev.Severity != tt.severity || ev.Title != tt.title {
				t.Fatalf("got %v/%v %q, want %v/%v %q (problems %q)", ev.Kind, ev.Severity, ev.Title, tt.kind, tt.severity, tt.title, ev.Problems)
			}
			if ev.Group == "" {
				t.Error("Group is empty")
			}
			if (ev.Kind == KindUnrecognised) != (len(ev.Problems) > 0 && ev.Excerpt != "") {
				t.Errorf("kind %v with problems %q, excerpt %d bytes", ev.Kind, ev.Problems, len(ev.Excerpt))
			}
			if tt.check != nil {
				tt.check(t, ev)
			}
		})
	}
}

// The ranking: failed sign-in, sign-in without MFA, MFA removed and
// tampering rank above a successful MFA sign-in.
func TestSeverityRanking(t *testing.T) {
	cfg := DefaultConfig()
	mfaSignIn := Parse(readFixture(t, "console-login-success-mfa"), cfg).Severity
	for _, f := range []string{"console-login-failure", "console-login-success-no-mfa", "root-deactivate-mfa", "tampering-stop-logging"} {
		if sev := Parse(readFixture(t, f), cfg).Severity; sev <= mfaSignIn {
			t.Errorf("%s: severity %v, want above %v", f, sev, mfaSignIn)
		}
	}
}

func TestTamperingNeedsGuardedResource(t *testing.T) {
	raw := readFixture(t, "tampering-stop-logging")
	if ev := Parse(raw, Config{ResourcePrefix: "acme-guard"}); ev.Kind == KindTampering {
		t.Errorf("trail rootguard-trail counted as guarded under prefix acme-guard")
	}
	cfg := Config{ResourcePrefix: "acme-guard", Resources: []string{"rootguard-trail"}}
	if ev := Parse(raw, cfg); ev.Kind != KindTampering {
		t.Errorf("trail listed in Resources not guarded: %v", ev.Kind)
	}
}

func TestResourceName(t *testing.T) {
	tests := map[string]string{
		"arn:aws:cloudtrail:us-east-1:111122223333:trail/rootguard-trail": "rootguard-trail",
		"rootguard-trail": "rootguard-trail",
		"arn:aws:events:us-east-1:111122223333:rule/rootguard-signin":            "rootguard-signin",
		"arn:aws:events:us-east-1:111122223333:rule/custom-bus/rootguard-signin": "rootguard-signin",
		"arn:aws:lambda:us-east-1:111122223333:function:rootguard-alert:live":    "rootguard-alert",
		"111122223333:function:rootguard-alert":                                  "rootguard-alert",
		"arn:aws:ssm:us-east-1:111122223333:parameter/rootguard/slack-webhook":   "rootguard/slack-webhook",
		"/rootguard/slack-webhook":                                               "rootguard/slack-webhook",
		"myfunction:thing":                                                       "myfunction:thing",
	}
	for in, want := range tests {
		if got := resourceName(in); got != want {
			t.Errorf("resourceName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := map[string]string{
		EnvResourcePrefix:     "acme",
		EnvProtectedResources: " org-trail , arn:aws:events:us-east-1:111122223333:rule/x ,",
		EnvAccountAliases:     "111122223333=prod, 444455556666=dev",
	}
	cfg, err := ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ResourcePrefix != "acme" || len(cfg.Resources) != 2 || cfg.Resources[0] != "org-trail" ||
		cfg.AccountAliases["444455556666"] != "dev" || len(cfg.AccountAliases) != 2 {
		t.Errorf("cfg = %+v", cfg)
	}

	cfg, err = ConfigFromEnv(func(string) string { return "" })
	if err != nil || cfg.ResourcePrefix != DefaultResourcePrefix {
		t.Errorf("empty env: %+v, %v", cfg, err)
	}

	env[EnvAccountAliases] = "111122223333"
	if _, err := ConfigFromEnv(func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), EnvAccountAliases) {
		t.Errorf("bad alias list: err = %v", err)
	}
}

func FuzzParse(f *testing.F) {
	entries, _ := os.ReadDir("testdata")
	for _, e := range entries {
		if raw, err := os.ReadFile(filepath.Join("testdata", e.Name())); err == nil && !e.IsDir() {
			f.Add(raw)
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		ev := Parse(raw, DefaultConfig())
		if ev.Title == "" || ev.Group == "" {
			t.Fatalf("event without title or group: %+v", ev)
		}
		if ev.Kind == KindUnrecognised && len(ev.Problems) == 0 {
			t.Fatalf("unrecognised event without a problem")
		}
		if len(ev.Excerpt) > excerptLen+len("…") {
			t.Fatalf("excerpt of %d bytes", len(ev.Excerpt))
		}
	})
}

// A digest that cannot be read is reported as such, never posted as a
// quiet heartbeat.
func TestUnreadablePostureDigest(t *testing.T) {
	ev := Parse([]byte(`{"source":"rootguard.posture","detail-type":"rootguard Posture Digest","detail":{"changes":[{"kind":"bogus"}]}}`), DefaultConfig())
	if ev.Kind != KindUnrecognised || ev.Severity != SeverityHigh || ev.Digest != nil || len(ev.Problems) != 1 {
		t.Errorf("got %v/%v digest %v problems %q", ev.Kind, ev.Severity, ev.Digest, ev.Problems)
	}
}
