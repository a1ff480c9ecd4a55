// Package cmdtest runs rootguard commands in tests against a local AWS the
// way main runs them: configuration from awsconfig.Load, with its retryer,
// timeouts and middleware.
package cmdtest

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/rootguard/rootguard/internal/awsconfig"
	"github.com/rootguard/rootguard/internal/cmdutil"
	"github.com/rootguard/rootguard/internal/iostreams"
	"github.com/rootguard/rootguard/internal/prompt"
)

// Factory returns a Factory whose commands call the local AWS at endpoint
// as creds (awsconfig.Options Endpoint and Credentials: no environment or
// shared file is read, so tests may run in parallel), and its test IO
// streams.
func Factory(endpoint string, creds aws.Credentials) (*cmdutil.Factory, *iostreams.IOStreams) {
	ios, _, _, _ := iostreams.Test()
	return &cmdutil.Factory{
		IOStreams: ios,
		Prompter:  prompt.NewTerminal(ios),
		AWSConfig: func(ctx context.Context, opts awsconfig.Options) (aws.Config, error) {
			opts.Endpoint, opts.Credentials = endpoint, credentials.StaticCredentialsProvider{Value: creds}
			return awsconfig.Load(ctx, opts)
		},
		Now: time.Now,
	}, ios
}
