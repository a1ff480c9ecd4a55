package audit

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/rootguard/rootguard/internal/awsemu"
)

// reportChecks read the credential report. Only root-recent-use depends on
// it entirely: presence of keys and certificates is decided from the
// account summary even when the report never comes.
var reportChecks = []CheckID{"root-access-keys", "root-signing-certificates", "root-recent-use"}

// TestWireCredentialReportPolling drives the engine's polling through the
// local AWS's report generation states, on the engine's injected clock.
func TestWireCredentialReportPolling(t *testing.T) {
	tests := []struct {
		name string
		// behavior of report generation; startFirst starts a generation
		// before the audit (another tool did), so the audit first sees
		// ReportInProgress from GetCredentialReport.
		behavior   awsemu.CredentialReportBehavior
		startFirst bool
		wait       time.Duration
		want       Status // root-recent-use
		// errorCodes that must appear in the call log, as "Action:Code".
		errorCodes []string
		minSleeps  int
	}{
		{name: "STARTED then COMPLETE", behavior: awsemu.CredentialReportBehavior{}, want: Fail, minSleeps: 1},
		{name: "several INPROGRESS polls", behavior: awsemu.CredentialReportBehavior{InProgressCalls: 4}, want: Fail, minSleeps: 3},
		{name: "LimitExceeded, then accepted", behavior: awsemu.CredentialReportBehavior{LimitExceededCalls: 3}, want: Fail,
			errorCodes: []string{"GenerateCredentialReport:LimitExceeded"}, minSleeps: 3},
		{name: "ReportInProgress: another generation is running", behavior: awsemu.CredentialReportBehavior{InProgressCalls: 3}, startFirst: true, want: Fail,
			errorCodes: []string{"GetCredentialReport:ReportInProgress"}, minSleeps: 1},
		{name: "never completes: ERROR within the default bound", behavior: awsemu.CredentialReportBehavior{NeverCompletes: true}, want: Error, minSleeps: 5},
		{name: "never completes: ERROR within a short bound", behavior: awsemu.CredentialReportBehavior{NeverCompletes: true}, wait: 5 * time.Second, want: Error, minSleeps: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			emu := newWireEmu(t)
			acct := emu.AddAccount(newAccountID(), "report")
			acct.Root().AddAccessKey(awsemu.AccessKey{LastUsed: time.Now().AddDate(0, 0, -1), LastUsedService: "s3", LastUsedRegion: "us-east-1"})
			acct.Root().AddMFADevice(awsemu.MFAFIDO, "key")
			acct.SetCredentialReportBehavior(tt.behavior)
			cfg := emu.Config(acct.AddUser("auditor").AddAccessKey(awsemu.AccessKey{}))
			ctx := context.Background()
			if tt.startFirst {
				if _, err := iam.NewFromConfig(cfg).GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{}); err != nil {
					t.Fatal(err)
				}
			}
			clock := newFakeClock()
			start := clock.Now()
			opts := Options{Checks: append([]CheckID{"root-mfa"}, reportChecks...), ReportWait: tt.wait, Now: clock.Now, Sleep: clock.Sleep}
			realStart := time.Now()
			res := Account(ctx, cfg, opts)
			if elapsed := time.Since(realStart); elapsed > 5*time.Second {
				t.Errorf("audit took %s of real time: the injected clock was not used", elapsed)
			}

			// Recent key use is in the report only; the key itself and the
			// absence of certificates are in the summary, so decided anyway.
			assertStatuses(t, res, map[CheckID]Status{"root-recent-use": tt.want, "root-access-keys": Fail, "root-signing-certificates": Pass, "root-mfa": Pass})
			bound := tt.wait
			if bound == 0 {
				bound = DefaultReportWait
			}
			if waited := clock.Now().Sub(start); waited > bound || clock.total() > bound {
				t.Errorf("waited %s (slept %v), bound %s", waited, clock.slept, bound)
			}
			if len(clock.slept) < tt.minSleeps {
				t.Errorf("slept %v, want at least %d polls", clock.slept, tt.minSleeps)
			}
			if tt.want == Error {
				for _, id := range []CheckID{"root-recent-use", "root-access-keys"} {
					if c := checkOf(t, res, id); !contains(c.Detail, "credential report not ready after "+bound.String()) {
						t.Errorf("%s detail %q does not give the bound", id, c.Detail)
					}
				}
			}
			for _, want := range tt.errorCodes {
				found := false
				for _, r := range callsOf(emu, acct.ID) {
					found = found || r.Action+":"+r.ErrorCode == want
				}
				if !found {
					t.Errorf("no %s in the call log: the state was not exercised", want)
				}
			}
			gens := len(emu.CallsTo("iam", "GenerateCredentialReport"))
			t.Logf("%d GenerateCredentialReport calls, slept %v", gens, clock.slept)
		})
	}
}

// TestWireFreshReportReused: a report younger than four hours is read as it
// is, with no generation.
func TestWireFreshReportReused(t *testing.T) {
	emu := newWireEmu(t)
	acct := emu.AddAccount(newAccountID(), "report")
	cfg := emu.Config(acct.AddUser("auditor").AddAccessKey(awsemu.AccessKey{}))
	opts := Options{Checks: reportChecks, Sleep: noSleep}
	Account(context.Background(), cfg, opts)
	emu.ResetCalls()
	res := Account(context.Background(), cfg, opts)
	assertStatuses(t, res, map[CheckID]Status{"root-access-keys": Pass, "root-recent-use": Pass})
	if n, g := len(emu.CallsTo("iam", "GenerateCredentialReport")), len(emu.CallsTo("iam", "GetCredentialReport")); n != 0 || g != 1 {
		t.Errorf("second audit: %d generations, %d reads; want 0 and 1", n, g)
	}
}
