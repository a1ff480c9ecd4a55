// Package template implements `rootguard alert template`.
package template

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/rootguard/rootguard/internal/cmdutil"
	"github.com/rootguard/rootguard/internal/stack"
)

// Options are the flags of `alert template`.
type Options struct {
	Out io.Writer

	Stack     stack.HubOptions
	Forwarder string // region: print the forwarder template instead
	SpokeHub  string // hub account: print the organization's spoke template instead
}

// NewCmdTemplate returns `rootguard alert template`.
func NewCmdTemplate(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{Out: f.IOStreams.Out}
	cmd := &cobra.Command{
		Use: "template",
		Example: `  # The hub stack, for your own pipeline
  rootguard alert template --email secops@example.com > rootguard-hub.json

  # The templates alert deploy --org uses: the organization's hub, and the spoke
  rootguard alert template --org-id o-a1b2c3d4e5 > hub.json
  rootguard alert template --spoke 111122223333 > spoke.json`,
		Short: "Print the alert pipeline's CloudFormation template",
		Long: `Print the CloudFormation template that ` + "`alert deploy`" + ` deploys, for users who deploy
through their own pipeline. Store the Slack webhook URL yourself as an SSM
SecureString and pass its name as WebhookParameterName; the URL never enters
the template.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runTemplate(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Stack.Prefix, "prefix", stack.DefaultPrefix, "name `prefix` of every resource")
	fl.BoolVar(&opts.Stack.CreateTrail, "with-trail", false, "include a multi-region management trail and its bucket")
	fl.StringSliceVar(&opts.Stack.GuardedTrails, "guard-trail", nil, "existing `trail` names to alert on tampering with")
	fl.BoolVar(&opts.Stack.AllManagementEvents, "all-management-events", false, "also alert on read-only root calls (rule state ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS)")
	fl.StringSliceVar(&opts.Stack.ForwardRegions, "regions", nil, "other `regions` that forward root activity to us-east-1")
	fl.StringVar(&opts.Stack.Email, "email", "", "e-mail `address` for the pipeline's alarms")
	fl.StringVar(&opts.Stack.Architecture, "arch", "arm64", "function `architecture`: arm64 or x86_64")
	fl.StringVar(&opts.Forwarder, "forwarder", "", "print the forwarding template for `region` instead")
	fl.StringVar(&opts.Stack.OrgID, "org-id", "", "make the hub the `organization`'s: an event bus open to its accounts (aws:PrincipalOrgID)")
	fl.StringVar(&opts.SpokeHub, "spoke", "", "print the StackSet spoke template forwarding to the hub in `account` instead")
	return cmd
}

func runTemplate(opts *Options) error {
	var tmpl *stack.Template
	var err error
	switch {
	case opts.SpokeHub != "":
		tmpl, err = stack.Spoke(opts.Stack, opts.SpokeHub)
	case opts.Forwarder != "":
		tmpl, err = stack.Forwarder(opts.Stack.Prefix, opts.Forwarder, opts.Stack.AllManagementEvents)
	default:
		tmpl, err = stack.Hub(opts.Stack)
	}
	if err != nil {
		return cmdutil.Usagef("%v", err)
	}
	b, err := tmpl.JSON()
	if err != nil {
		return fmt.Errorf("render template: %w", err)
	}
	_, err = opts.Out.Write(b)
	return err
}
