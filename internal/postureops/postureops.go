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

	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/awsconfig"
	"github.com/rootguard/rootguard/internal/awserr"
	"github.com/rootguard/rootguard/internal/posture"
	"github.com/rootguard/rootguard/internal/stack"
)

type invokeAPI interface {
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
	return &Engine{
		Engine: posture.New(caller),
		lambda: lambda.NewFromConfig(caller.Home(), func(o *lambda.Options) {
			o.HTTPClient = awsconfig.Timeouts{Response: invokeResponseTimeout}.HTTPClient()
			o.RetryMaxAttempts = 1
		}),
	}
}

// invokeResponseTimeout waits for the auditor's answer: its timeout (900 s,
// Lambda's maximum) and a minute for the invocation around it.
const invokeResponseTimeout = 16 * time.Minute

// ErrNotDeployed means the posture auditor function is not deployed.
var ErrNotDeployed = errors.New("the posture auditor is not deployed here: deploy it with `rootguard posture deploy`")

// Invoke runs the deployed auditor now and waits for its summary: a
// synchronous Lambda Invoke with the payload the schedule sends. It is not
// retried — a second attempt would be a second run.
func (e *Engine) Invoke(ctx context.Context, names stack.Names) (*posture.Summary, error) {
	fn := names.PostureFunction()
	out, err := e.lambda.Invoke(ctx, &lambda.InvokeInput{FunctionName: &fn, Payload: []byte("{}")})
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
