package securityhub_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/securityhub/types"
	"github.com/aws/smithy-go"

	"github.com/rootguard/rootguard/internal/awsemu"
	emush "github.com/rootguard/rootguard/internal/awsemu/securityhub"
)

const (
	acct  = "111122223333"
	other = "444455556666"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func newWorld(t *testing.T) (*awsemu.Server, *securityhub.Client, *securityhub.Client) {
	t.Helper()
	emu, err := awsemu.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	a := emu.AddAccount(acct, "member")
	b := emu.AddAccount(other, "other")
	cfgA := emu.Config(a.AddUser("admin").AddAccessKey(awsemu.AccessKey{}))
	cfgB := emu.Config(b.AddUser("admin").AddAccessKey(awsemu.AccessKey{}))
	cfgA.Region, cfgB.Region = "eu-west-1", "eu-west-1"
	return emu, securityhub.NewFromConfig(cfgA), securityhub.NewFromConfig(cfgB)
}

func finding(account, id string, updated time.Time, compliance types.ComplianceStatus, record types.RecordState, workflow types.WorkflowStatus) types.AwsSecurityFinding {
	return types.AwsSecurityFinding{
		SchemaVersion: aws.String("2018-10-08"),
		Id:            aws.String(id),
		ProductArn:    aws.String(emush.DefaultProductARN(account, "eu-west-1")),
		GeneratorId:   aws.String("rootguard/root-access-keys"),
		AwsAccountId:  aws.String(account),
		Types:         []string{"Software and Configuration Checks/AWS Security Best Practices"},
		CreatedAt:     aws.String(updated.Format(time.RFC3339)),
		UpdatedAt:     aws.String(updated.Format(time.RFC3339)),
		Severity:      &types.Severity{Label: types.SeverityLabelCritical},
		Title:         aws.String("Root user has no access keys"),
		Description:   aws.String(string(compliance)),
		Resources:     []types.Resource{{Type: aws.String("AwsAccount"), Id: aws.String("AWS::::Account:" + account)}},
		Compliance:    &types.Compliance{Status: compliance},
		RecordState:   record,
		Workflow:      &types.Workflow{Status: workflow},
	}
}

func errorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

func get(t *testing.T, c *securityhub.Client, id string) types.AwsSecurityFinding {
	t.Helper()
	out, err := c.GetFindings(t.Context(), &securityhub.GetFindingsInput{Filters: &types.AwsSecurityFindingFilters{
		Id: []types.StringFilter{{Value: aws.String(id), Comparison: types.StringFilterComparisonEquals}}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Findings) != 1 {
		t.Fatalf("GetFindings %s: %d findings", id, len(out.Findings))
	}
	return out.Findings[0]
}

// TestNotSubscribed: before EnableSecurityHub the account's reads are
// InvalidAccessException and its imports fail one by one with InvalidAccess.
func TestNotSubscribed(t *testing.T) {
	_, c, _ := newWorld(t)
	ctx := t.Context()
	if _, err := c.DescribeHub(ctx, &securityhub.DescribeHubInput{}); errorCode(err) != "InvalidAccessException" {
		t.Errorf("DescribeHub: %v, want InvalidAccessException", err)
	}
	if _, err := c.GetFindings(ctx, &securityhub.GetFindingsInput{}); errorCode(err) != "InvalidAccessException" {
		t.Errorf("GetFindings: %v, want InvalidAccessException", err)
	}
	out, err := c.BatchImportFindings(ctx, &securityhub.BatchImportFindingsInput{Findings: []types.AwsSecurityFinding{
		finding(acct, "a", t0, types.ComplianceStatusFailed, types.RecordStateActive, types.WorkflowStatusNew)}})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(out.SuccessCount) != 0 || aws.ToInt32(out.FailedCount) != 1 || aws.ToString(out.FailedFindings[0].ErrorCode) != "InvalidAccess" ||
		aws.ToString(out.FailedFindings[0].Id) != "a" {
		t.Errorf("import while not subscribed: %d ok, %+v", aws.ToInt32(out.SuccessCount), out.FailedFindings)
	}
	if _, err := c.DisableSecurityHub(ctx, &securityhub.DisableSecurityHubInput{}); errorCode(err) != "InvalidAccessException" {
		t.Errorf("DisableSecurityHub: %v", err)
	}
	if _, err := c.EnableSecurityHub(ctx, &securityhub.EnableSecurityHubInput{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.EnableSecurityHub(ctx, &securityhub.EnableSecurityHubInput{}); errorCode(err) != "ResourceConflictException" {
		t.Errorf("second EnableSecurityHub: %v, want ResourceConflictException", err)
	}
	hub, err := c.DescribeHub(ctx, &securityhub.DescribeHubInput{})
	if err != nil || aws.ToString(hub.HubArn) != "arn:aws:securityhub:eu-west-1:"+acct+":hub/default" {
		t.Errorf("DescribeHub: %+v, %v", hub, err)
	}
}

// TestImportOnlyOwnDefaultProduct: a finding for another account, or into
// another account's product, refuses the whole call with AccessDenied.
func TestImportOnlyOwnDefaultProduct(t *testing.T) {
	_, c, _ := newWorld(t)
	ctx := t.Context()
	if _, err := c.EnableSecurityHub(ctx, &securityhub.EnableSecurityHubInput{}); err != nil {
		t.Fatal(err)
	}
	foreignAccount := finding(acct, "x", t0, types.ComplianceStatusFailed, types.RecordStateActive, types.WorkflowStatusNew)
	foreignAccount.AwsAccountId = aws.String(other)
	foreignProduct := finding(other, "y", t0, types.ComplianceStatusFailed, types.RecordStateActive, types.WorkflowStatusNew)
	good := finding(acct, "z", t0, types.ComplianceStatusFailed, types.RecordStateActive, types.WorkflowStatusNew)
	for name, f := range map[string]types.AwsSecurityFinding{"another account": foreignAccount, "another product": foreignProduct} {
		_, err := c.BatchImportFindings(ctx, &securityhub.BatchImportFindingsInput{Findings: []types.AwsSecurityFinding{good, f}})
		if errorCode(err) != "AccessDeniedException" {
			t.Errorf("%s: %v, want AccessDeniedException", name, err)
		}
	}
	if out, err := c.GetFindings(ctx, &securityhub.GetFindingsInput{}); err != nil || len(out.Findings) != 0 {
		t.Errorf("a refused batch imported something: %v, %v", out, err)
	}
}

// TestUpdateInPlace: a finding is updated by Id and ProductArn only by a
// later UpdatedAt; the provider cannot change Workflow or CreatedAt;
// archiving a fixed finding does not resolve its workflow, and a finding
// that fails again is NEW.
func TestUpdateInPlace(t *testing.T) {
	emu, c, cOther := newWorld(t)
	ctx := t.Context()
	if _, err := c.EnableSecurityHub(ctx, &securityhub.EnableSecurityHubInput{}); err != nil {
		t.Fatal(err)
	}
	importOne := func(f types.AwsSecurityFinding) *securityhub.BatchImportFindingsOutput {
		t.Helper()
		out, err := c.BatchImportFindings(ctx, &securityhub.BatchImportFindingsInput{Findings: []types.AwsSecurityFinding{f}})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	importOne(finding(acct, "keys", t0, types.ComplianceStatusFailed, types.RecordStateActive, types.WorkflowStatusNew))
	got := get(t, c, "keys")
	if got.Workflow.Status != types.WorkflowStatusNew || got.RecordState != types.RecordStateActive || aws.ToString(got.Region) != "eu-west-1" {
		t.Errorf("created: workflow %s record %s region %s", got.Workflow.Status, got.RecordState, aws.ToString(got.Region))
	}

	// An update not newer than the stored finding is ignored.
	stale := finding(acct, "keys", t0, types.ComplianceStatusPassed, types.RecordStateArchived, types.WorkflowStatusResolved)
	if out := importOne(stale); aws.ToInt32(out.FailedCount) != 0 {
		t.Errorf("stale update failed: %+v", out.FailedFindings)
	}
	if got := get(t, c, "keys"); got.Compliance.Status != types.ComplianceStatusFailed {
		t.Errorf("a stale update changed the finding: %s", got.Compliance.Status)
	}

	// The fix: PASSED and ARCHIVED; Workflow RESOLVED is not the provider's
	// to set, and CreatedAt stays.
	t1 := t0.Add(24 * time.Hour)
	importOne(finding(acct, "keys", t1, types.ComplianceStatusPassed, types.RecordStateArchived, types.WorkflowStatusResolved))
	got = get(t, c, "keys")
	if got.Compliance.Status != types.ComplianceStatusPassed || got.RecordState != types.RecordStateArchived ||
		got.Workflow.Status != types.WorkflowStatusNew || aws.ToString(got.CreatedAt) != t0.Format(time.RFC3339) ||
		aws.ToString(got.UpdatedAt) != t1.Format(time.RFC3339) {
		t.Errorf("after the fix: compliance %s record %s workflow %s created %s updated %s", got.Compliance.Status, got.RecordState,
			got.Workflow.Status, aws.ToString(got.CreatedAt), aws.ToString(got.UpdatedAt))
	}

	// Created RESOLVED (a passing check), it goes back to NEW when it fails.
	importOne(finding(acct, "mfa", t0, types.ComplianceStatusPassed, types.RecordStateArchived, types.WorkflowStatusResolved))
	if got := get(t, c, "mfa"); got.Workflow.Status != types.WorkflowStatusResolved {
		t.Errorf("created resolved: %s", got.Workflow.Status)
	}
	importOne(finding(acct, "mfa", t1, types.ComplianceStatusFailed, types.RecordStateActive, types.WorkflowStatusResolved))
	if got := get(t, c, "mfa"); got.Workflow.Status != types.WorkflowStatusNew || got.RecordState != types.RecordStateActive {
		t.Errorf("failing again: workflow %s record %s, want NEW ACTIVE", got.Workflow.Status, got.RecordState)
	}

	// An invalid finding fails alone, with AWS's code.
	bad := finding(acct, "bad", t0, "BOGUS", types.RecordStateActive, types.WorkflowStatusNew)
	out := importOne(bad)
	if aws.ToInt32(out.FailedCount) != 1 || aws.ToString(out.FailedFindings[0].ErrorCode) != "InvalidInput" ||
		!strings.HasPrefix(aws.ToString(out.FailedFindings[0].ErrorMessage), "Finding does not adhere to Amazon Finding Format.") {
		t.Errorf("invalid compliance: %+v", out.FailedFindings)
	}

	// Another account sees nothing of these (its own hub, enabled).
	if _, err := cOther.EnableSecurityHub(ctx, &securityhub.EnableSecurityHubInput{}); err != nil {
		t.Fatal(err)
	}
	if out, err := cOther.GetFindings(ctx, &securityhub.GetFindingsInput{}); err != nil || len(out.Findings) != 0 {
		t.Errorf("another account reads %v, %v", out, err)
	}

	// The call log names the IAM action.
	n := 0
	for _, call := range emu.Calls() {
		if call.Service == "securityhub" && call.Action == "BatchImportFindings" && call.Account == acct {
			n++
		}
	}
	if n != 6 {
		t.Errorf("%d securityhub:BatchImportFindings calls logged, want 6", n)
	}
}

// TestGetFindingsFiltersAndPages: string filters and pagination over more
// findings than a page; more than 100 findings in one import is refused.
func TestGetFindingsFiltersAndPages(t *testing.T) {
	_, c, _ := newWorld(t)
	ctx := t.Context()
	if _, err := c.EnableSecurityHub(ctx, &securityhub.EnableSecurityHubInput{}); err != nil {
		t.Fatal(err)
	}
	var batch []types.AwsSecurityFinding
	for i := range 101 {
		batch = append(batch, finding(acct, fmt.Sprintf("f-%03d", i), t0, types.ComplianceStatusPassed, types.RecordStateArchived, types.WorkflowStatusResolved))
	}
	if _, err := c.BatchImportFindings(ctx, &securityhub.BatchImportFindingsInput{Findings: batch}); errorCode(err) != "InvalidInputException" {
		t.Errorf("101 findings: %v, want InvalidInputException", err)
	}
	for i := 0; i < len(batch); i += 100 {
		chunk := batch[i:min(i+100, len(batch))]
		if i == 0 {
			chunk[7] = finding(acct, "f-007", t0, types.ComplianceStatusFailed, types.RecordStateActive, types.WorkflowStatusNew)
		}
		out, err := c.BatchImportFindings(ctx, &securityhub.BatchImportFindingsInput{Findings: chunk})
		if err != nil || aws.ToInt32(out.FailedCount) != 0 {
			t.Fatalf("import: %v %+v", err, out)
		}
	}
	var ids []string
	p := securityhub.NewGetFindingsPaginator(c, &securityhub.GetFindingsInput{MaxResults: aws.Int32(40)})
	pages := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, f := range page.Findings {
			ids = append(ids, aws.ToString(f.Id))
		}
	}
	if len(ids) != 101 || pages != 3 || ids[0] != "f-000" || ids[100] != "f-100" {
		t.Errorf("%d findings in %d pages", len(ids), pages)
	}
	for name, tc := range map[string]struct {
		filters types.AwsSecurityFindingFilters
		want    int
	}{
		"failed":     {types.AwsSecurityFindingFilters{ComplianceStatus: []types.StringFilter{{Value: aws.String("FAILED"), Comparison: types.StringFilterComparisonEquals}}}, 1},
		"not failed": {types.AwsSecurityFindingFilters{ComplianceStatus: []types.StringFilter{{Value: aws.String("FAILED"), Comparison: types.StringFilterComparisonNotEquals}}}, 100},
		"prefix or equals": {types.AwsSecurityFindingFilters{Id: []types.StringFilter{
			{Value: aws.String("f-01"), Comparison: types.StringFilterComparisonPrefix}, {Value: aws.String("f-100"), Comparison: types.StringFilterComparisonEquals}}}, 11},
		"account and active": {types.AwsSecurityFindingFilters{
			AwsAccountId:   []types.StringFilter{{Value: aws.String(acct), Comparison: types.StringFilterComparisonEquals}},
			RecordState:    []types.StringFilter{{Value: aws.String("ACTIVE"), Comparison: types.StringFilterComparisonEquals}},
			WorkflowStatus: []types.StringFilter{{Value: aws.String("NEW"), Comparison: types.StringFilterComparisonEquals}}}, 1},
		"other product": {types.AwsSecurityFindingFilters{ProductArn: []types.StringFilter{{Value: aws.String(emush.DefaultProductARN(other, "eu-west-1")), Comparison: types.StringFilterComparisonEquals}}}, 0},
	} {
		out, err := c.GetFindings(ctx, &securityhub.GetFindingsInput{Filters: &tc.filters})
		if err != nil || len(out.Findings) != tc.want {
			t.Errorf("%s: %d findings, %v; want %d", name, len(out.Findings), err, tc.want)
		}
	}
	_, err := c.GetFindings(ctx, &securityhub.GetFindingsInput{Filters: &types.AwsSecurityFindingFilters{
		Title: []types.StringFilter{{Value: aws.String("x"), Comparison: types.StringFilterComparisonEquals}}}})
	if errorCode(err) != "InvalidInputException" {
		t.Errorf("an unmodelled filter: %v, want InvalidInputException (never an unfiltered answer)", err)
	}
}

// TestAllowListNamesTheAction: a principal allowed only GetFindings is
// refused BatchImportFindings, as IAM would refuse it.
func TestAllowListNamesTheAction(t *testing.T) {
	emu, c, _ := newWorld(t)
	ctx := t.Context()
	if _, err := c.EnableSecurityHub(ctx, &securityhub.EnableSecurityHubInput{}); err != nil {
		t.Fatal(err)
	}
	cfg := emu.Config(emu.Account(acct).AddUser("reader", "securityhub:GetFindings").AddAccessKey(awsemu.AccessKey{}))
	cfg.Region = "eu-west-1"
	reader := securityhub.NewFromConfig(cfg)
	if _, err := reader.GetFindings(ctx, &securityhub.GetFindingsInput{}); err != nil {
		t.Errorf("GetFindings: %v", err)
	}
	_, err := reader.BatchImportFindings(ctx, &securityhub.BatchImportFindingsInput{Findings: []types.AwsSecurityFinding{
		finding(acct, "a", t0, types.ComplianceStatusFailed, types.RecordStateActive, types.WorkflowStatusNew)}})
	if !strings.HasPrefix(errorCode(err), "AccessDenied") {
		t.Errorf("BatchImportFindings without the action: %v", err)
	}
}
