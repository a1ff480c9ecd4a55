// Package deploy implements `rootguard alert deploy` and `alert remove`.
package deploy

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/cmdutil"
	engine "github.com/rootguard/rootguard/internal/deploy"
	"github.com/rootguard/rootguard/internal/iostreams"
	"github.com/rootguard/rootguard/internal/prompt"
	"github.com/rootguard/rootguard/internal/stack"
)

// Options are the flags and dependencies of `alert deploy`.
type Options struct {
	IO       *iostreams.IOStreams
	Prompter prompt.Prompter
	// Engine identifies the caller and builds the engine for its account
	// or organization; tests give a fake.
	Engine func(context.Context) (Engine, error)

	Stack         stack.HubOptions
	FunctionZip   string
	UpdateWebhook bool
	Approve       bool
	Poll          time.Duration

	// RegionsGiven: --regions was given; without it the deploy forwards
	// every Region enabled in the account.
	RegionsGiven bool

	// Org deploys the organization's hub and StackSet of spokes.
	Org        bool
	HubAccount string
	OUs        []string
}

// Engine plans, applies and removes the alert pipeline in the caller's
// account or organization (deploy.Engine). Plan and PlanOrg read the
// webhook through Options.AskWebhook before they plan.
type Engine interface {
	Plan(ctx context.Context, o engine.Options) (*engine.Plan, error)
	PlanOrg(ctx context.Context, o engine.OrgOptions) (*engine.OrgPlan, error)
	Apply(ctx context.Context, p *engine.Plan) error
	ApplyOrg(ctx context.Context, p *engine.OrgPlan) ([]engine.InstanceResult, error)
	Discard(ctx context.Context, p *engine.Plan)
	Remove(ctx context.Context, o engine.Options) (*engine.Removal, error)
	RemoveOrg(ctx context.Context, o engine.OrgOptions) (*engine.Removal, error)
}

var _ Engine = (*engine.Engine)(nil)

// engineOf builds the engine from the caller's session, resolved once.
func engineOf(session func(context.Context) (*account.Session, error)) func(context.Context) (Engine, error) {
	return func(ctx context.Context) (Engine, error) {
		caller, err := session(ctx)
		if err != nil {
			return nil, err
		}
		return engine.NewEngine(caller), nil
	}
}

// NewCmdDeploy returns `rootguard alert deploy`.
func NewCmdDeploy(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Prompter: f.Prompter, Engine: engineOf(f.Session), Poll: 5 * time.Second}
	cmd := &cobra.Command{
		Use: "deploy",
		Example: `  # Plan, then deploy the pipeline in this account
  rootguard alert deploy --email secops@example.com
  rootguard alert deploy --email secops@example.com --approve

  # The whole organization: hub here, spokes in every member and region
  rootguard alert deploy --org --regions eu-west-1,eu-central-1 --approve`,
		Short: "Deploy the root activity alert pipeline (plan first; --approve to apply)",
		Long: `Deploy the alert pipeline as the CloudFormation stack rootguard-alert in
us-east-1: rule → SQS queue → alert function → Slack, with a dead-letter queue,
alarms, and a management trail only when none already logs to us-east-1.
Every other Region enabled in the account (account:ListRegions) gets a
forwarder stack, so root API calls made there alert too; --regions narrows.

The Slack webhook URL is read from a hidden prompt, or from stdin when stdin is
not a terminal — never from a flag — and stored as an SSM SecureString outside
the template. It is asked for on the first deploy and with --update-webhook.

The function package is the zip built by ` + "`make lambda`" + ` (dist/bootstrap-<arch>.zip);
--function-zip points elsewhere. rootguard does not compile Go at deploy time.

Without --approve nothing changes: the plan is printed and the preview change
set is discarded.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.RegionsGiven = cmd.Flags().Changed("regions")
			if !opts.Org && (len(opts.OUs) > 0 || opts.HubAccount != "") {
				return cmdutil.Usagef("--ou and --hub-account shape an organization deploy: add --org")
			}
			if err := opts.Stack.ValidateFlags(); err != nil {
				return cmdutil.Usagef("%v", err)
			}
			if runF != nil {
				return runF(opts)
			}
			return runDeploy(cmd.Context(), opts)
		},
	}
	addStackFlags(cmd, &opts.Stack)
	fl := cmd.Flags()
	fl.StringVar(&opts.Stack.Email, "email", "", "e-mail `address` for the pipeline's alarms")
	fl.BoolVar(&opts.Stack.AllManagementEvents, "all-management-events", false, "also alert on read-only root calls: the rules in us-east-1, every --regions and, with --org, every spoke are ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS")
	fl.StringVar(&opts.Stack.Architecture, "arch", "arm64", "function `architecture`: arm64 or x86_64")
	fl.StringVar(&opts.FunctionZip, "function-zip", "", "alert function `zip` (default dist/bootstrap-<arch>.zip)")
	fl.BoolVar(&opts.UpdateWebhook, "update-webhook", false, "ask for a new Slack webhook URL")
	fl.BoolVar(&opts.Approve, "approve", false, "apply the plan")
	addOrgFlags(cmd, opts)
	fl.StringSliceVar(&opts.OUs, "ou", nil, "with --org: organizational `units` to deploy spokes to (default the root)")
	return cmd
}

func addOrgFlags(cmd *cobra.Command, opts *Options) {
	cmd.Flags().BoolVar(&opts.Org, "org", false, "the whole organization: hub in --hub-account, spokes in every member account and --regions (a service-managed StackSet with automatic deployment)")
	cmd.Flags().StringVar(&opts.HubAccount, "hub-account", "", "with --org: `account` of the hub (default the caller's)")
}

func addStackFlags(cmd *cobra.Command, o *stack.HubOptions) {
	cmd.Flags().StringVar(&o.Prefix, "prefix", stack.DefaultPrefix, "name `prefix` of every resource")
	cmd.Flags().StringSliceVar(&o.ForwardRegions, "regions", nil, "`regions` forwarding root activity to the home Region (us-east-1 in aws; default every Region enabled in the account, `--regions us-east-1` for none); with --org, the Regions to cover (default every Region enabled in the hub or a member)")
}

func runDeploy(ctx context.Context, opts *Options) error {
	zip, err := functionZip(opts)
	if err != nil {
		return err
	}
	e, err := opts.Engine(ctx)
	if err != nil {
		return err
	}
	if opts.Org {
		return runDeployOrg(ctx, opts, e, zip)
	}
	eo := opts.engineOptions(zip)
	// Without --regions the engine forwards every Region enabled in the
	// account (account:ListRegions).
	eo.AllRegions = !opts.RegionsGiven && len(opts.Stack.ForwardRegions) == 0
	plan, err := e.Plan(ctx, eo)
	if err != nil {
		return err
	}
	printPlan(opts.IO.Out, plan)
	if !toApply(ctx, opts, e, plan, plan.NoChanges(), "the alert pipeline") {
		return nil
	}
	if err := e.Apply(ctx, plan); err != nil {
		return fmt.Errorf("deploy failed: %w", err)
	}
	fmt.Fprintln(opts.IO.ErrOut, "Deployed. Check it end to end with `rootguard alert test`.")
	if subscribesEmail(plan) {
		fmt.Fprintf(opts.IO.ErrOut, "AWS sent a confirmation link to %s: the pipeline's alarms e-mail it only once the link is followed (`rootguard alert status` warns until then).\n", opts.Stack.Email)
	}
	return nil
}

// engineOptions are the engine's options from the flags. The webhook is
// read (AskWebhook) before the engine plans, so one plan is made and
// nothing is created for a deploy that has no webhook.
func (opts *Options) engineOptions(zip []byte) engine.Options {
	return engine.Options{
		Stack: opts.Stack, FunctionZip: zip, Approve: opts.Approve, Progress: opts.IO.ErrOut, Poll: opts.Poll,
		AskWebhook: func() (string, error) { return readWebhook(opts) }, UpdateWebhook: opts.UpdateWebhook,
	}
}

// toApply ends a plan that is not to be applied — nothing to change (what
// is up to date), or no --approve — by discarding its change sets (those
// of p, the account's or the hub's plan) and saying so, and reports whether
// the caller should apply it. Without --approve the plan is discarded even
// if ctx was cancelled, so no change set is left behind.
func toApply(ctx context.Context, opts *Options, e Engine, p *engine.Plan, noChanges bool, what string) bool {
	if noChanges {
		fmt.Fprintf(opts.IO.ErrOut, "No changes: %s is up to date.\n", what)
		e.Discard(ctx, p)
		return false
	}
	if !opts.Approve {
		e.Discard(context.WithoutCancel(ctx), p)
		fmt.Fprintln(opts.IO.ErrOut, "No changes were applied; run again with --approve.")
		return false
	}
	return true
}

// subscribesEmail reports whether the plan creates the alarm e-mail
// subscription, for which AWS mails the address a confirmation link.
func subscribesEmail(plan *engine.Plan) bool {
	for _, s := range plan.Stacks {
		for _, c := range s.Changes {
			if c.Logical == stack.LogicalAlarmEmail && (c.Action == "Add" || c.Replacement) {
				return true
			}
		}
	}
	return false
}

func printPlan(w io.Writer, plan *engine.Plan) {
	if plan.Trail.Existing != "" {
		kind := "trail"
		if plan.Trail.Organization {
			kind = "organization trail"
		}
		fmt.Fprintf(w, "trail: reuse %s %s (already logs management events for every Region alerted on; guarded against tampering)\n", kind, plan.Trail.Existing)
	}
	for _, s := range plan.Steps {
		fmt.Fprintf(w, "(plan) would %s\n", s)
	}
	for _, s := range plan.Stacks {
		if s.Delete {
			fmt.Fprintf(w, "(plan) would delete stack %s in %s (the region is not in --regions, so the hub stack drops its forwarding role):\n", s.Name, s.Region)
			for _, c := range s.Changes {
				fmt.Fprintf(w, "  %s\n", c)
			}
			continue
		}
		if s.Recreate {
			fmt.Fprintf(w, "(plan) would delete stack %s (ROLLBACK_COMPLETE after a failed deploy) and create it again\n", s.Name)
		}
		verb := "update"
		if s.Status == "" {
			verb = "create"
		}
		if len(s.Changes) == 0 {
			fmt.Fprintf(w, "stack %s in %s: no changes\n", s.Name, s.Region)
			continue
		}
		fmt.Fprintf(w, "(plan) would %s stack %s in %s:\n", verb, s.Name, s.Region)
		for _, c := range s.Changes {
			fmt.Fprintf(w, "  %s\n", c)
		}
	}
}

// readWebhook asks for the URL without echo on a terminal, or reads one line
// from stdin; never from a flag, so it stays out of shell history.
func readWebhook(opts *Options) (string, error) {
	var raw string
	var err error
	if opts.IO.IsStdinTTY() {
		raw, err = opts.Prompter.Secret("Slack webhook URL (input hidden): ")
	} else {
		raw, err = bufio.NewReader(opts.IO.In).ReadString('\n')
		if errors.Is(err, io.EOF) && raw != "" {
			err = nil
		}
	}
	if err != nil {
		return "", fmt.Errorf("read the Slack webhook URL: %w", err)
	}
	// The shape is checked here, before anything else; whether a loopback
	// stand-in is acceptable depends on the target and is checked by the
	// engine when it plans.
	url, err := engine.ValidateWebhook(raw, true)
	if err != nil {
		return "", cmdutil.Usagef("%v", err)
	}
	return url, nil
}
