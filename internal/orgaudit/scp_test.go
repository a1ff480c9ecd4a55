package orgaudit

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rootguard/rootguard/internal/audit"
	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/orgscan"
)

// TestMemberDeniedBySCP: a "deny root" service control policy in one member
// (no aws:AssumedRoot exemption) denies the root session's IAM calls there.
// Its rows are ERROR with AWS's own message and advice a reader can follow
// (exempt root sessions in the SCP) — never "grant … to …:root", which no
// one can do; every other member is audited as usual.
func TestMemberDeniedBySCP(t *testing.T) {
	emu, auditor := org(t, 6)
	emu.Organization().EnableCentralizedRootAccess(awsemu.CentralizedRootAccess...)
	const denied = "200000000003"
	emu.InjectFault(awsemu.Fault{Service: "iam", Account: denied, DenyRate: 1})
	res, err := Run(context.Background(), emu.Config(auditor), Options{
		Selection: orgscan.Selection{Org: true},
		Audit:     audit.Options{Now: func() time.Time { return now }},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"200000000004": "root-access-keys=PASS root-mfa=NOT_APPLICABLE root-hardware-mfa=NOT_APPLICABLE root-signing-certificates=PASS root-recent-use=PASS ",
		"200000000005": "root-access-keys=PASS root-mfa=PASS root-hardware-mfa=PASS root-signing-certificates=PASS root-recent-use=PASS ",
	}
	for _, row := range res.Rows {
		if w, ok := want[row.Account.ID]; ok && statuses(row.Result) != w {
			t.Errorf("%s is not affected by another member's SCP:\n got %s\nwant %s", row.Account.ID, statuses(row.Result), w)
		}
		if row.Account.ID != denied {
			continue
		}
		if row.Result.Error != "" || len(row.Result.Checks) == 0 {
			t.Fatalf("%s: want ERROR rows, got %s", denied, statuses(row.Result))
		}
		for _, c := range row.Result.Checks {
			if c.Status != audit.Error {
				t.Errorf("%s %s = %s, want ERROR", denied, c.ID, c.Status)
			}
			for _, w := range []string{"with an explicit deny in a service control policy", "aws:AssumedRoot", "cannot be granted"} {
				if !strings.Contains(c.Detail, w) {
					t.Errorf("%s %s detail lacks %q: %s", denied, c.ID, w, c.Detail)
				}
			}
			if strings.Contains(c.Detail, "grant iam:") {
				t.Errorf("%s %s advises a grant to root: %s", denied, c.ID, c.Detail)
			}
			if _, ok := c.Evidence[audit.EvidenceMissingPermission]; ok || c.Evidence[audit.EvidenceDeniedBy] != "service control policy" {
				t.Errorf("%s %s evidence %v: want denied_by, no missing_permission", denied, c.ID, c.Evidence)
			}
		}
	}
}
