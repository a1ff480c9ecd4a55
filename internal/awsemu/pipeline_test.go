package awsemu_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/rootguard/rootguard/internal/awsemu"
)

const rootSignInPattern = `{"detail-type":["AWS Console Sign In via CloudTrail"],"detail":{"userIdentity":{"type":["Root"]}}}`

func signInDetail(identityType string) string {
	return fmt.Sprintf(`{"eventName":"ConsoleLogin","userIdentity":{"type":%q},"responseElements":{"ConsoleLogin":"Success"}}`, identityType)
}

var (
	handlerOnce sync.Once
	handlerPath string
	handlerErr  error
)

// handlerBinary builds testdata/handler once per test binary.
func handlerBinary(t *testing.T) string {
	t.Helper()
	handlerOnce.Do(func() {
		dir, err := os.MkdirTemp("", "awsemu-handler")
		if err != nil {
			handlerErr = err
			return
		}
		handlerPath = filepath.Join(dir, "bootstrap")
		out, err := exec.Command("go", "build", "-o", handlerPath, "./testdata/handler").CombinedOutput()
		if err != nil {
			handlerErr = fmt.Errorf("build handler: %v\n%s", err, out)
		}
	})
	if handlerErr != nil {
		t.Fatal(handlerErr)
	}
	return handlerPath
}

// receiver collects what the handler posts.
func receiver(t *testing.T) (string, <-chan []byte) {
	t.Helper()
	got := make(chan []byte, 100)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got <- body
	}))
	t.Cleanup(srv.Close)
	return srv.URL, got
}

// startFunction creates fn through the Lambda API and runs the handler
// binary against the emulator's Runtime API for it.
func startFunction(t *testing.T, emu *awsemu.Server, lc *lambda.Client, fn, receiverURL string) string {
	t.Helper()
	ctx := t.Context()
	out, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: aws.String(fn),
		Runtime:      lambdatypes.RuntimeProvidedal2023,
		Handler:      aws.String("bootstrap"),
		Role:         aws.String("arn:aws:iam::111122223333:role/rootguard-alert"),
		Code:         &lambdatypes.FunctionCode{ZipFile: []byte("PK\x05\x06" + string(make([]byte, 18)))},
	})
	if err != nil {
		t.Fatalf("create function: %v", err)
	}
	t.Cleanup(func() {
		_, _ = lc.DeleteFunction(context.Background(), &lambda.DeleteFunctionInput{FunctionName: aws.String(fn)})
	})

	api, err := emu.LambdaRuntimeAPI(fn)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(handlerBinary(t))
	cmd.Env = append(os.Environ(), "AWS_LAMBDA_RUNTIME_API="+api, "RECEIVER_URL="+receiverURL)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return aws.ToString(out.FunctionArn)
}

func newHub(t *testing.T) (*awsemu.Server, aws.Config) {
	t.Helper()
	emu, err := awsemu.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	creds := emu.AddAccount("111122223333", "hub").AddUser("deployer").AddAccessKey(awsemu.AccessKey{})
	return emu, emu.Config(creds)
}

func waitFor(t *testing.T, got <-chan []byte, within time.Duration) []byte {
	t.Helper()
	select {
	case body := <-got:
		return body
	case <-time.After(within):
		t.Fatal("the handler received nothing")
		return nil
	}
}

func TestPipelineRuleDeliversRootSignInToLambdaRuntime(t *testing.T) {
	emu, cfg := newHub(t)
	ctx := t.Context()
	url, got := receiver(t)
	fn := fmt.Sprintf("rg-e2e-%d", time.Now().UnixNano())
	fnArn := startFunction(t, emu, lambda.NewFromConfig(cfg), fn, url)

	eb := eventbridge.NewFromConfig(cfg)
	rule, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("root-sign-in"), EventPattern: aws.String(rootSignInPattern)})
	if err != nil {
		t.Fatalf("put rule: %v", err)
	}
	if want := "arn:aws:events:us-east-1:111122223333:rule/root-sign-in"; aws.ToString(rule.RuleArn) != want {
		t.Errorf("rule ARN = %s, want %s", aws.ToString(rule.RuleArn), want)
	}
	if _, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{
		Rule: aws.String("root-sign-in"), Targets: []ebtypes.Target{{Id: aws.String("fn"), Arn: aws.String(fnArn)}},
	}); err != nil {
		t.Fatalf("put targets: %v", err)
	}

	// Callers cannot pose as CloudTrail: aws.* sources are AWS's.
	refused, err := eb.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
		{Source: aws.String("aws.signin"), DetailType: aws.String("AWS Console Sign In via CloudTrail"), Detail: aws.String(signInDetail("Root"))},
	}})
	if err != nil || refused.FailedEntryCount != 1 || aws.ToString(refused.Entries[0].ErrorCode) != "NotAuthorizedForSourceException" {
		t.Fatalf("PutEvents with source aws.signin: err %v, entries %+v; want NotAuthorizedForSourceException", err, refused)
	}
	// CloudTrail delivers an IAM user's and root's sign-ins.
	var ids []string
	for _, identity := range []string{"IAMUser", "Root"} {
		id, err := emu.EmitServiceEvent(awsemu.ServiceEvent{Account: "111122223333", Region: "us-east-1", Source: "aws.signin",
			DetailType: "AWS Console Sign In via CloudTrail", Detail: []byte(signInDetail(identity))})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}

	var event events.EventBridgeEvent
	if err := json.Unmarshal(waitFor(t, got, 10*time.Second), &event); err != nil {
		t.Fatal(err)
	}
	var detail struct{ UserIdentity struct{ Type string } }
	_ = json.Unmarshal(event.Detail, &detail)
	if detail.UserIdentity.Type != "Root" || event.AccountID != "111122223333" || event.Region != "us-east-1" ||
		event.ID != ids[1] {
		t.Errorf("handler got %+v (identity %q), want the root sign-in %s in 111122223333/us-east-1",
			event, detail.UserIdentity.Type, ids[1])
	}
	// Had the IAM user's sign-in matched, Lambda would have been handed it
	// before a root sign-in delivered now: the next event the handler gets
	// must be that one.
	barrier, err := emu.EmitServiceEvent(awsemu.ServiceEvent{Account: "111122223333", Region: "us-east-1", Source: "aws.signin",
		DetailType: "AWS Console Sign In via CloudTrail", Detail: []byte(signInDetail("Root"))})
	if err != nil {
		t.Fatal(err)
	}
	var next events.EventBridgeEvent
	if body := waitFor(t, got, 10*time.Second); json.Unmarshal(body, &next) != nil || next.ID != barrier {
		t.Errorf("the IAM-user sign-in matched the root rule: %s", body)
	}

	// The handler is long-polling /next now; Close must not wait for it.
	start := time.Now()
	emu.Close()
	if d := time.Since(start); d > time.Second {
		t.Errorf("Close took %v while a runtime long-polled", d)
	}
}

func TestPipelineTestEventPattern(t *testing.T) {
	_, cfg := newHub(t)
	eb := eventbridge.NewFromConfig(cfg)
	event := func(identity string) *string {
		return aws.String(fmt.Sprintf(`{"id":"1","account":"111122223333","source":"aws.signin","time":"2024-01-01T00:00:00Z",
			"region":"us-east-1","resources":[],"detail-type":"AWS Console Sign In via CloudTrail","detail":%s}`, signInDetail(identity)))
	}
	for identity, want := range map[string]bool{"Root": true, "IAMUser": false} {
		out, err := eb.TestEventPattern(t.Context(), &eventbridge.TestEventPatternInput{EventPattern: aws.String(rootSignInPattern), Event: event(identity)})
		if err != nil {
			t.Fatal(err)
		}
		if out.Result != want {
			t.Errorf("%s sign-in: Result = %v, want %v", identity, out.Result, want)
		}
	}

	_, err := eb.TestEventPattern(t.Context(), &eventbridge.TestEventPatternInput{EventPattern: aws.String(`{"source":"aws.signin"}`), Event: event("Root")})
	var invalid *ebtypes.InvalidEventPatternException
	if !errors.As(err, &invalid) {
		t.Errorf("invalid pattern: err = %v, want InvalidEventPatternException", err)
	}
}
