package mfa

import (
	"strings"
	"testing"
	"time"

	"github.com/rootguard/rootguard/internal/cmdtest"
)

// TestTimeoutBoundsThrottledRetries: with IAM throttling every call,
// `mfa --timeout 2s` ends soon after 2 s, its deadline cutting the SDK's
// retries (8 attempts with backoff: 16 s on average, up to 32 s), exit 1,
// saying the MFA status is unknown and naming the throttled
// GetAccountSummary.
func TestTimeoutBoundsThrottledRetries(t *testing.T) {
	t.Parallel()
	f, ios := cmdtest.Throttled(t, "iam")
	took, err := cmdtest.Execute(NewCmdMFA(f, nil), ios, "--timeout", "2s", "--interval", "1s")
	// --timeout 2s, and a generous margin for a loaded machine.
	cmdtest.RetriesCut(t, err, took, 2*time.Second+10*time.Second, "GetAccountSummary", "Throttling")
	if err != nil && !strings.Contains(err.Error(), "status unknown") {
		t.Errorf("error %q does not say the MFA status is unknown", err)
	}
}
