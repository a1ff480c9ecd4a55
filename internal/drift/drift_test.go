package drift

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rootguard/rootguard/internal/audit"
)

var t0 = time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)

// acct builds an account from "check=STATUS" pairs.
func acct(id string, checks ...string) audit.AccountResult {
	a := audit.AccountResult{AccountID: id, AccountAlias: "n" + id[len(id)-2:]}
	for _, c := range checks {
		k, v, _ := strings.Cut(c, "=")
		a.Checks = append(a.Checks, audit.CheckResult{ID: audit.CheckID(k), Status: audit.Status(v), Severity: audit.Critical, Detail: k + " is " + v})
	}
	return a
}

func run(id string, accts ...audit.AccountResult) *Run {
	return &Run{SchemaVersion: SchemaVersion, ID: id, StartedAt: t0, Accounts: accts}
}

func summary(d *Drift) string {
	var parts []string
	for _, c := range d.Changes {
		s := string(c.Kind) + " " + c.AccountID
		if c.Check != "" {
			s += " " + string(c.Check)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

func TestCompute(t *testing.T) {
	const a, b, c = "111111111111", "222222222222", "333333333333"
	for _, tc := range []struct {
		name      string
		prev, cur *Run
		want      string
		unchanged int
	}{
		{
			name: "nothing changed",
			prev: run("1", acct(a, "root-mfa=PASS", "root-access-keys=FAIL")),
			cur:  run("2", acct(a, "root-mfa=PASS", "root-access-keys=FAIL")),
			want: "", unchanged: 1,
		},
		{
			name: "a new root access key, a fix, a new error",
			prev: run("1", acct(a, "root-access-keys=PASS", "root-mfa=FAIL"), acct(b, "root-mfa=PASS")),
			cur:  run("2", acct(a, "root-access-keys=FAIL", "root-mfa=PASS"), acct(b, "root-mfa=ERROR")),
			want: "new-fail 111111111111 root-access-keys; new-error 222222222222 root-mfa; fixed 111111111111 root-mfa",
		},
		{
			name: "FAIL to ERROR is unknown, not fixed; ERROR to FAIL is a new FAIL",
			prev: run("1", acct(a, "root-mfa=FAIL", "root-access-keys=ERROR")),
			cur:  run("2", acct(a, "root-mfa=ERROR", "root-access-keys=FAIL")),
			want: "new-fail 111111111111 root-access-keys; new-error 111111111111 root-mfa",
		},
		{
			name: "FAIL to NOT_APPLICABLE is fixed (credentials removed); ERROR to PASS clears",
			prev: run("1", acct(a, "root-mfa=FAIL", "root-access-keys=ERROR")),
			cur:  run("2", acct(a, "root-mfa=NOT_APPLICABLE", "root-access-keys=PASS")),
			want: "fixed 111111111111 root-mfa; error-cleared 111111111111 root-access-keys",
		},
		{
			name: "joined with its root password still set, left",
			prev: run("1", acct(a, "root-mfa=PASS"), acct(c, "root-mfa=PASS")),
			cur:  run("2", acct(a, "root-mfa=PASS"), acct(b, "root-mfa=FAIL", "root-access-keys=PASS")),
			want: "new-fail 222222222222 root-mfa; joined 222222222222; left 333333333333", unchanged: 1,
		},
		{
			name: "an unreachable account is one new error, and its checks are not claimed fixed",
			prev: run("1", acct(a, "root-mfa=FAIL")),
			cur:  run("2", audit.AccountResult{AccountID: a, Error: "cannot reach the account"}),
			want: "new-error 111111111111",
		},
		{
			name: "reachable again: only what fails now is news",
			prev: run("1", audit.AccountResult{AccountID: a, Error: "cannot reach the account"}),
			cur:  run("2", acct(a, "root-mfa=FAIL", "root-access-keys=PASS")),
			want: "new-fail 111111111111 root-mfa; error-cleared 111111111111",
		},
		{
			name: "still unreachable is no change",
			prev: run("1", audit.AccountResult{AccountID: a, Error: "x"}),
			cur:  run("2", audit.AccountResult{AccountID: a, Error: "y"}),
			want: "", unchanged: 1,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Compute(tc.prev, tc.cur)
			if got := summary(d); got != tc.want {
				t.Errorf("changes:\n got %s\nwant %s", got, tc.want)
			}
			if d.Unchanged != tc.unchanged {
				t.Errorf("unchanged = %d, want %d", d.Unchanged, tc.unchanged)
			}
			if d.Previous != tc.prev.ID || d.Current != tc.cur.ID {
				t.Errorf("runs = %s → %s", d.Previous, d.Current)
			}
		})
	}
}

func TestComputeSuspended(t *testing.T) {
	const a, b = "111111111111", "222222222222"
	prev := run("1", acct(a, "root-mfa=PASS"), acct(b, "root-mfa=PASS"))
	cur := run("2", acct(a, "root-mfa=PASS"))
	cur.Skipped = []Skipped{{AccountID: b, Status: "SUSPENDED"}}
	d := Compute(prev, cur)
	if got := summary(d); got != "suspended 222222222222" {
		t.Fatalf("changes = %s", got)
	}
	if !strings.Contains(d.Changes[0].Detail, "SUSPENDED") || d.Changes[0].Name != "n22" {
		t.Errorf("change = %+v", d.Changes[0])
	}
	// Back to ACTIVE: it joins again, saying where it was.
	back := Compute(cur, run("3", acct(a, "root-mfa=PASS"), acct(b, "root-mfa=PASS")))
	if got := summary(back); got != "joined 222222222222" || back.Changes[0].Detail != "was SUSPENDED in the last run" {
		t.Errorf("back: %s %+v", got, back.Changes)
	}
}

func TestComputeBaselineAndCounts(t *testing.T) {
	cur := run("1",
		acct("111111111111", "root-mfa=FAIL", "root-access-keys=FAIL"),
		acct("222222222222", "root-mfa=ERROR"),
		audit.AccountResult{AccountID: "333333333333", Error: "unreachable"},
		acct("444444444444", "root-mfa=PASS"))
	d := Compute(nil, cur)
	if d.Previous != "" || len(d.Changes) != 0 {
		t.Errorf("a first run has no previous run and no changes: %+v", d)
	}
	if d.Accounts != 4 || d.FailChecks != 2 || d.FailAccounts != 1 || d.ErrorChecks != 2 || d.Unchanged != 4 {
		t.Errorf("counts = %+v", d)
	}
}

// Worst first: kinds in order, then severity within a kind.
func TestComputeOrder(t *testing.T) {
	prev := run("1", acct("111111111111", "a=PASS", "b=PASS", "c=FAIL"))
	cur := run("2", acct("111111111111", "a=FAIL", "b=FAIL", "c=PASS"))
	cur.Accounts[0].Checks[0].Severity = audit.Low
	d := Compute(prev, cur)
	if got := summary(d); got != "new-fail 111111111111 b; new-fail 111111111111 a; fixed 111111111111 c" {
		t.Errorf("order = %s", got)
	}
}

func TestRoundTrip(t *testing.T) {
	r := run("2026-01-02T03:00:00Z-ab12", acct("111111111111", "root-mfa=FAIL"))
	r.Skipped = []Skipped{{AccountID: "222222222222", Status: "SUSPENDED"}}
	data, err := r.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseRun(data)
	if err != nil {
		t.Fatal(err)
	}
	if d := Compute(r, got); len(d.Changes) != 0 || got.Accounts[0].Checks[0].Status != audit.Fail {
		t.Errorf("round trip changed the run: %+v", d.Changes)
	}
}

func TestParseRunRejects(t *testing.T) {
	good := `{"schema_version":"rootguard.posture/v1","run_id":"r","started_at":"2026-01-02T03:00:00Z","finished_at":"2026-01-02T03:00:00Z","accounts":[%s]%s}`
	for _, tc := range []struct{ name, doc string }{
		{"not JSON", `{`},
		{"other schema", `{"schema_version":"rootguard.audit/v1","run_id":"r","started_at":"2026-01-02T03:00:00Z"}`},
		{"no run id", `{"schema_version":"rootguard.posture/v1","started_at":"2026-01-02T03:00:00Z"}`},
		{"short account", fmt.Sprintf(good, `{"account_id":"12345"}`, "")},
		{"duplicate account", fmt.Sprintf(good, `{"account_id":"111111111111"},{"account_id":"111111111111"}`, "")},
		{"unknown status", fmt.Sprintf(good, `{"account_id":"111111111111","checks":[{"id":"root-mfa","status":"OK"}]}`, "")},
		{"check twice", fmt.Sprintf(good, `{"account_id":"111111111111","checks":[{"id":"root-mfa","status":"PASS"},{"id":"root-mfa","status":"FAIL"}]}`, "")},
		{"unknown field", fmt.Sprintf(good, "", `,"extra":1`)},
		{"audited and skipped", fmt.Sprintf(good, `{"account_id":"111111111111"}`, `,"skipped_accounts":[{"account_id":"111111111111","status":"SUSPENDED"}]`)},
		{"trailing data", fmt.Sprintf(good, "", "") + `{}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ParseRun([]byte(tc.doc)); err == nil {
				t.Error("accepted")
			}
		})
	}
	if _, err := ParseRun([]byte(fmt.Sprintf(good, `{"account_id":"111111111111","checks":[{"id":"root-mfa","status":"PASS"}]}`, ""))); err != nil {
		t.Errorf("a good document is refused: %v", err)
	}
}

// FuzzParseRun: whatever the bytes, ParseRun returns an error or a run that
// validates, marshals and parses back to the same drift-relevant content.
func FuzzParseRun(f *testing.F) {
	r := run("seed", acct("111111111111", "root-mfa=FAIL", "root-access-keys=PASS"), audit.AccountResult{AccountID: "222222222222", Error: "x"})
	r.Skipped = []Skipped{{AccountID: "333333333333", Status: "SUSPENDED"}}
	seed, _ := r.Marshal()
	f.Add(seed)
	f.Add([]byte(`{"schema_version":"rootguard.posture/v1","run_id":"r","started_at":"2026-01-02T03:00:00Z","accounts":null}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := ParseRun(data)
		if err != nil {
			return
		}
		out, err := got.Marshal()
		if err != nil {
			t.Fatalf("a parsed run does not marshal: %v", err)
		}
		again, err := ParseRun(out)
		if err != nil {
			t.Fatalf("a marshalled run does not parse: %v", err)
		}
		if d := Compute(got, again); len(d.Changes) != 0 || d.Accounts != len(got.Accounts) {
			t.Fatalf("round trip drifted: %+v", d.Changes)
		}
	})
}
