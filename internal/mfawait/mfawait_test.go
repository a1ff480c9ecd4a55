package mfawait

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/rootguard/rootguard/internal/audit"
)

type summaries struct {
	onAt  int // the read that first sees MFA on; negative: never
	reads int
	err   error
}

func (s *summaries) GetAccountSummary(context.Context, *iam.GetAccountSummaryInput, ...func(*iam.Options)) (*iam.GetAccountSummaryOutput, error) {
	s.reads++
	if s.err != nil {
		return nil, s.err
	}
	v := int32(0)
	if s.onAt >= 0 && s.reads >= s.onAt {
		v = 1
	}
	return &iam.GetAccountSummaryOutput{SummaryMap: map[string]int32{audit.EvidenceMFAEnabled: v}}, nil
}

func TestWait(t *testing.T) {
	for _, tt := range []struct {
		name      string
		api       *summaries
		wantErr   error
		wantReads int
		maxSleeps int
	}{
		{"on at once", &summaries{onAt: 1}, nil, 1, 0},
		{"on at the fourth poll", &summaries{onAt: 4}, nil, 4, 3},
		{"never: bounded by the timeout with backoff", &summaries{onAt: -1}, ErrTimeout, -1, 20},
		{"an error ends the wait", &summaries{err: errors.New("denied")}, nil, 1, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clock := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
			var sleeps []time.Duration
			err := Wait(context.Background(), tt.api, Options{
				Timeout: 10 * time.Minute, Initial: 5 * time.Second, Max: time.Minute,
				Now: func() time.Time { return clock },
				Sleep: func(_ context.Context, d time.Duration) error {
					sleeps = append(sleeps, d)
					clock = clock.Add(d)
					return nil
				},
			})
			switch {
			case tt.api.err != nil:
				if err == nil {
					t.Fatal("the read error was swallowed")
				}
			case !errors.Is(err, tt.wantErr):
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if tt.wantReads >= 0 && tt.api.reads != tt.wantReads {
				t.Errorf("%d reads, want %d", tt.api.reads, tt.wantReads)
			}
			if len(sleeps) > tt.maxSleeps {
				t.Errorf("%d sleeps, want at most %d", len(sleeps), tt.maxSleeps)
			}
			for i := 1; i < len(sleeps); i++ {
				if sleeps[i] < sleeps[i-1] && sleeps[i] != 10*time.Minute-sum(sleeps[:i]) {
					t.Errorf("backoff shrank: %v", sleeps)
				}
				if sleeps[i] > time.Minute {
					t.Errorf("sleep %v over the ceiling", sleeps[i])
				}
			}
		})
	}
}

func sum(ds []time.Duration) time.Duration {
	var t time.Duration
	for _, d := range ds {
		t += d
	}
	return t
}

// TestWaitCallerDeadline: the caller's deadline (mfa --timeout) ending a
// pause after a poll that read MFA off is the timeout — MFA is still off —
// not an unknown; a cancel stays a cancel.
func TestWaitCallerDeadline(t *testing.T) {
	for _, tt := range []struct {
		sleepErr error
		want     error
	}{
		{context.DeadlineExceeded, ErrTimeout},
		{context.Canceled, context.Canceled},
	} {
		api := &summaries{onAt: -1}
		err := Wait(context.Background(), api, Options{
			Timeout: 10 * time.Minute, Initial: 5 * time.Second, Max: time.Minute, Now: time.Now,
			Sleep: func(context.Context, time.Duration) error { return tt.sleepErr },
		})
		if !errors.Is(err, tt.want) || api.reads != 1 {
			t.Errorf("sleep ended by %v: err = %v after %d reads, want %v after 1", tt.sleepErr, err, api.reads, tt.want)
		}
	}
}
