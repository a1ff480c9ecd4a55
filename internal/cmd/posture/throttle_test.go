package posture

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/cmdtest"
	"github.com/rootguard/rootguard/internal/cmdutil"
	"github.com/rootguard/rootguard/internal/stack"
)

// TestStatusTimeoutBoundsThrottledRetries: with CloudFormation throttling
// every call, `posture status --timeout 2s` ends soon after 2 s, its
// deadline cutting the SDK's retries of DescribeStacks (8 attempts with
// backoff: 16 s on average, up to 31 s), exit 1, naming the call.
func TestStatusTimeoutBoundsThrottledRetries(t *testing.T) {
	t.Parallel()
	f, ios := cmdtest.Throttled(t, "cloudformation")
	took, err := cmdtest.Execute(NewCmdPosture(f, nil), ios, "status", "--timeout", "2s")
	// --timeout 2s, and a generous margin for a loaded machine.
	cmdtest.RetriesCut(t, err, took, 2*time.Second+10*time.Second, "DescribeStacks", "Throttling")
	if err != nil && !strings.Contains(err.Error(), "health is unknown") {
		t.Errorf("error %q does not say the health is unknown", err)
	}
}

// TestTestIsNotRetriedWhenThrottled: `posture test` invokes the auditor
// once (the invocation runs the whole organization's audit, so it is not
// retried: postureops.Invoke), so a throttled Invoke ends the command at
// once, exit 1, naming the call. Only the Invoke is throttled: the read of
// the function's configuration before it is retried as every read is.
func TestTestIsNotRetriedWhenThrottled(t *testing.T) {
	t.Parallel()
	emu, err := awsemu.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	key := emu.AddAccount("111122223333", "prod").AddUser("admin").AddAccessKey(awsemu.AccessKey{})
	if _, err := lambda.NewFromConfig(emu.Config(key)).CreateFunction(t.Context(), &lambda.CreateFunctionInput{
		FunctionName: aws.String(stack.Names{Prefix: stack.DefaultPrefix}.PostureFunction()),
		Role:         aws.String("arn:aws:iam::111122223333:role/auditor"),
		Runtime:      lambdatypes.RuntimeProvidedal2023, Handler: aws.String("bootstrap"),
		Code: &lambdatypes.FunctionCode{ZipFile: []byte("PK\x05\x06" + string(make([]byte, 18)))},
	}); err != nil {
		t.Fatal(err)
	}
	emu.InjectFault(awsemu.Fault{Service: "lambda", Action: "Invoke", ThrottleRate: 1})
	f, ios := cmdtest.Factory(emu.URL, key)
	took, err := cmdtest.Execute(NewCmdPosture(f, nil), ios, "test")
	t.Logf("after %v: %v", took, err)
	if code := cmdutil.ExitCode(err); code != cmdutil.ExitError {
		t.Fatalf("exit %d (%v), want %d", code, err, cmdutil.ExitError)
	}
	if msg := err.Error(); !strings.Contains(msg, "Invoke") || !strings.Contains(msg, "TooManyRequests") {
		t.Errorf("error %q does not name the throttled Invoke", msg)
	}
	if n := len(emu.CallsTo("lambda", "Invoke")); n != 1 {
		t.Errorf("%d Invoke calls, want 1: a retry would be a second run", n)
	}
	if bound := 10 * time.Second; took > bound {
		t.Errorf("posture test took %v with Invoke throttled, want under %v", took, bound)
	}
}
