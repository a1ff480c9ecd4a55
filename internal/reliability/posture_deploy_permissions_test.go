package reliability

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/cmdutil"
)

// TestDocumentedPolicyDeploysAndRemovesPosture keeps
// docs/permissions/posture-deploy.json true: beside an alert pipeline
// deployed by an administrator, a principal allowed exactly its actions
// runs `posture deploy --approve` (a create, then an update) and `posture
// remove --approve`, and none of its calls is refused — S3's included (the
// local AWS authorizes each S3 call by the IAM actions S3 documents for it),
// and the two roles are passed as the document allows: the function's to
// Lambda, the schedule's to EventBridge Scheduler (iam:PassRole is
// evaluated with its Resource and iam:PassedToService condition). Other
// actions' resource ARNs are not evaluated there.
func TestDocumentedPolicyDeploysAndRemovesPosture(t *testing.T) {
	t.Parallel()
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
	admin := onEmu(emu, acct.AddUser("admin", "*").AddAccessKey(awsemu.AccessKey{}))
	if r := run(t, admin, "https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXX\n",
		"alert", "deploy", "--approve", "--prefix", prefix, "--function-zip", zips[0]); r.code != cmdutil.ExitOK {
		t.Fatalf("alert deploy: exit %d\n%s", r.code, r.stderr)
	}
	t.Cleanup(func() { run(t, admin, "", "alert", "remove", "--approve", "--prefix", prefix) })

	// The document names the rootguard prefix: the test's own stands in
	// for it, so the roles passed are matched by the document's ARNs.
	deployer := onEmu(emu, policyUser(t, acct, "deployer", policyEdit{replace: prefixed(prefix)}, "posture-deploy.json"))
	emu.ResetCalls()
	for _, args := range [][]string{
		{"posture", "deploy", "--approve", "--prefix", prefix, "--function-zip", zips[1], "--schedule", "cron(0 6 ? * MON-FRI *)"},
		{"posture", "deploy", "--approve", "--prefix", prefix, "--function-zip", zips[1], "--heartbeat"}, // an update
		{"posture", "remove", "--approve", "--prefix", prefix},
	} {
		r := run(t, deployer, "", args...)
		if r.code != cmdutil.ExitOK {
			t.Errorf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
		}
	}
	for _, c := range emu.Calls() {
		if c.Account == acct.ID && strings.HasPrefix(c.ErrorCode, "AccessDenied") {
			t.Errorf("%s:%s refused: posture-deploy.json does not allow all of %v", c.Service, c.Action, c.IAMActions)
		}
	}
}
