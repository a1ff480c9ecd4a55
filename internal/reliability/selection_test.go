package reliability

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/cmdutil"
)

// onEmu is the target emu, called as creds.
func onEmu(emu *awsemu.Server, creds aws.Credentials) target {
	return target{endpoint: emu.URL, creds: creds}
}

// TestEmptySelectionIsNotAPass: a selection that leaves no ACTIVE account
// (only a suspended one, or every account excluded) audits nothing, so it
// must not exit 0 with "0 accounts": it is a usage error naming why.
func TestEmptySelectionIsNotAPass(t *testing.T) {
	t.Parallel()
	emu, _ := sampleOrg(t, true)
	tg := onEmu(emu, emu.Account("111111111111").AddUser("auditor", "*").AddAccessKey(awsemu.AccessKey{}))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"audit", "--accounts", "555555555555"}, "skipped 555555555555 (suspended)"},
		{[]string{"audit", "--org", "--exclude-accounts", "111111111111,222222222222,333333333333,444444444444"}, "skipped 555555555555 (suspended)"},
	} {
		t.Run(fmtArgs(tc.args), func(t *testing.T) {
			r := run(t, tg, "", tc.args...)
			if r.code != cmdutil.ExitUsage || !strings.Contains(r.stderr, "the selection names no ACTIVE account") || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d, want %d naming the reason\nstdout:\n%s\nstderr:\n%s", r.code, cmdutil.ExitUsage, r.stdout, r.stderr)
			}
		})
	}
}
