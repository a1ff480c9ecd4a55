package posture

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/audit"
	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/stack"
)

// securityHubWorld is localHub with Security Hub enabled in the management
// account (the hub) and in members 1 and 2, which have the spoke's import
// role (member 2 from the spoke template itself); member 3 has the role but
// no Security Hub, member 4 Security Hub but no role.
func securityHubWorld(t *testing.T) (*hub, map[string]*securityhub.Client) {
	t.Helper()
	h := localHub(t, 4)
	clients := map[string]*securityhub.Client{}
	role := stack.Names{Prefix: stack.DefaultPrefix}.PostureImportRole()
	for i, a := range append([]*awsemu.Account{h.emu.Account("100000000000")}, h.members...) {
		c := securityhub.NewFromConfig(h.emu.Config(a.AddUser("secops", "*").AddAccessKey(awsemu.AccessKey{})))
		clients[a.ID] = c
		switch i {
		case 1, 3:
			a.AddRole(role, "100000000000")
		case 2:
			// Member 2's role is the spoke template's own, from CloudFormation.
			deploySpoke(t, h.emu.Config(a.AddUser("deployer", "*").AddAccessKey(awsemu.AccessKey{})))
		}
		if i != 3 {
			if _, err := c.EnableSecurityHub(t.Context(), &securityhub.EnableSecurityHubInput{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return h, clients
}

// deploySpoke creates the spoke StackSet's stack in the account of cfg, in
// the home Region, as StackSets would.
func deploySpoke(t *testing.T, cfg aws.Config) {
	t.Helper()
	spoke, err := stack.Spoke(stack.HubOptions{}, "100000000000")
	if err != nil {
		t.Fatal(err)
	}
	body, err := spoke.JSON()
	if err != nil {
		t.Fatal(err)
	}
	cfn := cloudformation.NewFromConfig(cfg)
	cs, err := cfn.CreateChangeSet(t.Context(), &cloudformation.CreateChangeSetInput{
		StackName: aws.String("rootguard-spoke"), ChangeSetName: aws.String("create"), ChangeSetType: cfntypes.ChangeSetTypeCreate,
		TemplateBody: aws.String(string(body)), Capabilities: []cfntypes.Capability{cfntypes.CapabilityCapabilityNamedIam},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := cloudformation.NewChangeSetCreateCompleteWaiter(cfn).Wait(t.Context(), &cloudformation.DescribeChangeSetInput{ChangeSetName: cs.Id}, time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := cfn.ExecuteChangeSet(t.Context(), &cloudformation.ExecuteChangeSetInput{ChangeSetName: cs.Id}); err != nil {
		t.Fatal(err)
	}
	if err := cloudformation.NewStackCreateCompleteWaiter(cfn, func(o *cloudformation.StackCreateCompleteWaiterOptions) { o.MinDelay = 50 * time.Millisecond }).
		Wait(t.Context(), &cloudformation.DescribeStacksInput{StackName: aws.String("rootguard-spoke")}, time.Minute); err != nil {
		t.Fatal(err)
	}
}

func (h *hub) runSecurityHub(t *testing.T) *Result {
	t.Helper()
	res, err := run(t.Context(), h.cfg, h.s3, h.sqs, Options{
		Bucket: h.bucket, QueueURL: h.queueURL, SecurityHub: true,
		Concurrency: 4, AccountTimeout: time.Minute,
		Audit: audit.Options{Now: func() time.Time { return now }},
		Now:   h.clock,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.SecurityHub == nil {
		t.Fatal("no Security Hub result")
	}
	return res
}

func findingByID(t *testing.T, c *securityhub.Client, id string) shtypes.AwsSecurityFinding {
	t.Helper()
	out, err := c.GetFindings(t.Context(), &securityhub.GetFindingsInput{Filters: &shtypes.AwsSecurityFindingFilters{
		Id: []shtypes.StringFilter{{Value: aws.String(id), Comparison: shtypes.StringFilterComparisonEquals}}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Findings) != 1 {
		t.Fatalf("%d findings %s, want one", len(out.Findings), id)
	}
	return out.Findings[0]
}

// TestSecurityHubFindingsFollowTheRuns is the scenario on the local
// AWS: run 1 creates every account's findings in that account's Security
// Hub; a member gets a root access key, and run 2 updates its finding in
// place to FAILED/NEW; the key is deleted, and run 3 makes it PASSED and
// ARCHIVED. The member without Security Hub and the one without the import
// role are named gaps, in the result, the run's notes and the digest.
func TestSecurityHubFindingsFollowTheRuns(t *testing.T) {
	h, clients := securityHubWorld(t)
	m1, m3, m4 := h.members[0], h.members[2], h.members[3]

	first := h.runSecurityHub(t)
	sh := first.SecurityHub
	if sh.Accounts != 3 || sh.Region != "us-east-1" || len(sh.Gaps) != 2 {
		t.Fatalf("run 1: %d accounts imported, gaps %+v", sh.Accounts, sh.Gaps)
	}
	gaps := map[string]string{}
	for _, g := range sh.Gaps {
		gaps[g.AccountID] = g.Reason
	}
	if !strings.Contains(gaps[m3.ID], "Security Hub is not enabled") || !strings.Contains(gaps[m4.ID], "cannot assume rootguard-posture-import") {
		t.Errorf("gaps %v: want %s without Security Hub and %s without the role", gaps, m3.ID, m4.ID)
	}
	notes := strings.Join(first.Run.Notes, "\n")
	if !strings.Contains(notes, "account "+m3.ID+" not imported") || !strings.Contains(notes, "account "+m4.ID+" not imported") {
		t.Errorf("the run's notes do not name the gaps:\n%s", notes)
	}
	if d := first.Digest.SecurityHub; d == nil || d.GapCount() != 2 || d.Accounts != 3 {
		t.Errorf("digest's Security Hub: %+v", d)
	}
	msgs := h.queued(t)
	if len(msgs) != 1 || !strings.Contains(msgs[0], "Security Hub: 2 accounts not imported") || !strings.Contains(msgs[0], m3.ID) {
		t.Fatalf("digest does not name the gaps: %v", msgs)
	}

	// Every imported account reads its own findings, one per check.
	checks := 0
	for _, a := range first.Run.Accounts {
		if a.AccountID == m1.ID {
			checks = len(a.Checks)
		}
	}
	out, err := clients[m1.ID].GetFindings(t.Context(), &securityhub.GetFindingsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if checks == 0 || len(out.Findings) != checks {
		t.Fatalf("member %s has %d findings for %d checks", m1.ID, len(out.Findings), checks)
	}
	if out, err := clients["100000000000"].GetFindings(t.Context(), &securityhub.GetFindingsInput{}); err != nil || len(out.Findings) == 0 {
		t.Errorf("the hub's own account has no findings: %v", err)
	}
	id := "rootguard/" + m1.ID + "/" + string(audit.CheckRootAccessKeys)
	before := findingByID(t, clients[m1.ID], id)
	if before.Compliance.Status != shtypes.ComplianceStatusPassed || before.RecordState != shtypes.RecordStateArchived {
		t.Fatalf("run 1: %s is %s %s, want PASSED ARCHIVED", id, before.Compliance.Status, before.RecordState)
	}

	// A root access key: FAILED, ACTIVE, NEW — the same finding.
	key := m1.Root().AddAccessKey(awsemu.AccessKey{})
	h.runSecurityHub(t)
	failed := findingByID(t, clients[m1.ID], id)
	if failed.Compliance.Status != shtypes.ComplianceStatusFailed || failed.RecordState != shtypes.RecordStateActive || failed.Workflow.Status != shtypes.WorkflowStatusNew {
		t.Errorf("run 2: %s is %s %s %s, want FAILED ACTIVE NEW", id, failed.Compliance.Status, failed.RecordState, failed.Workflow.Status)
	}
	if aws.ToString(failed.CreatedAt) != aws.ToString(before.CreatedAt) || aws.ToString(failed.UpdatedAt) <= aws.ToString(before.UpdatedAt) {
		t.Errorf("run 2: created %s updated %s, run 1 created %s updated %s: not updated in place",
			aws.ToString(failed.CreatedAt), aws.ToString(failed.UpdatedAt), aws.ToString(before.CreatedAt), aws.ToString(before.UpdatedAt))
	}
	if out, _ := clients[m1.ID].GetFindings(t.Context(), &securityhub.GetFindingsInput{}); len(out.Findings) != checks {
		t.Errorf("run 2 left %d findings for %d checks", len(out.Findings), checks)
	}

	// The key is deleted through the IAM API: PASSED and ARCHIVED, out of
	// the active failed findings.
	if _, err := iam.NewFromConfig(h.emu.Config(key)).DeleteAccessKey(t.Context(), &iam.DeleteAccessKeyInput{AccessKeyId: aws.String(key.AccessKeyID)}); err != nil {
		t.Fatal(err)
	}
	h.runSecurityHub(t)
	fixed := findingByID(t, clients[m1.ID], id)
	if fixed.Compliance.Status != shtypes.ComplianceStatusPassed || fixed.RecordState != shtypes.RecordStateArchived || aws.ToString(fixed.CreatedAt) != aws.ToString(before.CreatedAt) {
		t.Errorf("run 3: %s is %s %s created %s, want PASSED ARCHIVED created %s", id, fixed.Compliance.Status, fixed.RecordState,
			aws.ToString(fixed.CreatedAt), aws.ToString(before.CreatedAt))
	}
	active, err := clients[m1.ID].GetFindings(t.Context(), &securityhub.GetFindingsInput{Filters: &shtypes.AwsSecurityFindingFilters{
		RecordState:      []shtypes.StringFilter{{Value: aws.String("ACTIVE"), Comparison: shtypes.StringFilterComparisonEquals}},
		ComplianceStatus: []shtypes.StringFilter{{Value: aws.String("FAILED"), Comparison: shtypes.StringFilterComparisonEquals}},
	}})
	if err != nil || len(active.Findings) != 0 {
		t.Errorf("after the fix, active failed findings: %v, %v", active, err)
	}
}

// fakeFindings answers BatchImportFindings from a script and records the
// batch sizes.
type fakeFindings struct {
	batches []int
	failAll string // ErrorCode for every finding
	err     error
}

func (f *fakeFindings) BatchImportFindings(_ context.Context, in *securityhub.BatchImportFindingsInput, _ ...func(*securityhub.Options)) (*securityhub.BatchImportFindingsOutput, error) {
	f.batches = append(f.batches, len(in.Findings))
	if f.err != nil {
		return nil, f.err
	}
	out := &securityhub.BatchImportFindingsOutput{SuccessCount: aws.Int32(int32(len(in.Findings))), FailedCount: aws.Int32(0)}
	if f.failAll != "" {
		out.SuccessCount = aws.Int32(0)
		for _, x := range in.Findings {
			out.FailedFindings = append(out.FailedFindings, shtypes.ImportFindingsError{Id: x.Id, ErrorCode: aws.String(f.failAll), ErrorMessage: aws.String("refused")})
		}
	}
	return out, nil
}

// TestImportAccountBatchesAndNamesRefusals: findings go in calls of at most
// 100, and findings refused or a failed call are the account's error.
func TestImportAccountBatchesAndNamesRefusals(t *testing.T) {
	findings := make([]shtypes.AwsSecurityFinding, 250)
	f := &fakeFindings{}
	n, err := importAccount(t.Context(), f, findings)
	if err != nil || n != 250 || fmt.Sprint(f.batches) != "[100 100 50]" {
		t.Errorf("imported %d in %v: %v", n, f.batches, err)
	}
	f = &fakeFindings{failAll: "InvalidInput"}
	if _, err := importAccount(t.Context(), f, findings[:3]); err == nil || !strings.Contains(err.Error(), "3 of 3 findings not imported: InvalidInput: refused") {
		t.Errorf("refused findings: %v", err)
	}
	f = &fakeFindings{err: fmt.Errorf("throttled")}
	if _, err := importAccount(t.Context(), f, findings[:3]); err == nil || !strings.HasPrefix(err.Error(), "import findings: ") || !strings.Contains(err.Error(), "throttled") {
		t.Errorf("a failed call: %v", err)
	}
}

// TestManagementOutsideTheStackSetIsAGap: when the auditor runs in a
// delegated hub, the management account, which has no import role, is a
// named gap and no call is made for it; the hub's own account is imported
// with the auditor's credentials.
func TestManagementOutsideTheStackSetIsAGap(t *testing.T) {
	f := &fakeFindings{}
	check := audit.CheckResult{ID: audit.CheckRootMFA, Status: audit.Fail, Severity: audit.Critical, Title: "t", Detail: "d"}
	caller := &account.Session{AccountID: "333333333333", Partition: account.AWS}
	res := importSecurityHub(t.Context(), aws.Config{Region: "us-east-1"}, importTarget{
		caller: caller, management: "111111111111", roleName: "rootguard-posture-import", at: now,
		accounts: []audit.AccountResult{
			{AccountID: "111111111111", Checks: []audit.CheckResult{check}},
			{AccountID: "333333333333", Checks: []audit.CheckResult{check}},
		},
	}, 2, time.Minute, func(aws.Config) findingsAPI { return f })
	if res.Accounts != 1 || len(res.Gaps) != 1 || res.Gaps[0].AccountID != "111111111111" || !strings.Contains(res.Gaps[0].Reason, "management account") {
		t.Errorf("result %+v", res)
	}
	if fmt.Sprint(f.batches) != "[1]" {
		t.Errorf("calls %v, want the hub's own one finding", f.batches)
	}
}

// TestFunctionLogsSecurityHubGaps: the scheduled function imports when
// ROOTGUARD_SECURITY_HUB is set, returns what it imported and logs every
// account not imported, by name.
func TestFunctionLogsSecurityHubGaps(t *testing.T) {
	h, _ := securityHubWorld(t)
	var logs strings.Builder
	f := &Function{AWS: h.cfg, Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
		Options: Options{Bucket: h.bucket, QueueURL: h.queueURL, SecurityHub: true, ImportRoleName: "rootguard-posture-import",
			Concurrency: 2, AccountTimeout: time.Minute, Now: h.clock}}
	sum, err := f.Invoke(t.Context(), json.RawMessage(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	if sum.SecurityHub == nil || sum.SecurityHub.Accounts != 3 || len(sum.SecurityHub.Gaps) != 2 {
		t.Errorf("summary's Security Hub: %+v", sum.SecurityHub)
	}
	for _, m := range h.members[2:] {
		if !strings.Contains(logs.String(), `"msg":"security hub import gap","run_id":"`+sum.RunID+`","account":"`+m.ID+`"`) {
			t.Errorf("no gap logged for %s:\n%s", m.ID, logs.String())
		}
	}
	h.queued(t)
}

// TestImportLeavesTimeToStoreTheRun: a run whose deadline is too near for
// the import still stores and publishes its run; every account the import
// could not reach in time is a gap.
func TestImportLeavesTimeToStoreTheRun(t *testing.T) {
	h, _ := securityHubWorld(t)
	// Security Hub hangs: the import ends importReserve before the run's
	// deadline, with every account still waiting a gap.
	h.emu.InjectFault(awsemu.Fault{Service: "securityhub", Hang: true})
	ctx, cancel := context.WithTimeout(t.Context(), importReserve+5*time.Second)
	defer cancel()
	res, err := run(ctx, h.cfg, h.s3, h.sqs, Options{
		Bucket: h.bucket, QueueURL: h.queueURL, SecurityHub: true, Concurrency: 4, AccountTimeout: time.Minute,
		Audit: audit.Options{Now: func() time.Time { return now }}, Now: h.clock,
	})
	if err != nil {
		t.Fatalf("the run was lost to its import: %v", err)
	}
	if res.RunKey == "" || res.SecurityHub.Accounts != 0 || len(res.SecurityHub.Gaps) != len(res.Run.Accounts) {
		t.Errorf("stored %q, Security Hub %+v", res.RunKey, res.SecurityHub)
	}
	h.queued(t)
}

// TestFindingsOfRunsInOneSecondAreOrdered: Security Hub keeps a finding
// when an update's UpdatedAt is not later, so two runs started in the same
// second must still stamp their findings in order.
func TestFindingsOfRunsInOneSecondAreOrdered(t *testing.T) {
	a := audit.AccountResult{AccountID: "111122223333", Checks: []audit.CheckResult{{ID: audit.CheckRootAccessKeys, Status: audit.Fail}}}
	first := time.Date(2026, 12, 3, 13, 55, 46, 100e6, time.UTC)
	var stamps []string
	for _, at := range []time.Time{first, first.Add(time.Millisecond)} {
		f, err := accountFindings(a, "us-east-1", account.AWS, at)
		if err != nil || len(f) != 1 {
			t.Fatalf("%v %v", f, err)
		}
		stamps = append(stamps, aws.ToString(f[0].UpdatedAt))
	}
	if stamps[0] != "2026-12-03T13:55:46.100Z" || stamps[1] <= stamps[0] {
		t.Errorf("UpdatedAt %q: want milliseconds, in order", stamps)
	}
}
