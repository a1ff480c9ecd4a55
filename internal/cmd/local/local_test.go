package local

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
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

// TestHelperLocalProcess is the background process of the --detach tests:
// it runs `rootguard local` with the arguments after "--".
func TestHelperLocalProcess(t *testing.T) {
	if os.Getenv("ROOTGUARD_LOCAL_HELPER") != "1" {
		t.Skip("runs only as the background process of a --detach test")
	}
	args := os.Args[slices.Index(os.Args, "--")+2:] // -- local …
	cmd := NewCmdLocal(&cmdutil.Factory{IOStreams: iostreams.System()}, nil)
	cmd.SetArgs(args)
	if err := cmd.ExecuteContext(context.Background()); err != nil {
		os.Exit(cmdutil.ExitCode(err))
	}
	os.Exit(0)
}

func helperCommand(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^TestHelperLocalProcess$", "--"}, args...)...)
	cmd.Env = append(os.Environ(), "ROOTGUARD_LOCAL_HELPER=1")
	return cmd
}

// TestDetachPrintsTheEnvironmentAndKeepsServing: `local --detach` returns
// once the background process serves — so eval "$(rootguard local
// --detach)" does not hang — with the environment and the PID; the
// printed credentials work against the still-running server, which stops
// when killed.
func TestDetachPrintsTheEnvironmentAndKeepsServing(t *testing.T) {
	ios, _, out, errOut := iostreams.Test()
	opts := &LocalOptions{IO: ios, Detach: true, Members: 2, command: helperCommand}
	returned := make(chan error, 1)
	go func() { returned <- detach(t.Context(), opts) }()
	select {
	case err := <-returned:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("--detach did not return: eval \"$(rootguard local --detach)\" would hang")
	}
	env := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		k, v, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		if !ok || !strings.HasPrefix(line, "export ") {
			t.Fatalf("not an export line: %q", line)
		}
		env[k] = v
	}
	pid, err := strconv.Atoi(env["ROOTGUARD_LOCAL_PID"])
	if err != nil {
		t.Fatalf("ROOTGUARD_LOCAL_PID = %q", env["ROOTGUARD_LOCAL_PID"])
	}
	proc, err := os.FindProcess(pid)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = proc.Kill() })
	if !strings.Contains(errOut.String(), "kill $ROOTGUARD_LOCAL_PID") {
		t.Errorf("stderr %q does not say how to stop it", errOut.String())
	}
	if env["AWS_DEFAULT_REGION"] == "" || env["AWS_DEFAULT_REGION"] != env["AWS_REGION"] {
		t.Errorf("AWS_DEFAULT_REGION = %q, AWS_REGION = %q", env["AWS_DEFAULT_REGION"], env["AWS_REGION"])
	}

	cfg := aws.Config{
		Region:       env["AWS_REGION"],
		BaseEndpoint: aws.String(env["AWS_ENDPOINT_URL"]),
		Credentials:  credentials.NewStaticCredentialsProvider(env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"], ""),
	}
	accounts, err := organizations.NewFromConfig(cfg).ListAccounts(t.Context(), &organizations.ListAccountsInput{})
	if err != nil || len(accounts.Accounts) != 5+2 {
		t.Fatalf("the detached server with the printed credentials: %v, %+v", err, accounts)
	}

	// Killed, it stops serving.
	if err := proc.Kill(); err != nil {
		t.Fatal(err)
	}
	_, _ = proc.Wait()
	cfg.RetryMaxAttempts = 1
	if _, err := organizations.NewFromConfig(cfg).ListAccounts(t.Context(), &organizations.ListAccountsInput{}); err == nil {
		t.Error("the server still answers after kill $ROOTGUARD_LOCAL_PID")
	}
}

// TestDetachReportsWhyItCannotServe: a background process that cannot
// start says why, with the exit code it would have had (a usage error is
// one), and leaves no process behind.
func TestDetachReportsWhyItCannotServe(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	noOrg := filepath.Join(t.TempDir(), "single.json")
	if err := os.WriteFile(noOrg, []byte(`{"accounts": [{"id": "111122223333", "name": "solo"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	err := detach(t.Context(), &LocalOptions{IO: ios, Detach: true, Scenario: noOrg, Members: 3, command: helperCommand})
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "--members needs a scenario with an organization") {
		t.Errorf("err = %v, want the background process's usage error", err)
	}
	err = detach(t.Context(), &LocalOptions{IO: ios, Detach: true, Scenario: filepath.Join(t.TempDir(), "missing.json"), command: helperCommand})
	if err == nil || cmdutil.ExitCode(err) == cmdutil.ExitUsage || !strings.Contains(err.Error(), "read scenario") {
		t.Errorf("err = %v, want the background process's error", err)
	}
	if out.Len() != 0 {
		t.Errorf("stdout %q: nothing may be printed for eval when the server does not serve", out.String())
	}
}
