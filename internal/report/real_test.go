package report

import (
	"context"
	"testing"
	"time"

	"github.com/rootguard/rootguard/internal/audit"
	"github.com/rootguard/rootguard/internal/faultyorg"
	"github.com/rootguard/rootguard/internal/orgaudit"
	"github.com/rootguard/rootguard/internal/orgscan"
)

// realRuns audits the local AWS for real: one account whose CloudTrail
// reads are denied (ERROR rows next to FAILs), and an organization with a
// member whose role cannot be assumed, one that hangs past its deadline
// and one suspended — the outputs the validators must accept.
func realRuns(t *testing.T) (single, org Run) {
	t.Helper()
	now := faultyorg.Now
	emu, auditor := faultyorg.New(t, 4)
	cfg := emu.Config(auditor)

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
