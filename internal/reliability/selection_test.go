package reliability

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/rootguard/rootguard/internal/awsconfig"
	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/cmdutil"
)

// useEmu points the SDK at emu as creds.
func useEmu(t *testing.T, emu *awsemu.Server, creds aws.Credentials) {
	t.Helper()
	isolate(t, emu.URL)
	for _, kv := range emu.Env(creds) {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
}

// TestEmptySelectionIsNotAPass: a selection that leaves no ACTIVE account
// (only a suspended one, or every account excluded) audits nothing, so it
// must not exit 0 with "0 accounts": it is a usage error naming why.
func TestEmptySelectionIsNotAPass(t *testing.T) {
	emu, _ := sampleOrg(t, true)
	useEmu(t, emu, emu.Account("111111111111").AddUser("auditor", "*").AddAccessKey(awsemu.AccessKey{}))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"audit", "--accounts", "555555555555"}, "skipped 555555555555 (suspended)"},
		{[]string{"audit", "--org", "--exclude-accounts", "111111111111,222222222222,333333333333,444444444444"}, "skipped 555555555555 (suspended)"},
	} {
		t.Run(fmtArgs(tc.args), func(t *testing.T) {
			r := run(t, awsconfig.Timeouts{}, "", tc.args...)
			if r.code != cmdutil.ExitUsage || !strings.Contains(r.stderr, "the selection names no ACTIVE account") || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d, want %d naming the reason\nstdout:\n%s\nstderr:\n%s", r.code, cmdutil.ExitUsage, r.stdout, r.stderr)
			}
		})
	}
}
