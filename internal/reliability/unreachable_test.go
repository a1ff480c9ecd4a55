package reliability

import (
	"strings"
	"testing"
	"time"

	"github.com/rootguard/rootguard/internal/awsconfig"
	"github.com/rootguard/rootguard/internal/cmdutil"
)

// commands are the commands that call AWS held here to end in bounded
// time when AWS does not answer — every one of them, a new one joins them —
// with the arguments that make each run (not stop at a usage error; the
// changing ones without --approve, so they only plan) and what it may answer
// when nothing could be reached: exit 1, or for an audit the ERROR rows of
// exit 4.
var commands = []struct {
	name  string
	args  []string
	stdin string
	codes []int
}{
	{"audit", []string{"audit"}, "", []int{cmdutil.ExitError, cmdutil.ExitUnknown}},
	{"audit --org", []string{"audit", "--org", "--account-timeout", "5s"}, "", []int{cmdutil.ExitError, cmdutil.ExitUnknown}},
	{"audit --accounts", []string{"audit", "--accounts", "222222222222", "--account-timeout", "5s"}, "", []int{cmdutil.ExitError, cmdutil.ExitUnknown}},
	{"fix", []string{"fix"}, "", []int{cmdutil.ExitError}},
	{"fix --org", []string{"fix", "--org"}, "", []int{cmdutil.ExitError}},
	{"mfa", []string{"mfa", "--timeout", "5s"}, "", []int{cmdutil.ExitError}},
	{"alert status", []string{"alert", "status"}, "", []int{cmdutil.ExitError}},
	{"alert status --org", []string{"alert", "status", "--org"}, "", []int{cmdutil.ExitError}},
	{"alert test", []string{"alert", "test", "--wait", "5s"}, "", []int{cmdutil.ExitError}},
	{"alert redrive", []string{"alert", "redrive"}, "", []int{cmdutil.ExitError}},
	{"alert deploy", []string{"alert", "deploy", "--function-zip", "FUNCTION_ZIP"}, "https://hooks.slack.com/services/T0/B0/x\n", []int{cmdutil.ExitError}},
	{"alert deploy --org", []string{"alert", "deploy", "--org", "--function-zip", "FUNCTION_ZIP"}, "https://hooks.slack.com/services/T0/B0/x\n", []int{cmdutil.ExitError}},
	{"alert remove", []string{"alert", "remove"}, "", []int{cmdutil.ExitError}},
	{"root allow-password-recovery", []string{"root", "allow-password-recovery", "--account", "222222222222"}, "", []int{cmdutil.ExitError}},
	{"root unlock-bucket-policy", []string{"root", "unlock-bucket-policy", "--account", "222222222222", "--bucket", "example-logs"}, "", []int{cmdutil.ExitError}},
	{"root unlock-queue-policy", []string{"root", "unlock-queue-policy", "--account", "222222222222", "--queue", "https://sqs.us-east-1.amazonaws.com/222222222222/orders"}, "", []int{cmdutil.ExitError}},
	{"posture run", []string{"posture", "run", "--account-timeout", "5s"}, "", []int{cmdutil.ExitError}},
	{"posture status", []string{"posture", "status"}, "", []int{cmdutil.ExitError}},
	{"posture test", []string{"posture", "test"}, "", []int{cmdutil.ExitError}},
	{"posture deploy", []string{"posture", "deploy", "--function-zip", "FUNCTION_ZIP"}, "", []int{cmdutil.ExitError}},
	{"posture remove", []string{"posture", "remove"}, "", []int{cmdutil.ExitError}},
}

// TestHungEndpointEndsEveryCommand: an endpoint that accepts TCP and never
// answers ends every command within a few response timeouts, with the
// endpoint and the timeout named, and exit 1 (or, for an audit, ERROR rows).
func TestHungEndpointEndsEveryCommand(t *testing.T) {
	t.Parallel()
	endpoint := hungEndpoint(t)
	tg := unreachable(endpoint).at(awsconfig.Timeouts{Response: 500 * time.Millisecond})
	for _, c := range commands {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := run(t, tg, c.stdin, withZip(t, c.args)...)
			checkUnreachable(t, r, c.codes, endpoint+" did not answer within 500ms")
		})
	}
}

// TestRefusedEndpointEndsEveryCommandAtOnce: nothing listening is not
// retried for half a minute: every command ends quickly with exit 1 (or
// ERROR rows) naming the endpoint.
func TestRefusedEndpointEndsEveryCommandAtOnce(t *testing.T) {
	t.Parallel()
	endpoint := refusedEndpoint(t)
	tg := unreachable(endpoint)
	for _, c := range commands {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := run(t, tg, c.stdin, withZip(t, c.args)...)
			checkUnreachable(t, r, c.codes, "could not connect to "+endpoint)
		})
	}
}

// bound is how long a command may take against an unreachable endpoint in
// these tests: a handful of 500 ms timeouts on a loaded machine, far below
// the SDK's retries (8 attempts with backoff).
const bound = 20 * time.Second

func checkUnreachable(t *testing.T, r result, codes []int, want string) {
	t.Helper()
	ok := false
	for _, c := range codes {
		ok = ok || r.code == c
	}
	if !ok {
		t.Errorf("exit %d, want one of %v\nstdout:\n%s\nstderr:\n%s", r.code, codes, r.stdout, r.stderr)
	}
	if r.took > bound {
		t.Errorf("took %s, want under %s", r.took.Round(time.Millisecond), bound)
	}
	if !strings.Contains(r.stdout+r.stderr, want) {
		t.Errorf("output does not say %q\nstdout:\n%s\nstderr:\n%s", want, r.stdout, r.stderr)
	}
}
