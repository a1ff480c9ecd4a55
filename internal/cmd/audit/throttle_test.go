package audit

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rootguard/rootguard/internal/cmdtest"
	"github.com/rootguard/rootguard/internal/cmdutil"
	"github.com/rootguard/rootguard/internal/iostreams"
)

// runThrottled runs `rootguard audit args…` against a local AWS whose IAM
// throttles every call, and returns its stdout, how long it took and its error.
func runThrottled(t *testing.T, args ...string) (string, time.Duration, error) {
	t.Helper()
	f, _ := cmdtest.Throttled(t, "iam")
	ios, _, out, _ := iostreams.Test()
	f.IOStreams = ios
	cmd := NewCmdAudit(f, nil)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true // as the root command does
	took, err := cmdtest.Execute(cmd, ios, args...)
	return out.String(), took, err
}

// TestReportWaitBoundsThrottledRetries: with IAM throttling every call,
// the single-account audit ends soon after --account-timeout (each call
// would otherwise go through the SDK's 8 attempts with backoff, 16 s on
// average, and the credential report is a chain of them), the credential
// report given up at --report-wait naming the throttled call, every check
// that reads IAM an ERROR naming its call, none lost. The alerting checks
// read CloudTrail and EventBridge, which answer: nothing is deployed, so
// they FAIL (exit 3).
func TestReportWaitBoundsThrottledRetries(t *testing.T) {
	t.Parallel()
	out, took, err := runThrottled(t, "--report-wait", "1s", "--account-timeout", "3s", "--output", "json")
	t.Logf("after %v: %v", took, err)
	if code := cmdutil.ExitCode(err); code != cmdutil.ExitFindings {
		t.Fatalf("exit %d (%v), want %d\n%s", code, err, cmdutil.ExitFindings, out)
	}
	var doc struct {
		Accounts []struct {
			Error  string `json:"error"`
			Checks []struct {
				ID, Status, Detail string
			} `json:"checks"`
		} `json:"accounts"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.Accounts) != 1 {
		t.Fatalf("not one account's report (%v):\n%s", err, out)
	}
	acct := doc.Accounts[0]
	if want := "the account did not finish within its deadline (--account-timeout 3s)"; acct.Error != want {
		t.Errorf("account error %q, want %q", acct.Error, want)
	}
	// The IAM read each check names when it cannot be decided.
	iamChecks := map[string]string{
		"root-access-keys": "iam:GetAccountSummary", "root-mfa": "iam:GetAccountSummary",
		"root-hardware-mfa": "iam:GetAccountSummary", "root-signing-certificates": "iam:GetAccountSummary",
		"root-recent-use":             "credential report not read within 1s (raise --report-wait): iam:GetCredentialReport: Throttling",
		"org-centralized-root-access": "iam:ListOrganizationsFeatures",
	}
	seen := 0
	for _, c := range acct.Checks {
		want, ok := iamChecks[c.ID]
		if !ok {
			continue
		}
		seen++
		if c.Status != "ERROR" || !strings.Contains(c.Detail, want) || !strings.Contains(c.Detail, "Throttling") {
			t.Errorf("%s: %s %q, want ERROR naming %q throttled", c.ID, c.Status, c.Detail, want)
		}
	}
	if seen != len(iamChecks) {
		t.Errorf("%d of the %d IAM checks in the report:\n%s", seen, len(iamChecks), out)
	}
	if bound := 3*time.Second + 10*time.Second; took > bound { // generous: a loaded machine
		t.Errorf("audit --account-timeout 3s took %v, want under %v", took, bound)
	}
}

// TestOrgRunBoundsThrottledAccessChoice: with IAM throttling every call,
// `audit --org` cannot tell whether centralized root access is on
// (iam:ListOrganizationsFeatures, read up to 3 times, each with the SDK's
// 8 attempts: over a minute before) and ends within --account-timeout,
// exit 1, naming the call.
func TestOrgRunBoundsThrottledAccessChoice(t *testing.T) {
	t.Parallel()
	_, took, err := runThrottled(t, "--org", "--account-timeout", "2s")
	// --account-timeout 2s, and a generous margin for a loaded machine.
	cmdtest.RetriesCut(t, err, took, 2*time.Second+10*time.Second, "ListOrganizationsFeatures", "Throttling")
	if err != nil && !strings.Contains(err.Error(), "--account-timeout 2s") {
		t.Errorf("error %q does not name the deadline", err)
	}
}
