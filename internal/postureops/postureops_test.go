package postureops

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/smithy-go"

	"github.com/rootguard/rootguard/internal/stack"
)

type fakeLambda struct {
	cfgErr error
	out    *lambda.InvokeOutput
	err    error
	in     *lambda.InvokeInput
}

func (f *fakeLambda) GetFunctionConfiguration(_ context.Context, in *lambda.GetFunctionConfigurationInput, _ ...func(*lambda.Options)) (*lambda.GetFunctionConfigurationOutput, error) {
	if f.cfgErr != nil {
		return nil, f.cfgErr
	}
	return &lambda.GetFunctionConfigurationOutput{FunctionName: in.FunctionName, Timeout: aws.Int32(900)}, nil
}

func (f *fakeLambda) Invoke(_ context.Context, in *lambda.InvokeInput, _ ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
	f.in = in
	return f.out, f.err
}

// Invoke tells a missing function, a failed run and an answer that is not
// a run summary apart, and returns the summary of a run.
func TestInvoke(t *testing.T) {
	names := stack.Names{Prefix: "rg"}
	tests := []struct {
		name    string
		cfgErr  error
		out     *lambda.InvokeOutput
		err     error
		wantErr string
		run     string
	}{
		{name: "not deployed", cfgErr: &smithy.GenericAPIError{Code: "ResourceNotFoundException"}, wantErr: "not deployed here"},
		{name: "not deployed since", err: &smithy.GenericAPIError{Code: "ResourceNotFoundException"}, wantErr: "not deployed here"},
		{name: "configuration unread", cfgErr: errors.New("http://lambda did not answer within 30s"), wantErr: "read rg-posture: AWS call: http://lambda did not answer within 30s"},
		{name: "denied", err: &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "no"}, wantErr: "invoke rg-posture"},
		{name: "run failed", out: &lambda.InvokeOutput{FunctionError: aws.String("Unhandled"), Payload: []byte(`{"errorMessage":"list accounts: denied","errorType":"errorString"}`)},
			wantErr: "the auditor's run failed (Unhandled): list accounts: denied"},
		{name: "not a summary", out: &lambda.InvokeOutput{Payload: []byte(`null`)}, wantErr: "not a run summary"},
		{name: "summary", out: &lambda.InvokeOutput{Payload: []byte(`{"run_id":"2026-12-03T13-00-00Z","accounts":3,"report":"s3://b/k"}`)}, run: "2026-12-03T13-00-00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := &fakeLambda{cfgErr: tt.cfgErr, out: tt.out, err: tt.err}
			s, err := (&Engine{lambda: fake}).Invoke(t.Context(), names)
			switch {
			case tt.cfgErr != nil && fake.in != nil:
				t.Errorf("invoked although the function's configuration could not be read")
			case tt.cfgErr == nil && (aws.ToString(fake.in.FunctionName) != names.PostureFunction() || string(fake.in.Payload) != "{}"):
				t.Errorf("invoked %q with %q, want %q with the schedule's {}", aws.ToString(fake.in.FunctionName), fake.in.Payload, names.PostureFunction())
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				if notDeployed := errors.Is(err, ErrNotDeployed); notDeployed != strings.HasPrefix(tt.name, "not deployed") {
					t.Errorf("errors.Is(err, ErrNotDeployed) = %v for %v", notDeployed, err)
				}
				return
			}
			if err != nil || s.RunID != tt.run || s.Accounts != 3 {
				t.Fatalf("Invoke = %+v, %v; want run %s of 3 accounts", s, err, tt.run)
			}
		})
	}
}

// The Invoke waits for the function's run: its timeout and a minute, or
// Lambda's longest when the configuration does not say.
func TestInvokeWait(t *testing.T) {
	for _, tt := range []struct {
		seconds int32
		want    time.Duration
	}{
		{60, 2 * time.Minute},
		{900, 16 * time.Minute},
		{0, 16 * time.Minute},
		{5000, 16 * time.Minute},
	} {
		if got := invokeWait(tt.seconds); got != tt.want {
			t.Errorf("invokeWait(%d) = %s, want %s", tt.seconds, got, tt.want)
		}
	}
}
