package orgscan

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go/middleware"

	"github.com/rootguard/rootguard/internal/awsemu"
)

// patientRetryer retries throttling for as long as a test needs, every
// 20 ms, without a retry quota.
func patientRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = 500
		o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 20 * time.Millisecond, nil })
		o.RateLimiter = noQuota{}
	})
}

type noQuota struct{}

type testAccountKey struct{}

func (noQuota) GetToken(context.Context, uint) (func() error, error) {
	return func() error { return nil }, nil
}
func (noQuota) AddTokens(uint) error { return nil }

func yieldOrg(t *testing.T) (*awsemu.Server, *Credentials) {
	t.Helper()
	emu, _ := sampleOrg(t)
	admin := emu.Account("111111111111").AddUser("operator", "*").AddAccessKey(awsemu.AccessKey{})
	base := emu.Config(admin)
	base.Retryer = patientRetryer
	return emu, &Credentials{Base: base, Home: "111111111111"}
}

// TestThrottledMemberGivesItsSlotBack: with one worker, a member account
// whose own IAM calls are throttled lets the next account be audited while
// it backs off, and still finishes once its throttling ends.
func TestThrottledMemberGivesItsSlotBack(t *testing.T) {
	emu, creds := yieldOrg(t)
	fault := emu.InjectFault(awsemu.Fault{Service: "iam", Account: "222222222222", ThrottleRate: 1})
	var mu sync.Mutex
	var order []string
	res := Each(context.Background(), []Account{{ID: "222222222222"}, {ID: "555555555555"}}, 1, 10*time.Second,
		func(ctx context.Context, _ int, a Account) error {
			cfg, _, err := creds.For(ctx, a.ID)
			if err != nil {
				return err
			}
			_, err = iam.NewFromConfig(cfg).GetAccountSummary(ctx, &iam.GetAccountSummaryInput{})
			return err
		}, func(i int, err error) {
			mu.Lock()
			defer mu.Unlock()
			order = append(order, []string{"222222222222", "555555555555"}[i])
			if len(order) == 1 {
				emu.RemoveFault(fault) // the second account finished while the first was throttled
			}
		})
	if res[0] != nil || res[1] != nil {
		t.Fatalf("results = %v", res)
	}
	if order[0] != "555555555555" {
		t.Fatalf("finished in order %v: the throttled account held the only slot while it backed off", order)
	}
}

// TestCallerThrottlingKeepsTheSlot: a throttled sts:AssumeRole counts
// against the caller's own quota, so the account keeps its slot while it
// backs off: with one worker, the next account starts only after it.
func TestCallerThrottlingKeepsTheSlot(t *testing.T) {
	emu, creds := yieldOrg(t)
	fault := emu.InjectFault(awsemu.Fault{Service: "sts", Action: "AssumeRole", ThrottleRate: 1})
	time.AfterFunc(300*time.Millisecond, func() { emu.RemoveFault(fault) })
	var mu sync.Mutex
	var events []string
	note := func(s string) { mu.Lock(); events = append(events, s); mu.Unlock() }
	Each(context.Background(), []Account{{ID: "222222222222"}, {ID: "555555555555"}}, 1, 10*time.Second,
		func(ctx context.Context, _ int, a Account) error {
			note("start " + a.ID)
			_, _, err := creds.For(ctx, a.ID)
			note("end " + a.ID)
			return err
		}, nil)
	want := []string{"start 222222222222", "end 222222222222", "start 555555555555", "end 555555555555"}
	if len(events) != 4 || events[1] != want[1] || events[2] != want[2] {
		t.Fatalf("events %v, want %v", events, want)
	}
}

// TestYieldKeepsTheBound: under heavy throttling of members' own calls,
// made several at a time per account, at most `concurrency` accounts have
// calls on the wire at once and at most openFactor×concurrency are open.
func TestYieldKeepsTheBound(t *testing.T) {
	emu, creds := yieldOrg(t)
	var accts []Account
	for _, id := range []string{"222222222222", "333333333333", "555555555555"} {
		accts = append(accts, Account{ID: id})
	}
	for i := range 9 {
		a := emu.AddAccount("7000000000"+string(rune('0'+i/10))+string(rune('0'+i%10)), "extra")
		emu.Organization().AddAccount(a, emu.Organization().RootID())
		a.AddRole(DefaultRoleName, "111111111111")
		accts = append(accts, Account{ID: a.ID})
	}
	emu.InjectFault(awsemu.Fault{Service: "iam", ThrottleRate: 0.5})
	emu.InjectFault(awsemu.Fault{Service: "iam", Latency: 5 * time.Millisecond})

	const concurrency = 2
	var (
		mu                sync.Mutex
		wire              = map[string]int{}
		awake, peakAwake  int
		open, peakOpen    atomic.Int32
		attempts, retried atomic.Int32
	)
	// Innermost, so it sees each attempt on the wire.
	countOnTheWire := middleware.FinalizeMiddlewareFunc("test.OnTheWire",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			a, _ := ctx.Value(testAccountKey{}).(string)
			mu.Lock()
			if wire[a]++; wire[a] == 1 {
				awake++
				peakAwake = max(peakAwake, awake)
			}
			mu.Unlock()
			attempts.Add(1)
			out, md, err := next.HandleFinalize(ctx, in)
			if err != nil {
				retried.Add(1)
			}
			mu.Lock()
			if wire[a]--; wire[a] == 0 {
				awake--
			}
			mu.Unlock()
			return out, md, err
		})
	res := Each(context.Background(), accts, concurrency, 30*time.Second,
		func(ctx context.Context, _ int, a Account) error {
			n := open.Add(1)
			defer open.Add(-1)
			for p := peakOpen.Load(); n > p && !peakOpen.CompareAndSwap(p, n); p = peakOpen.Load() {
			}
			cfg, _, err := creds.For(ctx, a.ID)
			if err != nil {
				return err
			}
			cfg.APIOptions = append(cfg.APIOptions[:len(cfg.APIOptions):len(cfg.APIOptions)], func(s *middleware.Stack) error {
				return s.Finalize.Add(countOnTheWire, middleware.After)
			})
			client := iam.NewFromConfig(cfg)
			ctx = context.WithValue(ctx, testAccountKey{}, a.ID)
			var g sync.WaitGroup
			errs := make([]error, 4)
			for i := range errs {
				g.Go(func() { _, errs[i] = client.GetAccountSummary(ctx, &iam.GetAccountSummaryInput{}) })
			}
			g.Wait()
			for _, err := range errs {
				if err != nil {
					return err
				}
			}
			return nil
		}, nil)
	for i, err := range res {
		if err != nil {
			t.Fatalf("%s: %v", accts[i].ID, err)
		}
	}
	if retried.Load() < 10 {
		t.Fatalf("only %d of %d attempts throttled: the test did not exercise backoff", retried.Load(), attempts.Load())
	}
	if peakAwake > concurrency {
		t.Fatalf("%d accounts had calls on the wire at once, want at most %d", peakAwake, concurrency)
	}
	if peakOpen.Load() > openFactor*concurrency {
		t.Fatalf("%d accounts open at once, want at most %d", peakOpen.Load(), openFactor*concurrency)
	}
	if peakOpen.Load() <= concurrency {
		t.Fatalf("at most %d accounts were open: throttled accounts never gave their slot back", peakOpen.Load())
	}
}
