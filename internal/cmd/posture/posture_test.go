package posture

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rootguard/rootguard/internal/audit"
	"github.com/rootguard/rootguard/internal/cmdutil"
	"github.com/rootguard/rootguard/internal/digest"
	"github.com/rootguard/rootguard/internal/drift"
	"github.com/rootguard/rootguard/internal/iostreams"
	"github.com/rootguard/rootguard/internal/posture"
	"github.com/rootguard/rootguard/internal/stack"
)

type fakeEngine struct {
	got    posture.Options
	res    *posture.Result
	latest *drift.Run
}

func (f *fakeEngine) Run(_ context.Context, _ stack.Names, o posture.Options) (*posture.Result, error) {
	f.got = o
	return f.res, nil
}
func (f *fakeEngine) Latest(context.Context, stack.Names, string) (*drift.Run, error) {
	return f.latest, nil
}
func (f *fakeEngine) Bucket(stack.Names) string { return "bkt" }

func execute(t *testing.T, e *fakeEngine, args ...string) (string, error) {
	t.Helper()
	ios, _, out, _ := iostreams.Test()
	cmd := NewCmdPosture(&cmdutil.Factory{IOStreams: ios, Now: time.Now}, func(name string, o *Options) error {
		o.Engine = func(context.Context) (Engine, error) { return e, nil }
		if name == "run" {
			return runRun(context.Background(), o)
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
