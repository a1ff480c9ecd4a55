package awsconfig_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/rootguard/rootguard/internal/awsconfig"
	"github.com/rootguard/rootguard/internal/awsemu"
)

// TestRetryDeadlineNamesTheLastAnswer: a call whose retries the caller's
// deadline ends says why it was retrying; a call that ends otherwise —
// attempts spent, or an error not retried — is returned as the SDK made it.
func TestRetryDeadlineNamesTheLastAnswer(t *testing.T) {
	t.Parallel()
	emu, err := awsemu.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	key := emu.AddAccount("111122223333", "prod").AddUser("admin").AddAccessKey(awsemu.AccessKey{})
	cfg, err := awsconfig.Load(t.Context(), awsconfig.Options{Endpoint: emu.URL, Credentials: credentials.StaticCredentialsProvider{Value: key}})
	if err != nil {
		t.Fatal(err)
	}
	client := sts.NewFromConfig(cfg)
	throttled := emu.InjectFault(awsemu.Fault{Service: "sts", ThrottleRate: 1})

	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	_, err = client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	var cut *awsconfig.RetryDeadlineError
	var api smithy.APIError
	if !errors.As(err, &cut) || !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &api) || api.ErrorCode() != "Throttling" {
		t.Errorf("deadline while retrying: %v, want a RetryDeadlineError naming Throttling", err)
	}

	twoAttempts := func(o *sts.Options) { o.Retryer = retry.AddWithMaxAttempts(o.Retryer, 2) }
	_, err = client.GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{}, twoAttempts)
	var spent *retry.MaxAttemptsError
	if errors.As(err, &cut) || !errors.As(err, &spent) {
		t.Errorf("attempts spent: %v, want the SDK's MaxAttemptsError alone", err)
	}

	emu.RemoveFault(throttled)
	emu.InjectFault(awsemu.Fault{Service: "sts", DenyRate: 1})
	ctx, cancel = context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	_, err = client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if errors.As(err, &cut) || !errors.As(err, &api) || api.ErrorCode() != "AccessDenied" {
		t.Errorf("not retried: %v, want AccessDenied alone", err)
	}
}
