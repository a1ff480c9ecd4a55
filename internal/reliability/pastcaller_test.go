package reliability

import (
	"strings"
	"testing"
	"time"

	"github.com/rootguard/rootguard/internal/awsconfig"
	"github.com/rootguard/rootguard/internal/awsemu"
)

// TestHungPastTheCallerEndsEveryCommand: the local AWS answers who the
// caller is and hangs every call after it, so each command gets past
// resolving its session and must bound its own calls — TestHungEndpoint…
// ends every command at sts:GetCallerIdentity, the first call of all.
func TestHungPastTheCallerEndsEveryCommand(t *testing.T) {
	t.Parallel()
	emu, _ := sampleOrg(t, true)
	creds := emu.Account("111111111111").AddUser("operator", "*").AddAccessKey(awsemu.AccessKey{})
	for _, f := range hangAllButTheCaller {
		emu.InjectFault(f)
	}
	tg := onEmu(emu, creds).at(awsconfig.Timeouts{Response: 500 * time.Millisecond})
	for _, c := range commands {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := run(t, tg, c.stdin, withZip(t, c.args)...)
			checkUnreachable(t, r, c.codes, emu.URL+" did not answer within 500ms")
			if strings.Contains(r.stdout+r.stderr, "GetCallerIdentity") {
				t.Errorf("ended at the caller's identity, which answers here\nstdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
			}
		})
	}
}

// hangAllButTheCaller hangs every service the commands call, and every STS
// action that is not sts:GetCallerIdentity.
var hangAllButTheCaller = func() []awsemu.Fault {
	var fs []awsemu.Fault
	for _, s := range []string{"iam", "organizations", "s3", "sqs", "lambda", "cloudformation", "scheduler", "events", "logs", "monitoring", "sns", "securityhub", "cloudtrail", "ssm"} {
		fs = append(fs, awsemu.Fault{Service: s, Hang: true})
	}
	for _, a := range []string{"AssumeRole", "AssumeRoot", "GetSessionToken"} {
		fs = append(fs, awsemu.Fault{Service: "sts", Action: a, Hang: true})
	}
	return fs
}()
