// Package awserr classifies AWS API errors once for every command: which
// call failed, with which error code, and — when access was denied — which
// IAM action the caller must be granted.
package awserr

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/smithy-go"

	"github.com/rootguard/rootguard/internal/account"
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
		return fmt.Sprintf("%s: access denied: %s%s", e.call(), e.Advice(), e.awsMessage())
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

// awsMessage quotes AWS's own words: for a denial they name the policy
// type (and, in newer messages, the policy ARN) that denied.
func (e *Error) awsMessage() string {
	if e.Message == "" {
		return ""
	}
	return " (AWS: " + e.Message + ")"
}

// DeniedBy says what denied the call, from AWS's message: "service
// control policy", "permissions boundary", "session policy",
// "resource-based policy", or "" when AWS does not say (no policy allows
// it: a missing grant).
func (e *Error) DeniedBy() string {
	msg := strings.ToLower(e.Message)
	for _, kind := range []string{"service control policy", "resource control policy", "permissions boundary", "session policy", "resource-based policy", "identity-based policy"} {
		if strings.Contains(msg, "explicit deny in a "+kind) || strings.Contains(msg, "explicit deny in an "+kind) {
			return kind
		}
	}
	return ""
}

// Advice is what to do about a denial, for this caller.
//
// The root user — its own credentials or an sts:AssumeRoot session, both
// arn:<partition>:iam::<account>:root — cannot be granted anything: what
// denies root is a service control policy (SCPs stay in force in root
// sessions) or, for S3 and SQS, the resource's own policy. "Deny root" SCPs
// such as AWS Control Tower's root-user control exempt centralized root
// access sessions with the global condition key aws:AssumedRoot, which is
// "true" in requests signed with AssumeRoot credentials (IAM User Guide,
// "AWS global condition context keys"; AWS's SCP example "Prevent root
// credentials management in member accounts" denies root only when
// "Null": {"aws:AssumedRoot": "true"}).
func (e *Error) Advice() string {
	by := e.DeniedBy()
	switch {
	case account.IsRootARN(e.Caller) && by == "resource-based policy":
		return "the resource's own policy denies the root user; centralized root access can remove a locking bucket or queue policy (rootguard root unlock-bucket-policy / unlock-queue-policy)"
	case account.IsRootARN(e.Caller) && (by == "identity-based policy" || by == "session policy"):
		return "the root session's task policy does not allow " + e.Action() + ": it needs a root session opened with a task policy that does"
	case account.IsRootARN(e.Caller):
		return "the root user (" + e.Caller + ") cannot be granted permissions, so a service control policy denies " + e.Action() +
			"; if this is an sts:AssumeRoot session, exempt root sessions in that SCP's Deny statement with the condition " +
			`{"Null": {"aws:AssumedRoot": "true"}} (AWS Control Tower: the root-user control's ExemptAssumeRoot parameter)`
	case e.Action() == "sts:AssumeRoot" && disabledRootFeature(e.Message) != "":
		// Not a missing grant: the organization's centralized root access
		// feature is off, and only enabling it helps (IAM API Reference,
		// EnableOrganizationsRootSessions and
		// EnableOrganizationsRootCredentialsManagement: each needs IAM
		// trusted access in AWS Organizations first).
		f := disabledRootFeature(e.Message)
		return "centralized root access is off: the organization's " + f + " feature is not enabled, which no grant can change; " +
			"enable it from the management account with `rootguard fix --only org-centralized-root-access --approve` " +
			"(it plans iam:EnableOrganizations" + f + " after IAM trusted access in AWS Organizations)"
	case by == "service control policy" || by == "resource control policy":
		return "a " + by + " of the organization denies " + e.Action() + e.callerSuffix() + ": an IAM grant cannot help; the organization's administrators must change the policy AWS names"
	case by != "":
		return "an explicit deny in a " + by + " blocks " + e.Action() + e.callerSuffix() + ": remove it or narrow it; adding a grant cannot help"
	default:
		return "grant " + e.Action() + e.callerSuffix()
	}
}

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
	"Account":         "account",
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

// disabledRootFeature names the centralized root access feature an
// AssumeRoot denial says is not enabled — RootSessions or
// RootCredentialsManagement — or "" when the denial is about something else.
func disabledRootFeature(msg string) string {
	m := strings.ToLower(msg)
	if !strings.Contains(m, "not enabled") {
		return ""
	}
	switch {
	case strings.Contains(m, "root sessions") || strings.Contains(m, "rootsessions"):
		return "RootSessions"
	case strings.Contains(m, "root credentials management") || strings.Contains(m, "rootcredentialsmanagement"):
		return "RootCredentialsManagement"
	}
	return ""
}
