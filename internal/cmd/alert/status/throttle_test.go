package status

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"

	"github.com/rootguard/rootguard/internal/awsconfig"
	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/cmdtest"
	"github.com/rootguard/rootguard/internal/cmdutil"
)

// TestTimeoutBoundsThrottledRetries: with EventBridge throttling every
// call, `alert status --timeout 2s` ends soon after 2 s, its deadline
// cutting the SDK's retries of DescribeRule (8 attempts with backoff: 16 s
// on average, up to 31 s, which is what the command took before it had a
// deadline), exit 1, saying the health is unknown and naming the call.
func TestTimeoutBoundsThrottledRetries(t *testing.T) {
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
	cmd := NewCmdStatus(f, nil)
	cmd.SetArgs([]string{"--timeout", "2s"})
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
	if !errors.As(err, &api) || api.ErrorCode() != "ThrottlingException" || !strings.Contains(err.Error(), "DescribeRule") {
		t.Errorf("error %q does not name the throttled DescribeRule", err)
	}
	if !strings.Contains(err.Error(), "health is unknown") {
		t.Errorf("error %q does not say the health is unknown", err)
	}
	if bound := 2*time.Second + 10*time.Second; took > bound { // generous: a loaded machine
		t.Errorf("alert status --timeout 2s took %v, want under %v", took, bound)
	}
}

// TestTimeoutMustBePositive: a negative --timeout is a usage error.
func TestTimeoutMustBePositive(t *testing.T) {
	f, ios := cmdtest.Factory("http://127.0.0.1:1", aws.Credentials{})
	cmd := NewCmdStatus(f, func(*Options) error { t.Fatal("ran with a negative --timeout"); return nil })
	cmd.SetArgs([]string{"--timeout", "-1s"})
	cmd.SetOut(ios.Out)
	cmd.SetErr(ios.ErrOut)
	if code := cmdutil.ExitCode(cmd.Execute()); code != cmdutil.ExitUsage {
		t.Errorf("exit %d, want %d", code, cmdutil.ExitUsage)
	}
}
