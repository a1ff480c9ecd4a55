// Package faultyorg builds, on the local AWS, the organization that the
// output validators are run against: a management account whose CloudTrail
// reads are denied (ERROR rows next to FAILs), and members 200000000001…
// each holding a root password and a used access key, of which
// 200000000001's role cannot be assumed, 200000000002 hangs past any
// account deadline and 200000000003 is suspended. Tests of the JSON Schema
// (internal/cmd/audit) and of SARIF/ASFF (internal/report) share it, so they
// validate the same faults.
package faultyorg

import (
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/orgscan"
)

// Now is the local AWS's fixed clock in the world New builds.
var Now = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// The members New makes faulty.
const (
	Unreachable = "200000000001" // sts:AssumeRole into its role is denied
	Hanging     = "200000000002" // iam:GetAccountSummary never answers
	Suspended   = "200000000003"
)

// New starts the local AWS with the management account and members
// (at least 3) and returns it with the management account's auditor
// credentials.
func New(t testing.TB, members int) (*awsemu.Server, aws.Credentials) {
	t.Helper()
	if members < 3 {
		t.Fatalf("faultyorg: %d members, want at least 3 (unreachable, hanging, suspended)", members)
	}
	emu, err := awsemu.New(awsemu.WithClock(func() time.Time { return Now }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	mgmt := emu.AddAccount("100000000000", "management")
	o := emu.CreateOrganization(mgmt.ID)
	for i := 1; i <= members; i++ {
		a := emu.AddAccount(fmt.Sprintf("2%011d", i), fmt.Sprintf("member-%d", i))
		o.AddAccount(a, o.RootID())
		a.AddRole(orgscan.DefaultRoleName, mgmt.ID)
		a.Root().SetPassword(Now.AddDate(-1, 0, 0), Now.AddDate(0, -6, 0))
		a.Root().AddAccessKey(awsemu.AccessKey{LastUsed: Now.AddDate(0, 0, -2), LastUsedService: "s3", LastUsedRegion: "us-east-1"})
		if a.ID == Suspended {
			a.Suspend()
		}
	}
	emu.InjectFault(awsemu.Fault{Service: "sts", Action: "AssumeRole", Account: Unreachable, DenyRate: 1})
	emu.InjectFault(awsemu.Fault{Service: "iam", Action: "GetAccountSummary", Account: Hanging, Hang: true})
	emu.InjectFault(awsemu.Fault{Service: "cloudtrail", Action: "DescribeTrails", Account: mgmt.ID, DenyRate: 1})
	return emu, mgmt.AddUser("auditor", "*").AddAccessKey(awsemu.AccessKey{})
}
