// Package demo implements `rootguard demo`: the main job on the embedded
// local AWS. It starts the emulator with a sample organization, points the
// SDK's standard configuration at it, and runs real rootguard commands —
// the same code paths a real account uses.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/spf13/cobra"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/cmdutil"
	"github.com/rootguard/rootguard/internal/iostreams"
)

// Runner runs `rootguard args…` in this process, with stdin as its
// standard input (nil: none).
type Runner func(ctx context.Context, stdin io.Reader, args ...string) error

// DemoOptions are the dependencies of `rootguard demo`.
type DemoOptions struct {
	IO  *iostreams.IOStreams
	Run Runner
}

// NewCmdDemo returns `rootguard demo`. run executes rootguard subcommands;
// the root command provides it, so this package does not import the tree.
func NewCmdDemo(f *cmdutil.Factory, run Runner, runF func(*DemoOptions) error) *cobra.Command {
	opts := &DemoOptions{IO: f.IOStreams, Run: run}
	return &cobra.Command{
		Use:     "demo",
		Example: `  rootguard demo`,
		Short:   "Run rootguard against a sample organization on the embedded local AWS",
		Long: `Start the embedded local AWS (no account, no network) with a sample
organization — a management account and members with root access keys, virtual
and hardware MFA, a suspended account — and run rootguard against it: audit the
organization, remove a member's root credentials through centralized root
access, deploy the Slack alert pipeline (to a stand-in Slack on 127.0.0.1),
test it, simulate a root sign-in and a burst of failed ones, show the Slack
messages, and audit again. Every step is a real rootguard command, talking to
the local AWS through the AWS SDK's standard configuration (AWS_ENDPOINT_URL);
the local AWS runs the real alert function.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runDemo(cmd.Context(), opts)
		},
	}
}

// step is one rootguard command of the demo and the exit codes it may end
// with (a fresh organization has findings: exit 3 is expected there), or
// an action of the local AWS itself (CloudTrail delivering sign-ins).
type step struct {
	title  string
	args   []string
	stdin  string
	ok     []int
	action func(ctx context.Context) error
}

var findings = []int{cmdutil.ExitOK, cmdutil.ExitFindings, cmdutil.ExitUnknown}

func runDemo(ctx context.Context, opts *DemoOptions) error {
	errOut := opts.IO.ErrOut
	emu, err := awsemu.New()
	if err != nil {
		return fmt.Errorf("start the local AWS: %w", err)
	}
	defer emu.Close()
	if err := emu.LoadScenario(awsemu.SampleScenario()); err != nil {
		return err
	}
	// A world of two Regions keeps the demo short: `alert deploy` forwards
	// every Region enabled in the account, here eu-west-1.
	if err := emu.SetRegions([]string{"us-east-1", "eu-west-1"}, nil); err != nil {
		return err
	}
	mgmt := emu.Organization().ManagementAccountID()
	creds := emu.Account(mgmt).AddUser("rootguard-demo", "*").AddAccessKey(awsemu.AccessKey{})
	restore, err := pointSDKAt(emu.Env(creds))
	if err != nil {
		return err
	}
	defer restore()

	fmt.Fprintf(errOut, "Local AWS on %s: organization with management account %s and members 222222222222 (root keys, virtual MFA),\n"+
		"333333333333 (root credentials removed), 444444444444 (hardware MFA), 555555555555 (suspended).\n"+
		"Running as %s with AWS_ENDPOINT_URL=%s.\n", emu.URL, mgmt, account.AWS.ARN("iam", "", mgmt, "user/rootguard-demo"), emu.URL)

	steps := []step{
		{title: "Audit every account of the organization", args: []string{"audit", "--org"}, ok: findings},
		{title: "Plan the removal of member 222222222222's root credentials (changes nothing)", args: []string{"fix", "--accounts", "222222222222", "--remove-root-credentials"}, ok: []int{cmdutil.ExitOK}},
		{title: "Remove them through sts:AssumeRoot (approved; --yes stands in for typing the account ID)", args: []string{"fix", "--accounts", "222222222222", "--remove-root-credentials", "--approve", "--yes"}, ok: []int{cmdutil.ExitOK}},
	}
	alerting, posture, cleanup, err := alertSteps(ctx, emu, sqs.NewFromConfig(emu.Config(creds)), mgmt, errOut)
	defer cleanup()
	if err != nil {
		fmt.Fprintf(errOut, "\n! Skipping the alert pipeline: %v\n", err)
	}
	steps = append(steps, alerting...)
	steps = append(steps, step{title: "Audit again", args: []string{"audit", "--org"}, ok: findings})
	steps = append(steps, posture...)

	for i, s := range steps {
		fmt.Fprintf(errOut, "\n━━ %d/%d  %s\n", i+1, len(steps), s.title)
		if s.action != nil {
			if err := s.action(ctx); err != nil {
				return fmt.Errorf("demo step %d: %w", i+1, err)
			}
			continue
		}
		fmt.Fprintf(errOut, "$ rootguard %s\n", strings.Join(s.args, " "))
		var stdin io.Reader
		if s.stdin != "" {
			stdin = strings.NewReader(s.stdin)
		}
		err := opts.Run(ctx, stdin, s.args...)
		code := cmdutil.ExitCode(err)
		if !contains(s.ok, code) {
			var complete *cmdutil.ExitCodeError // its output already says what happened
			if err != nil && !errors.As(err, &complete) {
				fmt.Fprintf(errOut, "rootguard: %v\n", err)
			}
			return fmt.Errorf("demo step %d (rootguard %s) ended with exit %d", i+1, strings.Join(s.args, " "), code)
		}
		fmt.Fprintf(errOut, "→ exit %d\n", code)
	}
	fmt.Fprintf(errOut, "\nDemo complete. The same commands run against a real organization with your AWS credentials.\n")
	return nil
}

func contains(codes []int, c int) bool {
	for _, x := range codes {
		if x == c {
			return true
		}
	}
	return false
}

// pointSDKAt sets the environment the SDK's default chain reads, and
// isolates the run from the user's ~/.aws files (a profile there must not
// send demo calls elsewhere). It returns a function that restores the
// environment as it was.
func pointSDKAt(env []string) (func(), error) {
	dir, err := os.MkdirTemp("", "rootguard-demo")
	if err != nil {
		return nil, err
	}
	set := map[string]string{
		"AWS_CONFIG_FILE":             filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_PROFILE":                 "",
		"AWS_SESSION_TOKEN":           "",
	}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		set[k] = v
	}
	saved := map[string]*string{}
	for k, v := range set {
		if old, ok := os.LookupEnv(k); ok {
			saved[k] = &old
		} else {
			saved[k] = nil
		}
		if v == "" {
			os.Unsetenv(k)
		} else {
			os.Setenv(k, v)
		}
	}
	return func() {
		for k, v := range saved {
			if v == nil {
				os.Unsetenv(k)
			} else {
				os.Setenv(k, *v)
			}
		}
		os.RemoveAll(dir)
	}, nil
}
