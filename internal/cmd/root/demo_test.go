package root

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/rootguard/rootguard/internal/awsconfig"
	"github.com/rootguard/rootguard/internal/cmdutil"
	"github.com/rootguard/rootguard/internal/iostreams"
	"github.com/rootguard/rootguard/internal/prompt"
	"time"
)

// TestDemo runs the README's main command in-process: the whole demo must
// succeed, every step must be a real command, and the second audit must show
// the member whose root credentials the demo removed as passing.
func TestDemo(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL", "http://192.0.2.1:1") // must be replaced by the demo, never used
	ios, _, out, errOut := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, Prompter: prompt.NewTerminal(ios), AWSConfig: awsconfig.Load, Now: time.Now}
	cmd := NewCmdRoot(f)
	cmd.SetArgs([]string{"demo"})
	if err := cmd.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("demo: %v\nstderr:\n%s\nstdout:\n%s", err, errOut, out)
	}
	if got := os.Getenv("AWS_ENDPOINT_URL"); got != "http://192.0.2.1:1" {
		t.Fatalf("the demo must restore the environment, AWS_ENDPOINT_URL = %q", got)
	}
	stdout := out.String()
	audits := strings.Split(stdout, "Account 222222222222")
	if len(audits) < 2 {
		t.Fatalf("no fix output:\n%s", stdout)
	}
	first, last := audits[0], stdout[strings.LastIndex(stdout, "Verify in 222222222222"):]
	for _, want := range []string{"222222222222 (payments)         assume-root  root-access-keys        FAIL", "4 accounts: 2 pass, 2 fail, 0 error", "SKIPPED (1 account, not audited by design): 555555555555 (suspended)"} {
		if !strings.Contains(first, want) {
			t.Errorf("first audit lacks %q:\n%s", want, first)
		}
	}
	// After the fix and the alert pipeline, every account passes: the
	// management account's root-alerting and root-activity-alerting too.
	for _, want := range []string{"root-access-keys             FAIL → PASS", "4 accounts: 4 pass, 0 fail, 0 error", "PASS (4 accounts): 111111111111 (acme-management), 222222222222 (payments)"} {
		if !strings.Contains(last, want) {
			t.Errorf("after the fix and the deploy, output lacks %q:\n%s", want, last)
		}
	}
	stderr := errOut.String()
	for _, want := range []string{
		"Slack accepted the test alert",
		"Slack ← [info] Test alert from rootguard — account 111111111111",
		"Slack ← [critical] Root signed in without MFA — account 111111111111",
		"failed root sign-ins for 111111111111 from 3 IPs",
		"$ rootguard posture deploy --approve",
		"EventBridge Scheduler fired rootguard-posture",
		"Slack ← [info] Root posture baseline: 4 accounts audited",
		"Slack ← [critical] Root posture drift: 1 new FAIL.",
		"Demo complete",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr+stdout, "/services/DEMO/DEMO/demo") {
		t.Error("the webhook URL was printed")
	}
}
