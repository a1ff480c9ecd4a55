package roottask

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/rootguard/rootguard/internal/awsconfig"
	"github.com/rootguard/rootguard/internal/cmdutil"
	"github.com/rootguard/rootguard/internal/fix"
	"github.com/rootguard/rootguard/internal/iostreams"
	"github.com/rootguard/rootguard/internal/rootsession"
	rt "github.com/rootguard/rootguard/internal/roottask"
)

// fakeEngine plans what it is given and applies by returning the given
// result, recording as the real engine does; no AWS is involved.
type fakeEngine struct {
	arn     string
	plan    *rt.Plan
	planErr error
	result  rt.Result

	called  string // which Plan method, with its arguments
	applied int    // Apply calls
}

func (f *fakeEngine) CallerARN() string { return f.arn }

func (f *fakeEngine) PlanPasswordRecovery(_ context.Context, acct string) (*rt.Plan, error) {
	f.called = "password " + acct
	return f.plan, f.planErr
}

func (f *fakeEngine) PlanBucketUnlock(_ context.Context, acct, bucket string) (*rt.Plan, error) {
	f.called = "bucket " + acct + " " + bucket
	return f.plan, f.planErr
}

func (f *fakeEngine) PlanQueueUnlock(_ context.Context, acct, queueURL string) (*rt.Plan, error) {
	f.called = "queue " + acct + " " + queueURL
	return f.plan, f.planErr
}

func (f *fakeEngine) Apply(_ context.Context, p *rt.Plan, rec *fix.Recorder) rt.Result {
	f.applied++
	if p.Current != "" {
		if err := rec.Save(now, p.Step, p.Current); err != nil {
			panic(err)
		}
	}
	r := f.result
	r.Outcome.Step = p.Step
	rec.Record(now, r.Outcome)
	return r
}

const fakeCaller = "arn:aws:iam::111111111111:user/admin"

// bucketPlan is the plan to delete example-logs' lock-out policy.
func bucketPlan() *rt.Plan {
	return &rt.Plan{Account: member, Task: rootsession.UnlockBucketPolicy, Current: lockout, Step: fix.Step{
		Account: member, Action: "s3:DeleteBucketPolicy", Target: "example-logs", Irreversible: true,
		Description: "delete the policy of bucket example-logs (1 statement, one denies every principal)",
	}}
}

func done() rt.Result {
	return rt.Result{Outcome: fix.Outcome{Result: fix.Done},
		Before: "policy present (1 statement, one denies every principal)", After: "no policy"}
}

func fakeOpts(e *fakeEngine, task func(*Options) func(context.Context, Engine) (*rt.Plan, error)) (*Options, *iostreams.IOStreams) {
	ios, _, _, _ := iostreams.Test()
	o := &Options{IO: ios, Prompter: &typed{}, Now: func() time.Time { return now },
		Engine: func(context.Context) (Engine, error) { return e, nil }}
	o.Account, o.Bucket = member, "example-logs"
	o.plan = task(o)
	return o, ios
}

func wantExit(t *testing.T, err error, want int) {
	t.Helper()
	if got := cmdutil.ExitCode(err); got != want {
		t.Fatalf("exit %d (err %v), want %d", got, err, want)
	}
}

func TestFakePlanIsPrintedAndNothingApplied(t *testing.T) {
	e := &fakeEngine{arn: fakeCaller, plan: bucketPlan()}
	o, ios := fakeOpts(e, bucketTask)
	wantExit(t, Run(context.Background(), o), cmdutil.ExitOK)
	want := "Account 222222222222 — S3UnlockBucketPolicy (sts:AssumeRoot)\n" +
		"  1. (plan) would delete the policy of bucket example-logs (1 statement, one denies every principal)  [s3:DeleteBucketPolicy]\n" +
		"  The policy it would remove:\n" +
		"    {\n" +
		"      \"Version\": \"2012-10-17\",\n"
	if !strings.HasPrefix(out(ios), want) || !strings.Contains(out(ios), "\n          \"Sid\": \"LockedOut\",\n") {
		t.Errorf("plan:\n%s\nwant it to start:\n%s", out(ios), want)
	}
	if got := errOut(ios); got != "\nNo changes were applied. Run again with --approve to make the change.\n" {
		t.Errorf("stderr = %q", got)
	}
	if e.applied != 0 || e.called != "bucket 222222222222 example-logs" {
		t.Fatalf("applied %d, planned %q", e.applied, e.called)
	}
}

func TestFakePasswordPlanShowsNoPolicy(t *testing.T) {
	e := &fakeEngine{plan: &rt.Plan{Account: member, Task: rootsession.CreateRootUserPassword, Step: fix.Step{
		Account: member, Action: "iam:CreateLoginProfile", Target: "root password recovery", Description: "allow root password recovery in 222222222222",
	}}}
	o, ios := fakeOpts(e, passwordTask)
	wantExit(t, Run(context.Background(), o), cmdutil.ExitOK)
	if want := "Account 222222222222 — IAMCreateRootUserPassword (sts:AssumeRoot)\n  1. (plan) would allow root password recovery in 222222222222  [iam:CreateLoginProfile]\n"; out(ios) != want {
		t.Fatalf("plan = %q, want %q", out(ios), want)
	}
	if e.applied != 0 || e.called != "password 222222222222" {
		t.Fatalf("applied %d, planned %q", e.applied, e.called)
	}
}

func TestFakeNothingToDo(t *testing.T) {
	p := bucketPlan()
	p.Current, p.Nothing = "", "bucket example-logs has no bucket policy"
	e := &fakeEngine{plan: p}
	o, ios := fakeOpts(e, bucketTask)
	o.Approve, o.Yes = true, true
	wantExit(t, Run(context.Background(), o), cmdutil.ExitOK)
	if out(ios) != "Account 222222222222 — S3UnlockBucketPolicy (sts:AssumeRoot)\n  nothing to change: bucket example-logs has no bucket policy\n" ||
		errOut(ios) != "Nothing to do.\n" {
		t.Fatalf("stdout %q\nstderr %q", out(ios), errOut(ios))
	}
	if e.applied != 0 {
		t.Fatal("nothing to do, yet applied")
	}
}

func TestFakeBeforeAfterAndRecord(t *testing.T) {
	e := &fakeEngine{arn: fakeCaller, plan: bucketPlan(), result: done()}
	o, ios := fakeOpts(e, bucketTask)
	o.Approve, o.Yes = true, true
	o.RecordPath = filepath.Join(t.TempDir(), "unlock.jsonl")
	wantExit(t, Run(context.Background(), o), cmdutil.ExitOK)
	if want := "  ✓ delete the policy of bucket example-logs (1 statement, one denies every principal)\n\n" +
		"Before → after in 222222222222:\n  example-logs: policy present (1 statement, one denies every principal) → no policy\n"; !strings.HasSuffix(out(ios), want) {
		t.Errorf("stdout:\n%s\nwant it to end:\n%s", out(ios), want)
	}
	if e.applied != 1 {
		t.Fatalf("applied %d", e.applied)
	}
	recs := records(t, o.RecordPath)
	if len(recs) != 2 || recs[0].Result != fix.Saved || recs[0].Document != lockout || recs[1].Result != fix.Done ||
		recs[0].Actor != fakeCaller || recs[1].Actor != fakeCaller {
		t.Fatalf("record = %+v", recs)
	}
}

func TestFakeNotDoneExits5(t *testing.T) {
	t.Run("AWS refused", func(t *testing.T) {
		e := &fakeEngine{plan: bucketPlan(), result: rt.Result{Outcome: fix.Outcome{Result: fix.Failed, Reason: "AWS refused: AccessDenied"},
			Before: "policy present", After: "policy present"}}
		o, ios := fakeOpts(e, bucketTask)
		o.Approve, o.Yes = true, true
		wantExit(t, Run(context.Background(), o), cmdutil.ExitPartial)
		for _, want := range []string{
			"  ✗ delete the policy of bucket example-logs (1 statement, one denies every principal): failed: AWS refused: AccessDenied\n",
			"  example-logs: policy present → policy present\n",
		} {
			if !strings.Contains(out(ios), want) {
				t.Errorf("stdout lacks %q:\n%s", want, out(ios))
			}
		}
	})
	t.Run("changed since the plan", func(t *testing.T) {
		e := &fakeEngine{plan: bucketPlan(), result: rt.Result{Outcome: fix.Outcome{Result: fix.Skipped, Reason: "not attempted: changed since the plan"},
			Changed: `{"Statement":[]}`, Before: "policy present", After: "policy present (0 statements)"}}
		o, ios := fakeOpts(e, bucketTask)
		o.Approve, o.Yes = true, true
		wantExit(t, Run(context.Background(), o), cmdutil.ExitPartial)
		if want := "\n  ! changed since the plan; now: policy present (0 statements)\n    {\n      \"Statement\": []\n    }\n"; !strings.Contains(out(ios), want) {
			t.Errorf("stdout lacks %q:\n%s", want, out(ios))
		}
	})
}

func TestFakeErrors(t *testing.T) {
	t.Run("plan error exits 1, nothing printed", func(t *testing.T) {
		e := &fakeEngine{planErr: errors.New("read in 222222222222: AccessDenied")}
		o, ios := fakeOpts(e, bucketTask)
		o.Approve, o.Yes = true, true
		err := Run(context.Background(), o)
		wantExit(t, err, cmdutil.ExitError)
		if err.Error() != "read in 222222222222: AccessDenied" || out(ios)+errOut(ios) != "" || e.applied != 0 {
			t.Fatalf("err = %v, printed %q, applied %d", err, out(ios)+errOut(ios), e.applied)
		}
	})
	t.Run("no caller: nothing printed", func(t *testing.T) {
		o, ios := fakeOpts(nil, bucketTask)
		o.Engine = func(context.Context) (Engine, error) { return nil, errors.New("identify caller: ExpiredToken") }
		err := Run(context.Background(), o)
		wantExit(t, err, cmdutil.ExitError)
		if err.Error() != "identify caller: ExpiredToken" || out(ios)+errOut(ios) != "" {
			t.Fatalf("err = %v, printed %q", err, out(ios)+errOut(ios))
		}
	})
}

func TestFakeTypedConfirmation(t *testing.T) {
	t.Run("no TTY", func(t *testing.T) {
		e := &fakeEngine{plan: bucketPlan(), result: done()}
		o, _ := fakeOpts(e, bucketTask)
		o.Approve = true
		err := Run(context.Background(), o)
		wantExit(t, err, cmdutil.ExitError)
		if !strings.Contains(err.Error(), "this root task in 222222222222 needs confirmation, but stdin is not a terminal") || e.applied != 0 {
			t.Fatalf("err = %v, applied %d", err, e.applied)
		}
	})
	t.Run("wrong answer", func(t *testing.T) {
		e := &fakeEngine{plan: bucketPlan(), result: done()}
		o, ios := fakeOpts(e, bucketTask)
		o.Approve = true
		ios.SetTTY(true, true, true)
		p := &typed{answer: "22222222222"}
		o.Prompter = p
		if err := Run(context.Background(), o); !errors.Is(err, errNotConfirmed) || p.asked != 1 || e.applied != 0 {
			t.Fatalf("err = %v, asked %d, applied %d", err, p.asked, e.applied)
		}
	})
	t.Run("right answer", func(t *testing.T) {
		e := &fakeEngine{plan: bucketPlan(), result: done()}
		o, ios := fakeOpts(e, bucketTask)
		o.Approve = true
		ios.SetTTY(true, true, true)
		p := &typed{answer: member}
		o.Prompter = p
		wantExit(t, Run(context.Background(), o), cmdutil.ExitOK)
		if p.asked != 1 || e.applied != 1 {
			t.Fatalf("asked %d, applied %d", p.asked, e.applied)
		}
	})
	t.Run("--yes answers", func(t *testing.T) {
		e := &fakeEngine{plan: bucketPlan(), result: done()}
		o, _ := fakeOpts(e, bucketTask)
		o.Approve, o.Yes = true, true
		p := &typed{}
		o.Prompter = p
		wantExit(t, Run(context.Background(), o), cmdutil.ExitOK)
		if p.asked != 0 || e.applied != 1 {
			t.Fatalf("asked %d, applied %d", p.asked, e.applied)
		}
	})
}

// TestFakeSubcommandsPlanTheirTask runs each subcommand through cobra and
// checks that its flags reach the right engine method.
func TestFakeSubcommandsPlanTheirTask(t *testing.T) {
	const queue = "https://sqs.eu-west-1.amazonaws.com/222222222222/orders"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"allow-password-recovery", "--account", member}, "password 222222222222"},
		{[]string{"unlock-bucket-policy", "--account", member, "--bucket", "example-logs"}, "bucket 222222222222 example-logs"},
		{[]string{"unlock-queue-policy", "--account", member, "--queue", queue}, "queue 222222222222 " + queue},
	} {
		ios, _, _, _ := iostreams.Test()
		e := &fakeEngine{plan: bucketPlan()}
		cmd := NewCmdRoot(&cmdutil.Factory{IOStreams: ios, Now: func() time.Time { return now }}, func(o *Options) error {
			o.Engine = func(context.Context) (Engine, error) { return e, nil }
			return Run(context.Background(), o)
		})
		cmd.SetArgs(tc.args)
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		if err := cmd.Execute(); err != nil || e.called != tc.want || e.applied != 0 {
			t.Errorf("%v: err %v, planned %q (want %q), applied %d", tc.args, err, e.called, tc.want, e.applied)
		}
	}
}

// TestUsageErrorsBuildNoEngine: a usage error exits 2 before the default
// engine is built (no AWS configuration is loaded).
func TestUsageErrorsBuildNoEngine(t *testing.T) {
	for _, args := range [][]string{
		{"unlock-bucket-policy", "--account", member},
		{"unlock-queue-policy", "--account", "2222", "--queue", "https://sqs.eu-west-1.amazonaws.com/222222222222/orders"},
		{"allow-password-recovery", "--account", member, "--yes"},
	} {
		ios, _, _, _ := iostreams.Test()
		loaded := 0
		f := &cmdutil.Factory{IOStreams: ios, Now: func() time.Time { return now },
			AWSConfig: func(context.Context, awsconfig.Options) (aws.Config, error) {
				loaded++
				return aws.Config{}, errors.New("no AWS here")
			}}
		cmd := NewCmdRoot(f, nil)
		cmd.SetArgs(args)
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		err := cmd.Execute()
		if cmdutil.ExitCode(err) != cmdutil.ExitUsage || loaded != 0 {
			t.Errorf("%v: err = %v (exit %d), AWS configuration loaded %d times", args, err, cmdutil.ExitCode(err), loaded)
		}
	}
	// And without a usage error, the default engine is built from the
	// factory's session only when the command runs.
	ios, _, _, _ := iostreams.Test()
	loaded := 0
	f := &cmdutil.Factory{IOStreams: ios, Now: func() time.Time { return now },
		AWSConfig: func(context.Context, awsconfig.Options) (aws.Config, error) {
			loaded++
			return aws.Config{}, errors.New("no AWS here")
		}}
	cmd := NewCmdRoot(f, nil)
	cmd.SetArgs([]string{"allow-password-recovery", "--account", member})
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	if err := cmd.Execute(); err == nil || err.Error() != "no AWS here" || loaded != 1 {
		t.Fatalf("err = %v, AWS configuration loaded %d times", err, loaded)
	}
}
