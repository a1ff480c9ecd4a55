package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rootguard/rootguard/internal/audit"
)

var update = flag.Bool("update", false, "rewrite golden files")

func sample() []audit.AccountResult {
	return []audit.AccountResult{
		{
			AccountID: "111122223333", AccountAlias: "prod",
			Checks: []audit.CheckResult{
				{ID: "root-access-keys", Status: audit.Fail, Severity: audit.Critical, Title: "Root user has no access keys",
					Detail: "root has 1 access key(s): access_key_1 Active, never used", Remediation: "Delete every root access key.",
					Evidence: map[string]any{"AccountAccessKeysPresent": 1}, References: []string{"CIS 1.4", "IAM.4"}},
				{ID: "root-mfa", Status: audit.Pass, Severity: audit.Critical, Title: "Root user has MFA",
					Detail: "root has MFA enabled", Remediation: "Assign MFA.", Evidence: map[string]any{}, References: []string{"CIS 1.5", "IAM.9"}},
				{ID: "root-alerting", Status: audit.Error, Severity: audit.High, Title: "Root activity raises an alert",
					Detail: "could not read CloudTrail trails: cloudtrail:DescribeTrails: access denied: grant cloudtrail:DescribeTrails", Remediation: "rootguard alert deploy",
					Evidence: map[string]any{"api_call": "cloudtrail:DescribeTrails"}, References: []string{"CIS 4.3", "CloudWatch.1"}},
			},
		},
		{
			AccountID: "444455556666",
			Checks: []audit.CheckResult{
				{ID: "root-mfa", Status: audit.NotApplicable, Severity: audit.Critical, Title: "Root user has MFA",
					Detail: "root has no password, access keys or signing certificates", Remediation: "Assign MFA.", Evidence: map[string]any{}, References: []string{"CIS 1.5", "IAM.9"}},
			},
		},
	}
}

// withUnaudited is sample plus an account that could not be audited at all.
func withUnaudited() []audit.AccountResult {
	return append(sample(), audit.NotAudited("777788889999", []audit.CheckID{"root-access-keys", "root-mfa"}, "cannot reach the account: sts:AssumeRole: access denied"))
}

var at = time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden file:\n%s", name, got)
	}
}

func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		format, file string
		color        bool
	}{
		{"table", "table.txt", false},
		{"table", "table-color.txt", true},
		{"json", "audit.json", false},
		{"jsonl", "audit.jsonl", false},
		{"sarif", "audit.sarif", false},
		{"asff", "asff.json", false},
	} {
		t.Run(tc.file, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Render(&buf, tc.format, withUnaudited(), Options{Color: tc.color, Region: "us-east-1", Version: "1.0.0", Generated: at}); err != nil {
				t.Fatal(err)
			}
			golden(t, tc.file, buf.Bytes())
		})
	}
}

func TestJSONSchemaFields(t *testing.T) {
	var buf bytes.Buffer
	if err := JSON(&buf, NewDocument(sample(), at)); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["schema_version"] != "rootguard.audit/v1" || doc["generated_at"] != "2024-06-01T12:00:00Z" {
		t.Errorf("header = %v %v", doc["schema_version"], doc["generated_at"])
	}
	sum := doc["summary"].(map[string]any)
	if sum["pass"] != 1.0 || sum["fail"] != 1.0 || sum["not_applicable"] != 1.0 || sum["error"] != 1.0 {
		t.Errorf("summary = %v", sum)
	}
	check := doc["accounts"].([]any)[0].(map[string]any)["checks"].([]any)[0].(map[string]any)
	for _, k := range []string{"id", "status", "severity", "title", "detail", "remediation", "evidence", "references"} {
		if _, ok := check[k]; !ok {
			t.Errorf("check lacks %q", k)
		}
	}
}

func TestTableAlignedAndCounted(t *testing.T) {
	var buf bytes.Buffer
	if err := Table(&buf, sample(), false); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(buf.String(), "\n")
	col := strings.Index(lines[0], "STATUS")
	for _, l := range lines[1:5] {
		if !strings.HasPrefix(l[col:], "PASS") && !strings.HasPrefix(l[col:], "FAIL") && !strings.HasPrefix(l[col:], "ERROR") && !strings.HasPrefix(l[col:], "NOT_APPLICABLE") {
			t.Errorf("status column misaligned: %q", l)
		}
	}
	if !strings.Contains(buf.String(), "2 accounts: 1 pass, 1 fail, 1 not applicable, 1 error") {
		t.Errorf("no summary line:\n%s", buf.String())
	}
}

// TestColorTableAligned: colour escape codes take no column width, so the
// coloured table is the plain table once the codes are removed.
func TestColorTableAligned(t *testing.T) {
	var plainOut, colorOut bytes.Buffer
	if err := Table(&plainOut, withUnaudited(), false); err != nil {
		t.Fatal(err)
	}
	if err := Table(&colorOut, withUnaudited(), true); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(colorOut.String(), ansiRed+"FAIL"+ansiReset) {
		t.Fatalf("no colour:\n%q", colorOut.String())
	}
	if stripped := regexp.MustCompile("\x1b\\[[0-9;]*m").ReplaceAllString(colorOut.String(), ""); stripped != plainOut.String() {
		t.Errorf("coloured table misaligned:\n%s\nwant\n%s", stripped, plainOut.String())
	}
}

// TestOrgTableCarriesEveryAccount: an account that could not be audited is
// listed with every check and its reason; skipped accounts are named and
// counted.
func TestOrgTableCarriesEveryAccount(t *testing.T) {
	var buf bytes.Buffer
	run := Run{Accounts: withUnaudited(), Org: true, Skipped: []SkippedAccount{{AccountID: "999999999999", Status: "SUSPENDED"}}}
	if err := OrgTable(&buf, run, false); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"777788889999  -       root-access-keys  ERROR   not audited: cannot reach the account",
		"777788889999  -       root-mfa          ERROR   not audited: cannot reach the account",
		"SKIPPED (1 account, not audited by design): 999999999999 (suspended)",
		"3 accounts: 1 pass, 1 fail, 1 error, 1 skipped",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("org table lacks %q:\n%s", want, out)
		}
	}
}
