package awsemu_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/rootguard/rootguard/internal/lambdazip"
)

// echoZip builds testdata/lambdaecho for goarch and zips it as bootstrap.
func echoZip(t *testing.T, goarch string) []byte {
	t.Helper()
	zip, err := lambdazip.Build(t.Context(), "./testdata/lambdaecho", "linux", goarch)
	if err != nil {
		t.Fatal(err)
	}
	return zip
}

type echoReply struct {
	PID                      int    `json:"pid"`
	AWS_LAMBDA_FUNCTION_NAME string //nolint:revive // the variable's name
	AWS_REGION               string //nolint:revive
	AWS_ENDPOINT_URL         string //nolint:revive
	AWS_ACCESS_KEY_ID        string //nolint:revive
	AWS_SECRET_ACCESS_KEY    string //nolint:revive
	AWS_SESSION_TOKEN        string //nolint:revive
	GREETING                 string
	LAMBDA_TASK_ROOT         string //nolint:revive
}

func invokeEcho(t *testing.T, lc *lambda.Client, fn, payload string) (echoReply, *lambda.InvokeOutput) {
	t.Helper()
	out, err := lc.Invoke(t.Context(), &lambda.InvokeInput{FunctionName: aws.String(fn), Payload: []byte(payload)})
	if err != nil {
		t.Fatalf("invoke %s: %v", fn, err)
	}
	var r echoReply
	if out.FunctionError == nil {
		if err := json.Unmarshal(out.Payload, &r); err != nil {
			t.Fatalf("reply %s: %v", out.Payload, err)
		}
	}
	return r, out
}

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

func waitGone(t *testing.T, pid int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); alive(pid); {
		if time.Now().After(deadline) {
			t.Fatalf("process %d still runs", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestExecutorRunsProvidedRuntimeBootstrap(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the local AWS runs Lambda's Linux binaries only on Linux")
	}
	emu, cfg := newHub(t)
	ctx := t.Context()
	lc := lambda.NewFromConfig(cfg)
	fn := fmt.Sprintf("rg-exec-%d", time.Now().UnixNano())
	if _, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: aws.String(fn), Runtime: lambdatypes.RuntimeProvidedal2023, Handler: aws.String("bootstrap"),
		Role: aws.String("arn:aws:iam::111122223333:role/service-role/echo-role"), Timeout: aws.Int32(2),
		Environment: &lambdatypes.Environment{Variables: map[string]string{"GREETING": "hello"}},
		Code:        &lambdatypes.FunctionCode{ZipFile: echoZip(t, runtime.GOARCH)},
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = lc.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String(fn)}) })

	first, _ := invokeEcho(t, lc, fn, `"one"`)
	if first.AWS_LAMBDA_FUNCTION_NAME != fn || first.AWS_REGION != "us-east-1" || first.AWS_ENDPOINT_URL != emu.URL || first.GREETING != "hello" {
		t.Errorf("environment = %+v", first)
	}
	// The process holds a session of the function's execution role.
	who, err := sts.NewFromConfig(emu.Config(aws.Credentials{AccessKeyID: first.AWS_ACCESS_KEY_ID,
		SecretAccessKey: first.AWS_SECRET_ACCESS_KEY, SessionToken: first.AWS_SESSION_TOKEN})).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "arn:aws:sts::111122223333:assumed-role/echo-role/" + fn; aws.ToString(who.Arn) != want {
		t.Errorf("function identity = %s, want %s", aws.ToString(who.Arn), want)
	}

	// Its output is in the function's log group.
	logs := cloudwatchlogs.NewFromConfig(cfg)
	found, err := logs.FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("/aws/lambda/" + fn), FilterPattern: aws.String(`{ $.msg = "invoked" }`)})
	if err != nil {
		t.Fatal(err)
	}
	if len(found.Events) != 1 || !strings.Contains(aws.ToString(found.Events[0].Message), `one`) {
		t.Errorf("log events = %+v", found.Events)
	}

	// A crash is a function error; the next invocation runs a new process.
	if _, out := invokeEcho(t, lc, fn, `"crash"`); out.FunctionError == nil {
		t.Error("crashing invocation: no function error")
	}
	waitGone(t, first.PID)
	second, _ := invokeEcho(t, lc, fn, `"two"`)
	if second.PID == 0 || second.PID == first.PID {
		t.Errorf("after the crash pid = %d (before %d)", second.PID, first.PID)
	}

	// A configuration update stops the process; the next one sees the change.
	if _, err := lc.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String(fn),
		Environment: &lambdatypes.Environment{Variables: map[string]string{"GREETING": "again"}}}); err != nil {
		t.Fatal(err)
	}
	waitGone(t, second.PID)
	third, _ := invokeEcho(t, lc, fn, `"three"`)
	if third.GREETING != "again" {
		t.Errorf("after the update GREETING = %q", third.GREETING)
	}

	// Closing the emulator leaves no process behind.
	emu.Close()
	waitGone(t, third.PID)
}

func TestExecutorRefusesBootstrapOfAnotherArchitecture(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the local AWS runs Lambda's Linux binaries only on Linux")
	}
	other := map[string]string{"amd64": "arm64", "arm64": "amd64"}[runtime.GOARCH]
	_, cfg := newHub(t)
	ctx := t.Context()
	lc := lambda.NewFromConfig(cfg)
	fn := fmt.Sprintf("rg-arch-%d", time.Now().UnixNano())
	if _, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: aws.String(fn), Runtime: lambdatypes.RuntimeProvidedal2023, Handler: aws.String("bootstrap"),
		Role: aws.String("arn:aws:iam::111122223333:role/echo-role"),
		Code: &lambdatypes.FunctionCode{ZipFile: echoZip(t, other)},
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = lc.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String(fn)}) })

	_, out := invokeEcho(t, lc, fn, `{}`)
	if aws.ToString(out.FunctionError) != "Unhandled" {
		t.Fatalf("function error = %q, payload %s", aws.ToString(out.FunctionError), out.Payload)
	}
	var failure struct{ ErrorType, ErrorMessage string }
	if err := json.Unmarshal(out.Payload, &failure); err != nil {
		t.Fatal(err)
	}
	if failure.ErrorType != "Runtime.InvalidEntrypoint" || !strings.Contains(failure.ErrorMessage, "GOARCH="+runtime.GOARCH) {
		t.Errorf("failure = %+v", failure)
	}
}

// TestLambdaExecRefusesANonExecutableBootstrap: a zip whose bootstrap lacks
// the executable bits (a zip written without Unix modes) fails to start, as
// on Lambda.
func TestLambdaExecRefusesANonExecutableBootstrap(t *testing.T) {
	good := echoZip(t, runtime.GOARCH)
	zr, err := zip.NewReader(bytes.NewReader(good), int64(len(good)))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := zr.File[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	bin, _ := io.ReadAll(rc)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("bootstrap") // no mode: readers see 0666
	_, _ = w.Write(bin)
	_ = zw.Close()

	_, cfg := newHub(t)
	ctx := t.Context()
	lc := lambda.NewFromConfig(cfg)
	fn := fmt.Sprintf("rg-noexec-%d", time.Now().UnixNano())
	if _, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: aws.String(fn), Runtime: lambdatypes.RuntimeProvidedal2023, Handler: aws.String("bootstrap"),
		Role: aws.String("arn:aws:iam::111122223333:role/echo-role"),
		Code: &lambdatypes.FunctionCode{ZipFile: buf.Bytes()},
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = lc.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String(fn)}) })

	_, out := invokeEcho(t, lc, fn, `{}`)
	var failure struct{ ErrorType, ErrorMessage string }
	_ = json.Unmarshal(out.Payload, &failure)
	if aws.ToString(out.FunctionError) != "Unhandled" || failure.ErrorType != "Runtime.InvalidEntrypoint" || !strings.Contains(failure.ErrorMessage, "permission denied") {
		t.Fatalf("function error %q, failure %+v", aws.ToString(out.FunctionError), failure)
	}
}

// withComment is pkg with a zip comment: the same bootstrap in a package
// of another CodeSha256, as a rebuild gives.
func withComment(t *testing.T, pkg []byte, comment string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(pkg), int64(len(pkg)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		if err := zw.Copy(f); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.SetComment(comment); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestExecutorExtractsEachPackageOnce: two functions with the same code
// run one extracted bootstrap, and so does the next emulator;
// UpdateFunctionCode runs the new package's own.
func TestExecutorExtractsEachPackageOnce(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the local AWS runs Lambda's Linux binaries only on Linux")
	}
	emu, cfg := newHub(t)
	ctx := t.Context()
	lc := lambda.NewFromConfig(cfg)
	stamp := time.Now().UnixNano()
	code := withComment(t, echoZip(t, runtime.GOARCH), fmt.Sprint("v1 ", stamp)) // no other test's package
	var fns []string
	for i := range 2 {
		fn := fmt.Sprintf("rg-shared-%d-%d", stamp, i)
		if _, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{
			FunctionName: aws.String(fn), Runtime: lambdatypes.RuntimeProvidedal2023, Handler: aws.String("bootstrap"),
			Role: aws.String("arn:aws:iam::111122223333:role/echo-role"), Code: &lambdatypes.FunctionCode{ZipFile: code},
		}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _, _ = lc.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String(fn)}) })
		fns = append(fns, fn)
	}
	one, _ := invokeEcho(t, lc, fns[0], `"a"`)
	two, _ := invokeEcho(t, lc, fns[1], `"b"`)
	if one.LAMBDA_TASK_ROOT == "" || one.LAMBDA_TASK_ROOT != two.LAMBDA_TASK_ROOT {
		t.Fatalf("task roots %q and %q, want one shared extraction", one.LAMBDA_TASK_ROOT, two.LAMBDA_TASK_ROOT)
	}

	if _, err := lc.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String(fns[1]),
		ZipFile: withComment(t, code, fmt.Sprint("v2 ", stamp))}); err != nil {
		t.Fatal(err)
	}
	waitGone(t, two.PID)
	updated, _ := invokeEcho(t, lc, fns[1], `"c"`)
	if updated.LAMBDA_TASK_ROOT == "" || updated.LAMBDA_TASK_ROOT == one.LAMBDA_TASK_ROOT {
		t.Fatalf("after UpdateFunctionCode task root %q, want the new package's own (old %q)", updated.LAMBDA_TASK_ROOT, one.LAMBDA_TASK_ROOT)
	}
	if again, _ := invokeEcho(t, lc, fns[0], `"d"`); again.LAMBDA_TASK_ROOT != one.LAMBDA_TASK_ROOT {
		t.Errorf("the other function's code moved: %q, was %q", again.LAMBDA_TASK_ROOT, one.LAMBDA_TASK_ROOT)
	}

	// The next emulator in this process (the next test's) runs the same
	// package from the same extraction, though the first one closed.
	emu.Close()
	_, cfg2 := newHub(t)
	lc2 := lambda.NewFromConfig(cfg2)
	fn := fmt.Sprintf("rg-shared-%d-next", stamp)
	if _, err := lc2.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: aws.String(fn), Runtime: lambdatypes.RuntimeProvidedal2023, Handler: aws.String("bootstrap"),
		Role: aws.String("arn:aws:iam::111122223333:role/echo-role"), Code: &lambdatypes.FunctionCode{ZipFile: code},
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = lc2.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String(fn)}) })
	if next, _ := invokeEcho(t, lc2, fn, `"e"`); next.LAMBDA_TASK_ROOT != one.LAMBDA_TASK_ROOT {
		t.Errorf("the next emulator extracted the package again: %q, was %q", next.LAMBDA_TASK_ROOT, one.LAMBDA_TASK_ROOT)
	}
}
