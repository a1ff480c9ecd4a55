// Package local implements `rootguard local`: the embedded local AWS as a
// server, for trying rootguard, the aws CLI or a script against it, and for
// the organization-scale benchmarks.
package local

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"

	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/cmdutil"
	"github.com/rootguard/rootguard/internal/iostreams"
)

// LocalOptions are the flags of `rootguard local`.
type LocalOptions struct {
	IO *iostreams.IOStreams

	Scenario string
	Members  int
	Latency  time.Duration
	Throttle map[string]string // service → rate
	// Detach serves from a background process and returns once it serves.
	Detach bool

	// readyFD, set in the background process Detach starts, is the pipe
	// that takes the environment (or the reason it failed) once it serves.
	readyFD int
	// command makes the background process's command (tests run their own
	// binary); nil means this executable.
	command func(args ...string) *exec.Cmd
	// ready, when set, receives the server once it is serving (tests).
	ready func(*awsemu.Server)
}

// NewCmdLocal returns `rootguard local`.
func NewCmdLocal(f *cmdutil.Factory, runF func(*LocalOptions) error) *cobra.Command {
	opts := &LocalOptions{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "local",
		Short: "Serve the embedded local AWS until interrupted",
		Long: `Start the embedded local AWS on 127.0.0.1 with a scenario (default: the sample
organization), print the environment that points the AWS SDKs and the aws CLI
at it as the management account's administrator, and serve until Ctrl-C.

With --detach it serves from a background process instead and returns as soon
as it serves, printing the environment and ROOTGUARD_LOCAL_PID, so a shell can
take it in one step:

  eval "$(rootguard local --detach)"
  rootguard audit --org
  aws organizations list-accounts
  kill $ROOTGUARD_LOCAL_PID

Without --detach, copy the printed lines into another shell. Older aws CLI
releases (Debian 12's 2.9 among them) ignore AWS_ENDPOINT_URL: give them
--endpoint-url "$AWS_ENDPOINT_URL" on each command.

--members adds synthetic member accounts (every third with a root key and a
password) for scale tests; --latency and --throttle inject faults on every call.`,
		Example: `  rootguard local --members 1000 --latency 50ms --throttle iam=0.02,sts=0.01`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Latency < 0 {
				return cmdutil.Usagef("--latency must not be negative")
			}
			for svc, rate := range opts.Throttle {
				if !slices.Contains(throttleServices, svc) {
					return cmdutil.Usagef("--throttle %s=%s: %q is not a service rootguard calls (%s)", svc, rate, svc, strings.Join(throttleServices, ", "))
				}
				if r, err := strconv.ParseFloat(rate, 64); err != nil || !(r >= 0 && r <= 1) { // NaN is neither
					return cmdutil.Usagef("--throttle %s=%s: the rate must be a number from 0 to 1", svc, rate)
				}
			}
			if opts.Members < 0 {
				return cmdutil.Usagef("--members must not be negative")
			}
			if runF != nil {
				return runF(opts)
			}
			if opts.Detach {
				return detach(cmd.Context(), opts)
			}
			return runLocal(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Scenario, "scenario", "", "JSON scenario `file` to load instead of the sample organization")
	cmd.Flags().IntVar(&opts.Members, "members", 0, "add this many synthetic member accounts to the organization")
	cmd.Flags().DurationVar(&opts.Latency, "latency", 0, "inject this `latency` on every call")
	cmd.Flags().StringToStringVar(&opts.Throttle, "throttle", nil, "throttle this fraction of calls per `service=rate` (e.g. iam=0.02)")
	cmd.Flags().BoolVar(&opts.Detach, "detach", false, "serve from a background process; print the environment and its PID, then return")
	cmd.Flags().IntVar(&opts.readyFD, readyFDFlag, 0, "")
	_ = cmd.Flags().MarkHidden(readyFDFlag)
	return cmd
}

// throttleServices are the SigV4 signing names of the services rootguard
// calls, as fault rules match them (CloudWatch signs as "monitoring").
var throttleServices = []string{
	"account", "cloudformation", "cloudtrail", "events", "iam", "lambda", "logs",
	"monitoring", "organizations", "s3", "sns", "sqs", "ssm", "sts",
}

func runLocal(ctx context.Context, opts *LocalOptions) (err error) {
	var out io.Writer = opts.IO.Out
	var ready *os.File
	if opts.readyFD > 0 {
		// The background process of --detach: the environment, or why
		// there is none, goes to the process waiting on the pipe.
		ready = os.NewFile(uintptr(opts.readyFD), "ready")
		out = ready
		defer func() {
			if err != nil {
				reportFailure(ready, err)
			}
			_ = ready.Close()
		}()
	}
	emu, err := awsemu.New()
	if err != nil {
		return fmt.Errorf("start the local AWS: %w", err)
	}
	defer emu.Close()
	scenario := awsemu.SampleScenario()
	if opts.Scenario != "" {
		if scenario, err = os.ReadFile(opts.Scenario); err != nil {
			return fmt.Errorf("read scenario: %w", err)
		}
	}
	if err := emu.LoadScenario(scenario); err != nil {
		return err
	}
	org := emu.Organization()
	if opts.Members > 0 {
		if org == nil {
			return cmdutil.Usagef("--members needs a scenario with an organization")
		}
		addMembers(emu, org, opts.Members)
	}
	admin, err := administrator(emu, org, scenario)
	if err != nil {
		return err
	}
	if opts.Latency > 0 {
		emu.InjectFault(awsemu.Fault{Latency: opts.Latency})
	}
	for svc, rate := range opts.Throttle {
		r, _ := strconv.ParseFloat(rate, 64)
		emu.InjectFault(awsemu.Fault{Service: svc, ThrottleRate: r})
	}
	for _, kv := range emu.Env(admin) {
		k, v, _ := strings.Cut(kv, "=")
		fmt.Fprintf(out, "export %s=%s\n", k, v)
	}
	if ready != nil {
		_ = ready.Close() // the environment is complete: the parent returns
	} else {
		fmt.Fprintf(opts.IO.ErrOut, "Local AWS serving on %s (global STS endpoint %s). Ctrl-C to stop.\n", emu.URL, emu.GlobalSTSURL)
	}
	if opts.ready != nil {
		opts.ready(emu)
	}
	<-ctx.Done()
	return nil
}

// administrator gives the management account (or, without an
// organization, the first account) an administrator with a fresh key.
func administrator(emu *awsemu.Server, org *awsemu.Organization, scenario []byte) (aws.Credentials, error) {
	var id string
	if org != nil {
		id = org.ManagementAccountID()
	} else {
		var sc awsemu.Scenario
		if err := json.Unmarshal(scenario, &sc); err != nil || len(sc.Accounts) == 0 {
			return aws.Credentials{}, fmt.Errorf("the scenario has no account")
		}
		id = sc.Accounts[0].ID
	}
	return emu.Account(id).AddUser("rootguard-local", "*").AddAccessKey(awsemu.AccessKey{}), nil
}

// addMembers adds n synthetic members under the organization's root.
func addMembers(emu *awsemu.Server, org *awsemu.Organization, n int) {
	now := time.Now()
	for i := 1; i <= n; i++ {
		a := emu.AddAccount(fmt.Sprintf("9%011d", i), fmt.Sprintf("member-%d", i))
		org.AddAccount(a, org.RootID())
		a.AddRole("OrganizationAccountAccessRole", org.ManagementAccountID())
		if i%3 == 0 {
			a.Root().SetPassword(now.AddDate(-1, 0, 0), now.AddDate(0, -2, 0))
			a.Root().AddAccessKey(awsemu.AccessKey{LastUsed: now.AddDate(0, 0, -5), LastUsedService: "s3", LastUsedRegion: "us-east-1"})
		}
	}
}
