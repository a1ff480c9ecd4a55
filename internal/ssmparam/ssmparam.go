// Package ssmparam reads one SSM parameter, decrypted, for the alert Lambda
// function: AmazonSSM.GetParameter over the AWS JSON 1.1 protocol, signed
// with the SDK's own SigV4 signer and retried by the configuration's own
// retryer, without the SDK's SSM client.
//
// Why not the SDK's client: importing service/ssm initialises its generated
// serialisation schemas (every SSM shape, ~1.6 ms and 1.4 MB at every cold
// start of a function that calls one operation), the largest item of the
// function's init (BENCHMARKS.md, "Where the bootstrap's start goes"). The
// SDK has no build tag or option to leave them out. The alternatives were
// worse: the AWS Parameters and Secrets Lambda Extension is a layer to add
// to the stack in every Region and partition, cannot be called during the
// init phase, and serves a cached value for a TTL (300 s by default), so a
// rotated webhook would keep failing for minutes
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/ps-integration-lambda-extensions.html);
// pinning service/ssm below v1.80.0, its last release without schemas,
// would hold every rootguard command on an old SSM client.
//
// What is kept from the SDK: the credential chain, Region, HTTP client and
// timeouts, retryer (attempts, backoff, throttling and transient-error
// classification, retry quota) and the configured endpoints
// (AWS_ENDPOINT_URL_SSM, AWS_ENDPOINT_URL, the shared config's services
// section, AWS_USE_FIPS_ENDPOINT) of the aws.Config that awsconfig.Load
// returns. Errors are smithy.APIError values, as the SDK's client returns.
package ssmparam

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/clock"
)

// sdkID is SSM's SDK service ID, which names its configured endpoint
// (AWS_ENDPOINT_URL_SSM, `ssm =` in a services section); signingName is
// its SigV4 signing name.
const (
	sdkID       = "SSM"
	signingName = "ssm"
)

// maxResponse bounds what is read of an answer. A parameter value is at
// most 8 KB (advanced tier), its answer a few hundred bytes more.
const maxResponse = 1 << 20

// Client reads parameters. Build it with New.
type Client struct {
	endpoint string
	region   string
	creds    aws.CredentialsProvider
	http     aws.HTTPClient
	retryer  aws.Retryer
	signer   *v4.Signer
	now      func() time.Time
}

// New resolves the SSM endpoint of cfg's Region the way the SDK's SSM
// client does for the settings a Lambda function can have.
func New(ctx context.Context, cfg aws.Config) (*Client, error) {
	if cfg.Region == "" {
		return nil, errors.New("ssm: no AWS Region configured")
	}
	if cfg.Credentials == nil {
		return nil, errors.New("ssm: no AWS credentials configured")
	}
	endpoint, err := resolveEndpoint(ctx, cfg)
	if err != nil {
		return nil, err
	}
	c := &Client{
		endpoint: endpoint,
		region:   cfg.Region,
		creds:    cfg.Credentials,
		http:     cfg.HTTPClient,
		signer:   v4.NewSigner(),
		now:      time.Now,
	}
	if c.http == nil {
		c.http = awshttp.NewBuildableClient()
	}
	if cfg.Retryer != nil {
		c.retryer = cfg.Retryer()
	} else {
		c.retryer = retry.NewStandard()
	}
	if cfg.RetryMaxAttempts != 0 { // AWS_MAX_ATTEMPTS, max_attempts
		c.retryer = retry.AddWithMaxAttempts(c.retryer, cfg.RetryMaxAttempts)
	}
	return c, nil
}

// The config sources' methods that endpoint resolution reads (the SDK's
// config.EnvConfig and config.SharedConfig implement them).
type (
	serviceEndpointSource interface {
		GetServiceBaseEndpoint(ctx context.Context, sdkID string) (string, bool, error)
	}
	ignoreEndpointsSource interface {
		GetIgnoreConfiguredEndpoints(ctx context.Context) (bool, bool, error)
	}
	fipsSource interface {
		GetUseFIPSEndpoint(ctx context.Context) (aws.FIPSEndpointState, bool, error)
	}
	dualStackSource interface {
		GetUseDualStackEndpoint(ctx context.Context) (aws.DualStackEndpointState, bool, error)
	}
)

// resolveEndpoint follows the SDK's SSM client: a service-specific
// configured endpoint, else the general one (cfg.BaseEndpoint, already
// resolved by config), else ssm[-fips].<region>.<partition DNS suffix>.
func resolveEndpoint(ctx context.Context, cfg aws.Config) (string, error) {
	if !ignoreConfigured(ctx, cfg.ConfigSources) {
		for _, src := range cfg.ConfigSources {
			if p, ok := src.(serviceEndpointSource); ok {
				v, found, err := p.GetServiceBaseEndpoint(ctx, sdkID)
				if err != nil {
					return "", fmt.Errorf("ssm: configured endpoint: %w", err)
				}
				if found {
					return v, nil
				}
			}
		}
	}
	if cfg.BaseEndpoint != nil {
		return *cfg.BaseEndpoint, nil
	}
	fips, dualStack := false, false
	for _, src := range cfg.ConfigSources {
		if p, ok := src.(fipsSource); ok && !fips {
			v, found, _ := p.GetUseFIPSEndpoint(ctx)
			fips = found && v == aws.FIPSEndpointStateEnabled
		}
		if p, ok := src.(dualStackSource); ok && !dualStack {
			v, found, _ := p.GetUseDualStackEndpoint(ctx)
			dualStack = found && v == aws.DualStackEndpointStateEnabled
		}
	}
	if dualStack {
		// Not silently dropped: the caller asked for IPv6 endpoints.
		return "", errors.New("ssm: dual-stack endpoints are not supported by the alert function; set AWS_ENDPOINT_URL_SSM instead")
	}
	host := "ssm."
	if fips {
		host = "ssm-fips."
	}
	return "https://" + host + cfg.Region + "." + account.PartitionOfRegion(cfg.Region).DNSSuffix, nil
}

func ignoreConfigured(ctx context.Context, sources []any) bool {
	for _, src := range sources {
		if p, ok := src.(ignoreEndpointsSource); ok {
			if v, found, _ := p.GetIgnoreConfiguredEndpoints(ctx); found {
				return v
			}
		}
	}
	return false
}

// Endpoint is the resolved endpoint, for tests and diagnostics.
func (c *Client) Endpoint() string { return c.endpoint }

// GetDecrypted returns the value of parameter name, decrypted
// (GetParameter with WithDecryption). Throttling and transient failures
// are retried by the configuration's retryer until it gives up or ctx is
// done. The value never appears in an error.
func (c *Client) GetDecrypted(ctx context.Context, name string) (string, error) {
	body, err := json.Marshal(getParameterInput{Name: name, WithDecryption: true})
	if err != nil {
		return "", err
	}
	release := func(error) error { return nil }
	for attempt := 1; ; attempt++ {
		value, err := c.call(ctx, body)
		_ = release(err) // the retry quota's token comes back on success
		if err == nil {
			return value, nil
		}
		err = &smithy.OperationError{ServiceID: sdkID, OperationName: "GetParameter", Err: err}
		if ctx.Err() != nil || attempt >= c.retryer.MaxAttempts() || !c.retryer.IsErrorRetryable(err) {
			return "", err
		}
		var qerr error
		if release, qerr = c.retryer.GetRetryToken(ctx, err); qerr != nil {
			return "", err // the retry quota is spent: the service keeps failing
		}
		delay, derr := c.retryer.RetryDelay(attempt, err)
		if derr != nil {
			return "", err
		}
		if clock.Sleep(ctx, delay) != nil {
			return "", err // the caller's deadline: the last answer says why
		}
	}
}

type getParameterInput struct {
	Name           string
	WithDecryption bool
}

type getParameterOutput struct {
	Parameter *struct {
		Value *string
	}
}

// call makes one signed attempt.
func (c *Client) call(ctx context.Context, body []byte) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(c.endpoint, "/")+"/", bytes.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("endpoint %q: %w", c.endpoint, err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AmazonSSM.GetParameter")
	creds, err := c.creds.Retrieve(ctx)
	if err != nil {
		return "", fmt.Errorf("retrieve credentials: %w", err)
	}
	sum := sha256.Sum256(body)
	if err := c.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), signingName, c.region, c.now()); err != nil {
		return "", fmt.Errorf("sign request: %w", err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return "", &smithyhttp.RequestSendError{Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return "", responseError(resp, fmt.Errorf("read answer: %w", err))
	}
	if len(data) > maxResponse {
		return "", responseError(resp, fmt.Errorf("answer larger than %d bytes", maxResponse))
	}
	if resp.StatusCode != http.StatusOK {
		return "", responseError(resp, decodeError(resp, data))
	}
	return decodeValue(data)
}

// decodeValue reads Parameter.Value from a GetParameter answer. Its
// errors never quote the answer, which holds the secret.
func decodeValue(data []byte) (string, error) {
	var out getParameterOutput
	if err := json.Unmarshal(data, &out); err != nil {
		return "", errors.New("decode GetParameter answer: not the expected JSON")
	}
	if out.Parameter == nil || out.Parameter.Value == nil {
		return "", errors.New("decode GetParameter answer: no Parameter.Value")
	}
	return *out.Parameter.Value, nil
}

// decodeError reads an AWS JSON 1.1 error: the code from X-Amzn-ErrorType
// or __type (either may carry a "namespace#" prefix and a ":" suffix), the
// message from message or Message.
func decodeError(resp *http.Response, data []byte) error {
	var body struct {
		Type     string `json:"__type"`
		Message  string `json:"message"`
		MessageU string `json:"Message"`
	}
	_ = json.Unmarshal(data, &body) // a body that is not JSON leaves the code to the header or status
	code := resp.Header.Get("X-Amzn-ErrorType")
	if code == "" {
		code = body.Type
	}
	if i := strings.LastIndex(code, "#"); i >= 0 {
		code = code[i+1:]
	}
	if i := strings.Index(code, ":"); i >= 0 {
		code = code[:i]
	}
	if code == "" {
		code = fmt.Sprintf("HTTP%d", resp.StatusCode)
	}
	msg := body.Message
	if msg == "" {
		msg = body.MessageU
	}
	fault := smithy.FaultClient
	if resp.StatusCode >= 500 {
		fault = smithy.FaultServer
	}
	return &smithy.GenericAPIError{Code: code, Message: msg, Fault: fault}
}

// responseError wraps err as the SDK's clients do, so the retryer sees
// the HTTP status and errors.As finds the request ID.
func responseError(resp *http.Response, err error) error {
	return &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: resp}, Err: err},
		RequestID:     resp.Header.Get("X-Amzn-RequestId"),
	}
}
