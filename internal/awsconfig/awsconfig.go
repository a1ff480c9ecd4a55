// Package awsconfig loads the AWS configuration shared by every rootguard
// command: the SDK's default chain (environment, shared config and
// credentials files, SSO, IMDS), --profile and --region, and the SDK's own
// AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> variables, so every command
// runs unchanged against an emulator.
package awsconfig

import (
	"context"
	"fmt"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
)

// DefaultRegion is used when neither --region nor the config chain names one.
// Root sign-in events are delivered to us-east-1, so it is also the region
// rootguard's alert pipeline lives in.
const DefaultRegion = "us-east-1"

// MaxAttempts raises the standard retryer's attempts (default 3): root-user
// audits fan out over IAM and STS, whose quotas throttle bursts.
const MaxAttempts = 8

// NewRetryer is the SDK's standard retryer with MaxAttempts attempts. Load
// installs it; tests that build an aws.Config by hand use it to retry as
// rootguard does.
func NewRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = MaxAttempts
	})
}

// MaxIdleConnsPerHost keeps enough idle connections for an organization
// fan-out: every member account's IAM calls go to the same host
// (iam.amazonaws.com), and the SDK's default of 10 would make most of the
// concurrent calls open a new TLS connection.
const MaxIdleConnsPerHost = 128

// NewHTTPClient is the SDK's buildable client with MaxIdleConnsPerHost.
func NewHTTPClient() *awshttp.BuildableClient {
	return awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
		t.MaxIdleConnsPerHost = MaxIdleConnsPerHost
	})
}

// Options are the user's choices that shape the configuration.
type Options struct {
	Profile string
	Region  string
}

// Loader loads an aws.Config. The Factory holds one, so tests can swap it.
type Loader func(ctx context.Context, opts Options) (aws.Config, error)

// Load is the production Loader.
func Load(ctx context.Context, opts Options) (aws.Config, error) {
	loadOpts := []func(*config.LoadOptions) error{
		config.WithRetryer(NewRetryer),
		config.WithHTTPClient(NewHTTPClient()),
	}
	if opts.Profile != "" {
		loadOpts = append(loadOpts, config.WithSharedConfigProfile(opts.Profile))
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
		cfg.Region = DefaultRegion
	}
	return cfg, nil
}
