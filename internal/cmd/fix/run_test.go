package fix

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rootguard/rootguard/internal/cmdutil"
	rgfix "github.com/rootguard/rootguard/internal/fix"
	"github.com/rootguard/rootguard/internal/iostreams"
)

// fakeEngine plans what it is given and applies by reporting, for each
// target, the given outcome of every step; no AWS is involved.
type fakeEngine struct {
	arn     string
	root    bool
	planned *rgfix.Planned
	planErr error
	fail    bool // every applied step fails

	req     rgfix.Request
	applied int // Apply calls
}

func (f *fakeEngine) CallerARN() string { return f.arn }
func (f *fakeEngine) IsRoot() bool      { return f.root }

func (f *fakeEngine) Plan(_ context.Context, req rgfix.Request) (*rgfix.Planned, error) {
	f.req = req
	return f.planned, f.planErr
}

func (f *fakeEngine) Apply(_ context.Context, p *rgfix.Planned, rec *rgfix.Recorder) []rgfix.Report {
	f.applied++
	var out []rgfix.Report
	for _, t := range p.Targets {
		r := rgfix.Report{Account: t.Plan.Account, Verification: rgfix.Verification{Skipped: "nothing to verify"}}
		for _, s := range t.Plan.Steps {
			o := rgfix.Outcome{Step: s, Result: rgfix.Done}
			if f.fail {
				o.Result, o.Reason = rgfix.Failed, "AWS refused: AccessDenied"
				r.NotDone++
			}
			rec.Record(now, o)
			r.Outcomes = append(r.Outcomes, o)
		}
		out = append(out, r)
	}
	return out
}

// keyTarget is an account whose plan deletes one root access key.
func keyTarget(acct string, irreversible bool) *rgfix.Target {
	return &rgfix.Target{Plan: &rgfix.Plan{Account: acct, Steps: []rgfix.Step{{
		Account: acct, Action: "iam:DeleteAccessKey", Target: "AKIAFAKE" + acct[:4],
		Description: "delete root access key AKIAFAKE" + acct[:4], Irreversible: irreversible,
	}}}}
}

func fakeEnv(e *fakeEngine) (*FixOptions, *iostreams.IOStreams) {
	ios, _, _, _ := iostreams.Test()
	return &FixOptions{
		IO:       ios,
		Prompter: &typedAnswer{},
		Now:      func() time.Time { return now },
		Engine:   func(context.Context) (Engine, error) { return e, nil },
	}, ios
}

func exitCode(t *testing.T, err error, want int) {
	t.Helper()
	if got := cmdutil.ExitCode(err); got != want {
		t.Fatalf("exit %d (err %v), want %d", got, err, want)
	}
}

func TestFakePlanIsPrintedAndNothingApplied(t *testing.T) {
	e := &fakeEngine{arn: "arn:aws:iam::123456789012:user/ops", planned: &rgfix.Planned{
		Targets: []*rgfix.Target{keyTarget("123456789012", true), keyTarget("222222222222", true)},
		Notes:   []string{"skipped 333333333333: suspended"},
	}}
	opts, ios := fakeEnv(e)
	opts.Only = []string{string(rgfix.CheckAccessKeys)}
	exitCode(t, runFix(context.Background(), opts), cmdutil.ExitOK)
	out := stdout(ios)
	for _, want := range []string{
		"Account 123456789012\n  1. (plan) would delete root access key AKIAFAKE1234  [iam:DeleteAccessKey]",
		"Account 222222222222\n  1. (plan) would delete root access key AKIAFAKE2222  [iam:DeleteAccessKey]",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	errOut := stderr(ios)
	for _, want := range []string{"note: skipped 333333333333: suspended", "2 changes planned; no changes were applied. Run again with --approve"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(errOut, "root user credentials") {
		t.Errorf("an IAM user was told it is root:\n%s", errOut)
	}
	if e.applied != 0 {
		t.Fatal("applied without --approve")
	}
	if w := e.req.What; !w.AccessKeys || w.Certificates || w.LoginProfile || e.req.MembersSelected() {
		t.Errorf("--only root-access-keys asked the engine for %+v", e.req)
	}
}

func TestFakeNothingToFix(t *testing.T) {
	e := &fakeEngine{planned: &rgfix.Planned{Targets: []*rgfix.Target{{Plan: &rgfix.Plan{Account: "123456789012"}}}}}
	opts, ios := fakeEnv(e)
	opts.Approve, opts.Yes = true, true
	exitCode(t, runFix(context.Background(), opts), cmdutil.ExitOK)
	if !strings.Contains(stderr(ios), "Nothing to fix.") || !strings.Contains(stdout(ios), "Account 123456789012\n  nothing to change") {
		t.Fatalf("stdout:\n%s\nstderr:\n%s", stdout(ios), stderr(ios))
	}
	if e.applied != 0 {
		t.Fatal("an empty plan was applied")
	}
}

func TestFakePartialExits5(t *testing.T) {
	undone := func(acct string) *rgfix.Target {
		return &rgfix.Target{Plan: &rgfix.Plan{Account: acct}, Undone: []string{"root-access-keys: AssumeRoot refused"}}
	}
	t.Run("only undone targets", func(t *testing.T) {
		e := &fakeEngine{planned: &rgfix.Planned{Targets: []*rgfix.Target{undone("222222222222")}}}
		opts, ios := fakeEnv(e)
		exitCode(t, runFix(context.Background(), opts), cmdutil.ExitPartial)
		if !strings.Contains(stdout(ios), "  ! cannot fix: root-access-keys: AssumeRoot refused") || strings.Contains(stderr(ios), "Nothing to fix") {
			t.Fatalf("stdout:\n%s\nstderr:\n%s", stdout(ios), stderr(ios))
		}
	})
	t.Run("undone beside applied steps", func(t *testing.T) {
		e := &fakeEngine{planned: &rgfix.Planned{Targets: []*rgfix.Target{keyTarget("123456789012", false), undone("222222222222")}}}
		opts, ios := fakeEnv(e)
		opts.Approve = true
		exitCode(t, runFix(context.Background(), opts), cmdutil.ExitPartial)
		if e.applied != 1 || !strings.Contains(stderr(ios), "1 change: 1 done or already gone, 0 not done.") {
			t.Fatalf("applied %d\n%s", e.applied, stderr(ios))
		}
	})
	t.Run("a failed step", func(t *testing.T) {
		e := &fakeEngine{fail: true, planned: &rgfix.Planned{Targets: []*rgfix.Target{keyTarget("123456789012", false)}}}
		opts, ios := fakeEnv(e)
		opts.Approve = true
		exitCode(t, runFix(context.Background(), opts), cmdutil.ExitPartial)
		if !strings.Contains(stdout(ios), "  ✗ delete root access key AKIAFAKE1234: failed: AWS refused: AccessDenied") ||
			!strings.Contains(stderr(ios), "1 change: 0 done or already gone, 1 not done.") {
			t.Fatalf("stdout:\n%s\nstderr:\n%s", stdout(ios), stderr(ios))
		}
	})
	t.Run("all done", func(t *testing.T) {
		e := &fakeEngine{planned: &rgfix.Planned{Targets: []*rgfix.Target{keyTarget("123456789012", false)}}}
		opts, ios := fakeEnv(e)
		opts.Approve = true
		exitCode(t, runFix(context.Background(), opts), cmdutil.ExitOK)
		if !strings.Contains(stdout(ios), "Applied in 123456789012:\n  ✓ delete root access key AKIAFAKE1234") {
			t.Fatalf("stdout:\n%s", stdout(ios))
		}
	})
}

func TestFakeEngineErrors(t *testing.T) {
	t.Run("usage error exits 2", func(t *testing.T) {
		e := &fakeEngine{planErr: &rgfix.UsageError{Msg: "--accounts 123456789012 is the caller's own account"}}
		opts, _ := fakeEnv(e)
		err := runFix(context.Background(), opts)
		exitCode(t, err, cmdutil.ExitUsage)
		if err.Error() != "--accounts 123456789012 is the caller's own account" {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("other plan errors exit 1", func(t *testing.T) {
		e := &fakeEngine{planErr: errors.New("list accounts: AccessDenied")}
		opts, _ := fakeEnv(e)
		exitCode(t, runFix(context.Background(), opts), cmdutil.ExitError)
	})
	t.Run("no caller: nothing printed", func(t *testing.T) {
		opts, ios := fakeEnv(nil)
		opts.Engine = func(context.Context) (Engine, error) { return nil, errors.New("identify caller: ExpiredToken") }
		err := runFix(context.Background(), opts)
		if err == nil || err.Error() != "identify caller: ExpiredToken" || stdout(ios)+stderr(ios) != "" {
			t.Fatalf("err = %v, printed %q", err, stdout(ios)+stderr(ios))
		}
	})
}

func TestFakeIrreversibleNeedsTypedConfirmation(t *testing.T) {
	one := func() *fakeEngine {
		return &fakeEngine{planned: &rgfix.Planned{Targets: []*rgfix.Target{keyTarget("123456789012", true)}}}
	}
	t.Run("no TTY", func(t *testing.T) {
		e := one()
		opts, _ := fakeEnv(e)
		opts.Approve = true
		err := runFix(context.Background(), opts)
		if err == nil || !strings.Contains(err.Error(), "deleting root credentials in 123456789012 cannot be undone") || e.applied != 0 {
			t.Fatalf("err = %v, applied %d", err, e.applied)
		}
	})
	t.Run("wrong answer", func(t *testing.T) {
		e := one()
		opts, ios := fakeEnv(e)
		opts.Approve = true
		ios.SetTTY(true, true, true)
		p := &typedAnswer{answer: "123456789013"}
		opts.Prompter = p
		if err := runFix(context.Background(), opts); !errors.Is(err, errNotConfirmed) || p.asked != 1 || e.applied != 0 {
			t.Fatalf("err = %v, asked %d, applied %d", err, p.asked, e.applied)
		}
	})
	t.Run("right answer", func(t *testing.T) {
		e := one()
		opts, ios := fakeEnv(e)
		opts.Approve = true
		ios.SetTTY(true, true, true)
		p := &typedAnswer{answer: "123456789012"}
		opts.Prompter = p
		exitCode(t, runFix(context.Background(), opts), cmdutil.ExitOK)
		if p.asked != 1 || e.applied != 1 {
			t.Fatalf("asked %d, applied %d", p.asked, e.applied)
		}
	})
	t.Run("several accounts ask for their number", func(t *testing.T) {
		e := &fakeEngine{planned: &rgfix.Planned{Targets: []*rgfix.Target{keyTarget("222222222222", true), keyTarget("333333333333", true)}}}
		opts, ios := fakeEnv(e)
		opts.Approve = true
		ios.SetTTY(true, true, true)
		p := &typedAnswer{answer: "2"}
		opts.Prompter = p
		exitCode(t, runFix(context.Background(), opts), cmdutil.ExitOK)
		if p.asked != 1 || e.applied != 1 {
			t.Fatalf("asked %d, applied %d", p.asked, e.applied)
		}
	})
	t.Run("--yes answers", func(t *testing.T) {
		e := one()
		opts, _ := fakeEnv(e)
		opts.Approve, opts.Yes = true, true
		p := &typedAnswer{}
		opts.Prompter = p
		exitCode(t, runFix(context.Background(), opts), cmdutil.ExitOK)
		if p.asked != 0 || e.applied != 1 {
			t.Fatalf("asked %d, applied %d", p.asked, e.applied)
		}
	})
	t.Run("reversible steps are not asked about", func(t *testing.T) {
		e := &fakeEngine{planned: &rgfix.Planned{Targets: []*rgfix.Target{keyTarget("123456789012", false)}}}
		opts, _ := fakeEnv(e)
		opts.Approve = true
		p := &typedAnswer{}
		opts.Prompter = p
		exitCode(t, runFix(context.Background(), opts), cmdutil.ExitOK)
		if p.asked != 0 || e.applied != 1 {
			t.Fatalf("asked %d, applied %d", p.asked, e.applied)
		}
	})
}

func TestFakeRootCallerIsWarnedAndRecorded(t *testing.T) {
	const rootARN = "arn:aws:iam::123456789012:root"
	e := &fakeEngine{arn: rootARN, root: true, planned: &rgfix.Planned{Targets: []*rgfix.Target{keyTarget("123456789012", true)}}}
	opts, ios := fakeEnv(e)
	opts.Approve, opts.Yes = true, true
	opts.RecordPath = filepath.Join(t.TempDir(), "changes.jsonl")
	exitCode(t, runFix(context.Background(), opts), cmdutil.ExitOK)
	if want := "! rootguard is running with root user credentials (" + rootARN + "): this run is itself root use."; !strings.Contains(stderr(ios), want) {
		t.Fatalf("stderr lacks %q:\n%s", want, stderr(ios))
	}
	rec, err := os.ReadFile(opts.RecordPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(rec), `"actor":"`+rootARN+`"`) || strings.Count(string(rec), "\n") != 1 {
		t.Fatalf("record:\n%s", rec)
	}
}
