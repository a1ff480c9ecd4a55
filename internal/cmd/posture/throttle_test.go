package posture

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rootguard/rootguard/internal/awsconfig"
	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/cmdtest"
	"github.com/rootguard/rootguard/internal/cmdutil"
)

// runThrottled runs `rootguard posture args…` against a local AWS whose
// service throttles every call, and returns its error and how long it took.
func runThrottled(t *testing.T, service string, args ...string) (error, time.Duration) {
	t.Helper()
	emu, err := awsemu.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	key := emu.AddAccount("111122223333", "mgmt").AddUser("admin").AddAccessKey(awsemu.AccessKey{})
	f, ios := cmdtest.Factory(emu.URL, key)
	emu.InjectFault(awsemu.Fault{Service: service, ThrottleRate: 1})

	// The test's own bound, should the command not end by itself.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := NewCmdPosture(f, nil)
	cmd.SetArgs(args)
	cmd.SetOut(ios.Out)
	cmd.SetErr(ios.ErrOut)
	start := time.Now()
	err = cmd.ExecuteContext(ctx)
	took := time.Since(start)
	t.Logf("after %v: %v", took, err)
	return err, took
}

// TestStatusTimeoutBoundsThrottledRetries: with CloudFormation throttling
// every call, `posture status --timeout 2s` ends soon after 2 s, its
// deadline cutting the SDK's retries of DescribeStacks (8 attempts with
// backoff: 16 s on average, up to 31 s), exit 1, naming the call.
func TestStatusTimeoutBoundsThrottledRetries(t *testing.T) {
	t.Parallel()
	err, took := runThrottled(t, "cloudformation", "status", "--timeout", "2s")
	if code := cmdutil.ExitCode(err); code != cmdutil.ExitError {
		t.Fatalf("exit %d (%v), want %d", code, err, cmdutil.ExitError)
	}
	var cut *awsconfig.RetryDeadlineError
	if !errors.As(err, &cut) {
		t.Errorf("error %q: the SDK's retries were not ended by the deadline", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "DescribeStacks") || !strings.Contains(msg, "Throttling") || !strings.Contains(msg, "health is unknown") {
		t.Errorf("error %q does not say the health is unknown because DescribeStacks was throttled", msg)
	}
	if bound := 2*time.Second + 10*time.Second; took > bound { // generous: a loaded machine
		t.Errorf("posture status --timeout 2s took %v, want under %v", took, bound)
	}
}

// TestTestIsNotRetriedWhenThrottled: `posture test` invokes the auditor
// once (the invocation runs the whole organization's audit, so it is not
// retried: postureops.Invoke), so a throttled Invoke ends the command
// at once, exit 1, naming the call.
func TestTestIsNotRetriedWhenThrottled(t *testing.T) {
	t.Parallel()
	err, took := runThrottled(t, "lambda", "test")
	if code := cmdutil.ExitCode(err); code != cmdutil.ExitError {
		t.Fatalf("exit %d (%v), want %d", code, err, cmdutil.ExitError)
	}
	if msg := err.Error(); !strings.Contains(msg, "Invoke") || !strings.Contains(msg, "TooManyRequests") {
		t.Errorf("error %q does not name the throttled Invoke", msg)
	}
	if bound := 10 * time.Second; took > bound {
		t.Errorf("posture test took %v with Invoke throttled, want under %v", took, bound)
	}
}
