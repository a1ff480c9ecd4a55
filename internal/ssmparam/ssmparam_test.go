package ssmparam

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"

	"github.com/rootguard/rootguard/internal/awsemu"
)

const secret = "https://hooks.slack.com/services/T000/B000/not-a-real-secret-q7"

// newEmu starts the local AWS with a SecureString parameter and returns
// the configuration of a caller in the account and the parameter's name
// (one per test: the local SSM store outlives a Server).
func newEmu(t *testing.T) (*awsemu.Server, aws.Config, string) {
	t.Helper()
	emu, err := awsemu.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	cfg := emu.Config(emu.AddAccount("111122223333", "prod").AddUser("fn").AddAccessKey(awsemu.AccessKey{}))
	if _, err := ssm.NewFromConfig(cfg).PutParameter(t.Context(), &ssm.PutParameterInput{
		Name: aws.String(hookName(t)), Type: types.ParameterTypeSecureString, Value: aws.String(secret),
	}); err != nil {
		t.Fatal(err)
	}
	return emu, cfg, hookName(t)
}

func hookName(t *testing.T) string { return "/rg/" + t.Name() }

// quickRetries is the SDK's standard retryer with attempts and a 1 ms
// backoff, so tests exercise retries without waiting for them.
func quickRetries(attempts int, backoff time.Duration) func() aws.Retryer {
	return func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = attempts
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return backoff, nil })
		})
	}
}

func TestGetDecryptedReadsTheSecureString(t *testing.T) {
	emu, cfg, hook := newEmu(t)
	c, err := New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	emu.ResetCalls()
	got, err := c.GetDecrypted(t.Context(), hook)
	if err != nil {
		t.Fatal(err)
	}
	if got != secret {
		t.Errorf("GetDecrypted = %q, want the decrypted value", got)
	}
	if n := len(emu.CallsTo("ssm", "GetParameter")); n != 1 {
		t.Errorf("%d GetParameter calls, want 1", n)
	}
}

func TestGetDecryptedErrorsAreAPIErrors(t *testing.T) {
	emu, cfg, hook := newEmu(t)
	cfg.Retryer = quickRetries(3, time.Millisecond)
	c, err := New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}

	emu.ResetCalls()
	_, err = c.GetDecrypted(t.Context(), "/rg/missing")
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "ParameterNotFound" {
		t.Fatalf("missing parameter: err = %v, want the ParameterNotFound API error", err)
	}
	if n := len(emu.CallsTo("ssm", "GetParameter")); n != 1 {
		t.Errorf("missing parameter asked %d times, want once (not retryable)", n)
	}

	// Always throttled: every attempt is made, then the throttling error
	// is returned, naming the operation.
	emu.ResetCalls()
	id := emu.InjectFault(awsemu.Fault{Service: "ssm", Action: "GetParameter", ThrottleRate: 1})
	_, err = c.GetDecrypted(t.Context(), hook)
	if !errors.As(err, &api) || api.ErrorCode() != "ThrottlingException" || !strings.Contains(err.Error(), "GetParameter") {
		t.Fatalf("throttled: err = %v, want ThrottlingException naming GetParameter", err)
	}
	if n := len(emu.CallsTo("ssm", "GetParameter")); n != 3 {
		t.Errorf("throttled call made %d times, want the retryer's 3 attempts", n)
	}
	if strings.Contains(err.Error(), secret) {
		t.Errorf("error carries the secret: %v", err)
	}

	// Throttled half of the time: the retries get through.
	emu.RemoveFault(id)
	emu.SeedFaults(7)
	emu.InjectFault(awsemu.Fault{Service: "ssm", Action: "GetParameter", ThrottleRate: 0.5})
	cfg.Retryer = quickRetries(20, time.Millisecond)
	if c, err = New(t.Context(), cfg); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if got, err := c.GetDecrypted(t.Context(), hook); err != nil || got != secret {
			t.Fatalf("50%% throttling with 20 attempts: %q, %v", got, err)
		}
	}
}

func TestGetDecryptedStopsAtTheDeadline(t *testing.T) {
	emu, cfg, hook := newEmu(t)
	cfg.Retryer = quickRetries(10, 10*time.Second) // would take 90 s without the deadline
	c, err := New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	emu.InjectFault(awsemu.Fault{Service: "ssm", Action: "GetParameter", ThrottleRate: 1})
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = c.GetDecrypted(ctx, hook)
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "ThrottlingException" {
		t.Fatalf("err = %v, want the last ThrottlingException", err)
	}
	if took := time.Since(start); took > 5*time.Second { // generous: a loaded machine
		t.Errorf("GetDecrypted took %v past a 200 ms deadline", took)
	}
}

// endpointSources stands for the SDK's config.EnvConfig.
type endpointSources struct {
	service   string
	ignore    bool
	fips      bool
	dualStack bool
}

func (e endpointSources) GetServiceBaseEndpoint(_ context.Context, id string) (string, bool, error) {
	return e.service, id == "SSM" && e.service != "", nil
}

func (e endpointSources) GetIgnoreConfiguredEndpoints(context.Context) (bool, bool, error) {
	return e.ignore, e.ignore, nil
}

func (e endpointSources) GetUseFIPSEndpoint(context.Context) (aws.FIPSEndpointState, bool, error) {
	if e.fips {
		return aws.FIPSEndpointStateEnabled, true, nil
	}
	return aws.FIPSEndpointStateUnset, false, nil
}

func (e endpointSources) GetUseDualStackEndpoint(context.Context) (aws.DualStackEndpointState, bool, error) {
	if e.dualStack {
		return aws.DualStackEndpointStateEnabled, true, nil
	}
	return aws.DualStackEndpointStateUnset, false, nil
}

func TestEndpointResolution(t *testing.T) {
	for _, tc := range []struct {
		name, region string
		base         *string
		src          endpointSources
		want         string // "" means an error
	}{
		{"default", "eu-west-1", nil, endpointSources{}, "https://ssm.eu-west-1.amazonaws.com"},
		{"China", "cn-north-1", nil, endpointSources{}, "https://ssm.cn-north-1.amazonaws.com.cn"},
		{"GovCloud FIPS", "us-gov-west-1", nil, endpointSources{fips: true}, "https://ssm-fips.us-gov-west-1.amazonaws.com"},
		{"AWS_ENDPOINT_URL", "us-east-1", aws.String("http://127.0.0.1:9"), endpointSources{}, "http://127.0.0.1:9"},
		{"AWS_ENDPOINT_URL_SSM wins", "us-east-1", aws.String("http://127.0.0.1:9"), endpointSources{service: "http://127.0.0.1:8"}, "http://127.0.0.1:8"},
		{"configured endpoints ignored", "us-east-1", nil, endpointSources{service: "http://127.0.0.1:8", ignore: true}, "https://ssm.us-east-1.amazonaws.com"},
		{"dual-stack refused", "us-east-1", nil, endpointSources{dualStack: true}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := aws.Config{Region: tc.region, BaseEndpoint: tc.base, ConfigSources: []any{tc.src},
				Credentials: aws.AnonymousCredentials{}}
			c, err := New(t.Context(), cfg)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("New = %s, want an error", c.Endpoint())
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Endpoint() != tc.want {
				t.Errorf("endpoint %s, want %s", c.Endpoint(), tc.want)
			}
		})
	}
	if _, err := New(t.Context(), aws.Config{Credentials: aws.AnonymousCredentials{}}); err == nil {
		t.Error("New without a Region: no error")
	}
}
