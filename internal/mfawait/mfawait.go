// Package mfawait is `rootguard mfa`'s engine: it waits until AWS reports
// MFA on for the root user, and verifies it with the audit's MFA checks.
// AWS does not let anyone enable root MFA through the API, so rootguard
// guides the user through the console and watches for the result.
package mfawait

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/rootguard/rootguard/internal/audit"
	"github.com/rootguard/rootguard/internal/awserr"
)

type summaryAPI interface {
	GetAccountSummary(ctx context.Context, in *iam.GetAccountSummaryInput, optFns ...func(*iam.Options)) (*iam.GetAccountSummaryOutput, error)
}

var _ summaryAPI = (*iam.Client)(nil)

// ErrTimeout is returned when MFA is still off when the wait ends.
var ErrTimeout = errors.New("root MFA is still not enabled")

// Options bound the wait.
type Options struct {
	Timeout time.Duration // overall bound
	Initial time.Duration // first poll interval
	Max     time.Duration // backoff ceiling
	Sleep   func(ctx context.Context, d time.Duration) error
	Now     func() time.Time
	OnPoll  func(attempt int, enabled bool) // progress, may be nil
}

// Enabled reads whether root MFA is on (AccountMFAEnabled = 1).
func Enabled(ctx context.Context, client summaryAPI) (bool, error) {
	out, err := client.GetAccountSummary(ctx, &iam.GetAccountSummaryInput{})
	if err != nil {
		return false, fmt.Errorf("read root MFA status: %w", awserr.Classify(err))
	}
	return out.SummaryMap[audit.EvidenceMFAEnabled] == 1, nil
}

// Wait polls until root MFA is enabled, backing off from Initial to Max,
// until Timeout passes or ctx is cancelled. Throttling and other transient
// errors are retried by the SDK; an error that survives them ends the wait.
// A deadline on ctx also ends the SDK's retries: the caller sets one to
// bound the whole wait.
func Wait(ctx context.Context, client summaryAPI, o Options) error {
	deadline := o.Now().Add(o.Timeout)
	interval := o.Initial
	for attempt := 1; ; attempt++ {
		on, err := Enabled(ctx, client)
		if err != nil {
			return err
		}
		if o.OnPoll != nil {
			o.OnPoll(attempt, on)
		}
		if on {
			return nil
		}
		remaining := deadline.Sub(o.Now())
		if remaining <= 0 {
			return fmt.Errorf("%w after %s", ErrTimeout, o.Timeout)
		}
		if err := o.Sleep(ctx, min(interval, remaining)); err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				// The caller's deadline (mfa --timeout) ended the pause
				// after a poll that read MFA off.
				return fmt.Errorf("%w after %s", ErrTimeout, o.Timeout)
			}
			return err
		}
		interval = min(interval*2, o.Max)
	}
}
