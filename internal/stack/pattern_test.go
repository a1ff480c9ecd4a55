package stack

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/rootguard/rootguard/internal/alertevent"
	"github.com/rootguard/rootguard/internal/awsemu"
)

// fixtures are the alert function's realistic event fixtures.
const fixtures = "../alertevent/testdata"

func fixture(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, name))
	if err != nil {
		t.Fatal(err)
	}
	var ev map[string]any
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

// withDetail returns a copy of ev with detail.path set to v.
func withDetail(t *testing.T, ev map[string]any, v any, path ...string) map[string]any {
	t.Helper()
	b, _ := json.Marshal(ev)
	var cp map[string]any
	_ = json.Unmarshal(b, &cp)
	m := cp["detail"].(map[string]any)
	for _, p := range path[:len(path)-1] {
		m = m[p].(map[string]any)
	}
	m[path[len(path)-1]] = v
	return cp
}

func TestHubPatternOnLocalAWS(t *testing.T) {
	emu, err := awsemu.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	creds := emu.AddAccount("111122223333", "security").AddUser("deployer").AddAccessKey(awsemu.AccessKey{})
	eb := eventbridge.NewFromConfig(emu.Config(creds))

	login := fixture(t, "console-login-success-mfa.json")
	stopLogging := fixture(t, "tampering-stop-logging.json")
	tests := []struct {
		name  string
		event map[string]any
		want  bool
	}{
		{"root sign-in with MFA", login, true},
		{"root sign-in without MFA", fixture(t, "console-login-success-no-mfa.json"), true},
		{"failed root sign-in", fixture(t, "console-login-failure.json"), true},
		{"root password recovery", fixture(t, "password-recovery-requested.json"), true},
		{"root creates an access key", fixture(t, "root-create-access-key.json"), true},
		{"root deactivates MFA", fixture(t, "root-deactivate-mfa.json"), true},
		{"any other root API call", fixture(t, "root-api-call-other.json"), true},
		{"rootguard test event", fixture(t, "test-event.json"), true},
		{"trail logging stopped, by ARN", stopLogging, true},
		{"trail logging stopped, by name", withDetail(t, stopLogging, "rootguard-trail", "requestParameters", "name"), true},
		{"function code replaced", fixture(t, "tampering-update-function-code.json"), true},
		{"webhook parameter deletion attempted", fixture(t, "tampering-delete-parameter-denied.json"), true},
		{"guarded existing trail stopped", withDetail(t, stopLogging, "org-management-trail", "requestParameters", "name"), true},
		{"guarded existing trail stopped, by ARN", withDetail(t, stopLogging, "arn:aws:cloudtrail:us-east-1:111122223333:trail/org-management-trail", "requestParameters", "name"), true},

		{"IAM user sign-in", withDetail(t, login, "IAMUser", "userIdentity", "type"), false},
		{"assumed-role sign-in", withDetail(t, login, "AssumedRole", "userIdentity", "type"), false},
		{"someone else's rule deleted", fixture(t, "not-tampering-other-rule.json"), false},
		{"someone else's trail stopped", withDetail(t, stopLogging, "arn:aws:cloudtrail:us-east-1:111122223333:trail/other", "requestParameters", "name"), false},
		{"a trail named like a guarded one", withDetail(t, stopLogging, "org-management-trail-2", "requestParameters", "name"), false},
	}
	pattern := HubPattern(DefaultPrefix, []string{"org-management-trail"})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			event, _ := json.Marshal(tt.event)
			out, err := eb.TestEventPattern(t.Context(), &eventbridge.TestEventPatternInput{
				Event:        aws.String(string(event)),
				EventPattern: aws.String(pattern),
			})
			if err != nil {
				t.Fatal(err)
			}
			if out.Result != tt.want {
				t.Errorf("pattern matches = %v, want %v", out.Result, tt.want)
			}
		})
	}
}

func TestForwardPatternMatchesRootOnly(t *testing.T) {
	emu, err := awsemu.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	creds := emu.AddAccount("111122223333", "security").AddUser("deployer").AddAccessKey(awsemu.AccessKey{})
	eb := eventbridge.NewFromConfig(emu.Config(creds))
	call := fixture(t, "root-api-call-other.json")
	for _, tt := range []struct {
		event map[string]any
		want  bool
	}{
		{call, true},
		{withDetail(t, call, "IAMUser", "userIdentity", "type"), false},
	} {
		event, _ := json.Marshal(tt.event)
		out, err := eb.TestEventPattern(t.Context(), &eventbridge.TestEventPatternInput{
			Event: aws.String(string(event)), EventPattern: aws.String(ForwardPattern()),
		})
		if err != nil {
			t.Fatal(err)
		}
		if out.Result != tt.want {
			t.Errorf("%s by %v: matches = %v", "PutBucketPolicy", tt.event["detail"].(map[string]any)["userIdentity"], out.Result)
		}
	}
}

// TestPatternTamperingIsWhatTheFunctionCallsTampering keeps the rule and the
// function in step: every call the rule lets through as tampering is
// classified as tampering by the function.
func TestPatternTamperingIsWhatTheFunctionCallsTampering(t *testing.T) {
	cfg := alertevent.DefaultConfig()
	for _, call := range tamperingCalls {
		for _, name := range call.names {
			eventName := name
			if call.prefixed {
				eventName += "20150331v2"
			}
			var target any = DefaultPrefix + "-x"
			if call.param == "names" {
				target = []string{"/" + DefaultPrefix + "/x"}
			}
			raw := fmt.Sprintf(`{"source":"aws.x","detail-type":"AWS API Call via CloudTrail","detail":{
				"eventSource":%q,"eventName":%q,"userIdentity":{"type":"IAMUser"},"requestParameters":{%q:%s}}}`,
				call.event, eventName, call.param, mustJSON(target))
			if got := alertevent.Parse([]byte(raw), cfg); got.Kind != alertevent.KindTampering {
				t.Errorf("%s %s: the function classifies it as %v", call.event, eventName, got.Kind)
			}
		}
	}
}

func TestHubPatternFitsEventBridgeQuota(t *testing.T) {
	// EventBridge's default event pattern size quota is 2,048 characters.
	trails := []string{"organization-management-trail", "security-account-trail", "legacy-trail"}
	if n := len(HubPattern(DefaultPrefix, trails)); n > 2048 {
		t.Errorf("pattern with %d guarded trails is %d characters, over the 2,048 quota", len(trails), n)
	}
	if strings.Contains(HubPattern(DefaultPrefix, []string{"a*b"}), `"*trail/a*b"`) {
		t.Error("a * in a trail name is not escaped in the wildcard")
	}
}
