// Package cmdtest runs rootguard commands in tests against a local AWS the
// way main runs them: configuration from awsconfig.Load, with its retryer,
// timeouts and middleware.
package cmdtest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go"
	"github.com/spf13/cobra"

	"github.com/rootguard/rootguard/internal/awsconfig"
	"github.com/rootguard/rootguard/internal/awsemu"
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

// Throttled starts a local AWS with one account, every call to service
// answered with throttling, and returns a Factory whose commands call it
// as a user of that account.
func Throttled(t *testing.T, service string) (*cmdutil.Factory, *iostreams.IOStreams) {
	t.Helper()
	emu, err := awsemu.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	key := emu.AddAccount("111122223333", "prod").AddUser("admin").AddAccessKey(awsemu.AccessKey{})
	emu.InjectFault(awsemu.Fault{Service: service, ThrottleRate: 1})
	return Factory(emu.URL, key)
}

// Execute runs cmd with args, bounded by two minutes of the test's own
// should it not end by itself, and returns how long it took and its error.
func Execute(cmd *cobra.Command, ios *iostreams.IOStreams, args ...string) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd.SetArgs(args)
	cmd.SetOut(ios.Out)
	cmd.SetErr(ios.ErrOut)
	start := time.Now()
	err := cmd.ExecuteContext(ctx)
	return time.Since(start), err
}

// RetriesCut asserts that a command run by Execute ended with exit 1
// within bound because its own deadline ended the SDK's retries
// (awsconfig.RetryDeadlineError), naming the throttled operation and the
// error code AWS answered.
func RetriesCut(t *testing.T, err error, took, bound time.Duration, operation, code string) {
	t.Helper()
	t.Logf("after %v: %v", took, err)
	if got := cmdutil.ExitCode(err); got != cmdutil.ExitError {
		t.Fatalf("exit %d (%v), want %d", got, err, cmdutil.ExitError)
	}
	var cut *awsconfig.RetryDeadlineError
	if !errors.As(err, &cut) {
		t.Errorf("error %q: the SDK's retries were not ended by the deadline", err)
	}
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != code || !strings.Contains(err.Error(), operation) {
		t.Errorf("error %q does not name the %s answered to %s", err, code, operation)
	}
	if took > bound {
		t.Errorf("the command took %v, want under %v", took, bound)
	}
}
