// Package mfa implements `rootguard mfa`: guide the user to enable root MFA
// in the console (AWS allows nothing else), wait until AWS reports it, and
// verify it with the audit's MFA checks.
package mfa

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/audit"
	"github.com/rootguard/rootguard/internal/clock"
	"github.com/rootguard/rootguard/internal/cmdutil"
	"github.com/rootguard/rootguard/internal/iostreams"
	"github.com/rootguard/rootguard/internal/mfawait"
)

// SecurityCredentialsURL is the root user's "Security credentials" page,
// where root MFA is assigned.
const SecurityCredentialsURL = "https://console.aws.amazon.com/iam/home#/security_credentials"

// MFAOptions are the flags and dependencies of `rootguard mfa`.
type MFAOptions struct {
	IO *iostreams.IOStreams
	// Engine identifies the caller and builds the engine for its account;
	// tests give a fake.
	Engine  func(context.Context) (Engine, error)
	Now     func() time.Time
	Sleep   func(ctx context.Context, d time.Duration) error
	Browser func(url string) error

	Open     bool
	NoWait   bool
	Timeout  time.Duration
	Interval time.Duration
}

// Engine reads, waits for and verifies root MFA in one account
// (mfawait.Engine).
type Engine interface {
	Account() string
	Partition() account.Partition
	Enabled(ctx context.Context) (bool, error)
	Membership(ctx context.Context) (management string, member bool)
	Wait(ctx context.Context, o mfawait.Options) error
	Verify(ctx context.Context, now func() time.Time) audit.AccountResult
}

var _ Engine = (*mfawait.Engine)(nil)

// NewCmdMFA returns `rootguard mfa`.
func NewCmdMFA(f *cmdutil.Factory, runF func(*MFAOptions) error) *cobra.Command {
	opts := &MFAOptions{IO: f.IOStreams, Now: f.Now, Sleep: clock.Sleep, Browser: openBrowser,
		Engine: func(ctx context.Context) (Engine, error) {
			caller, err := f.Session(ctx)
			if err != nil {
				return nil, err
			}
			return mfawait.New(caller), nil
		}}
	cmd := &cobra.Command{
		Use: "mfa",
		Example: `  # Open the console page and wait until root has MFA
  rootguard mfa --open

  # Only print the guidance and the current state
  rootguard mfa --no-wait`,
		Short: "Guide root MFA enrollment, wait for it, and verify it",
		Long: `AWS does not allow enabling MFA for the root user through the API or CLI.
rootguard explains the choices, prints the console steps and the link, waits
until AWS reports root MFA on, then runs the root-mfa and root-hardware-mfa
checks and shows the result.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Timeout <= 0 || opts.Interval <= 0 {
				return cmdutil.Usagef("--timeout and --interval must be positive")
			}
			if runF != nil {
				return runF(opts)
			}
			return runMFA(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&opts.Open, "open", false, "open the security credentials page in a browser")
	fl.BoolVar(&opts.NoWait, "no-wait", false, "print the guidance and current state, do not wait")
	fl.DurationVar(&opts.Timeout, "timeout", 15*time.Minute, "give up waiting after this `duration`")
	fl.DurationVar(&opts.Interval, "interval", 5*time.Second, "first polling `interval` (backs off to 1m)")
	return cmd
}

func runMFA(ctx context.Context, opts *MFAOptions) error {
	// --timeout bounds everything up to AWS reporting MFA on as a context
	// deadline, so that it also ends the SDK's retries of a throttled read
	// (the SDK's retryer stops waiting when the context is done).
	waitCtx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	e, err := opts.Engine(waitCtx)
	if err != nil {
		return timeoutError(ctx, waitCtx, opts.Timeout, err)
	}
	acct := e.Account()
	errOut := opts.IO.ErrOut
	if p := e.Partition(); p.ID != account.AWS.ID {
		// Root MFA is assigned only by signing in to the console as root,
		// which these partitions do not have: "You can sign in to the
		// console only as an IAM user" (AWS GovCloud (US) User Guide,
		// "Accessing the AWS GovCloud (US) Regions"); the China Regions
		// have no root user credentials at all (see account.Partition).
		// There is nothing to enroll: say so and show what the checks see.
		fmt.Fprintf(errOut, "%s is in the %s partition, where no one signs in to the console as the root user,\n"+
			"so there is no root MFA to enroll. The MFA checks show what AWS reports for the account:\n", acct, p.ID)
		return verify(ctx, opts, e)
	}
	on, err := e.Enabled(waitCtx)
	if err != nil {
		return timeoutError(ctx, waitCtx, opts.Timeout, err)
	}
	if on {
		fmt.Fprintf(errOut, "Root MFA is already enabled in %s.\n", acct)
		return verify(ctx, opts, e)
	}
	if management, member := e.Membership(waitCtx); member {
		fmt.Fprintf(errOut, "%s is a member account of an organization (management account %s).\n"+
			"Recommended instead of root MFA: remove the member's root credentials entirely — with no password\n"+
			"and no keys there is nothing to protect — from the management account:\n"+
			"  rootguard fix --accounts %s --remove-root-credentials\n\n", acct, management, acct)
	}
	printGuide(errOut, acct)
	if opts.Open {
		if err := opts.Browser(SecurityCredentialsURL); err != nil {
			fmt.Fprintf(errOut, "! could not open a browser (%v); open the link above yourself.\n", err)
		}
	}
	if opts.NoWait {
		fmt.Fprintf(errOut, "Root MFA is not enabled in %s yet.\n", acct)
		return &cmdutil.ExitCodeError{Code: cmdutil.ExitFindings}
	}
	fmt.Fprintf(errOut, "Waiting for AWS to report root MFA on in %s (up to %s; Ctrl-C to stop)…\n", acct, opts.Timeout)
	err = e.Wait(waitCtx, mfawait.Options{
		Timeout: opts.Timeout, Initial: opts.Interval, Max: time.Minute,
		Sleep: opts.Sleep, Now: opts.Now,
	})
	switch {
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("stopped waiting: root MFA is not enabled yet; run `rootguard mfa` again when it is")
	case errors.Is(err, mfawait.ErrTimeout):
		return fmt.Errorf("%w in %s; finish the console steps and run `rootguard mfa` again", err, acct)
	case err != nil:
		return timeoutError(ctx, waitCtx, opts.Timeout, err)
	}
	fmt.Fprintf(errOut, "AWS reports root MFA enabled in %s.\n", acct)
	return verify(ctx, opts, e)
}

// timeoutError says that err came from --timeout, not from the caller:
// whether MFA is on is then unknown, and err names the call that did not
// finish (throttled, typically).
func timeoutError(parent, waitCtx context.Context, timeout time.Duration, err error) error {
	if cmdutil.DeadlinePassed(parent, waitCtx) {
		return fmt.Errorf("gave up after --timeout %s, root MFA status unknown: %w", timeout, err)
	}
	return err
}

func printGuide(w io.Writer, account string) {
	fmt.Fprintf(w, `Enable MFA for the root user of %s — only the console can do it:

  Choose a device (CIS 1.6 asks for hardware: a virtual MFA lives on a phone
  that can be lost, copied or phished; a hardware device cannot be copied):
    • Passkey or FIDO security key   recommended: phishing-resistant
    • Hardware TOTP token            hardware, but codes can be phished
    • Authenticator app (virtual)    acceptable for CIS 1.5, fails CIS 1.6

  Steps:
    1. Sign in as the root user (the account's e-mail address) at
       https://console.aws.amazon.com/ and open
       %s
    2. Under "Multi-factor authentication (MFA)", choose "Assign MFA device".
    3. Name the device, pick its type, and follow the prompts (touch the key,
       or enter two consecutive codes).
    4. Register a second device too: AWS allows up to 8 per root user, and a
       spare avoids a lockout.

`, account, SecurityCredentialsURL)
}

func verify(ctx context.Context, opts *MFAOptions, e Engine) error {
	res := e.Verify(ctx, opts.Now)
	if res.Error != "" {
		return fmt.Errorf("verify root MFA: %s", res.Error)
	}
	code := cmdutil.ExitOK
	for _, c := range res.Checks {
		fmt.Fprintf(opts.IO.Out, "%-18s %-15s %s\n", c.ID, c.Status, c.Detail)
		switch {
		case c.Status == audit.Fail:
			code = cmdutil.ExitFindings
		case c.Status == audit.Error && code == cmdutil.ExitOK:
			code = cmdutil.ExitUnknown
		}
	}
	if code != cmdutil.ExitOK {
		return &cmdutil.ExitCodeError{Code: code}
	}
	return nil
}

func openBrowser(url string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", url)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	default:
		cmd = exec.Command("xdg-open", url)
	}
	return cmd.Start()
}
