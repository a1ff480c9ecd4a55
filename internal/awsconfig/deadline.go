package awsconfig

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/smithy-go/middleware"
)

// A command's own deadline (`alert test --wait`, `mfa --timeout`) bounds
// the SDK's retries only as a context deadline: the standard retryer sleeps
// between attempts with the call's context and stops when it is done
// ("If the context is canceled while waiting for the retry delay, the
// request fails with a RequestCanceledError", aws/retry middleware; the
// retry loop also checks the context before each attempt). The SDK then
// returns "request canceled, context deadline exceeded" and drops why it
// was retrying; nameRetriedFailure keeps that.

// RetryDeadlineError is a call that the caller's deadline ended while the
// SDK was retrying it. Err is the SDK's error (it wraps
// context.DeadlineExceeded); Last is the answer of the last attempt that
// got one, typically throttling. errors.As and errors.Is see both.
type RetryDeadlineError struct {
	Err  error
	Last error
}

func (e *RetryDeadlineError) Error() string {
	return fmt.Sprintf("%v; the deadline passed while retrying, last answer: %v", e.Err, e.Last)
}

func (e *RetryDeadlineError) Unwrap() []error { return []error{e.Err, e.Last} }

// retryMiddlewareID is the ID of the SDK's retry middleware (retry.Attempt)
// in the Finalize step.
const retryMiddlewareID = "Retry"

type lastAnswerKey struct{}

// lastAnswer holds the error of the latest attempt that got an answer. The
// retry loop makes one attempt at a time, so no lock is needed.
type lastAnswer struct{ err error }

// nameRetriedFailure records each attempt's failure inside the retry loop
// and, when the caller's deadline ends the call, returns a
// RetryDeadlineError naming the last one.
func nameRetriedFailure(stack *middleware.Stack) error {
	if _, ok := stack.Finalize.Get(retryMiddlewareID); !ok {
		return nil // a stack without retries has nothing to name
	}
	if err := stack.Initialize.Add(middleware.InitializeMiddlewareFunc("rootguardRetryDeadline",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			last := &lastAnswer{}
			out, md, err := next.HandleInitialize(context.WithValue(ctx, lastAnswerKey{}, last), in)
			if err != nil && last.err != nil && errors.Is(err, context.DeadlineExceeded) && errors.Is(ctx.Err(), context.DeadlineExceeded) {
				err = &RetryDeadlineError{Err: err, Last: last.err}
			}
			return out, md, err
		}), middleware.Before); err != nil {
		return err
	}
	return stack.Finalize.Insert(middleware.FinalizeMiddlewareFunc("rootguardLastAnswer",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleFinalize(ctx, in)
			// An attempt cut by the deadline itself got no answer.
			if err != nil && ctx.Err() == nil {
				if last, ok := ctx.Value(lastAnswerKey{}).(*lastAnswer); ok {
					last.err = err
				}
			}
			return out, md, err
		}), retryMiddlewareID, middleware.After)
}
