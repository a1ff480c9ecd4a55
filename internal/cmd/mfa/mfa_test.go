package mfa

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/audit"
	"github.com/rootguard/rootguard/internal/cmdutil"
	"github.com/rootguard/rootguard/internal/iostreams"
	"github.com/rootguard/rootguard/internal/mfawait"
)

// fakeEngine is an account whose root MFA turns on after onAfter polls
// (never when negative); Wait is mfawait's own loop over it.
type fakeEngine struct {
	onAfter    int
	polls      int
	management string
	partition  account.Partition
	verified   audit.AccountResult
}

func (f *fakeEngine) Account() string { return "123456789012" }

func (f *fakeEngine) Partition() account.Partition {
	if f.partition.ID == "" {
		return account.AWS
	}
	return f.partition
}

func (f *fakeEngine) GetAccountSummary(context.Context, *iam.GetAccountSummaryInput, ...func(*iam.Options)) (*iam.GetAccountSummaryOutput, error) {
	on := f.onAfter >= 0 && f.polls >= f.onAfter
	f.polls++
	v := int32(0)
	if on {
		v = 1
	}
	return &iam.GetAccountSummaryOutput{SummaryMap: map[string]int32{audit.EvidenceMFAEnabled: v}}, nil
}

func (f *fakeEngine) Enabled(ctx context.Context) (bool, error) { return mfawait.Enabled(ctx, f) }
func (f *fakeEngine) Wait(ctx context.Context, o mfawait.Options) error {
	return mfawait.Wait(ctx, f, o)
}
func (f *fakeEngine) Membership(context.Context) (string, bool) {
	return f.management, f.management != "" && f.management != f.Account()
}
func (f *fakeEngine) Verify(context.Context, func() time.Time) audit.AccountResult { return f.verified }

func passing() audit.AccountResult {
	return audit.AccountResult{AccountID: "123456789012", Checks: []audit.CheckResult{
		{ID: audit.CheckRootMFA, Status: audit.Pass, Detail: "root has MFA enabled"},
		{ID: audit.CheckRootHardwareMFA, Status: audit.Pass, Detail: "root's MFA is hardware"},
	}}
}

type fixture struct {
	engine *fakeEngine
	opts   *MFAOptions
	clock  time.Time
	sleeps int
	out    func() string
	err    func() string
}

func newFixture(onAfter int) *fixture {
	f := &fixture{clock: time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC), engine: &fakeEngine{onAfter: onAfter, verified: passing()}}
	ios, _, out, errOut := iostreams.Test()
	f.out, f.err = out.String, errOut.String
	f.opts = &MFAOptions{
		IO:       ios,
		Engine:   func(context.Context) (Engine, error) { return f.engine, nil },
		Now:      func() time.Time { return f.clock },
		Browser:  func(string) error { return errors.New("no browser here") },
		Timeout:  10 * time.Minute,
		Interval: 5 * time.Second,
	}
	f.opts.Sleep = func(_ context.Context, d time.Duration) error {
		f.sleeps++
		f.clock = f.clock.Add(d)
		return nil
	}
	return f
}

func TestWaitEndsAsSoonAsMFAIsOn(t *testing.T) {
	f := newFixture(3) // off at the first read and two polls, on at the third poll
	if err := runMFA(context.Background(), f.opts); err != nil {
		t.Fatalf("%v\n%s", err, f.err())
	}
	if f.sleeps != 2 {
		t.Errorf("slept %d times, want 2 (the poll that sees MFA ends the wait)", f.sleeps)
	}
	for _, want := range []string{"root-mfa", "root-hardware-mfa"} {
		if !strings.Contains(f.out(), want) || strings.Contains(f.out(), "FAIL") {
			t.Errorf("verification must show %s passing:\n%s", want, f.out())
		}
	}
	if !strings.Contains(f.err(), SecurityCredentialsURL) || !strings.Contains(f.err(), "Passkey or FIDO security key") {
		t.Errorf("guidance missing:\n%s", f.err())
	}
}

func TestVerificationExitCodes(t *testing.T) {
	for _, tt := range []struct {
		name   string
		status audit.Status
		code   int
	}{
		{"virtual MFA fails the hardware check", audit.Fail, cmdutil.ExitFindings},
		{"an unreadable check is unknown", audit.Error, cmdutil.ExitUnknown},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(0)
			f.engine.verified.Checks[1].Status = tt.status
			err := runMFA(context.Background(), f.opts)
			var ec *cmdutil.ExitCodeError
			if !errors.As(err, &ec) || ec.Code != tt.code {
				t.Fatalf("err = %v, want exit %d", err, tt.code)
			}
			if !strings.Contains(f.err(), "already enabled") || !strings.Contains(f.out(), string(tt.status)) {
				t.Fatalf("stderr:\n%s\nstdout:\n%s", f.err(), f.out())
			}
		})
	}
}

func TestAccountNotAuditableIsAnError(t *testing.T) {
	f := newFixture(0)
	f.engine.verified = audit.AccountResult{Error: "identify caller: ExpiredToken"}
	if err := runMFA(context.Background(), f.opts); err == nil || !strings.Contains(err.Error(), "ExpiredToken") {
		t.Fatalf("err = %v", err)
	}
}

func TestWaitTimesOutCleanly(t *testing.T) {
	f := newFixture(-1)
	err := runMFA(context.Background(), f.opts)
	if !errors.Is(err, mfawait.ErrTimeout) || !strings.Contains(err.Error(), "123456789012") {
		t.Fatalf("err = %v, want a timeout naming the account", err)
	}
	if f.sleeps == 0 || f.sleeps > 20 {
		t.Fatalf("%d polls in 10 minutes: the backoff must be bounded", f.sleeps)
	}
}

func TestCtrlCStopsTheWait(t *testing.T) {
	f := newFixture(-1)
	ctx, cancel := context.WithCancel(context.Background())
	f.opts.Sleep = func(ctx context.Context, _ time.Duration) error { cancel(); return ctx.Err() }
	err := runMFA(ctx, f.opts)
	if err == nil || !strings.Contains(err.Error(), "stopped waiting") {
		t.Fatalf("err = %v", err)
	}
}

func TestMemberAccountIsAdvisedToRemoveRootCredentials(t *testing.T) {
	f := newFixture(-1)
	f.engine.management = "111111111111"
	f.opts.NoWait = true
	err := runMFA(context.Background(), f.opts)
	var ec *cmdutil.ExitCodeError
	if !errors.As(err, &ec) || ec.Code != cmdutil.ExitFindings {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(f.err(), "rootguard fix --accounts 123456789012 --remove-root-credentials") {
		t.Fatalf("member advice missing:\n%s", f.err())
	}
	if f.sleeps != 0 {
		t.Errorf("--no-wait slept %d times", f.sleeps)
	}
}

func TestIdentityFailureStopsBeforeAnyRead(t *testing.T) {
	f := newFixture(0)
	f.opts.Engine = func(context.Context) (Engine, error) { return nil, errors.New("identify caller: ExpiredToken") }
	if err := runMFA(context.Background(), f.opts); err == nil || f.engine.polls != 0 {
		t.Fatalf("err = %v after %d reads", err, f.engine.polls)
	}
}

// In GovCloud and China no one signs in to the console as root: no guide,
// no wait — the MFA checks say what AWS reports.
func TestNoRootSignInPartitions(t *testing.T) {
	for _, p := range []account.Partition{account.AWSUSGov, account.AWSCN} {
		t.Run(p.ID, func(t *testing.T) {
			f := newFixture(-1)
			f.engine.partition = p
			if err := runMFA(context.Background(), f.opts); err != nil {
				t.Fatal(err)
			}
			if f.engine.polls != 0 || f.sleeps != 0 || strings.Contains(f.err(), SecurityCredentialsURL) || !strings.Contains(f.err(), "no root MFA to enroll") {
				t.Errorf("%d reads, %d sleeps, stderr:\n%s", f.engine.polls, f.sleeps, f.err())
			}
			if !strings.Contains(f.out(), "root-mfa") {
				t.Errorf("the checks were not shown:\n%s", f.out())
			}
		})
	}
}
