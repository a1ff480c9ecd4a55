package orgscan

import (
	"context"
	"sync"
	"time"

	"github.com/rootguard/rootguard/internal/sdkstack"
)

// DefaultConcurrency bounds how many accounts are worked on at once (an
// account backing off from its own throttling does not count: yield.go). Every
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

// Each runs job for every account (with its index in accounts) with at
// most concurrency at once, each under its own deadline, and returns the
// results by index. A job reports its own failure in its result: one
// account never aborts the run. done, if not nil, is called (from the
// worker goroutine) as each account finishes, for streaming output and
// progress. When ctx is cancelled, accounts not yet started get job's
// result for a cancelled context.
func Each[T any](ctx context.Context, accounts []Account, concurrency int, timeout time.Duration,
	job func(ctx context.Context, i int, a Account) T, done func(i int, r T)) []T {
	in := make(chan Account, len(accounts))
	for _, a := range accounts {
		in <- a
	}
	close(in)
	return EachStream(ctx, in, concurrency, timeout, job, done)
}

// EachStream is Each over accounts that arrive on a channel while they are
// being discovered: each starts as soon as a worker is free, and its index
// is its arrival order. It returns once the channel is closed and every
// job has finished.
func EachStream[T any](ctx context.Context, in <-chan Account, concurrency int, timeout time.Duration,
	job func(ctx context.Context, i int, a Account) T, done func(i int, r T)) []T {
	if concurrency <= 0 {
		concurrency = DefaultConcurrency
	}
	if timeout <= 0 {
		timeout = DefaultAccountTimeout
	}
	var (
		mu      sync.Mutex
		results []T
		wg      sync.WaitGroup
		s       = newSlots(concurrency)
	)
	i := 0
	for a := range in {
		idx := i
		i++
		s.open <- struct{}{}
		s.work <- struct{}{}
		l := &lease{s: s, held: true}
		sdkstack.Go(&wg, func() {
			defer func() { <-s.open }()
			actx, cancel := context.WithTimeout(context.WithValue(ctx, leaseKey{}, l), timeout)
			defer cancel()
			r := job(actx, idx, a)
			l.done()
			mu.Lock()
			for len(results) <= idx {
				var zero T
				results = append(results, zero)
			}
			results[idx] = r
			mu.Unlock()
			if done != nil {
				done(idx, r)
			}
		})
	}
	wg.Wait()
	return results
}
