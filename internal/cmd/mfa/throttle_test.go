package mfa

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

// TestTimeoutBoundsThrottledRetries: with IAM throttling every call,
// `mfa --timeout 2s` ends soon after 2 s, its deadline cutting the SDK's
// retries (8 attempts with backoff: 16 s on average, up to 32 s), exit 1,
// saying the MFA status is unknown and naming the throttled
// GetAccountSummary.
func TestTimeoutBoundsThrottledRetries(t *testing.T) {
	t.Parallel()
	emu, err := awsemu.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	key := emu.AddAccount("111122223333", "prod").AddUser("admin").AddAccessKey(awsemu.AccessKey{})
	f, ios := cmdtest.Factory(emu.URL, key)
	emu.InjectFault(awsemu.Fault{Service: "iam", ThrottleRate: 1})

	// The test's own bound, should the command not end by itself.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := NewCmdMFA(f, nil)
	cmd.SetArgs([]string{"--timeout", "2s", "--interval", "1s"})
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
	if msg := err.Error(); !strings.Contains(msg, "status unknown") || !strings.Contains(msg, "GetAccountSummary") || !strings.Contains(msg, "Throttling") {
		t.Errorf("error %q does not say the status is unknown because GetAccountSummary was throttled", msg)
	}
	if bound := 2*time.Second + 10*time.Second; took > bound { // generous: a loaded machine
		t.Errorf("mfa --timeout 2s took %v, want under %v", took, bound)
	}
}
