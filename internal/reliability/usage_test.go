package reliability

import (
	"context"
	"testing"
	"time"

	"github.com/rootguard/rootguard/internal/awsconfig"
	"github.com/rootguard/rootguard/internal/cmdutil"
)

// TestValidationErrorsExitTwo: every bad flag value or argument is a usage
// error (exit 2, README), refused before anything calls AWS — the endpoint
// here would hang every call.
func TestValidationErrorsExitTwo(t *testing.T) {
	t.Parallel()
	tg := unreachable(hungEndpoint(t)).at(awsconfig.Timeouts{Response: 300 * time.Millisecond})
	for _, args := range [][]string{
		{"bogus"},
		{"alert", "bogus"},
		{"audit", "--bogus"},
		{"alert", "deploy", "--email", "notanemail"},
		{"alert", "deploy", "--prefix", "BAD_PREFIX"},
		{"alert", "deploy", "--regions", "mars-1"},
		{"alert", "deploy", "--arch", "mips"},
		{"alert", "deploy", "--org", "--email", "notanemail"},
		{"alert", "remove", "--prefix", "BAD_PREFIX"},
		{"alert", "template", "--arch", "mips"},
		{"alert", "test", "--wait", "-1s"},
		{"local", "--latency", "-5ms"},
		{"local", "--throttle", "bogus=0.1"},
		{"local", "--throttle", "iam=2"},
		{"audit", "--accounts", ""},
		{"audit", "--accounts", ",,,"},
		{"audit", "--ou", ""},
		{"audit", "--org", "--exclude-accounts", ""},
		{"fix", "--accounts", ""},
		{"audit", "--account-timeout", "-1s", "--org"},
		{"mfa", "--timeout", "-1s"},
	} {
		t.Run(fmtArgs(args), func(t *testing.T) {
			// A usage error is immediate; a command that starts (local
			// serving, a call hanging) is cut off and fails the test.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			r := runCtx(ctx, t, tg, "", args...)
			if r.code != cmdutil.ExitUsage {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, cmdutil.ExitUsage, r.stdout, r.stderr)
			}
		})
	}
}

func fmtArgs(args []string) string {
	s := ""
	for i, a := range args {
		if i > 0 {
			s += " "
		}
		if a == "" {
			a = `""`
		}
		s += a
	}
	return s
}
