package awsconfig

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	"github.com/rootguard/rootguard/internal/account"
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
	if cfg.Region != account.DefaultRegion || cfg.BaseEndpoint == nil || *cfg.BaseEndpoint != "http://127.0.0.1:4566" {
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

// TestExplicitEndpointIgnoresEnvironmentAndFiles: Endpoint and Credentials
// replace the environment's endpoint, Region and credentials and the shared
// files, so that commands run in parallel in one process each
// reach their own local AWS.
func TestExplicitEndpointIgnoresEnvironmentAndFiles(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/config", []byte("[default]\nregion = ap-south-1\nendpoint_url = http://192.0.2.1:1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir+"/credentials", []byte("[default]\naws_access_key_id = AKIASHAREDFILE000000\naws_secret_access_key = file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CONFIG_FILE", dir+"/config")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", dir+"/credentials")
	t.Setenv("AWS_REGION", "eu-central-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENT00000")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "environment")
	t.Setenv("AWS_ENDPOINT_URL", "http://192.0.2.1:2")
	static := credentials.NewStaticCredentialsProvider("AKIAEXPLICIT00000000", "explicit", "")
	for region, want := range map[string]string{"": account.DefaultRegion, "eu-west-1": "eu-west-1"} {
		cfg, err := Load(context.Background(), Options{Region: region, Endpoint: "http://127.0.0.1:4566", Credentials: static})
		if err != nil {
			t.Fatal(err)
		}
		creds, err := cfg.Credentials.Retrieve(context.Background())
		if err != nil || creds.AccessKeyID != "AKIAEXPLICIT00000000" {
			t.Errorf("credentials %q (%v), want the explicit ones", creds.AccessKeyID, err)
		}
		if cfg.Region != want || aws.ToString(cfg.BaseEndpoint) != "http://127.0.0.1:4566" {
			t.Errorf("region %q, endpoint %q: want %s and the explicit endpoint", cfg.Region, aws.ToString(cfg.BaseEndpoint), want)
		}
	}
}

func envCredentials(t *testing.T, endpoint string) {
	t.Helper()
	isolate(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE00")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_ENDPOINT_URL", endpoint)
}

// hungListener accepts connections and never answers; it counts them.
func hungListener(t *testing.T) (string, *atomic.Int32) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var accepted atomic.Int32
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return "http://" + l.Addr().String(), &accepted
}

func TestHungEndpointFailsOnceWithinTheResponseTimeout(t *testing.T) {
	endpoint, accepted := hungListener(t)
	envCredentials(t, endpoint)
	cfg, err := Load(context.Background(), Options{Timeouts: Timeouts{Response: 300 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = sts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	took := time.Since(start)
	if err == nil {
		t.Fatal("a hung endpoint answered")
	}
	if want := endpoint + " did not answer within 300ms"; !strings.Contains(err.Error(), want) {
		t.Errorf("err = %v, want it to say %q", err, want)
	}
	if n := accepted.Load(); n != 1 {
		t.Errorf("%d connections: a call that got no answer must not be retried", n)
	}
	// MaxAttempts retries would take at least 8 × 300 ms.
	if took > 2*time.Second+MaxAttempts*300*time.Millisecond {
		t.Errorf("took %s", took)
	}
}

// A call given longer timeouts with ForCall waits that long, and says so:
// the configuration's bound would be a false "did not answer within".
func TestForCallNamesItsOwnBound(t *testing.T) {
	endpoint, _ := hungListener(t)
	envCredentials(t, endpoint)
	cfg, err := Load(context.Background(), Options{Timeouts: Timeouts{Response: 100 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = sts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}, func(o *sts.Options) {
		o.HTTPClient, o.APIOptions = Timeouts{Response: 700 * time.Millisecond}.ForCall(o.APIOptions)
	})
	took := time.Since(start)
	if want := endpoint + " did not answer within 700ms"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("err = %v, want it to say %q", err, want)
	}
	if err != nil && strings.Contains(err.Error(), "within 100ms") {
		t.Errorf("err = %v names the configuration's bound, not the call's", err)
	}
	if took < 700*time.Millisecond {
		t.Errorf("gave up after %s, before the call's own 700ms", took)
	}
}

func TestRefusedEndpointFailsAtOnce(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	endpoint := "http://" + l.Addr().String()
	l.Close() // nothing listens there now: connection refused
	envCredentials(t, endpoint)
	cfg, err := Load(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var attempts int
	_, err = sts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}, func(o *sts.Options) {
		o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
			return s.Finalize.Add(middleware.FinalizeMiddlewareFunc("count", func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				attempts++
				return next.HandleFinalize(ctx, in)
			}), middleware.After)
		})
	})
	if err == nil || !strings.Contains(err.Error(), "could not connect to "+endpoint) {
		t.Fatalf("err = %v, want it to name %s", err, endpoint)
	}
	if attempts != 1 {
		t.Errorf("%d attempts: a refused connection must not be retried", attempts)
	}
}

func TestRetryUnreachable(t *testing.T) {
	for name, tc := range map[string]struct {
		err  error
		want aws.Ternary
	}{
		"refused":         {&url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}}, aws.FalseTernary},
		"no such host":    {&net.DNSError{Err: "no such host", Name: "x", IsNotFound: true}, aws.FalseTernary},
		"body went quiet": {&awshttp.ResponseTimeoutError{TimeoutDur: time.Second}, aws.FalseTernary},
		"reset":           {&url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "read", Err: syscall.ECONNRESET}}, aws.UnknownTernary},
		"header timeout":  {&url.Error{Op: "Post", URL: "http://x", Err: timeoutErr{}}, aws.FalseTernary},
		"caller deadline": {&smithy.CanceledError{Err: &url.Error{Op: "Post", URL: "http://x", Err: context.DeadlineExceeded}}, aws.UnknownTernary},
		"api error":       {errors.New("Throttling"), aws.UnknownTernary},
	} {
		if got := retryUnreachable(tc.err); got != tc.want {
			t.Errorf("%s: %v, want %v", name, got, tc.want)
		}
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string { return "net/http: timeout awaiting response headers" }
func (timeoutErr) Timeout() bool { return true }

// TestRoleProfileUsesTheConfiguredEndpoint: a profile with role_arn and
// source_profile makes its AssumeRole call to the profile's endpoint_url
// (and to AWS_ENDPOINT_URL), like every other call, not to AWS.
func TestRoleProfileUsesTheConfiguredEndpoint(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		if r.Form.Get("Action") != "AssumeRole" {
			http.Error(w, "unexpected "+r.Form.Get("Action"), http.StatusBadRequest)
			return
		}
		calls.Add(1)
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprintf(w, `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>
<Credentials><AccessKeyId>ASIAROLEROLEROLE0001</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>%s</Expiration></Credentials>
<AssumedRoleUser><Arn>arn:aws:sts::111111111111:assumed-role/auditor/s</Arn><AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser>
</AssumeRoleResult></AssumeRoleResponse>`, time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
	}))
	defer srv.Close()

	for name, env := range map[string]bool{"endpoint_url": false, "AWS_ENDPOINT_URL": true} {
		t.Run(name, func(t *testing.T) {
			isolate(t)
			profileEndpoint := "endpoint_url = " + srv.URL + "\n"
			if env {
				profileEndpoint = ""
				t.Setenv("AWS_ENDPOINT_URL", srv.URL)
			}
			dir := t.TempDir()
			cfgFile := dir + "/config"
			if err := os.WriteFile(cfgFile, []byte("[profile src]\naws_access_key_id = AKIASOURCESOURCE0001\naws_secret_access_key = s\n\n"+
				"[profile auditor]\nrole_arn = arn:aws:iam::111111111111:role/auditor\nsource_profile = src\nregion = eu-west-1\n"+profileEndpoint), 0o600); err != nil {
				t.Fatal(err)
			}
			t.Setenv("AWS_CONFIG_FILE", cfgFile)
			before := calls.Load()
			cfg, err := Load(context.Background(), Options{Profile: "auditor", Timeouts: Timeouts{Connect: time.Second}})
			if err != nil {
				t.Fatalf("load the role profile: %v", err)
			}
			creds, err := cfg.Credentials.Retrieve(context.Background())
			if err != nil || creds.AccessKeyID != "ASIAROLEROLEROLE0001" {
				t.Fatalf("credentials %q, %v: want the role's", creds.AccessKeyID, err)
			}
			if calls.Load() != before+1 {
				t.Errorf("AssumeRole did not reach the configured endpoint")
			}
		})
	}
}

// TestNoIMDSv1WarningWithoutCredentials: when the chain ends at an instance
// metadata endpoint that refuses IMDSv2 tokens, stderr carries no SDK
// warning; the error names the problem.
func TestNoIMDSv1WarningWithoutCredentials(t *testing.T) {
	imdsSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }))
	defer imdsSrv.Close()
	isolate(t)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "false")
	t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", imdsSrv.URL)

	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := os.Stderr
	os.Stderr = w
	_, loadErr := Load(context.Background(), Options{})
	os.Stderr = stderr
	w.Close()
	logged, _ := io.ReadAll(r)
	if loadErr == nil || !strings.Contains(loadErr.Error(), "no usable AWS credentials") {
		t.Fatalf("err = %v, want the no-credentials hint", loadErr)
	}
	if len(logged) > 0 {
		t.Errorf("stderr: %s", logged)
	}
}
