package orgaudit

import (
	"context"
	"strings"
	"testing"

	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/orgscan"
)

// TestUnknownFeaturesDoNotWidenAccess: when iam:ListOrganizationsFeatures
// gives no definite answer, the run stops with the reason instead of
// reaching members through sts:AssumeRole into an administrator role.
func TestUnknownFeaturesDoNotWidenAccess(t *testing.T) {
	emu, admin := org(t, 3)
	emu.Organization().EnableCentralizedRootAccess(awsemu.CentralizedRootAccess...)
	emu.InjectFault(awsemu.Fault{Service: "iam", Action: "ListOrganizationsFeatures", DenyRate: 1})
	_, err := Run(context.Background(), emu.Config(admin), Options{Selection: orgscan.Selection{Org: true}, Concurrency: 2})
	if err == nil || !strings.Contains(err.Error(), "does not guess") || !strings.Contains(err.Error(), "iam:ListOrganizationsFeatures") {
		t.Fatalf("err = %v, want the run to stop naming the unread features", err)
	}
	if calls := emu.CallsTo("sts", "AssumeRole"); len(calls) != 0 {
		t.Errorf("%d sts:AssumeRole calls: an unknown must not switch members to the admin role", len(calls))
	}
}

// TestAccessReasonIsInTheNotes: the run says how members were reached and
// why.
func TestAccessReasonIsInTheNotes(t *testing.T) {
	emu, admin := org(t, 2)
	res, err := Run(context.Background(), emu.Config(admin), Options{Selection: orgscan.Selection{Org: true}, Concurrency: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Notes) == 0 || !strings.Contains(res.Notes[0], "sts:AssumeRole into OrganizationAccountAccessRole: trusted access for IAM is not enabled") {
		t.Errorf("notes = %q", res.Notes)
	}
	emu.Organization().EnableCentralizedRootAccess(awsemu.CentralizedRootAccess...)
	if res, err = Run(context.Background(), emu.Config(admin), Options{Selection: orgscan.Selection{Org: true}, Concurrency: 2}); err != nil {
		t.Fatal(err)
	}
	if len(res.Notes) == 0 || !strings.Contains(res.Notes[0], "sts:AssumeRoot: centralized root access (RootCredentialsManagement and RootSessions) is enabled") {
		t.Errorf("notes = %q", res.Notes)
	}
}
