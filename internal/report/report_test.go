package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
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
			if err := Render(&buf, tc.format, sample(), Options{Color: tc.color, Region: "us-east-1", Version: "1.0.0", Generated: at}); err != nil {
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

func TestASFFRequiredFields(t *testing.T) {
	var buf bytes.Buffer
	if err := ASFF(&buf, sample(), "eu-west-1", at); err != nil {
		t.Fatal(err)
	}
	var findings []map[string]any
	if err := json.Unmarshal(buf.Bytes(), &findings); err != nil {
		t.Fatal(err)
	}
	if len(findings) != 4 {
		t.Fatalf("findings = %d, want 4", len(findings))
	}
	for _, f := range findings {
		for _, k := range []string{"AwsAccountId", "CreatedAt", "Description", "GeneratorId", "Id", "ProductArn", "Resources", "SchemaVersion", "Severity", "Title", "Types", "UpdatedAt"} {
			if v, ok := f[k]; !ok || v == "" {
				t.Errorf("finding %v lacks required %s", f["Id"], k)
			}
		}
	}
	if findings[0]["ProductArn"] != "arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default" {
		t.Errorf("ProductArn = %v", findings[0]["ProductArn"])
	}
}
