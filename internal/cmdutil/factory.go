// Package cmdutil holds what every command shares: the Factory, the
// documented exit codes and the errors that map to them.
package cmdutil

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/awsconfig"
	"github.com/rootguard/rootguard/internal/iostreams"
	"github.com/rootguard/rootguard/internal/prompt"
)

// Factory holds only IO streams, a prompter, an AWS-config loader and a
// clock. It is not a service locator: a command's NewCmdX defaults its
// Options.Engine to an engine built from Session when the command runs
// (tests give a fake), and the engine builds its own narrow clients;
// `audit` takes its engine as functions instead (docs/architecture.md).
type Factory struct {
	IOStreams *iostreams.IOStreams
	Prompter  prompt.Prompter
	AWSConfig awsconfig.Loader
	Now       func() time.Time

	// AWSOptions is filled from the root command's --profile and --region.
	AWSOptions awsconfig.Options
}

// New returns the production Factory.
func New() *Factory {
	ios := iostreams.System()
	return &Factory{
		IOStreams: ios,
		Prompter:  prompt.NewTerminal(ios),
		AWSConfig: awsconfig.Load,
		Now:       time.Now,
	}
}

// LoadAWSConfig loads the configuration with the global flags applied.
func (f *Factory) LoadAWSConfig(ctx context.Context) (aws.Config, error) {
	return f.AWSConfig(ctx, f.AWSOptions)
}

// Session loads the configuration and identifies the caller once: the
// account, caller ARN, partition, whether it is root, and the home Region
// that every engine of the command then works from.
func (f *Factory) Session(ctx context.Context) (*account.Session, error) {
	cfg, err := f.LoadAWSConfig(ctx)
	if err != nil {
		return nil, err
	}
	return account.Resolve(ctx, cfg)
}
