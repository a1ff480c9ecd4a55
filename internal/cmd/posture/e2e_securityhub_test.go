package posture

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"
	"github.com/spf13/cobra"

	"github.com/rootguard/rootguard/internal/alertstatus"
	"github.com/rootguard/rootguard/internal/audit"
	"github.com/rootguard/rootguard/internal/awsconfig"
	"github.com/rootguard/rootguard/internal/awsemu"
	alertdeploy "github.com/rootguard/rootguard/internal/cmd/alert/deploy"
	fixcmd "github.com/rootguard/rootguard/internal/cmd/fix"
	"github.com/rootguard/rootguard/internal/cmdutil"
	engine "github.com/rootguard/rootguard/internal/deploy"
	"github.com/rootguard/rootguard/internal/iostreams"
	"github.com/rootguard/rootguard/internal/lambdazip"
)

// TestSecurityHubAcceptanceEndToEnd is issue 15's acceptance path, all
// through the commands and the deployed functions on the local AWS:
// `alert deploy --org` (the spoke StackSet gives every member the import
// role) → `posture deploy --security-hub` → the schedule fires the real
// auditor: a baseline digest, and one finding per account and check in
// each account's own Security Hub, the member without Security Hub a named
// gap → a member's root gets an access key through the IAM API → the next
// fire's digest names exactly that new FAIL and the member's finding is
// FAILED/NEW in place → `rootguard fix` deletes the key → the next fire's
// digest names it fixed and the finding is PASSED and ARCHIVED, the same
// finding.
func TestSecurityHubAcceptanceEndToEnd(t *testing.T) {
	t.Parallel() // its own local AWS and prefix; waits on the functions, not the CPU
	start := time.Now()
	w := newOrganizationWorld(t, fmt.Sprintf("rgshe%d", time.Now().UnixNano()%1e6))
	ctx := t.Context()
	org := w.emu.Organization()
	org.EnableServiceAccess(engine.StackSetsPrincipal)
	org.EnableServiceAccess(engine.CloudTrailPrincipal)

	// `rootguard <cmd> args…` as the CLI runs it, as the management account's admin.
	run := func(ctx context.Context, newCmd func(*cmdutil.Factory) *cobra.Command, stdin string, args ...string) (string, error) {
		t.Helper()
		ios, in, out, errOut := iostreams.Test()
		in.WriteString(stdin)
		f := &cmdutil.Factory{IOStreams: ios, Now: time.Now,
			AWSConfig: func(context.Context, awsconfig.Options) (aws.Config, error) { return w.cfg, nil }}
		c := newCmd(f)
		c.SetArgs(args)
		c.SetOut(ios.Out)
		c.SetErr(ios.ErrOut)
		c.SilenceUsage, c.SilenceErrors = true, true
		err := c.ExecuteContext(ctx)
		return out.String() + errOut.String(), err
	}

	alertZip, err := lambdazip.Build(ctx, "github.com/rootguard/rootguard/cmd/bootstrap", "linux", runtime.GOARCH)
	if err != nil {
		t.Fatal(err)
	}
	alertZipPath := filepath.Join(t.TempDir(), "bootstrap.zip")
	if err := os.WriteFile(alertZipPath, alertZip, 0o600); err != nil {
		t.Fatal(err)
	}
	prefix := w.names.Prefix
	noHub, keyMember := w.member[0], w.member[2]
	step := time.Now()
	if out, err := run(ctx, func(f *cmdutil.Factory) *cobra.Command { return alertdeploy.NewCmdDeploy(f, nil) }, w.webhook+"\n",
		"--org", "--prefix", prefix, "--regions", "us-east-1", "--function-zip", alertZipPath, "--arch", arch(), "--approve"); err != nil {
		t.Fatalf("alert deploy --org: %v\n%s", err, out)
	}
	t.Logf("alert deploy --org: %v", time.Since(step).Round(time.Millisecond))
	t.Cleanup(func() {
		_, _ = run(context.Background(), func(f *cmdutil.Factory) *cobra.Command { return alertdeploy.NewCmdRemove(f, nil) }, "", "--org", "--prefix", prefix, "--approve")
	})
	step = time.Now()
	// Stacks polled quickly.
	fast := func(ctx context.Context, newCmd func(*cmdutil.Factory, func(*DeployOptions) error) *cobra.Command, do func(context.Context, *DeployOptions) error) func(*cmdutil.Factory) *cobra.Command {
		return func(f *cmdutil.Factory) *cobra.Command {
			return newCmd(f, func(o *DeployOptions) error { o.Poll = 20 * time.Millisecond; return do(ctx, o) })
		}
	}
	if out, err := run(ctx, fast(ctx, NewCmdDeploy, runDeploy), "",
		"--security-hub", "--prefix", prefix, "--function-zip", auditorZip(t), "--arch", arch(), "--approve"); err != nil {
		t.Fatalf("posture deploy --security-hub: %v\n%s", err, out)
	}
	t.Logf("posture deploy --security-hub: %v", time.Since(step).Round(time.Millisecond))
	t.Cleanup(func() {
		_, _ = run(context.Background(), fast(context.Background(), NewCmdRemove, runRemove), "", "--prefix", prefix, "--approve")
	})

	// Security Hub enabled by each account itself, except member-1.
	hubs := map[string]*securityhub.Client{}
	for _, a := range append([]*awsemu.Account{w.emu.Account(e2eMgmt)}, w.member...) {
		if a == noHub {
			continue
		}
		c := securityhub.NewFromConfig(w.emu.Config(a.AddUser("secops", "*").AddAccessKey(awsemu.AccessKey{})))
		if _, err := c.EnableSecurityHub(ctx, &securityhub.EnableSecurityHubInput{}); err != nil {
			t.Fatalf("enable Security Hub in %s: %v", a.ID, err)
		}
		hubs[a.ID] = c
	}

	// The baseline: every account with Security Hub has one finding per
	// check it is audited for (the organization's checks in the management
	// account, what a root session reads in the members), imported by
	// itself — the members through the import role, which only the spoke
	// StackSet gave them; member-1 is a named gap.
	if err := w.fire(t); err != nil {
		t.Fatalf("first scheduled run: %v", err)
	}
	d := &digests{w: w}
	baseline := d.next(t, "Root posture baseline: 4 accounts audited")
	if !strings.Contains(baseline, "Security Hub: 1 account not imported") || !strings.Contains(baseline, "• "+noHub.ID+" — ") ||
		!strings.Contains(baseline, "Security Hub is not enabled") {
		t.Fatalf("baseline digest does not name %s's gap: %q", noHub.ID, baseline)
	}
	for id, c := range hubs {
		if strings.Contains(baseline, "• "+id) {
			t.Errorf("the baseline digest names %s as a gap, which has Security Hub", id)
		}
		var got []string
		for _, f := range findings(t, c, nil) {
			got = append(got, aws.ToString(f.Id))
			if aws.ToString(f.AwsAccountId) != id {
				t.Errorf("finding %s of account %s in the Security Hub of %s", aws.ToString(f.Id), aws.ToString(f.AwsAccountId), id)
			}
		}
		checks := audit.RootSessionCheckIDs()
		if id == e2eMgmt {
			checks = audit.CheckIDs()
		}
		var want []string
		for _, check := range checks {
			want = append(want, "rootguard/"+id+"/"+string(check))
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("account %s's Security Hub has findings %q, want one per check %q", id, got, want)
		}
	}
	id := "rootguard/" + keyMember.ID + "/" + string(audit.CheckRootAccessKeys)
	before := finding(t, hubs[keyMember.ID], id)
	if before.Compliance.Status != shtypes.ComplianceStatusPassed || before.RecordState != shtypes.RecordStateArchived {
		t.Fatalf("baseline: %s is %s %s, want PASSED ARCHIVED", id, before.Compliance.Status, before.RecordState)
	}

	// The member's root creates an access key through the IAM API (root
	// is given a first key to sign the call with, deleted at once: the
	// key the next run finds is the one CreateAccessKey made).
	signer := keyMember.Root().AddAccessKey(awsemu.AccessKey{})
	rootIAM := iam.NewFromConfig(w.emu.Config(signer))
	created, err := rootIAM.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rootIAM.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{AccessKeyId: aws.String(signer.AccessKeyID)}); err != nil {
		t.Fatal(err)
	}
	newKey := aws.ToString(created.AccessKey.AccessKeyId)
	if err := w.fire(t); err != nil {
		t.Fatalf("second scheduled run: %v", err)
	}
	drift := d.next(t, "Root posture drift: 1 new FAIL.")
	if !strings.Contains(drift, "*new FAIL* "+keyMember.ID+" (member-3) · root-access-keys: PASS → FAIL — root has 1 access key(s): "+newKey) ||
		strings.Count(drift, "*new FAIL*") != 1 || strings.Contains(drift, "*fixed*") || !strings.Contains(drift, "• "+noHub.ID+" — ") {
		t.Fatalf("drift digest: %q", drift)
	}
	failed := d.findingUntil(t, hubs[keyMember.ID], id, shtypes.ComplianceStatusFailed)
	if failed.RecordState != shtypes.RecordStateActive || failed.Workflow == nil || failed.Workflow.Status != shtypes.WorkflowStatusNew {
		t.Errorf("run 2: %s is %s %+v, want ACTIVE, workflow NEW", id, failed.RecordState, failed.Workflow)
	}
	if aws.ToString(failed.CreatedAt) != aws.ToString(before.CreatedAt) || aws.ToString(failed.UpdatedAt) <= aws.ToString(before.UpdatedAt) {
		t.Errorf("run 2: %s created %s updated %s, baseline created %s updated %s: not the same finding updated",
			id, aws.ToString(failed.CreatedAt), aws.ToString(failed.UpdatedAt), aws.ToString(before.CreatedAt), aws.ToString(before.UpdatedAt))
	}
	activeFailed := &shtypes.AwsSecurityFindingFilters{
		RecordState:      []shtypes.StringFilter{{Value: aws.String("ACTIVE"), Comparison: shtypes.StringFilterComparisonEquals}},
		ComplianceStatus: []shtypes.StringFilter{{Value: aws.String("FAILED"), Comparison: shtypes.StringFilterComparisonEquals}},
	}
	for _, m := range w.member[1:] {
		got := findings(t, hubs[m.ID], activeFailed)
		if want := map[bool]int{true: 1}[m == keyMember]; len(got) != want || (want == 1 && aws.ToString(got[0].Id) != id) {
			t.Errorf("run 2: member %s has %d active FAILED findings, want %d", m.ID, len(got), want)
		}
	}

	// `rootguard fix` deletes it through centralized root access.
	if out, err := run(ctx, func(f *cmdutil.Factory) *cobra.Command { return fixcmd.NewCmdFix(f, nil) }, "",
		"--accounts", keyMember.ID, "--only", "root-access-keys", "--approve", "--yes"); err != nil || !strings.Contains(out, newKey) {
		t.Fatalf("fix: %v\n%s", err, out)
	}
	if err := w.fire(t); err != nil {
		t.Fatalf("third scheduled run: %v", err)
	}
	fixed := d.next(t, "Root posture drift: 1 fixed.")
	if !strings.Contains(fixed, "*fixed* "+keyMember.ID+" (member-3) · root-access-keys: FAIL → PASS") ||
		strings.Contains(fixed, "*new FAIL*") || !strings.Contains(fixed, "• "+noHub.ID+" — ") {
		t.Fatalf("digest after fix: %q", fixed)
	}
	resolved := d.findingUntil(t, hubs[keyMember.ID], id, shtypes.ComplianceStatusPassed)
	if resolved.RecordState != shtypes.RecordStateArchived || aws.ToString(resolved.CreatedAt) != aws.ToString(before.CreatedAt) {
		t.Errorf("run 3: %s is %s created %s, want ARCHIVED created %s", id, resolved.RecordState, aws.ToString(resolved.CreatedAt), aws.ToString(before.CreatedAt))
	}
	if n := len(findings(t, hubs[keyMember.ID], activeFailed)); n != 0 {
		t.Errorf("run 3: member %s has %d active FAILED findings", keyMember.ID, n)
	}
	t.Logf("wall time: %v", time.Since(start).Round(time.Millisecond))
}

// digests reads the stand-in Slack's posts in order. A scheduled
// invocation may run the function more than once (Lambda's asynchronous
// delivery is at least once: https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html),
// and a run with a Security Hub gap posts even when nothing drifted: the
// digests of such repeats may only say that nothing changed.
type digests struct {
	w    *scheduledWorld
	seen int
}

// next waits for the next post whose text has headline, past any posts
// of repeated runs, and returns it.
func (d *digests) next(t *testing.T, headline string) string {
	t.Helper()
	var got string
	waitUntil(t, "a digest "+headline, 60*time.Second, func() bool {
		posts := d.w.slack.all()
		for ; d.seen < len(posts); d.seen++ {
			p := posts[d.seen]
			if strings.Contains(p, headline) {
				got = p
				d.seen++
				return true
			}
			if !strings.Contains(p, "Root posture: all 4 accounts unchanged.") {
				t.Fatalf("waiting for %q, Slack got %q", headline, p)
			}
		}
		return false
	})
	return got
}

// findingUntil waits until finding id in c has status, and returns it.
func (d *digests) findingUntil(t *testing.T, c *securityhub.Client, id string, status shtypes.ComplianceStatus) shtypes.AwsSecurityFinding {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		f := finding(t, c, id)
		if f.Compliance.Status == status {
			return f
		}
		if time.Now().After(deadline) {
			for i, p := range d.w.slack.all() {
				t.Logf("post %d: %s", i, p)
			}
			lines, _ := alertstatus.FunctionLines(t.Context(), cloudwatchlogs.NewFromConfig(d.w.cfg), d.w.names.PostureLogGroup(), "", time.Now().Add(-time.Hour), time.Now())
			for _, l := range lines {
				t.Logf("auditor: %s %.400s", l.Time.Format("15:04:05.000"), l.Raw)
			}
			t.Fatalf("%s is %s (updated %s), not %s within 30s", id, f.Compliance.Status, aws.ToString(f.UpdatedAt), status)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// findings reads every finding in c's Security Hub that filters select.
func findings(t *testing.T, c *securityhub.Client, filters *shtypes.AwsSecurityFindingFilters) []shtypes.AwsSecurityFinding {
	t.Helper()
	var all []shtypes.AwsSecurityFinding
	p := securityhub.NewGetFindingsPaginator(c, &securityhub.GetFindingsInput{Filters: filters})
	for p.HasMorePages() {
		page, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page.Findings...)
	}
	return all
}

func finding(t *testing.T, c *securityhub.Client, id string) shtypes.AwsSecurityFinding {
	t.Helper()
	got := findings(t, c, &shtypes.AwsSecurityFindingFilters{Id: []shtypes.StringFilter{{Value: aws.String(id), Comparison: shtypes.StringFilterComparisonEquals}}})
	if len(got) != 1 {
		t.Fatalf("%d findings %s, want one", len(got), id)
	}
	return got[0]
}
