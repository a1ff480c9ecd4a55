package awsconfig

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestFullJitterStaysUnderItsCeiling(t *testing.T) {
	j := fullJitter{base: RetryBase, max: RetryMaxBackoff}
	for attempt, ceiling := range map[int]time.Duration{
		1: 250 * time.Millisecond, 2: 500 * time.Millisecond, 4: 2 * time.Second, 7: 16 * time.Second, 8: 20 * time.Second, 60: 20 * time.Second,
	} {
		var longest time.Duration
		for range 2000 {
			d, err := j.BackoffDelay(attempt, nil)
			if err != nil || d < 0 || d > ceiling {
				t.Fatalf("attempt %d: delay %s (err %v) outside [0, %s]", attempt, d, err, ceiling)
			}
			longest = max(longest, d)
		}
		if longest < ceiling/2 {
			t.Errorf("attempt %d: longest of 2,000 delays %s: the jitter does not spread up to %s", attempt, longest, ceiling)
		}
	}
}

func isolate(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_CONFIG_FILE": dir + "/config", "AWS_SHARED_CREDENTIALS_FILE": dir + "/credentials",
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "",
		"AWS_SESSION_TOKEN": "", "AWS_PROFILE": "", "AWS_REGION": "", "AWS_DEFAULT_REGION": "",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "", "AWS_CONTAINER_CREDENTIALS_FULL_URI": "", "AWS_WEB_IDENTITY_TOKEN_FILE": "",
	} {
		t.Setenv(k, v)
	}
}

func TestLoadWithoutCredentialsCannotRun(t *testing.T) {
	isolate(t)
	_, err := Load(context.Background(), Options{})
	if err == nil || !strings.Contains(err.Error(), "no usable AWS credentials") || !strings.Contains(err.Error(), "aws sso login") {
		t.Fatalf("err = %v, want the no-credentials hint", err)
	}
}

func TestLoadFromEnvironment(t *testing.T) {
	isolate(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE00")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
	cfg, err := Load(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Region != DefaultRegion || cfg.BaseEndpoint == nil || *cfg.BaseEndpoint != "http://127.0.0.1:4566" {
		t.Fatalf("region %q, endpoint %v: want us-east-1 and AWS_ENDPOINT_URL", cfg.Region, cfg.BaseEndpoint)
	}
	cfg, err = Load(context.Background(), Options{Region: "eu-west-1"})
	if err != nil || cfg.Region != "eu-west-1" {
		t.Fatalf("--region: %q, %v", cfg.Region, err)
	}
	if _, err := Load(context.Background(), Options{Profile: "missing"}); err == nil || !strings.Contains(err.Error(), `profile "missing"`) {
		t.Fatalf("a missing profile: %v", err)
	}
}
