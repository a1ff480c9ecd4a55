package status

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

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
	f, ios := cmdtest.Throttled(t, "events")
	took, err := cmdtest.Execute(NewCmdStatus(f, nil), ios, "--timeout", "2s")
	// --timeout 2s, and a generous margin for a loaded machine.
	cmdtest.RetriesCut(t, err, took, 2*time.Second+10*time.Second, "DescribeRule", "ThrottlingException")
	if err != nil && !strings.Contains(err.Error(), "health is unknown") {
		t.Errorf("error %q does not say the health is unknown", err)
	}
}

// TestTimeoutMustBePositive: a negative --timeout is a usage error.
func TestTimeoutMustBePositive(t *testing.T) {
	f, ios := cmdtest.Factory("http://127.0.0.1:1", aws.Credentials{})
	cmd := NewCmdStatus(f, func(*Options) error { t.Fatal("ran with a negative --timeout"); return nil })
	if _, err := cmdtest.Execute(cmd, ios, "--timeout", "-1s"); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Errorf("exit %d (%v), want %d", cmdutil.ExitCode(err), err, cmdutil.ExitUsage)
	}
}
