package lambda

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/google/uuid"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

// Asynchronous invocation defaults, as documented for Lambda: two retries
// after a function error, events kept for six hours.
const (
	defaultMaxRetryAttempts = 2
	defaultMaxEventAge      = 6 * time.Hour
	invokeBackoffStart      = 100 * time.Millisecond
	invokeBackoffMax        = 2 * time.Second
)

// invokeResult is one synchronous invocation of a kumo function.
type invokeResult struct {
	payload       []byte
	functionError string
}

// registrationGrace is how long an invocation of a process the executor
// has just started retries kumo's "no runtime handler" answer: the
// process's first poll is on its way to kumo.
const registrationGrace = time.Second

// invokeSync runs fn once through kumo and waits for its answer, starting
// the function's bootstrap first when the emulator runs it. An error means
// the function could not be run at all (no runtime polling yet, function
// missing); a function error, including code that cannot run, is reported
// in the result.
func (p *Functions) invokeSync(ctx context.Context, fn string, payload []byte) (invokeResult, error) {
	managed, err := p.exec.ensure(ctx, fn)

	var bad *runtimeFailure
	if errors.As(err, &bad) {
		return bad.result(), nil
	}

	if err != nil {
		return invokeResult{}, fmt.Errorf("invoke %s: %w", fn, err)
	}

	started := time.Now()

	for {
		out, err := p.lambda.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String(fn), Payload: payload})

		var unavailable *types.ServiceException
		if managed && errors.As(err, &unavailable) && time.Since(started) < registrationGrace {
			sleep(ctx, 10*time.Millisecond)

			continue
		}

		if err != nil {
			return invokeResult{}, fmt.Errorf("invoke %s: %w", fn, err)
		}

		return invokeResult{payload: out.Payload, functionError: aws.ToString(out.FunctionError)}, nil
	}
}

// invokeAsync delivers an event the way Lambda's asynchronous invocation
// does: retried with backoff while the function cannot run (until the
// maximum event age), retried MaximumRetryAttempts times after a function
// error, then handed to the configured on-failure destination; successes go
// to the on-success destination. It returns how the delivery ended: nil
// after a success, ErrNoFunction, the context's error, or an error naming
// the function's failure.
func (p *Functions) invokeAsync(ctx context.Context, k emu.Scope, fn string, payload []byte) error {
	cfg := p.invokeConfigFor(k, fn)
	deadline := time.Now().Add(cfg.maxEventAge())
	backoff := invokeBackoffStart
	invocations := 0

	for {
		res, err := p.invokeSync(ctx, fn, payload)

		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil:
			var missing *types.ResourceNotFoundException
			if errors.As(err, &missing) {
				slog.Warn("awsemu: async event dropped, function does not exist", "function", fn)

				return ErrNoFunction
			}

			if time.Now().After(deadline) {
				p.sendToDestination(ctx, k, fn, cfg.onFailure(), "EventAgeExceeded", invocations, payload, res)

				return fmt.Errorf("function %s: EventAgeExceeded: %w", fn, err)
			}
		case res.functionError == "":
			p.sendToDestination(ctx, k, fn, cfg.onSuccess(), "Success", invocations+1, payload, res)

			return nil
		default:
			invocations++
			if invocations > cfg.maxRetryAttempts() {
				p.sendToDestination(ctx, k, fn, cfg.onFailure(), "RetriesExhausted", invocations, payload, res)

				return fmt.Errorf("function %s: RetriesExhausted after %d invocations: %s: %s", fn, invocations, res.functionError, res.payload)
			}
		}

		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}

		backoff = min(2*backoff, invokeBackoffMax)
	}
}

// sendToDestination delivers Lambda's destination record for an
// asynchronous invocation to an SQS queue, a function or an event bus.
func (p *Functions) sendToDestination(ctx context.Context, k emu.Scope, fn, dest, condition string, invocations int, payload []byte, res invokeResult) {
	if dest == "" {
		if condition != "Success" {
			slog.Warn("awsemu: async event discarded", "function", fn, "condition", condition)
		}

		return
	}

	record := map[string]any{
		"version":   "1.0",
		"timestamp": time.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
		"requestContext": map[string]any{
			"requestId":              uuid.NewString(),
			"functionArn":            functionArn(k, fn) + ":$LATEST",
			"condition":              condition,
			"approximateInvokeCount": invocations,
		},
		"requestPayload": json.RawMessage(payload),
		"responseContext": map[string]any{
			"statusCode":      200,
			"executedVersion": "$LATEST",
			"functionError":   res.functionError,
		},
	}
	if json.Valid(res.payload) {
		record["responsePayload"] = json.RawMessage(res.payload)
	}

	body, err := json.Marshal(record)
	if err != nil {
		return
	}

	target := emu.ParseARN(dest)

	switch target.Service {
	case "sqs":
		err = p.SendToQueue(ctx, target.Resource, "", body)
	case "lambda":
		_ = p.invokeAsync(ctx, emu.Scope{Account: target.Account, Region: target.Region}, arnFunction(target), body)
	case "events":
		err = p.putDestinationEvent(target, fn, condition, body)
	default:
		err = fmt.Errorf("destination service %s is not emulated", target.Service)
	}

	if err != nil {
		slog.Warn("awsemu: destination not reached", "function", fn, "destination", dest, "error", err)
	}
}

// putDestinationEvent puts the record on an event bus with the detail type
// Lambda uses for destination events.
func (p *Functions) putDestinationEvent(bus emu.ARN, fn, condition string, record []byte) error {
	detailType := "Lambda Function Invocation Result - Failure"
	if condition == "Success" {
		detailType = "Lambda Function Invocation Result - Success"
	}

	s := emu.Scope{Account: bus.Account, Region: bus.Region}
	if err := p.links.PutEvent(s, "arn:aws:events:"+bus.Region+":"+bus.Account+":"+bus.Resource, "lambda", detailType, string(record)); err != nil {
		return fmt.Errorf("destination event for %s: %w", fn, err)
	}

	return nil
}
