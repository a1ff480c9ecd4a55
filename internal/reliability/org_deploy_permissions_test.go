package reliability

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/cmdutil"
	"github.com/rootguard/rootguard/internal/deploy"
	"github.com/rootguard/rootguard/internal/orgscan"
)

// TestDocumentedPoliciesDeployAndRemoveOrg keeps alert-deploy.json plus
// alert-deploy-org.json true for `alert deploy --org` and `alert remove
// --org` from the management account (the hub): a principal whose policy is
// exactly the two documents deploys the hub and the spokes' StackSet and
// removes them with no call of its account refused, iam:PassRole included
// (the hub's function and forwarder roles, passed by CloudFormation as the
// caller). Member accounts are reached through OrganizationAccountAccessRole
// and the spokes made by StackSets' service-linked role, neither governed by
// these documents. Without the PassRole statement the hub's function is
// refused.
func TestDocumentedPoliciesDeployAndRemoveOrg(t *testing.T) {
	t.Parallel()
	const mgmt = "111111111111"
	for _, c := range []struct {
		name string
		edit policyEdit
		ok   bool
	}{
		{"documented", policyEdit{}, true},
		{"without-PassOnlyTheAlertRoles", policyEdit{drop: []string{"PassOnlyTheAlertRoles"}}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			emu, err := awsemu.New()
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(emu.Close)
			org := emu.CreateOrganization(mgmt)
			ou := org.AddOU(org.RootID(), "prod")
			for _, id := range []string{"222222222222", "333333333333"} {
				a := emu.AddAccount(id, "member-"+id[:1])
				a.AddRole(orgscan.DefaultRoleName, mgmt)
				org.AddAccount(a, ou)
			}
			org.EnableServiceAccess(deploy.StackSetsPrincipal)
			if err := emu.SetRegions([]string{"us-east-1", "eu-west-1"}, nil); err != nil {
				t.Fatal(err)
			}
			acct := emu.Account(mgmt)
			// kumo's buckets are global to the process: a prefix of this
			// run's own, standing in for rootguard in the documents too.
			prefix := fmt.Sprintf("rgor%d", time.Now().UnixNano()%1e9)
			edit := c.edit
			edit.replace = prefixed(prefix)
			tg := onEmu(emu, policyUser(t, acct, "org-deployer", edit, "alert-deploy.json", "alert-deploy-org.json"))
			zip := withZip(t, []string{"FUNCTION_ZIP"})[0]
			steps := [][]string{{"alert", "deploy", "--org", "--approve", "--prefix", prefix, "--function-zip", zip}}
			if c.ok {
				steps = append(steps, []string{"alert", "remove", "--org", "--approve", "--prefix", prefix})
			}
			for _, args := range steps {
				r := run(t, tg, "https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXX\n", args...)
				if (r.code == cmdutil.ExitOK) != c.ok {
					t.Errorf("%s: exit %d (want success %v)\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, c.ok, r.stdout, r.stderr)
				}
			}
			var refused []string
			passDenied, passed, stackSet := false, false, false
			for _, call := range emu.Calls() {
				if call.Account != mgmt {
					continue
				}
				if call.ErrorCode == "" {
					// The allowed run really passed the function's role and
					// made the spokes' StackSet.
					passed = passed || (call.Service+":"+call.Action == "lambda:CreateFunction" && slices.Contains(call.IAMActions, "iam:PassRole"))
					stackSet = stackSet || call.Action == "CreateStackSet"
				}
				if strings.HasPrefix(call.ErrorCode, "AccessDenied") {
					refused = append(refused, fmt.Sprintf("%s:%s %v", call.Service, call.Action, call.IAMActions))
					passDenied = passDenied || (call.Service+":"+call.Action == "lambda:CreateFunction" && slices.Contains(call.IAMActions, "iam:PassRole"))
				}
			}
			switch {
			case c.ok && len(refused) > 0:
				t.Errorf("refused with the documented policies: %v", refused)
			case c.ok && (!passed || !stackSet):
				t.Errorf("the deploy passed the function's role %v, created the StackSet %v; want both", passed, stackSet)
			case !c.ok && !passDenied:
				t.Errorf("the hub's function was not refused for iam:PassRole; refused: %v", refused)
			}
		})
	}
}
