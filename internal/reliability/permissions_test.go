package reliability

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"

	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/cmdutil"
)

// sampleOrg serves the sample organization with centralized root access
// on (rootSessions) or not, and returns it with the ID of its "Workloads"
// OU.
func sampleOrg(t *testing.T, rootSessions bool) (*awsemu.Server, string) {
	t.Helper()
	emu, err := awsemu.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	scenario := awsemu.SampleScenario()
	if !rootSessions {
		var sc map[string]any
		if err := json.Unmarshal(scenario, &sc); err != nil {
			t.Fatal(err)
		}
		delete(sc["organization"].(map[string]any), "centralizedRootAccess")
		scenario, _ = json.Marshal(sc)
	}
	if err := emu.LoadScenario(scenario); err != nil {
		t.Fatal(err)
	}
	admin := emu.Account("111111111111").AddUser("lister", "*").AddAccessKey(awsemu.AccessKey{})
	out, err := organizations.NewFromConfig(emu.Config(admin)).ListOrganizationalUnitsForParent(context.Background(),
		&organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(emu.Organization().RootID())})
	if err != nil {
		t.Fatal(err)
	}
	for _, ou := range out.OrganizationalUnits {
		if aws.ToString(ou.Name) == "Workloads" {
			return emu, aws.ToString(ou.Id)
		}
	}
	t.Fatal("no Workloads OU")
	return nil, ""
}

// TestDocumentedPoliciesLetOrgRunsStart keeps docs/permissions true for
// organization runs: a management principal whose identity policy is
// exactly the documented policies (Resource and Condition evaluated where
// the local AWS derives them: sts:AssumeRoot's sts:TaskPolicyArn,
// sts:AssumeRole's role) runs audit and fix over --org, --ou and --accounts, with
// centralized root access on (sts:AssumeRoot) and off (sts:AssumeRole),
// and no call of the management principal is refused.
func TestDocumentedPoliciesLetOrgRunsStart(t *testing.T) {
	t.Parallel()
	for _, rootSessions := range []bool{true, false} {
		// OU stands for the "Workloads" OU's ID.
		runs := []struct {
			policies []string
			args     []string
		}{
			{[]string{"audit.json", "audit-org.json"}, []string{"audit", "--org"}},
			{[]string{"audit.json", "audit-org.json"}, []string{"audit", "--org", "--output", "html"}}, // reads the OU tree
			{[]string{"audit.json", "audit-org.json"}, []string{"audit", "--ou", "OU"}},
			{[]string{"audit.json", "audit-org.json"}, []string{"audit", "--accounts", "222222222222,333333333333"}},
			{[]string{"fix.json", "audit.json"}, []string{"fix", "--org"}},
			{[]string{"fix.json", "audit.json"}, []string{"fix", "--ou", "OU"}},
			{[]string{"fix.json", "audit.json"}, []string{"fix", "--accounts", "222222222222"}},
		}
		for _, r := range runs {
			if !rootSessions && r.args[0] == "fix" {
				// fix reaches members only through sts:AssumeRoot: with
				// root sessions off its plan is to enable them first.
				continue
			}
			name := strings.Join(r.args, " ")
			if !rootSessions {
				name += " (AssumeRole)"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				// A local AWS of its own: its call log is this run's alone.
				emu, ou := sampleOrg(t, rootSessions)
				args := slices.Clone(r.args)
				if i := slices.Index(args, "OU"); i >= 0 {
					args[i] = ou
				}
				creds := policyUser(t, emu.Account("111111111111"), "least-"+strings.ReplaceAll(strings.Join(r.args, "-"), ",", "-"), policyEdit{}, r.policies...)
				emu.ResetCalls()
				res := run(t, onEmu(emu, creds), "", args...)
				if !slices.Contains([]int{cmdutil.ExitOK, cmdutil.ExitFindings}, res.code) {
					t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
				}
				for _, c := range emu.Calls() {
					if c.Account == "111111111111" && strings.HasPrefix(c.ErrorCode, "AccessDenied") {
						t.Errorf("%s:%s refused: %s do not allow all of %v", c.Service, c.Action, strings.Join(r.policies, " + "), c.IAMActions)
					}
				}
			})
		}
	}
}

// TestDocumentedPolicyDeploysAndRemoves keeps docs/permissions/alert-deploy.json
// true for the calls rootguard makes itself: a principal whose policy is
// exactly the document deploys the pipeline (--approve), plans a second
// deploy and removes it, with no call refused — S3's calls included: the
// local AWS authorizes each S3 REST call by the IAM actions S3 documents for
// it (awsemu/s3), also those CloudFormation makes as the principal for the
// stack's buckets, and iam:PassRole by the role passed and the service it
// is passed to (the function's role to Lambda, each forwarder's role to
// EventBridge), and the stack, bucket, object, parameter, queue and event
// source mapping calls by their resources and condition keys (awsemu's
// scopedActions). Other actions' resource ARNs and conditions are not
// evaluated (the emulator checks their names only).
func TestDocumentedPolicyDeploysAndRemoves(t *testing.T) {
	t.Parallel()
	emu, err := awsemu.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	// A world of two Regions: without --regions the deploy forwards every
	// Region enabled in the account, so the forwarder's calls are proven too.
	if err := emu.SetRegions([]string{"us-east-1", "eu-west-1"}, nil); err != nil {
		t.Fatal(err)
	}
	acct := emu.AddAccount("123456789012", "security")
	tg := onEmu(emu, policyUser(t, acct, "deployer", policyEdit{}, "alert-deploy.json"))
	zip := withZip(t, []string{"FUNCTION_ZIP"})[0]
	for _, step := range []struct {
		stdin string
		args  []string
	}{
		{"https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXX\n", []string{"alert", "deploy", "--approve", "--function-zip", zip}},
		{"", []string{"alert", "remove", "--approve"}},
	} {
		r := run(t, tg, step.stdin, step.args...)
		if r.code != cmdutil.ExitOK {
			t.Errorf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(step.args, " "), r.code, r.stdout, r.stderr)
		}
	}
	for _, c := range emu.Calls() {
		if c.Account == acct.ID && strings.HasPrefix(c.ErrorCode, "AccessDenied") {
			t.Errorf("%s:%s refused: alert-deploy.json does not allow all of %v", c.Service, c.Action, c.IAMActions)
		}
	}
}
