package slackmsg

import (
	"fmt"
	"strings"
	"testing"

	"github.com/rootguard/rootguard/internal/audit"
	"github.com/rootguard/rootguard/internal/digest"
	"github.com/rootguard/rootguard/internal/drift"
)

func driftRuns(t *testing.T) (prev, cur *drift.Run) {
	t.Helper()
	acct := func(id, name string, checks ...audit.CheckResult) audit.AccountResult {
		return audit.AccountResult{AccountID: id, AccountAlias: name, Checks: checks}
	}
	check := func(id audit.CheckID, st audit.Status, detail string) audit.CheckResult {
		return audit.CheckResult{ID: id, Status: st, Severity: audit.Critical, Detail: detail}
	}
	prev = &drift.Run{ID: "2026-01-01T06:00:00Z-aa", Accounts: []audit.AccountResult{
		acct("111122223333", "prod", check(audit.CheckRootAccessKeys, audit.Pass, "root has no access keys"), check(audit.CheckRootMFA, audit.Fail, "root has no MFA")),
		acct("222233334444", "dev", check(audit.CheckRootAccessKeys, audit.Pass, "root has no access keys")),
		acct("333344445555", "old"),
	}}
	cur = &drift.Run{ID: "2026-01-02T06:00:00Z-bb", Accounts: []audit.AccountResult{
		acct("111122223333", "prod", check(audit.CheckRootAccessKeys, audit.Fail, "root has 1 access key(s): AKIA…7Q Active, never used"), check(audit.CheckRootMFA, audit.Pass, "root has MFA")),
		acct("222233334444", "dev", check(audit.CheckRootAccessKeys, audit.Error, "could not read root's access keys: iam:ListAccessKeys: AccessDenied")),
		acct("444455556666", "<!channel> new", check(audit.CheckRootMFA, audit.Fail, "root password set, no MFA <https://evil|click>")),
	}}
	return prev, cur
}

func TestDigestGolden(t *testing.T) {
	prev, cur := driftRuns(t)
	d := drift.Compute(prev, cur)
	d.Report = "s3://rootguard-artifacts-111122223333-us-east-1/posture/reports/latest.html"
	body := mustBody(t, Digest(d, DigestOptions{}))
	if err := checkLimits([]byte(body)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		// counts first
		`"text":"[critical] Root posture drift: 2 new FAIL, 1 new ERROR, 1 joined, 1 left, 1 fixed. 3 accounts audited: 2 checks FAIL outstanding in 2 accounts, 1 ERROR (not evaluated)."`,
		`*New FAIL*\n2`, `*Fixed*\n1`, `*Unchanged*\n0 accounts`,
		// the worst item first, by name
		`• *new FAIL* 111122223333 (prod) · root-access-keys: PASS → FAIL — root has 1 access key(s)`,
		`• *new FAIL* 444455556666 (&lt;!channel&gt; new) · root-mfa: not run → FAIL`,
		`• *left* 333344445555 (old)`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("digest lacks %s\n%s", want, body)
		}
	}
	if strings.Index(body, "new FAIL* 111122223333") > strings.Index(body, "*fixed* 111122223333") {
		t.Error("a fix is listed before a new FAIL")
	}
	golden(t, "digest-drift", []byte(body))
}

func TestDigestHeartbeatAndBaseline(t *testing.T) {
	_, cur := driftRuns(t)
	same := drift.Compute(cur, cur)
	if msg := Digest(same, DigestOptions{}); msg != nil {
		t.Errorf("no drift and no heartbeat, yet a message: %+v", msg)
	}
	body := mustBody(t, Digest(same, DigestOptions{Heartbeat: true}))
	if err := checkLimits([]byte(body)); err != nil {
		t.Fatal(err)
	}
	if want := `"text":"[info] Root posture: all 3 accounts unchanged. 3 accounts audited: 2 checks FAIL outstanding in 2 accounts, 1 ERROR (not evaluated)."`; !strings.Contains(body, want) {
		t.Errorf("heartbeat lacks %s\n%s", want, body)
	}
	golden(t, "digest-heartbeat", []byte(body))

	base := mustBody(t, Digest(drift.Compute(nil, cur), DigestOptions{}))
	if want := `Root posture baseline: 3 accounts audited`; !strings.Contains(base, want) || !strings.Contains(base, "first run: the baseline for the next") {
		t.Errorf("baseline lacks %s\n%s", want, base)
	}
	golden(t, "digest-baseline", []byte(base))
}

// Past DigestItems the rest is one counted line, and a huge drift still
// fits Slack's limits.
func TestDigestCapsItems(t *testing.T) {
	prev := &drift.Run{ID: "a"}
	cur := &drift.Run{ID: "b"}
	for i := range 1000 {
		id := fmt.Sprintf("%012d", i)
		st := audit.Fail
		if i%4 == 0 {
			st = audit.Error
		}
		prev.Accounts = append(prev.Accounts, audit.AccountResult{AccountID: id, Checks: []audit.CheckResult{{ID: audit.CheckRootMFA, Status: audit.Pass}}})
		cur.Accounts = append(cur.Accounts, audit.AccountResult{AccountID: id, AccountAlias: strings.Repeat("&<>", 100),
			Checks: []audit.CheckResult{{ID: audit.CheckRootMFA, Status: st, Detail: strings.Repeat("x", 5000)}}})
	}
	d := drift.Compute(prev, cur)
	body := mustBody(t, Digest(d, DigestOptions{}))
	if err := checkLimits([]byte(body)); err != nil {
		t.Fatal(err)
	}
	// Trimmed to what a queue message carries, the digest reads the same.
	d.Trim(DigestItems)
	if trimmed := mustBody(t, Digest(d, DigestOptions{})); trimmed != body {
		t.Errorf("a trimmed digest renders differently:\n%s\n%s", trimmed, body)
	}
	if n := strings.Count(body, "• *"); n != DigestItems {
		t.Errorf("%d items listed, want %d", n, DigestItems)
	}
	if !strings.Contains(body, "+985 more: 735 new FAIL, 250 new ERROR (all in the report)") {
		t.Errorf("rest not summarised:\n%s", body)
	}
}

func FuzzDigest(f *testing.F) {
	f.Add("prod", "root has <!here> no MFA", "run-1")
	f.Fuzz(func(t *testing.T, name, detail, runID string) {
		prev := &drift.Run{ID: runID, Accounts: []audit.AccountResult{{AccountID: "111122223333", Checks: []audit.CheckResult{{ID: "root-mfa", Status: audit.Pass}}}}}
		cur := &drift.Run{ID: runID + "x", Accounts: []audit.AccountResult{
			{AccountID: "111122223333", AccountAlias: name, Checks: []audit.CheckResult{{ID: audit.CheckID(name), Status: audit.Fail, Detail: detail}}},
			{AccountID: "222233334444", AccountAlias: detail, Error: name},
		}}
		for _, d := range []*drift.Drift{drift.Compute(prev, cur), drift.Compute(nil, cur), drift.Compute(cur, cur)} {
			d.Report = detail
			d.Trim(1)
			msg := Digest(d, DigestOptions{Heartbeat: true})
			body, err := Body(msg)
			if err != nil {
				t.Fatal(err)
			}
			if err := checkLimits(body); err != nil {
				t.Fatalf("%v\n%s", err, body)
			}
		}
	})
}

// TestDigestSecurityHubGaps: accounts whose findings did not reach Security
// Hub are posted by name even when nothing drifted, escaped and capped with
// the rest counted; the footer says what was imported.
func TestDigestSecurityHubGaps(t *testing.T) {
	prev, cur := driftRuns(t)
	d := drift.Compute(cur, cur)
	d.Previous = prev.ID
	if Digest(d, DigestOptions{}) != nil {
		t.Fatal("a run without drift or gaps posted")
	}
	d.SecurityHub = &digest.SecurityHub{Accounts: 2, Findings: 20, OmittedGaps: 3}
	for i := range SecurityHubGapItems + 2 {
		d.SecurityHub.Gaps = append(d.SecurityHub.Gaps, digest.Gap{AccountID: fmt.Sprintf("2222333344%02d", i), Reason: "Security Hub is not enabled in us-east-1 <!channel>"})
	}
	msg := Digest(d, DigestOptions{})
	if msg == nil {
		t.Fatal("gaps without drift posted nothing: the missing accounts would go unnoticed")
	}
	body := mustBody(t, msg)
	if err := checkLimits([]byte(body)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`*Security Hub: 15 accounts not imported*`, `• 222233334400 — Security Hub is not enabled in us-east-1 &lt;!channel&gt;`,
		`+5 more (all in the run's notes)`, `Security Hub: 20 findings imported from 2 accounts`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("digest lacks %s\n%s", want, body)
		}
	}
	if strings.Contains(body, "222233334411") || strings.Contains(body, "<!channel>") {
		t.Errorf("more than %d gaps listed, or an unescaped mention:\n%s", SecurityHubGapItems, body)
	}
}
