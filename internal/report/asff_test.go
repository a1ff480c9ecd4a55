package report

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/rootguard/rootguard/internal/audit"
)

// decodeASFF decodes every finding strictly into the SDK's own
// AwsSecurityFinding: a misspelt or invented attribute fails.
func decodeASFF(t *testing.T, data []byte) []shtypes.AwsSecurityFinding {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var findings []shtypes.AwsSecurityFinding
	if err := dec.Decode(&findings); err != nil {
		t.Fatalf("decode into types.AwsSecurityFinding: %v\n%s", err, data)
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Fatalf("trailing data after the findings array: %v", err)
	}
	return findings
}

func TestASFFDecodesIntoSecurityHubTypes(t *testing.T) {
	accounts := withUnaudited()
	var buf bytes.Buffer
	if err := ASFF(&buf, accounts, Options{Region: "eu-west-1", Generated: at}); err != nil {
		t.Fatal(err)
	}
	findings := decodeASFF(t, buf.Bytes())
	rows := 0
	for _, a := range accounts {
		rows += len(a.Checks)
	}
	if len(findings) != rows {
		t.Fatalf("%d findings for %d check rows: every row, whatever its status, is a finding", len(findings), rows)
	}
	byID := map[string]shtypes.AwsSecurityFinding{}
	for _, f := range findings {
		// Required attributes (ASFF "Required top-level attributes").
		for name, v := range map[string]*string{"AwsAccountId": f.AwsAccountId, "CreatedAt": f.CreatedAt, "Description": f.Description,
			"GeneratorId": f.GeneratorId, "Id": f.Id, "ProductArn": f.ProductArn, "SchemaVersion": f.SchemaVersion, "Title": f.Title, "UpdatedAt": f.UpdatedAt} {
			if aws.ToString(v) == "" {
				t.Errorf("%s lacks required %s", aws.ToString(f.Id), name)
			}
		}
		if len(f.Resources) == 0 || f.Severity == nil || f.Severity.Label == "" || len(f.Types) == 0 || f.Compliance == nil || f.Workflow == nil {
			t.Errorf("%s lacks Resources, Severity, Types, Compliance or Workflow", aws.ToString(f.Id))
		}
		if len(aws.ToString(f.Title)) > 256 || len([]rune(aws.ToString(f.Description))) > 1024 {
			t.Errorf("%s: Title or Description over Security Hub's limit", aws.ToString(f.Id))
		}
		want := "arn:aws:securityhub:eu-west-1:" + aws.ToString(f.AwsAccountId) + ":product/" + aws.ToString(f.AwsAccountId) + "/default"
		if aws.ToString(f.ProductArn) != want {
			t.Errorf("ProductArn %s, want %s", aws.ToString(f.ProductArn), want)
		}
		byID[aws.ToString(f.Id)] = f
	}
	for _, tc := range []struct {
		id         string
		compliance shtypes.ComplianceStatus
		record     shtypes.RecordState
		workflow   shtypes.WorkflowStatus
		severity   shtypes.SeverityLabel
	}{
		{"rootguard/111122223333/root-access-keys", shtypes.ComplianceStatusFailed, shtypes.RecordStateActive, shtypes.WorkflowStatusNew, shtypes.SeverityLabelCritical},
		{"rootguard/111122223333/root-mfa", shtypes.ComplianceStatusPassed, shtypes.RecordStateArchived, shtypes.WorkflowStatusResolved, shtypes.SeverityLabelInformational},
		{"rootguard/111122223333/root-alerting", shtypes.ComplianceStatusNotAvailable, shtypes.RecordStateActive, shtypes.WorkflowStatusNew, shtypes.SeverityLabelHigh},
		{"rootguard/444455556666/root-mfa", shtypes.ComplianceStatusNotAvailable, shtypes.RecordStateArchived, shtypes.WorkflowStatusResolved, shtypes.SeverityLabelInformational},
		{"rootguard/777788889999/root-access-keys", shtypes.ComplianceStatusNotAvailable, shtypes.RecordStateActive, shtypes.WorkflowStatusNew, shtypes.SeverityLabelCritical},
	} {
		f, ok := byID[tc.id]
		if !ok {
			t.Errorf("no finding %s", tc.id)
			continue
		}
		if f.Compliance.Status != tc.compliance || f.RecordState != tc.record || f.Workflow.Status != tc.workflow || f.Severity.Label != tc.severity {
			t.Errorf("%s: compliance %s record %s workflow %s severity %s, want %s %s %s %s", tc.id,
				f.Compliance.Status, f.RecordState, f.Workflow.Status, f.Severity.Label, tc.compliance, tc.record, tc.workflow, tc.severity)
		}
	}
	if d := aws.ToString(byID["rootguard/777788889999/root-mfa"].Description); d != "ERROR: not audited: cannot reach the account: sts:AssumeRole: access denied" {
		t.Errorf("unaudited account's finding does not carry the reason: %q", d)
	}
}

func TestASFFPartitionFromRegion(t *testing.T) {
	var buf bytes.Buffer
	if err := ASFF(&buf, sample()[:1], Options{Region: "us-gov-west-1", Generated: at}); err != nil {
		t.Fatal(err)
	}
	for _, f := range decodeASFF(t, buf.Bytes()) {
		if p := f.Resources[0].Partition; p != shtypes.PartitionAwsUsGov {
			t.Errorf("partition %s, want aws-us-gov", p)
		}
		if want := "arn:aws-us-gov:securityhub:us-gov-west-1:111122223333:product/111122223333/default"; aws.ToString(f.ProductArn) != want {
			t.Errorf("ProductArn %s", aws.ToString(f.ProductArn))
		}
	}
}

func TestASFFEmptyIsAnArray(t *testing.T) {
	var buf bytes.Buffer
	if err := ASFF(&buf, nil, Options{Region: "eu-west-1", Generated: at}); err != nil {
		t.Fatal(err)
	}
	if got := bytes.TrimSpace(buf.Bytes()); string(got) != "[]" {
		t.Errorf("no accounts: %s", got)
	}
	_ = audit.Pass
}

// TestASFFOfRealRunsDecodes: findings of real audits (an erroring account;
// an organization with an unreachable, a hanging and a suspended member)
// decode strictly, one per check row of each audited account.
func TestASFFOfRealRunsDecodes(t *testing.T) {
	t.Parallel()
	single, org := realRuns(t)
	for name, run := range map[string]Run{"single": single, "org": org} {
		var buf bytes.Buffer
		if err := ASFF(&buf, run.Accounts, Options{Region: "us-east-1", Generated: at}); err != nil {
			t.Fatal(err)
		}
		findings := decodeASFF(t, buf.Bytes())
		rows, perAccount := 0, map[string]int{}
		for _, a := range run.Accounts {
			rows += len(a.Checks)
		}
		for _, f := range findings {
			perAccount[aws.ToString(f.AwsAccountId)]++
			if f.Compliance.Status == shtypes.ComplianceStatusWarning {
				t.Errorf("%s: WARNING is not a rootguard status", aws.ToString(f.Id))
			}
		}
		if len(findings) != rows || len(perAccount) != len(run.Accounts) {
			t.Errorf("%s: %d findings for %d rows, %d accounts of %d", name, len(findings), rows, len(perAccount), len(run.Accounts))
		}
	}
}
