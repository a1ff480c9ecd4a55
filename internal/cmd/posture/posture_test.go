package posture

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rootguard/rootguard/internal/audit"
	"github.com/rootguard/rootguard/internal/cmdutil"
	"github.com/rootguard/rootguard/internal/digest"
	"github.com/rootguard/rootguard/internal/drift"
	"github.com/rootguard/rootguard/internal/iostreams"
	"github.com/rootguard/rootguard/internal/posture"
	"github.com/rootguard/rootguard/internal/posturehealth"
	"github.com/rootguard/rootguard/internal/postureops"
	"github.com/rootguard/rootguard/internal/stack"
)

type fakeEngine struct {
	got     posture.Options
	res     *posture.Result
	latest  *drift.Run
	summary *posture.Summary
	health  posturehealth.Health
}

func (f *fakeEngine) Run(_ context.Context, _ stack.Names, o posture.Options) (*posture.Result, error) {
	f.got = o
	return f.res, nil
}
func (f *fakeEngine) Latest(context.Context, stack.Names, string) (*drift.Run, error) {
	return f.latest, nil
}
func (f *fakeEngine) Bucket(stack.Names) string { return "bkt" }
func (f *fakeEngine) Invoke(context.Context, stack.Names) (*posture.Summary, error) {
	if f.summary == nil {
		return nil, postureops.ErrNotDeployed
	}
	return f.summary, nil
}

func execute(t *testing.T, e *fakeEngine, args ...string) (string, error) {
	t.Helper()
	ios, _, out, _ := iostreams.Test()
	cmd := NewCmdPosture(&cmdutil.Factory{IOStreams: ios, Now: time.Now}, func(name string, o *Options) error {
		o.Engine = func(context.Context) (Engine, error) { return e, nil }
		o.Health = func(context.Context, stack.Names, time.Time) (posturehealth.Health, error) { return e.health, nil }
		switch name {
		case "run":
			return runRun(context.Background(), o)
		case "test":
			return runTest(context.Background(), o)
		}
		return runStatus(context.Background(), o)
	})
	cmd.SetArgs(args)
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	err := cmd.Execute()
	return out.String(), err
}

func TestRunPrintsTheDrift(t *testing.T) {
	run := &drift.Run{ID: "r2", Accounts: []audit.AccountResult{{AccountID: "111122223333", Checks: []audit.CheckResult{{ID: audit.CheckRootAccessKeys, Status: audit.Fail}}}}}
	e := &fakeEngine{res: &posture.Result{Run: run, ReportKey: "posture/runs/r2.html", Posted: true,
		Digest: &digest.Digest{Previous: "r1", Current: "r2", Changes: []digest.Change{{Kind: digest.NewFail, AccountID: "111122223333"}}}}}
	out, err := execute(t, e, "run", "--heartbeat", "--concurrency", "3")
	if err != nil {
		t.Fatal(err)
	}
	if !e.got.Heartbeat || e.got.Concurrency != 3 {
		t.Errorf("options = %+v", e.got)
	}
	for _, want := range []string{"run r2: 1 accounts: 0 pass, 1 fail, 0 error", "report: s3://bkt/posture/runs/r2.html", "since r1: 1 new-fail", "digest queued for Slack on rootguard-alerts"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if _, err := execute(t, e, "run", "--concurrency", "0"); err == nil {
		t.Error("--concurrency 0 accepted")
	}
}

func TestStatus(t *testing.T) {
	out, err := execute(t, &fakeEngine{}, "status")
	if err != nil || !strings.Contains(out, "no posture run published in s3://bkt yet") {
		t.Errorf("empty status: %q %v", out, err)
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	out, err = execute(t, &fakeEngine{latest: &drift.Run{ID: "r9", StartedAt: at, FinishedAt: at.Add(time.Minute),
		Skipped: []drift.Skipped{{AccountID: "222233334444", Status: "SUSPENDED"}}}}, "status")
	if err != nil || !strings.Contains(out, "last run: r9 (started 2026-01-02T03:04:05Z, finished 2026-01-02T03:05:05Z)") || !strings.Contains(out, "1 skipped (not ACTIVE)") {
		t.Errorf("status: %q %v", out, err)
	}
}

func TestStatusShowsTheScheduleAndAGapIsAProblem(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	e := &fakeEngine{latest: &drift.Run{ID: "r9", StartedAt: at, FinishedAt: at}, health: posturehealth.Health{Deployed: true,
		Schedule: posturehealth.ScheduleState{Name: "rootguard-posture", Exists: true, Expression: "cron(0 6 * * ? *)", Timezone: "Europe/Paris", State: "ENABLED"},
		Next:     time.Date(2026, 1, 3, 5, 0, 0, 0, time.UTC), Period: 24 * time.Hour}}
	out, err := execute(t, e, "status")
	if err != nil || !strings.Contains(out, "schedule: cron(0 6 * * ? *) in Europe/Paris, ENABLED, next fire 2026-01-03T05:00:00Z") {
		t.Errorf("status: %q %v", out, err)
	}
	e.health.Problems = []string{"the last posture run (r9) started 72h0m0s ago, more than 2 periods"}
	if _, err := execute(t, e, "status"); cmdutil.ExitCode(err) != cmdutil.ExitFindings {
		t.Errorf("a stale run exits %d, want %d", cmdutil.ExitCode(err), cmdutil.ExitFindings)
	}
	out, err = execute(t, &fakeEngine{}, "status")
	if err != nil || !strings.Contains(out, "schedule: not deployed (`rootguard posture deploy`)") {
		t.Errorf("not deployed: %q %v", out, err)
	}
}

func TestTestInvokesTheDeployedAuditor(t *testing.T) {
	e := &fakeEngine{summary: &posture.Summary{RunID: "r3", Accounts: 5, Changes: 2, NewFail: 1, Posted: true,
		Drift: map[string]int{"new-fail": 1, "fixed": 1}, Report: "s3://bkt/posture/runs/r3.html"}}
	out, err := execute(t, e, "test")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"run r3: 5 accounts", "drift: 1 new-fail, 1 fixed", "digest queued for Slack on rootguard-alerts"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if _, err := execute(t, &fakeEngine{}, "test"); !errors.Is(err, postureops.ErrNotDeployed) {
		t.Errorf("not deployed: %v", err)
	}
}

// TestRunSecurityHub: --security-hub asks the engine for the import and
// every account not imported is printed by name.
func TestRunSecurityHub(t *testing.T) {
	run := &drift.Run{ID: "r1"}
	e := &fakeEngine{res: &posture.Result{Run: run, ReportKey: "posture/runs/r1.html", Posted: true, Digest: &digest.Digest{Current: "r1"},
		SecurityHub: &posture.SecurityHubResult{Region: "us-east-1", Accounts: 2, Findings: 22,
			Gaps: []digest.Gap{{AccountID: "222233334444", Reason: "Security Hub is not enabled in this Region"}}}}}
	out, err := execute(t, e, "run", "--security-hub")
	if err != nil {
		t.Fatal(err)
	}
	if !e.got.SecurityHub {
		t.Error("--security-hub did not reach the engine")
	}
	for _, want := range []string{"Security Hub (us-east-1): 22 findings imported from 2 accounts, 1 not imported", "222233334444 not imported: Security Hub is not enabled"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	plain := &fakeEngine{res: e.res}
	if _, err := execute(t, plain, "run"); err != nil || plain.got.SecurityHub {
		t.Errorf("Security Hub import without the flag: %v", err)
	}
}
