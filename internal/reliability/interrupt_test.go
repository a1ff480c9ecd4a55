package reliability

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/cmdutil"
)

// TestInterruptCountsAndKeeps: Ctrl-C (the command's context cancelled, as
// main's signal.NotifyContext does) while every account waits on a slow
// call says how many accounts were cut short — all of them — keeps the FAIL
// already decided, and does not exit 0.
func TestInterruptCountsAndKeeps(t *testing.T) {
	t.Parallel()
	emu, _ := sampleOrg(t, true)
	tg := onEmu(emu, emu.Account("111111111111").AddUser("auditor", "*").AddAccessKey(awsemu.AccessKey{}))
	emu.InjectFault(awsemu.Fault{Service: "iam", Action: "GetAccountSummary", Latency: 20 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Every account's summary takes 20 s: whether an account has started
	// or not when the interrupt comes, none can have finished.
	time.AfterFunc(3*time.Second, cancel)
	r := runCtx(ctx, t, tg, "", "audit", "--org")
	if r.code == cmdutil.ExitOK || r.took > 30*time.Second {
		t.Errorf("exit %d after %s", r.code, r.took)
	}
	if !strings.Contains(r.stderr, "4 of 4 accounts were not fully audited") {
		t.Errorf("stderr does not count the 4 interrupted accounts:\n%s", r.stderr)
	}
	if !strings.Contains(r.stdout, "AKIADEMOROOTKEY00001") || !strings.Contains(r.stdout, "root-access-keys           FAIL") {
		t.Errorf("the FAIL decided before the interrupt is gone:\n%s", r.stdout)
	}
}
