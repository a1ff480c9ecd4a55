// Package root builds the rootguard command tree.
package root

import (
	"context"
	"io"

	"github.com/spf13/cobra"

	"github.com/rootguard/rootguard/internal/awsconfig"
	"github.com/rootguard/rootguard/internal/buildinfo"
	alertcmd "github.com/rootguard/rootguard/internal/cmd/alert"
	auditcmd "github.com/rootguard/rootguard/internal/cmd/audit"
	democmd "github.com/rootguard/rootguard/internal/cmd/demo"
	fixcmd "github.com/rootguard/rootguard/internal/cmd/fix"
	localcmd "github.com/rootguard/rootguard/internal/cmd/local"
	mfacmd "github.com/rootguard/rootguard/internal/cmd/mfa"
	posturecmd "github.com/rootguard/rootguard/internal/cmd/posture"
	roottaskcmd "github.com/rootguard/rootguard/internal/cmd/roottask"
	"github.com/rootguard/rootguard/internal/cmd/version"
	"github.com/rootguard/rootguard/internal/cmdutil"
)

// NewCmdRoot returns the top-level command. Global flags fill f.AWSOptions.
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rootguard <command> [flags]",
		Short: "Harden, watch and prove the AWS root user in every account",
		Long: `rootguard finds and removes root access keys, verifies root MFA, and alerts
Slack when root signs in — for one account or a whole AWS Organization.

AWS access follows the aws CLI: the default credential chain, profiles, SSO,
AWS_REGION, and AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> for emulators.`,
		Version:       buildinfo.String(),
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.ArbitraryArgs,
		RunE:          cmdutil.NoSubcommand,
	}
	cmd.SetOut(f.IOStreams.Out)
	cmd.SetErr(f.IOStreams.ErrOut)
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &cmdutil.UsageError{Err: err}
	})

	pf := cmd.PersistentFlags()
	pf.StringVar(&f.AWSOptions.Profile, "profile", "", "AWS shared config `profile` (default: AWS_PROFILE or the default profile)")
	pf.StringVar(&f.AWSOptions.Region, "region", "", "AWS `region` for regional calls (default: AWS_REGION, the profile's region, or us-east-1)")

	cmd.AddCommand(version.NewCmdVersion(f))
	cmd.AddCommand(auditcmd.NewCmdAudit(f, nil))
	cmd.AddCommand(fixcmd.NewCmdFix(f, nil))
	cmd.AddCommand(roottaskcmd.NewCmdRoot(f, nil))
	cmd.AddCommand(mfacmd.NewCmdMFA(f, nil))
	cmd.AddCommand(alertcmd.NewCmdAlert(f))
	cmd.AddCommand(posturecmd.NewCmdPosture(f, nil))
	cmd.AddCommand(democmd.NewCmdDemo(f, subcommandRunner(f), nil))
	cmd.AddCommand(localcmd.NewCmdLocal(f, nil))
	_ = cmd.RegisterFlagCompletionFunc("profile", completeProfiles)
	applyConventions(cmd)
	return cmd
}

// subcommandRunner runs `rootguard args…` in this process with a fresh
// command tree on the same streams, prompter and AWS-config loader: the
// demo's steps take exactly the paths a user's commands take.
func subcommandRunner(f *cmdutil.Factory) democmd.Runner {
	return func(ctx context.Context, stdin io.Reader, args ...string) error {
		sub := *f
		sub.AWSOptions = awsconfig.Options{}
		if stdin != nil {
			ios := *f.IOStreams
			ios.In = stdin
			ios.SetTTY(false, f.IOStreams.IsStdoutTTY(), f.IOStreams.IsStderrTTY())
			sub.IOStreams = &ios
		}
		cmd := NewCmdRoot(&sub)
		cmd.SetArgs(args)
		return cmd.ExecuteContext(ctx)
	}
}
