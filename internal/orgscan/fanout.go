package orgscan

import (
	"context"
	"time"

	"golang.org/x/sync/errgroup"
)

// DefaultConcurrency bounds how many accounts are worked on at once. Every
// member account's IAM calls count against that account's own IAM request
// quota, so the one shared budget is the caller's: one STS AssumeRoot or
// AssumeRole per account, throttled per account and Region by STS's token
// buckets (AWS Security Blog, "How to monitor and query IAM resources at
// scale – Part 2"). 32 workers issue at most a few dozen STS calls a second
// at real latencies, well inside those buckets, while a 1,000-account
// organization still finishes in seconds; the SDK's standard retryer
// (awsconfig.MaxAttempts) absorbs the bursts that are throttled anyway.
const DefaultConcurrency = 32

// DefaultAccountTimeout bounds the work on one account, so a hanging
// account becomes an ERROR row instead of a hanging run.
const DefaultAccountTimeout = 2 * time.Minute

// Each runs job for every account (with its index in accounts) with at most concurrency at once, each
// under its own deadline, and returns the results by index. A job reports
// its own failure in its result: one account never aborts the run. done,
// if not nil, is called (from the worker goroutine) as each account
// finishes, for streaming output and progress. When ctx is cancelled,
// accounts not yet started get job's result for a cancelled context.
func Each[T any](ctx context.Context, accounts []Account, concurrency int, timeout time.Duration,
	job func(ctx context.Context, i int, a Account) T, done func(i int, r T)) []T {
	if concurrency <= 0 {
		concurrency = DefaultConcurrency
	}
	if timeout <= 0 {
		timeout = DefaultAccountTimeout
	}
	results := make([]T, len(accounts))
	var g errgroup.Group
	g.SetLimit(concurrency)
	for i, a := range accounts {
		g.Go(func() error {
			actx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			results[i] = job(actx, i, a)
			if done != nil {
				done(i, results[i])
			}
			return nil
		})
	}
	_ = g.Wait() // jobs never return errors: failures are rows
	return results
}
