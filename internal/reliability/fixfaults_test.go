package reliability

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rootguard/rootguard/internal/awsconfig"
	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/cmdutil"
)

// TestFaultSuiteFixPlan runs `fix --org` (the plan) under faults: it ends
// in bounded time, and never plans "nothing to change" for a member whose
// root access key it could not read — the key is in the plan, or the
// member's error is.
func TestFaultSuiteFixPlan(t *testing.T) {
	t.Parallel()
	const key = "would delete root access key AKIADEMOROOTKEY00001"
	for i, fc := range []faultCase{
		{name: "no fault", bound: time.Minute},
		{name: "IAM throttled 50 %", faults: []awsemu.Fault{{Service: "iam", ThrottleRate: 0.5}}, bound: 3 * time.Minute},
		{name: "IAM throttled 80 %", faults: []awsemu.Fault{{Service: "iam", ThrottleRate: 0.8}}, bound: 4 * time.Minute, heavy: true},
		{name: "sts:AssumeRoot throttled 80 %", faults: []awsemu.Fault{{Service: "sts", Action: "AssumeRoot", ThrottleRate: 0.8}}, bound: 3 * time.Minute, heavy: true},
		{name: "IAM hangs in the member with a key", faults: []awsemu.Fault{{Service: "iam", Account: "222222222222", Hang: true}}, bound: 2 * time.Minute},
		{name: "IAM denied in the member with a key", faults: []awsemu.Fault{{Service: "iam", Account: "222222222222", DenyRate: 1}}, bound: time.Minute},
		{name: "every call hangs", faults: []awsemu.Fault{{Hang: true}}, bound: 2 * time.Minute},
	} {
		t.Run(fc.name, func(t *testing.T) {
			if fc.heavy && os.Getenv("ROOTGUARD_FAULT_SUITE") != "full" {
				t.Skip("a heavy throttling case: ROOTGUARD_FAULT_SUITE=full runs it")
			}
			t.Parallel()
			emu, _ := sampleOrg(t, true)
			emu.SeedFaults(uint64(i + 1))
			tg := onEmu(emu, emu.Account("111111111111").AddUser("fixer", "*").AddAccessKey(awsemu.AccessKey{}))
			for _, f := range fc.faults {
				emu.InjectFault(f)
			}
			r := run(t, tg.at(awsconfig.Timeouts{Response: 5 * time.Second}), "", "fix", "--org")
			t.Logf("exit %d in %s\nstdout:\n%s\nstderr:\n%s", r.code, r.took.Round(time.Millisecond), r.stdout, r.stderr)
			if r.took > fc.bound {
				t.Errorf("took %s, bound %s", r.took.Round(time.Second), fc.bound)
			}
			// The member's block of the plan: up to the next account.
			_, member, _ := strings.Cut(r.stdout, "Account 222222222222")
			member, _, _ = strings.Cut(member, "Account ")
			switch {
			case r.code == cmdutil.ExitError:
				if !strings.Contains(r.stderr, "rootguard: ") {
					t.Errorf("exit 1 without a reason")
				}
			case !strings.Contains(r.stdout, "Account 222222222222"):
				t.Errorf("member 222222222222 is missing from the plan")
			case strings.Contains(member, "nothing to change"):
				t.Errorf("member 222222222222 planned as nothing to change although its root key could not be read")
			case !strings.Contains(member, key) && r.code == cmdutil.ExitOK:
				t.Errorf("exit 0 without the key's deletion in the plan")
			}
			if fc.name == "no fault" && (r.code != cmdutil.ExitOK || !strings.Contains(member, key)) {
				t.Errorf("baseline: exit %d", r.code)
			}
		})
	}
}
