package reliability

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rootguard/rootguard/internal/awsconfig"
	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/cmdutil"
)

// TestDocumentedPolicyDeploysAndRemovesPosture keeps
// docs/permissions/posture-deploy.json true: beside an alert pipeline
// deployed by an administrator, a principal allowed exactly its actions
// runs `posture deploy --approve` and `posture remove --approve`, and none
// of its calls is refused (S3 allowed whole, as for `alert deploy`: the
// local AWS does not name the IAM action of an S3 call).
func TestDocumentedPolicyDeploysAndRemovesPosture(t *testing.T) {
	emu, err := awsemu.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	if err := emu.SetRegions([]string{"us-east-1"}, nil); err != nil {
		t.Fatal(err)
	}
	acct := emu.AddAccount("123456789012", "security")
	// kumo's buckets are global to the process: a prefix of this test's own.
	prefix := fmt.Sprintf("rgpd%d", time.Now().UnixNano()%1e9)
	zips := withZip(t, []string{"FUNCTION_ZIP", "FUNCTION_ZIP"})
	useEmu(t, emu, acct.AddUser("admin", "*").AddAccessKey(awsemu.AccessKey{}))
	if r := run(t, awsconfig.Timeouts{}, "https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXX\n",
		"alert", "deploy", "--approve", "--prefix", prefix, "--function-zip", zips[0]); r.code != cmdutil.ExitOK {
		t.Fatalf("alert deploy: exit %d\n%s", r.code, r.stderr)
	}
	t.Cleanup(func() { run(t, awsconfig.Timeouts{}, "", "alert", "remove", "--approve", "--prefix", prefix) })

	// The document names the rootguard prefix; the local AWS does not
	// evaluate resources, so the actions are what is proven here.
	useEmu(t, emu, acct.AddUser("deployer", append(policyActions(t, "posture-deploy.json"), "s3:*")...).AddAccessKey(awsemu.AccessKey{}))
	emu.ResetCalls()
	for _, args := range [][]string{
		{"posture", "deploy", "--approve", "--prefix", prefix, "--function-zip", zips[1], "--schedule", "cron(0 6 ? * MON-FRI *)"},
		{"posture", "deploy", "--approve", "--prefix", prefix, "--function-zip", zips[1], "--heartbeat"}, // an update
		{"posture", "remove", "--approve", "--prefix", prefix},
	} {
		r := run(t, awsconfig.Timeouts{}, "", args...)
		if r.code != cmdutil.ExitOK {
			t.Errorf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
		}
	}
	for _, c := range emu.Calls() {
		if c.Account == acct.ID && strings.HasPrefix(c.ErrorCode, "AccessDenied") {
			t.Errorf("%s:%s refused: posture-deploy.json does not allow it", c.Service, c.Action)
		}
	}
}
