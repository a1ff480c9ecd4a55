package orgscan

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go/middleware"
)

// A member account that is backing off from its own throttling gives its
// worker slot back until its retry is due.
//
// The concurrency bound is a share of the caller's budget: how many
// accounts are worked on at once. A member account's IAM calls count
// against that account's own IAM quotas, so when one is throttled, the
// standard retryer's backoff (up to awsconfig.RetryMaxBackoff per
// attempt) relieves that account's bucket, not the caller's. Holding a
// slot through that sleep would idle 1/concurrency of the run for
// nothing, and a member hammered by its own automation could hold one for
// a minute. So while every call of an account is sleeping before a retry
// and none is in flight, its slot is free for another account; the
// account takes a slot again (waiting its turn) before its next attempt.
// Calls on the caller's own quotas (sts:AssumeRoot, sts:AssumeRole,
// Organizations) keep their slot while they back off: there the backoff
// is what relieves the shared bucket, and the bound is the backpressure.
//
// An account that gave its slot back still counts as open: at most
// openFactor × concurrency accounts are open at once, so a throttling
// storm cannot open every account of the organization.
const openFactor = 2

// slots is the run's worker budget.
type slots struct {
	work chan struct{} // accounts being worked on: capacity = concurrency
	open chan struct{} // accounts started and not finished: openFactor × concurrency
}

func newSlots(concurrency int) *slots {
	return &slots{work: make(chan struct{}, concurrency), open: make(chan struct{}, openFactor*concurrency)}
}

// lease is one account's hold on a work slot.
type lease struct {
	s   *slots
	acq sync.Mutex // one acquisition at a time, so an account never holds two slots

	mu       sync.Mutex
	held     bool
	inflight int // attempts on the wire
	sleeping int // calls waiting for their next attempt
}

// enter is called before each attempt of a member-account call: it waits
// for a slot if the account gave its slot back.
func (l *lease) enter(ctx context.Context) error {
	l.acq.Lock()
	defer l.acq.Unlock()
	l.mu.Lock()
	if !l.held {
		l.mu.Unlock()
		select {
		case l.s.work <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		l.mu.Lock()
		l.held = true
	}
	l.inflight++
	l.mu.Unlock()
	return nil
}

// leave is called after each attempt; retrying says a retry will follow.
func (l *lease) leave(retrying bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.inflight--
	if retrying {
		l.sleeping++
	}
	if l.held && l.inflight == 0 && l.sleeping > 0 {
		l.held = false
		<-l.s.work
	}
}

// woke is called when a sleeping call makes its next attempt or gives up.
func (l *lease) woke() {
	l.mu.Lock()
	l.sleeping--
	l.mu.Unlock()
}

// done returns the slot, if held, when the account's job ends.
func (l *lease) done() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held {
		l.held = false
		<-l.s.work
	}
}

type leaseKey struct{}
type callKey struct{}

// callState follows one operation across its attempts.
type callState struct{ sleeping bool }

func leaseFrom(ctx context.Context) *lease {
	l, _ := ctx.Value(leaseKey{}).(*lease)
	return l
}

var retryable = retry.IsErrorRetryables(retry.DefaultRetryables)

// yieldOnBackoff installs the two middlewares that let a member account's
// calls give their slot back while they back off: one around the retry
// loop (the operation) and one inside it (each attempt). Outside a fan-out
// (no lease in the context) they do nothing.
func yieldOnBackoff(stack *middleware.Stack) error {
	if err := stack.Finalize.Insert(middleware.FinalizeMiddlewareFunc("rootguard.YieldOperation",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			l := leaseFrom(ctx)
			if l == nil {
				return next.HandleFinalize(ctx, in)
			}
			st := &callState{}
			out, md, err := next.HandleFinalize(context.WithValue(ctx, callKey{}, st), in)
			if st.sleeping { // the last attempt asked for a retry that was not made
				l.woke()
			}
			return out, md, err
		}), "Retry", middleware.Before); err != nil {
		return err
	}
	return stack.Finalize.Insert(middleware.FinalizeMiddlewareFunc("rootguard.YieldAttempt",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			l := leaseFrom(ctx)
			st, _ := ctx.Value(callKey{}).(*callState)
			if l == nil || st == nil {
				return next.HandleFinalize(ctx, in)
			}
			if st.sleeping {
				st.sleeping = false
				l.woke()
			}
			if err := l.enter(ctx); err != nil {
				return middleware.FinalizeOutput{}, middleware.Metadata{}, err
			}
			out, md, err := next.HandleFinalize(ctx, in)
			st.sleeping = err != nil && ctx.Err() == nil && retryable.IsErrorRetryable(err) == aws.TrueTernary
			l.leave(st.sleeping)
			return out, md, err
		}), "Retry", middleware.After)
}

// MemberConfig returns cfg with its calls yielding their slot while they
// back off. Only configurations that call with a member account's own
// credentials get it.
func MemberConfig(cfg aws.Config) aws.Config {
	cfg = cfg.Copy()
	cfg.APIOptions = append(cfg.APIOptions[:len(cfg.APIOptions):len(cfg.APIOptions)], yieldOnBackoff)
	return cfg
}
