package cmdutil

import (
	"context"
	"errors"
)

// A command's own time flag (`alert status --timeout`, `audit
// --account-timeout`, `mfa --timeout`…) bounds its calls to AWS only as a
// context deadline: the SDK's standard retryer sleeps between attempts with
// the call's context and stops when it is done, so a throttled call ends
// with the deadline instead of after its 8 attempts, and
// awsconfig.RetryDeadlineError names the call and its last answer.

// DeadlinePassed reports whether ctx, derived from parent with the
// command's deadline, ended because that deadline passed — not because
// parent was cancelled (Ctrl-C).
func DeadlinePassed(parent, ctx context.Context) bool {
	return parent.Err() == nil && errors.Is(ctx.Err(), context.DeadlineExceeded)
}
