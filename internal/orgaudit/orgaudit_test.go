package orgaudit

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/rootguard/rootguard/internal/audit"
	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/orgscan"
)

var now = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// org builds a management account and n members in three states: root
// with keys (every third), root without credentials, root with a password
// and a hardware MFA device.
func org(t *testing.T, n int) (*awsemu.Server, aws.Credentials) {
	t.Helper()
	emu, err := awsemu.New(awsemu.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	o := emu.NewOrg("100000000000")
	o.AddMembers(n, func(i int, a *awsemu.Account) {
		a.AddRole(orgscan.DefaultRoleName, o.Management.ID)
		switch i % 3 {
		case 0:
			a.Root().SetPassword(now.AddDate(-1, 0, 0), now.AddDate(0, -6, 0))
			a.Root().AddAccessKey(awsemu.AccessKey{LastUsed: now.AddDate(0, 0, -2), LastUsedService: "s3", LastUsedRegion: "us-east-1"})
		case 1:
			// centralized root access removed everything
		case 2:
			a.Root().SetPassword(now.AddDate(-1, 0, 0), now.AddDate(0, -6, 0))
			a.Root().AddMFADevice(awsemu.MFAHardware, "token")
		}
	})
	return emu, o.Admin("auditor")
}

func statuses(r audit.AccountResult) string {
	var b strings.Builder
	if r.Error != "" {
		return "error: " + r.Error
	}
	for _, c := range r.Checks {
		fmt.Fprintf(&b, "%s=%s ", c.ID, c.Status)
	}
	return b.String()
}

var rootChecks = []audit.CheckID{"root-access-keys", "root-mfa", "root-hardware-mfa", "root-signing-certificates", "root-recent-use"}

func TestAssumeRootWhenCentralizedRootAccessIsOn(t *testing.T) {
	emu, auditor := org(t, 6)
	emu.Organization().EnableCentralizedRootAccess(awsemu.CentralizedRootAccess...)
	res, err := Run(context.Background(), emu.Config(auditor), Options{
		Selection: orgscan.Selection{Org: true},
		Audit:     audit.Options{Now: func() time.Time { return now }},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !res.RootSessions || len(res.Rows) != 7 {
		t.Fatalf("root sessions %v, %d rows", res.RootSessions, len(res.Rows))
	}
	for _, row := range res.Rows {
		member := row.Account.ID != "100000000000"
		if member != (row.Access == orgscan.AccessAssumeRoot) {
			t.Errorf("%s reached with %s", row.Account.ID, row.Access)
		}
		if member && len(row.Result.Checks) != len(rootChecks) {
			t.Errorf("%s: %d checks in an AssumeRoot session, want the %d root-credential checks", row.Account.ID, len(row.Result.Checks), len(rootChecks))
		}
		// A member's session is not kept past its audit: at 10,000
		// accounts the sessions' clients were most of the run's memory.
		if member == (row.Result.Caller != nil) {
			t.Errorf("%s: session kept in its row: %v", row.Account.ID, row.Result.Caller != nil)
		}
	}
	want := map[string]string{
		"200000000003": "root-access-keys=FAIL root-mfa=FAIL root-hardware-mfa=FAIL root-signing-certificates=PASS root-recent-use=FAIL ",
		"200000000004": "root-access-keys=PASS root-mfa=NOT_APPLICABLE root-hardware-mfa=NOT_APPLICABLE root-signing-certificates=PASS root-recent-use=PASS ",
		"200000000005": "root-access-keys=PASS root-mfa=PASS root-hardware-mfa=PASS root-signing-certificates=PASS root-recent-use=PASS ",
	}
	for _, row := range res.Rows {
		if w, ok := want[row.Account.ID]; ok && statuses(row.Result) != w {
			t.Errorf("%s:\n got %s\nwant %s", row.Account.ID, statuses(row.Result), w)
		}
	}
	holdouts := map[string]string{}
	for _, h := range res.Holdouts() {
		holdouts[h.AccountID] = strings.Join(h.Holds, ",")
	}
	if holdouts["200000000003"] != "password,access keys" || holdouts["200000000005"] != "password,MFA" || holdouts["200000000004"] != "" {
		t.Errorf("holdouts = %v", holdouts)
	}
	if len(res.Notes) == 0 || !strings.Contains(res.Notes[0], "root-alerting, root-activity-alerting and org-centralized-root-access run in 100000000000 only") {
		t.Errorf("notes must say which checks ran where: %q", res.Notes)
	}
}

func TestFaultsBecomeThatAccountsErrorRow(t *testing.T) {
	const members = 40
	emu, auditor := org(t, members)
	denied := []string{"200000000007", "200000000021"} // 5 %
	for _, id := range denied {
		emu.InjectFault(awsemu.Fault{Service: "sts", Action: "AssumeRole", Account: id, DenyRate: 1})
	}
	emu.InjectFault(awsemu.Fault{Service: "iam", Account: "200000000013", ThrottleRate: 1})
	emu.InjectFault(awsemu.Fault{Service: "iam", Action: "GetAccountSummary", Account: "200000000030", Hang: true})

	start := time.Now()
	res, err := Run(context.Background(), emu.Config(auditor), Options{
		Selection:   orgscan.Selection{Org: true},
		Concurrency: 8,
		// Long enough that a healthy account finishes on a loaded CI
		// machine (2 s was missed under `make test`'s parallel packages),
		// short enough that the hanging account's end is the deadline's.
		AccountTimeout: 6 * time.Second,
		Audit:          audit.Options{Checks: rootChecks, Now: func() time.Time { return now }},
	})
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 30*time.Second {
		t.Fatalf("run took %s: a hanging account must end at its deadline", took)
	}
	if len(res.Rows) != members+1 {
		t.Fatalf("%d rows", len(res.Rows))
	}
	for _, row := range res.Rows {
		r := row.Result
		if len(r.Checks) != len(rootChecks) && row.Account.ID != "100000000000" {
			t.Errorf("%s: %d check rows, want every one of the %d asked for, whatever happened", row.Account.ID, len(r.Checks), len(rootChecks))
		}
		switch row.Account.ID {
		case denied[0], denied[1]:
			if !strings.Contains(r.Error, "cannot reach the account") || !strings.Contains(r.Error, "sts:AssumeRole") {
				t.Errorf("%s: error %q must say AssumeRole was denied", row.Account.ID, r.Error)
			}
		case "200000000013":
			if r.Error == "" && !anyError(r) {
				t.Errorf("%s: a throttled-out account must be ERROR, got %s", row.Account.ID, statuses(r))
			}
		case "200000000030":
			if !strings.Contains(r.Error, "deadline") || !anyError(r) {
				t.Errorf("%s: a hanging account must be ERROR past its deadline, got %q %s", row.Account.ID, r.Error, statuses(r))
			}
		default:
			// Every other row is exactly what a single-account audit says.
			cfg, _, err := (&orgscan.Credentials{Base: emu.Config(auditor), Home: "100000000000"}).For(context.Background(), row.Account.ID)
			if err != nil {
				t.Fatal(err)
			}
			single := audit.Account(context.Background(), cfg, audit.Options{Checks: rootChecks, Session: audit.SessionIAM, Now: func() time.Time { return now }})
			if statuses(single) != statuses(r) {
				t.Errorf("%s:\n org run %s\n single  %s", row.Account.ID, statuses(r), statuses(single))
			}
		}
	}
}

func anyError(r audit.AccountResult) bool {
	for _, c := range r.Checks {
		if c.Status == audit.Error {
			return true
		}
	}
	return false
}

func TestCancelStopsPromptlyAndMarksTheRest(t *testing.T) {
	emu, auditor := org(t, 30)
	emu.InjectFault(awsemu.Fault{Latency: 50 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	var finished atomic.Int32
	start := time.Now()
	res, err := Run(ctx, emu.Config(auditor), Options{
		Selection:   orgscan.Selection{Org: true},
		Concurrency: 2,
		Audit:       audit.Options{Checks: rootChecks, Now: func() time.Time { return now }},
		Done: func(int, Row) {
			if finished.Add(1) == 4 {
				cancel() // Ctrl-C after a few accounts
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("a cancelled run took %s", took)
	}
	interrupted := 0
	for _, r := range res.Rows {
		if r.Result.Error == ErrInterrupted.Error() {
			interrupted++
		}
		if len(r.Result.Checks) != len(rootChecks) && r.Account.ID != "100000000000" {
			t.Errorf("%s: %d check rows, want all %d even when interrupted", r.Account.ID, len(r.Result.Checks), len(rootChecks))
		}
		if strings.Contains(r.Result.Error, "deadline") {
			t.Errorf("%s: an interrupted account is not one that ran out of time: %q", r.Account.ID, r.Result.Error)
		}
	}
	if interrupted < 20 || len(res.Rows) != 31 {
		t.Fatalf("%d of %d rows marked interrupted, want the accounts not yet started", interrupted, len(res.Rows))
	}
}
