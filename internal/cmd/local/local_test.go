package local

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/smithy-go"

	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/cmdutil"
	"github.com/rootguard/rootguard/internal/iostreams"
)

// TestLocalServesWhatItPrints starts `rootguard local` and, while it
// serves, uses the printed credentials: the organization holds the sample's
// accounts and the synthetic members, and the injected faults apply.
func TestLocalServesWhatItPrints(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var checked bool
	opts := &LocalOptions{IO: ios, Members: 25, Latency: 30 * time.Millisecond, Throttle: map[string]string{"iam": "1"}}
	opts.ready = func(emu *awsemu.Server) {
		defer cancel()
		env := map[string]string{}
		for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
			k, v, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
			if !ok {
				t.Errorf("not an export line: %q", line)
				return
			}
			env[k] = v
		}
		if env["AWS_REGION"] == "" || env["AWS_DEFAULT_REGION"] != env["AWS_REGION"] {
			t.Errorf("AWS_DEFAULT_REGION = %q, AWS_REGION = %q: the aws CLI reads only the former, the SDKs the latter", env["AWS_DEFAULT_REGION"], env["AWS_REGION"])
		}
		if env["AWS_ENDPOINT_URL"] != emu.URL {
			t.Errorf("AWS_ENDPOINT_URL = %q, want %q", env["AWS_ENDPOINT_URL"], emu.URL)
		}
		cfg := emu.Config(aws.Credentials{AccessKeyID: env["AWS_ACCESS_KEY_ID"], SecretAccessKey: env["AWS_SECRET_ACCESS_KEY"]})
		cfg.RetryMaxAttempts = 1
		start := time.Now()
		accounts := 0
		p := organizations.NewListAccountsPaginator(organizations.NewFromConfig(cfg), &organizations.ListAccountsInput{})
		pages := 0
		for p.HasMorePages() {
			page, err := p.NextPage(context.Background())
			if err != nil {
				t.Errorf("list accounts with the printed credentials: %v", err)
				return
			}
			pages++
			accounts += len(page.Accounts)
		}
		if accounts != 5+25 {
			t.Errorf("%d accounts, want the sample's 5 and 25 synthetic members", accounts)
		}
		if took := time.Since(start); took < time.Duration(pages)*30*time.Millisecond {
			t.Errorf("%d pages in %s: the 30 ms latency was not injected", pages, took)
		}
		_, err := iam.NewFromConfig(cfg).GetAccountSummary(context.Background(), &iam.GetAccountSummaryInput{})
		var api smithy.APIError
		if !errors.As(err, &api) || api.ErrorCode() != "Throttling" {
			t.Errorf("iam=1 must throttle every IAM call, got %v", err)
		}
		checked = true
	}
	if err := runLocal(ctx, opts); err != nil {
		t.Fatal(err)
	}
	if !checked {
		t.Fatal("the server never became ready")
	}
}

func TestThrottleRateMustBeAFraction(t *testing.T) {
	for _, rate := range []string{"NaN", "-0.1", "1.5", "Inf", "x", ""} {
		ios, _, _, _ := iostreams.Test()
		cmd := NewCmdLocal(&cmdutil.Factory{IOStreams: ios}, func(*LocalOptions) error { return nil })
		cmd.SetArgs([]string{"--throttle", "iam=" + rate})
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		if err := cmd.Execute(); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
			t.Errorf("--throttle iam=%s: err = %v, want a usage error", rate, err)
		}
	}
}
