package test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/smithy-go"

	"github.com/rootguard/rootguard/internal/awsconfig"
	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/cmdtest"
	"github.com/rootguard/rootguard/internal/cmdutil"
)

// TestWaitBoundsThrottledRetries: with EventBridge throttling every call,
// `alert test --wait 1s` ends within --wait and the diagnosis time, its
// deadline cutting the SDK's retries (8 attempts with backoff: 16 s on
// average, up to 32 s), exit 1, naming the throttled PutEvents.
func TestWaitBoundsThrottledRetries(t *testing.T) {
	t.Parallel()
	emu, err := awsemu.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	key := emu.AddAccount("111122223333", "prod").AddUser("admin").AddAccessKey(awsemu.AccessKey{})
	f, ios := cmdtest.Factory(emu.URL, key)
	emu.InjectFault(awsemu.Fault{Service: "events", ThrottleRate: 1})

	// The test's own bound, should the command not end by itself.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const diagnose = time.Second // the command's 10 s, shortened for the test
	cmd := NewCmdTest(f, func(o *Options) error {
		o.DiagnoseWithin = diagnose
		return runTest(ctx, o)
	})
	cmd.SetArgs([]string{"--wait", "1s"})
	cmd.SetOut(ios.Out)
	cmd.SetErr(ios.ErrOut)
	start := time.Now()
	err = cmd.ExecuteContext(ctx)
	took := time.Since(start)

	t.Logf("after %v: %v", took, err)
	if code := cmdutil.ExitCode(err); code != cmdutil.ExitError {
		t.Fatalf("exit %d (%v), want %d", code, err, cmdutil.ExitError)
	}
	var cut *awsconfig.RetryDeadlineError
	if !errors.As(err, &cut) {
		t.Errorf("error %q: the SDK's retries were not ended by the deadline", err)
	}
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "ThrottlingException" || !strings.Contains(err.Error(), "PutEvents") {
		t.Errorf("error %q does not name the throttled PutEvents", err)
	}
	// --wait 1s + 1s to diagnose, and a generous margin for a loaded
	// machine.
	if bound := time.Second + diagnose + 10*time.Second; took > bound {
		t.Errorf("alert test --wait 1s took %v, want under %v", took, bound)
	}
}
