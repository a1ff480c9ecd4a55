package mfa

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/cmdutil"
	"github.com/rootguard/rootguard/internal/iostreams"
	"github.com/rootguard/rootguard/internal/mfawait"
)

type fixture struct {
	emu   *awsemu.Server
	acct  *awsemu.Account
	opts  *MFAOptions
	clock time.Time
	polls int
	out   func() string
	err   func() string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{clock: time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)}
	emu, err := awsemu.New(awsemu.WithClock(func() time.Time { return f.clock }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	f.emu = emu
	f.acct = emu.AddAccount("123456789012", "standalone")
	f.acct.Root().SetPassword(f.clock.AddDate(-1, 0, 0), f.clock.AddDate(0, 0, -1))
	admin := f.acct.AddUser("admin", "*").AddAccessKey(awsemu.AccessKey{})
	ios, _, out, errOut := iostreams.Test()
	f.out, f.err = out.String, errOut.String
	f.opts = &MFAOptions{
		IO:        ios,
		AWSConfig: func(context.Context) (aws.Config, error) { return emu.Config(admin), nil },
		Now:       func() time.Time { return f.clock },
		Browser:   func(string) error { return errors.New("no browser here") },
		Timeout:   10 * time.Minute,
		Interval:  5 * time.Second,
	}
	f.opts.Sleep = func(_ context.Context, d time.Duration) error {
		f.polls++
		f.clock = f.clock.Add(d)
		return nil
	}
	return f
}

func TestWaitEndsAsSoonAsMFAIsOn(t *testing.T) {
	f := newFixture(t)
	sleep := f.opts.Sleep
	f.opts.Sleep = func(ctx context.Context, d time.Duration) error {
		if f.polls == 2 { // the user finishes in the console during the third wait
			f.acct.Root().AddMFADevice(awsemu.MFAFIDO, "yubikey")
		}
		return sleep(ctx, d)
	}
	if err := runMFA(context.Background(), f.opts); err != nil {
		t.Fatalf("%v\n%s", err, f.err())
	}
	if f.polls != 3 {
		t.Errorf("slept %d times, want 3 (the poll after MFA appears ends the wait)", f.polls)
	}
	if got := len(f.emu.CallsTo("iam", "GetAccountSummary")); got < 4 {
		t.Errorf("%d summary reads, want the initial read, 3 polls and verification", got)
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

func TestVirtualMFAFailsHardwareCheck(t *testing.T) {
	f := newFixture(t)
	f.acct.Root().AddMFADevice(awsemu.MFAVirtual, "phone")
	err := runMFA(context.Background(), f.opts)
	var ec *cmdutil.ExitCodeError
	if !errors.As(err, &ec) || ec.Code != cmdutil.ExitFindings {
		t.Fatalf("err = %v, want exit %d", err, cmdutil.ExitFindings)
	}
	if !strings.Contains(f.err(), "already enabled") || !strings.Contains(f.out(), "FAIL") {
		t.Fatalf("stderr:\n%s\nstdout:\n%s", f.err(), f.out())
	}
}

func TestWaitTimesOutCleanly(t *testing.T) {
	f := newFixture(t)
	err := runMFA(context.Background(), f.opts)
	if !errors.Is(err, mfawait.ErrTimeout) {
		t.Fatalf("err = %v, want a timeout", err)
	}
	if f.polls == 0 || f.polls > 20 {
		t.Fatalf("%d polls in 10 minutes: the backoff must be bounded", f.polls)
	}
}

func TestCtrlCStopsTheWait(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	f.opts.Sleep = func(ctx context.Context, _ time.Duration) error { cancel(); return ctx.Err() }
	err := runMFA(ctx, f.opts)
	if err == nil || !strings.Contains(err.Error(), "stopped waiting") {
		t.Fatalf("err = %v", err)
	}
}

func TestMemberAccountIsAdvisedToRemoveRootCredentials(t *testing.T) {
	f := newFixture(t)
	mgmt := f.emu.AddAccount("111111111111", "management")
	org := f.emu.CreateOrganization(mgmt.ID)
	org.AddAccount(f.acct, org.RootID())
	f.opts.NoWait = true
	err := runMFA(context.Background(), f.opts)
	var ec *cmdutil.ExitCodeError
	if !errors.As(err, &ec) || ec.Code != cmdutil.ExitFindings {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(f.err(), "rootguard fix --accounts 123456789012 --remove-root-credentials") {
		t.Fatalf("member advice missing:\n%s", f.err())
	}
}
