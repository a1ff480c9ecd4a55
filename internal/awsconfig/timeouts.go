package awsconfig

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/logging"
	"github.com/aws/smithy-go/middleware"
)

// Timeouts bound each call to AWS, so that an endpoint that refuses, never
// accepts, or accepts and never answers (a half-open connection through a
// proxy or VPN) ends a command in bounded time instead of never.
type Timeouts struct {
	// Connect bounds the TCP connection, DNS lookup included. AWS endpoints
	// accept within milliseconds from anywhere; 5 s leaves room for a slow
	// DNS resolver and a congested link.
	Connect time.Duration
	// TLSHandshake bounds the TLS handshake (Go's default is 10 s); a
	// handshake is a few round trips.
	TLSHandshake time.Duration
	// Response bounds the wait for the response headers once the request is
	// written (an upload does not count), and every later silence while the
	// body is read. rootguard's calls are short control-plane calls
	// (STS, IAM, Organizations, CloudFormation, SQS without long polling,
	// Lambda without synchronous invocation — posture test's one Invoke
	// waits longer through ForCall) that AWS answers in well under a
	// second; 30 s is generous for a throttled or distant endpoint. A
	// long-polling call (SQS ReceiveMessage with WaitTimeSeconds up to 20 s)
	// would need this above its wait: none is made.
	Response time.Duration
}

// DefaultTimeouts are the production bounds. The longest a single call to
// a hung endpoint can take is Connect + TLSHandshake + Response (40 s), and
// such a call is not retried (see retryUnreachable).
var DefaultTimeouts = Timeouts{Connect: 5 * time.Second, TLSHandshake: 5 * time.Second, Response: 30 * time.Second}

func (t Timeouts) orDefaults() Timeouts {
	if t.Connect <= 0 {
		t.Connect = DefaultTimeouts.Connect
	}
	if t.TLSHandshake <= 0 {
		t.TLSHandshake = DefaultTimeouts.TLSHandshake
	}
	if t.Response <= 0 {
		t.Response = DefaultTimeouts.Response
	}
	return t
}

// retryUnreachable keeps the standard retryer from retrying a call whose
// endpoint cannot be reached or does not answer. The SDK retries every
// connection error, dial error and timeout (package retry's
// DefaultRetryables: "Connection Errors", "Errors that implement a
// ConnectionError, Temporary, or Timeout method", "net.OpErr types that are
// dialing errors"; https://pkg.go.dev/github.com/aws/aws-sdk-go-v2/aws/retry),
// MaxAttempts times with backoff: a refused connection
// then takes ~25 s to report and a hung endpoint MaxAttempts × Response.
// A refused or unresolvable endpoint does not heal within a backoff, and a
// call that got no answer within Response already waited long enough; the
// error names the endpoint at once instead. A connection reset mid-call
// (a server restarting, a load balancer recycling) is still retried.
func retryUnreachable(err error) aws.Ternary {
	if _, ok := unreachable(err); ok {
		return aws.FalseTernary
	}
	return aws.UnknownTernary
}

// Unreachable reports whether err is a failure to connect to, or to hear
// from, an endpoint (not the caller's own deadline): waiting and asking
// again does not help, so callers with their own retries skip them.
func Unreachable(err error) bool {
	_, ok := unreachable(err)
	return ok
}

// unreachable tells whether err is a failure to connect to, or to hear
// from, an endpoint, and which of the two.
func unreachable(err error) (noAnswer bool, ok bool) {
	// The caller's own deadline or cancel is not the endpoint's fault. (Go's
	// "timeout awaiting response headers" also matches
	// context.DeadlineExceeded, so the SDK's CanceledError — which it
	// returns when the caller's context ended — tells them apart.)
	var canceled *smithy.CanceledError
	if errors.As(err, &canceled) || errors.Is(err, context.Canceled) {
		return false, false
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return false, true
	}
	var rt *awshttp.ResponseTimeoutError
	if errors.As(err, &rt) {
		return true, true
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return false, true
	}
	var ue *url.Error
	if errors.As(err, &ue) && ue.Timeout() {
		return true, true
	}
	return false, false
}

// ForCall gives one call of a client other timeouts than its
// configuration's — a synchronous Lambda Invoke waits for the function's
// run — and names those, not the configuration's, when the endpoint does
// not answer. Pass it as the call's option function's body:
//
//	func(o *lambda.Options) { o.HTTPClient, o.APIOptions = t.ForCall(o.APIOptions) }
func (t Timeouts) ForCall(apiOptions []func(*middleware.Stack) error) (*awshttp.BuildableClient, []func(*middleware.Stack) error) {
	t = t.orDefaults()
	rename := func(stack *middleware.Stack) error {
		// The configuration's annotation is added by its APIOptions, which
		// run before the call's; a stack without it is not an error.
		_, _ = stack.Initialize.Remove(unreachableID)
		return annotateUnreachable(t)(stack)
	}
	return t.HTTPClient(), append(apiOptions[:len(apiOptions):len(apiOptions)], rename)
}

// unreachableID is the middleware of annotateUnreachable.
const unreachableID = "rootguardUnreachable"

// annotateUnreachable names the endpoint and the bound in the error of a
// call that could not reach it, so that the one line a command prints says
// where and how long: "could not connect to https://sts.amazonaws.com
// within 5s" or "https://… did not answer within 30s".
func annotateUnreachable(t Timeouts) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc(unreachableID,
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				out, md, err := next.HandleInitialize(ctx, in)
				if err == nil || ctx.Err() != nil {
					return out, md, err
				}
				noAnswer, ok := unreachable(err)
				if !ok {
					return out, md, err
				}
				endpoint := "the endpoint"
				var ue *url.Error
				if errors.As(err, &ue) {
					if u, perr := url.Parse(ue.URL); perr == nil {
						endpoint = u.Scheme + "://" + u.Host
					}
				}
				var op *net.OpError
				switch {
				case noAnswer:
					return out, md, fmt.Errorf("%s did not answer within %s: %w", endpoint, t.Response, err)
				case errors.As(err, &op) && op.Timeout():
					return out, md, fmt.Errorf("could not connect to %s within %s: %w", endpoint, t.Connect, err)
				default:
					return out, md, fmt.Errorf("could not connect to %s: %w", endpoint, err)
				}
			}), middleware.Before)
	}
}

// assumeRoleEndpoint gives a profile's AssumeRole call the configuration's
// global endpoint (AWS_ENDPOINT_URL or the profile's endpoint_url) unless
// a service-specific one already applies. endpoint is filled once the
// configuration is resolved, before the first call.
type assumeRoleEndpoint struct {
	stscreds.AssumeRoleAPIClient
	endpoint *string
}

func (a assumeRoleEndpoint) AssumeRole(ctx context.Context, in *sts.AssumeRoleInput, optFns ...func(*sts.Options)) (*sts.AssumeRoleOutput, error) {
	if e := *a.endpoint; e != "" {
		optFns = append([]func(*sts.Options){func(o *sts.Options) {
			if o.BaseEndpoint == nil {
				o.BaseEndpoint = aws.String(e)
			}
		}}, optFns...)
	}
	return a.AssumeRoleAPIClient.AssumeRole(ctx, in, optFns...)
}

// quietIMDSFallback drops the IMDS client's "falling back to IMDSv1"
// warning and passes every other SDK log line on.
type quietIMDSFallback struct{ logging.Logger }

func (q quietIMDSFallback) Logf(c logging.Classification, format string, v ...any) {
	if strings.HasPrefix(format, "falling back to IMDSv1") {
		return
	}
	q.Logger.Logf(c, format, v...)
}
