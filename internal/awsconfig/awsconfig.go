// Package awsconfig loads the AWS configuration shared by every rootguard
// command: the SDK's default chain (environment, shared config and
// credentials files, SSO, IMDS), --profile and --region, and the SDK's own
// AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> variables, so every command
// runs unchanged against an emulator.
package awsconfig

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/smithy-go/logging"
	"github.com/aws/smithy-go/middleware"

	"github.com/rootguard/rootguard/internal/account"
)

// MaxAttempts raises the standard retryer's attempts (default 3): root-user
// audits fan out over IAM and STS, whose quotas throttle bursts.
const MaxAttempts = 8

// NewRetryer is the SDK's standard retryer with MaxAttempts attempts and
// a full-jitter backoff from RetryBase. Load installs it; tests that build
// an aws.Config by hand use it to retry as rootguard does.
func NewRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = MaxAttempts
		o.Backoff = fullJitter{base: RetryBase, max: RetryMaxBackoff}
		// Unreachable decides first: the SDK's own rules retry every
		// connection error.
		o.Retryables = append([]retry.IsErrorRetryable{retry.IsErrorRetryableFunc(retryUnreachable)}, o.Retryables...)
	})
}

// RetryBase and RetryMaxBackoff shape the backoff. The SDK's default waits
// up to 2 s before the first retry of a throttled call (a 1 s base, doubled);
// in an organization fan-out a few throttled calls per hundred then add
// seconds to every wave. IAM and STS throttle with token buckets refilled
// every second, so a 250 ms base with full jitter spreads the retries of
// concurrent workers over that refill while still backing off
// exponentially to RetryMaxBackoff over MaxAttempts.
const (
	RetryBase       = 250 * time.Millisecond
	RetryMaxBackoff = 20 * time.Second
)

// fullJitter is "full jitter" exponential backoff: a uniform random delay
// in [0, min(max, base·2^(attempt-1))].
type fullJitter struct{ base, max time.Duration }

func (j fullJitter) BackoffDelay(attempt int, _ error) (time.Duration, error) {
	ceiling := j.max
	if attempt >= 1 && attempt < 32 {
		if d := j.base << (attempt - 1); d > 0 && d < j.max {
			ceiling = d
		}
	}
	return time.Duration(rand.Int64N(int64(ceiling) + 1)), nil
}

// MaxIdleConnsPerHost keeps enough idle connections for an organization
// fan-out: every member account's IAM calls go to the same host
// (iam.amazonaws.com), and the SDK's default of 10 would make most of the
// concurrent calls open a new TLS connection.
const MaxIdleConnsPerHost = 128

// NewHTTPClient is the SDK's buildable client with MaxIdleConnsPerHost and
// the DefaultTimeouts.
func NewHTTPClient() *awshttp.BuildableClient { return DefaultTimeouts.HTTPClient() }

// HTTPClient is the SDK's buildable client with MaxIdleConnsPerHost and
// these timeouts. The client stays a BuildableClient so that the SDK can
// still apply AWS_CA_BUNDLE to it.
func (t Timeouts) HTTPClient() *awshttp.BuildableClient {
	t = t.orDefaults()
	return awshttp.NewBuildableClient().
		WithDialerOptions(func(d *net.Dialer) { d.Timeout = t.Connect }).
		WithTransportOptions(func(tr *http.Transport) {
			tr.MaxIdleConnsPerHost = MaxIdleConnsPerHost
			tr.TLSHandshakeTimeout = t.TLSHandshake
			tr.ResponseHeaderTimeout = t.Response
		}).
		WithReadTimeout(t.Response)
}

// Options are the user's choices that shape the configuration.
type Options struct {
	Profile string
	Region  string
	// Timeouts bound every call; a zero field is its DefaultTimeouts value.
	Timeouts Timeouts
	// Endpoint and Credentials, set together, take the place of the
	// endpoint, Region and credentials of the environment and the shared
	// files, which are not read: every client calls Endpoint (a local AWS)
	// as Credentials, in Region or the home Region. A process that runs
	// commands against several local AWS instances at once (the reliability
	// tests) cannot give each its own environment. AWS_PROFILE must not
	// be set: with no shared files, the profile it names does not exist.
	Endpoint    string
	Credentials aws.CredentialsProvider
}

// Loader loads an aws.Config. The Factory holds one, so tests can swap it.
type Loader func(ctx context.Context, opts Options) (aws.Config, error)

// Load is the production Loader.
func Load(ctx context.Context, opts Options) (aws.Config, error) {
	timeouts := opts.Timeouts.orDefaults()
	// The SDK gives the STS client of a profile's role_arn only a
	// service-specific endpoint (AWS_ENDPOINT_URL_STS, a [services] section),
	// not AWS_ENDPOINT_URL or the profile's endpoint_url, which it resolves
	// only after the credentials. assumeRoleEndpoint adds the resolved global
	// endpoint to that one call, as every other client of the configuration
	// gets it.
	var globalEndpoint string
	loadOpts := []func(*config.LoadOptions) error{
		config.WithRetryer(NewRetryer),
		config.WithHTTPClient(timeouts.HTTPClient()),
		config.WithAssumeRoleCredentialOptions(func(o *stscreds.AssumeRoleOptions) {
			o.Client = assumeRoleEndpoint{AssumeRoleAPIClient: o.Client, endpoint: &globalEndpoint}
		}),
		// Without credentials anywhere else the chain asks the instance
		// metadata service last; off EC2, where something answers its token
		// request with 403/404/405, its client logs "falling back to IMDSv1"
		// onto stderr, which says nothing about the actual problem: Load's
		// own error names it.
		config.WithLogger(quietIMDSFallback{logging.NewStandardLogger(os.Stderr)}),
		config.WithAPIOptions([]func(*middleware.Stack) error{annotateUnreachable(timeouts), nameRetriedFailure}),
	}
	if opts.Profile != "" {
		loadOpts = append(loadOpts, config.WithSharedConfigProfile(opts.Profile))
	}
	if opts.Endpoint != "" && opts.Credentials != nil {
		region := opts.Region
		if region == "" {
			region = account.DefaultRegion
		}
		loadOpts = append(loadOpts,
			// No shared files: nothing of the user's own profiles applies.
			config.WithSharedConfigFiles([]string{}), config.WithSharedCredentialsFiles([]string{}),
			config.WithBaseEndpoint(opts.Endpoint), config.WithCredentialsProvider(opts.Credentials),
			config.WithRegion(region))
	}
	if opts.Region != "" {
		loadOpts = append(loadOpts, config.WithRegion(opts.Region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, loadOpts...)
	if err != nil {
		if opts.Profile != "" {
			return aws.Config{}, fmt.Errorf("load AWS configuration for profile %q: %w", opts.Profile, err)
		}
		return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		// Neither --region nor the config chain names one: the aws
		// partition's home Region, where root sign-in events arrive.
		cfg.Region = account.DefaultRegion
	}
	globalEndpoint = aws.ToString(cfg.BaseEndpoint)
	// Every command that loads a configuration calls AWS: without
	// credentials it cannot run at all, which is exit 1 with a hint, not a
	// report full of ERROR rows.
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return aws.Config{}, fmt.Errorf("no usable AWS credentials (%w)\n"+
			"Configure them as for the aws CLI: `aws configure`, AWS_PROFILE or --profile, `aws sso login`, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY", err)
	}
	return cfg, nil
}
