package reliability

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/cmdutil"
)

// TestDocumentedPassRoleStatementsAreNeeded: the iam:PassRole statements
// of alert-deploy.json and posture-deploy.json are proven, not just
// present. CloudFormation without a service role provisions as the caller
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-iam-servicerole.html),
// so the caller must be allowed to pass each role a resource is given
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html).
// With the statement removed, or its resource or iam:PassedToService
// narrowed, the deploy ends (the run returns) refused, and the refused call
// is the one passing the role, with AWS's message naming iam:PassRole and
// the role.
func TestDocumentedPassRoleStatementsAreNeeded(t *testing.T) {
	t.Parallel()
	const hook = "https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXX\n"
	for _, c := range []struct {
		name     string
		edit     policyEdit
		posture  bool
		wantCall string // service:action refused for iam:PassRole
		wantRole string // the end of the role's name
	}{
		{"alert/no-statement", policyEdit{drop: []string{"PassOnlyTheAlertRoles"}}, false, "lambda:CreateFunction", "-alert-function"},
		{"alert/not-to-lambda", policyEdit{replace: []string{`"lambda.amazonaws.com", `, ""}}, false, "lambda:CreateFunction", "-alert-function"},
		{"alert/not-the-forward-roles", policyEdit{replace: []string{`"iam:PassRole",
      "Resource": ["arn:aws:iam::*:role/rootguard-alert-function", "arn:aws:iam::*:role/rootguard-forward-*"]`, `"iam:PassRole",
      "Resource": ["arn:aws:iam::*:role/rootguard-alert-function"]`}}, false, "events:PutTargets", "-forward-eu-west-1"},
		{"posture/no-statement", policyEdit{drop: []string{"PassOnlyThePostureRoles"}}, true, "lambda:CreateFunction", "-posture-function"},
		{"posture/not-to-scheduler", policyEdit{replace: []string{`"scheduler.amazonaws.com"`, `"events.amazonaws.com"`}}, true, "scheduler:CreateSchedule", "-posture-scheduler"},
	} {
		t.Run(c.name, func(t *testing.T) {
			emu, err := awsemu.New()
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(emu.Close)
			if err := emu.SetRegions([]string{"us-east-1", "eu-west-1"}, nil); err != nil {
				t.Fatal(err)
			}
			acct := emu.AddAccount("123456789012", "security")
			// kumo's buckets are global to the process: a prefix of this
			// run's own, standing in for rootguard in the documents too.
			prefix := fmt.Sprintf("rgpr%d", time.Now().UnixNano()%1e9)
			var r result
			if !c.posture {
				zip := withZip(t, []string{"FUNCTION_ZIP"})[0]
				edit := c.edit
				edit.replace = append(slices.Clone(edit.replace), prefixed(prefix)...)
				tg := onEmu(emu, policyUser(t, acct, "deployer", edit, "alert-deploy.json"))
				r = run(t, tg, hook, "alert", "deploy", "--approve", "--prefix", prefix, "--function-zip", zip)
			} else {
				zips := withZip(t, []string{"FUNCTION_ZIP", "FUNCTION_ZIP"})
				admin := onEmu(emu, acct.AddUser("admin", "*").AddAccessKey(awsemu.AccessKey{}))
				if r := run(t, admin, hook, "alert", "deploy", "--approve", "--prefix", prefix, "--function-zip", zips[0]); r.code != cmdutil.ExitOK {
					t.Fatalf("alert deploy: exit %d\n%s", r.code, r.stderr)
				}
				t.Cleanup(func() { run(t, admin, "", "alert", "remove", "--approve", "--prefix", prefix) })
				edit := c.edit
				edit.replace = append(slices.Clone(edit.replace), prefixed(prefix)...)
				tg := onEmu(emu, policyUser(t, acct, "deployer", edit, "posture-deploy.json"))
				emu.ResetCalls()
				r = run(t, tg, "", "posture", "deploy", "--approve", "--prefix", prefix, "--function-zip", zips[1])
			}
			if r.code == cmdutil.ExitOK {
				t.Fatalf("deploy succeeded without the PassRole grant\nstdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
			}
			// The deploy reports AWS's reason, naming the action and the role.
			role := "arn:aws:iam::" + acct.ID + ":role/" + prefix + c.wantRole
			if want := "is not authorized to perform: iam:PassRole on resource: " + role; !strings.Contains(r.stderr, want) {
				t.Errorf("stderr does not say %q:\n%s", want, r.stderr)
			}
			var refused []string
			for _, call := range emu.Calls() {
				if call.Account == acct.ID && strings.HasPrefix(call.ErrorCode, "AccessDenied") {
					refused = append(refused, fmt.Sprintf("%s:%s %v", call.Service, call.Action, call.IAMActions))
					if call.Service+":"+call.Action == c.wantCall && slices.Contains(call.IAMActions, "iam:PassRole") {
						return
					}
				}
			}
			t.Errorf("no %s refused for iam:PassRole; refused: %v\nstderr:\n%s", c.wantCall, refused, r.stderr)
		})
	}
}
