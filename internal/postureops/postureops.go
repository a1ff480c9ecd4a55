// Package postureops is the engine of `rootguard posture run|status|test`:
// posture.Engine (run the auditor here, read its runs) and invoking the
// deployed auditor function. Invoke is here, not in package posture,
// because the auditor function links package posture: the Lambda client it
// would bring is never called there, and every client linked adds its
// serialisation schemas to the function's cold start
// (cmd/auditor/deps_test.go).
package postureops

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/awsconfig"
	"github.com/rootguard/rootguard/internal/awserr"
	"github.com/rootguard/rootguard/internal/posture"
	"github.com/rootguard/rootguard/internal/stack"
)

type invokeAPI interface {
	GetFunctionConfiguration(ctx context.Context, in *lambda.GetFunctionConfigurationInput, optFns ...func(*lambda.Options)) (*lambda.GetFunctionConfigurationOutput, error)
	Invoke(ctx context.Context, in *lambda.InvokeInput, optFns ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

var _ invokeAPI = (*lambda.Client)(nil)

// Engine runs the auditor from a terminal and reads its state
// (posture.Engine), and invokes the deployed auditor, in the caller's hub.
type Engine struct {
	*posture.Engine
	lambda invokeAPI
}

// New returns the engine for the caller's account.
func New(caller *account.Session) *Engine {
	return &Engine{Engine: posture.New(caller), lambda: lambda.NewFromConfig(caller.Home())}
}

// invokeMargin is how much longer than the function's own timeout the
// synchronous Invoke waits for its answer: the invocation around the run.
const invokeMargin = time.Minute

// maxFunctionTimeout is Lambda's longest function timeout (900 s), assumed
// when the configuration does not say.
const maxFunctionTimeout = 900 * time.Second

// invokeWait is how long the synchronous Invoke of a function whose
// timeout is seconds waits for its answer.
func invokeWait(seconds int32) time.Duration {
	d := time.Duration(seconds) * time.Second
	if d <= 0 || d > maxFunctionTimeout {
		d = maxFunctionTimeout
	}
	return d + invokeMargin
}

// ErrNotDeployed means the posture auditor function is not deployed.
var ErrNotDeployed = errors.New("the posture auditor is not deployed here: deploy it with `rootguard posture deploy`")

// Invoke runs the deployed auditor now and waits for its summary: a
// synchronous Lambda Invoke with the payload the schedule sends. It is not
// retried — a second attempt would be a second run.
//
// A synchronous Invoke answers when the function returns, so the call must
// wait as long as the function may run — its configured Timeout, up to 900
// seconds (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html,
// API_GetFunctionConfiguration.html: "Timeout — the amount of time in
// seconds that Lambda allows a function to run before stopping it"). An
// endpoint that never answers would hold it that long too, so the function's
// configuration is read first with the ordinary call bounds: it shows that
// Lambda answers, that the function exists, and how long the Invoke may wait.
func (e *Engine) Invoke(ctx context.Context, names stack.Names) (*posture.Summary, error) {
	fn := names.PostureFunction()
	cfg, err := e.lambda.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: &fn})
	if awserr.Code(err) == "ResourceNotFoundException" {
		return nil, fmt.Errorf("%w (no function %s)", ErrNotDeployed, fn)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", fn, awserr.Classify(err))
	}
	wait := invokeWait(aws.ToInt32(cfg.Timeout))
	out, err := e.lambda.Invoke(ctx, &lambda.InvokeInput{FunctionName: &fn, Payload: []byte("{}")}, func(o *lambda.Options) {
		o.HTTPClient, o.APIOptions = awsconfig.Timeouts{Response: wait}.ForCall(o.APIOptions)
		o.RetryMaxAttempts = 1
	})
	if awserr.Code(err) == "ResourceNotFoundException" {
		return nil, fmt.Errorf("%w (no function %s)", ErrNotDeployed, fn)
	}
	if err != nil {
		return nil, fmt.Errorf("invoke %s: %w", fn, awserr.Classify(err))
	}
	if out.FunctionError != nil {
		var fail struct {
			Message string `json:"errorMessage"`
			Type    string `json:"errorType"`
		}
		_ = json.Unmarshal(out.Payload, &fail)
		if fail.Message == "" {
			fail.Message = string(out.Payload)
		}
		return nil, fmt.Errorf("the auditor's run failed (%s): %s", *out.FunctionError, fail.Message)
	}
	var s posture.Summary
	if err := json.Unmarshal(out.Payload, &s); err != nil || s.RunID == "" {
		return nil, fmt.Errorf("the auditor answered %q, not a run summary", out.Payload)
	}
	return &s, nil
}
