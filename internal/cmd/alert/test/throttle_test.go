package test

import (
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/rootguard/rootguard/internal/cmdtest"
)

// TestWaitBoundsThrottledRetries: with EventBridge throttling every call,
// `alert test --wait 1s` ends within --wait and the diagnosis time, its
// deadline cutting the SDK's retries (8 attempts with backoff: 16 s on
// average, up to 32 s), exit 1, naming the throttled PutEvents.
func TestWaitBoundsThrottledRetries(t *testing.T) {
	t.Parallel()
	f, ios := cmdtest.Throttled(t, "events")
	const diagnose = time.Second // the command's 10 s, shortened for the test
	var cmd *cobra.Command
	cmd = NewCmdTest(f, func(o *Options) error {
		o.DiagnoseWithin = diagnose
		return runTest(cmd.Context(), o)
	})
	took, err := cmdtest.Execute(cmd, ios, "--wait", "1s")
	// --wait 1s + 1s to diagnose, and a generous margin for a loaded machine.
	cmdtest.RetriesCut(t, err, took, time.Second+diagnose+10*time.Second, "PutEvents", "ThrottlingException")
}
