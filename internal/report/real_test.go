package report

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/rootguard/rootguard/internal/audit"
	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/orgaudit"
	"github.com/rootguard/rootguard/internal/orgscan"
)

// realRuns audits the local AWS for real: one account whose CloudTrail
// reads are denied (ERROR rows next to FAILs), and an organization with a
// member whose role cannot be assumed, one that hangs past its deadline
// and one suspended — the outputs the validators must accept.
func realRuns(t *testing.T) (single, org Run) {
	t.Helper()
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	emu, err := awsemu.New(awsemu.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	mgmt := emu.AddAccount("100000000000", "management")
	o := emu.CreateOrganization(mgmt.ID)
	for i := 1; i <= 4; i++ {
		a := emu.AddAccount(fmt.Sprintf("2%011d", i), fmt.Sprintf("member-%d", i))
		o.AddAccount(a, o.RootID())
		a.AddRole(orgscan.DefaultRoleName, mgmt.ID)
		a.Root().SetPassword(now.AddDate(-1, 0, 0), now.AddDate(0, -6, 0))
		a.Root().AddAccessKey(awsemu.AccessKey{LastUsed: now.AddDate(0, 0, -2), LastUsedService: "s3", LastUsedRegion: "us-east-1"})
		if i == 3 {
			a.Suspend()
		}
	}
	emu.InjectFault(awsemu.Fault{Service: "sts", Action: "AssumeRole", Account: "200000000001", DenyRate: 1})
	emu.InjectFault(awsemu.Fault{Service: "iam", Action: "GetAccountSummary", Account: "200000000002", Hang: true})
	emu.InjectFault(awsemu.Fault{Service: "cloudtrail", Action: "DescribeTrails", Account: mgmt.ID, DenyRate: 1})
	cfg := emu.Config(mgmt.AddUser("auditor", "*").AddAccessKey(awsemu.AccessKey{}))

	opts := audit.Options{Now: func() time.Time { return now }, ReportWait: 5 * time.Second}
	single = Run{Accounts: []audit.AccountResult{audit.Account(context.Background(), cfg, opts)}}
	res, err := orgaudit.Run(context.Background(), cfg, orgaudit.Options{
		Selection: orgscan.Selection{Org: true}, RoleName: orgscan.DefaultRoleName,
		Concurrency: 4, AccountTimeout: 3 * time.Second, Audit: opts,
	})
	if err != nil {
		t.Fatal(err)
	}
	org = Run{Org: true, Notes: res.Notes}
	for _, row := range res.Rows {
		r := row.Result
		r.Access = string(row.Access)
		org.Accounts = append(org.Accounts, r)
	}
	for _, s := range res.Skipped {
		org.Skipped = append(org.Skipped, SkippedAccount{AccountID: s.ID, Name: s.Name, Status: s.Status})
	}
	cut := 0 // accounts not (fully) audited: the unreachable and the hanging member
	for _, a := range org.Accounts {
		if a.Error != "" {
			cut++
		}
	}
	if s := Summarize(single.Accounts); s.Error == 0 || s.Fail == 0 || cut != 2 || len(org.Skipped) != 1 {
		t.Fatalf("the real runs lack what they are for: single %+v, %d org accounts cut short, skipped %v", s, cut, org.Skipped)
	}
	return single, org
}
