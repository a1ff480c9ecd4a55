// Package awserr classifies AWS API errors once for every command: which
// call failed, with which error code, and — when access was denied — which
// IAM action the caller must be granted.
package awserr

import (
	"errors"
	"fmt"

	"github.com/aws/smithy-go"
)

// Error is an AWS API failure, classified.
type Error struct {
	Service   string // SDK service ID, e.g. "IAM"
	Operation string // API operation, e.g. "GetAccountSummary"
	Code      string // AWS error code; empty when no API answer arrived (network, timeout)
	Message   string
	Caller    string // caller ARN, when known; named in the access-denied hint
	Err       error
}

func (e *Error) Error() string {
	switch {
	case e.AccessDenied():
		return fmt.Sprintf("%s: access denied: grant %s%s", e.call(), e.Action(), e.callerSuffix())
	case e.Code != "":
		return fmt.Sprintf("%s: %s: %s", e.call(), e.Code, e.Message)
	default:
		cause := e.Err
		var op *smithy.OperationError
		if errors.As(cause, &op) {
			cause = op.Err
		}
		return fmt.Sprintf("%s: %v", e.call(), cause)
	}
}

func (e *Error) Unwrap() error { return e.Err }

func (e *Error) call() string {
	if e.Operation == "" {
		return "AWS call"
	}
	return e.Action()
}

func (e *Error) callerSuffix() string {
	if e.Caller == "" {
		return ""
	}
	return " to " + e.Caller
}

// AccessDenied reports whether the caller lacks permission for the call.
func (e *Error) AccessDenied() bool {
	switch e.Code {
	case "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError":
		return true
	}
	return false
}

// Action is the IAM action that authorises the failed call, e.g.
// "iam:GetAccountSummary". For the services rootguard reads, the action is
// the service's IAM prefix and the operation name.
func (e *Error) Action() string {
	prefix, ok := actionPrefix[e.Service]
	if !ok {
		prefix = e.Service
	}
	return prefix + ":" + e.Operation
}

// actionPrefix maps SDK service IDs to IAM action prefixes.
var actionPrefix = map[string]string{
	"IAM":             "iam",
	"STS":             "sts",
	"Organizations":   "organizations",
	"CloudTrail":      "cloudtrail",
	"EventBridge":     "events",
	"CloudWatch Logs": "logs",
	"CloudWatch":      "cloudwatch",
	"CloudFormation":  "cloudformation",
	"SQS":             "sqs",
	"SNS":             "sns",
	"SSM":             "ssm",
	"Lambda":          "lambda",
	"S3":              "s3",
}

// Classify returns err as an *Error, or nil when err is nil. The service and
// operation come from the SDK's smithy.OperationError, the code from
// smithy.APIError; an error that carries neither still yields an *Error with
// an empty Code.
func Classify(err error) *Error {
	if err == nil {
		return nil
	}
	var already *Error
	if errors.As(err, &already) {
		return already
	}
	e := &Error{Err: err}
	var op *smithy.OperationError
	if errors.As(err, &op) {
		e.Service, e.Operation = op.ServiceID, op.OperationName
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		e.Code, e.Message = api.ErrorCode(), api.ErrorMessage()
	}
	return e
}

// Code returns the AWS error code carried by err, or "".
func Code(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}
