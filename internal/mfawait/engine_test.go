package mfawait

import (
	"context"
	"testing"
	"time"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/audit"
	"github.com/rootguard/rootguard/internal/awsemu"
)

// The engine against the local AWS: MFA read from GetAccountSummary,
// membership from Organizations, verification by the audit's MFA checks
// without a second GetCallerIdentity.
func TestEngine(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	emu, err := awsemu.New(awsemu.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	acct := emu.AddAccount("123456789012", "standalone")
	acct.Root().SetPassword(now.AddDate(-1, 0, 0), now.AddDate(0, 0, -1))
	ctx := context.Background()
	caller, err := account.Resolve(ctx, emu.Config(acct.AddUser("admin", "*").AddAccessKey(awsemu.AccessKey{})))
	if err != nil {
		t.Fatal(err)
	}
	e := New(caller)
	clock := func() time.Time { return now }

	if on, err := e.Enabled(ctx); err != nil || on {
		t.Fatalf("Enabled = %v, %v before any device", on, err)
	}
	if m, member := e.Membership(ctx); member {
		t.Errorf("standalone account reported as a member of %s's organization", m)
	}
	acct.Root().AddMFADevice(awsemu.MFAVirtual, "phone")
	if on, err := e.Enabled(ctx); err != nil || !on {
		t.Fatalf("Enabled = %v, %v after a device", on, err)
	}
	identities := len(emu.CallsTo("sts", "GetCallerIdentity"))
	res := e.Verify(ctx, clock)
	got := map[audit.CheckID]audit.Status{}
	for _, c := range res.Checks {
		got[c.ID] = c.Status
	}
	if res.Error != "" || got[audit.CheckRootMFA] != audit.Pass || got[audit.CheckRootHardwareMFA] != audit.Fail || len(got) != 2 {
		t.Errorf("verification of a virtual device = %v (%s)", got, res.Error)
	}
	if n := len(emu.CallsTo("sts", "GetCallerIdentity")); n != identities {
		t.Errorf("verification asked STS who the caller is again (%d calls)", n-identities)
	}

	mgmt := emu.AddAccount("111111111111", "management")
	org := emu.CreateOrganization(mgmt.ID)
	org.AddAccount(acct, org.RootID())
	if m, member := e.Membership(ctx); !member || m != mgmt.ID {
		t.Errorf("Membership = %s, %v; want a member of %s's organization", m, member, mgmt.ID)
	}
}
