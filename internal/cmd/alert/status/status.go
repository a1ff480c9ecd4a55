// Package status implements `rootguard alert status`.
package status

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/alertstatus"
	"github.com/rootguard/rootguard/internal/cmdutil"
	"github.com/rootguard/rootguard/internal/iostreams"
	"github.com/rootguard/rootguard/internal/posturehealth"
	"github.com/rootguard/rootguard/internal/stack"
)

// Options are the flags and dependencies of `alert status`.
type Options struct {
	IO *iostreams.IOStreams
	// Engine identifies the caller and builds the engine for its account
	// when the command runs, within --timeout; tests give a fake.
	Engine func(context.Context) (Engine, error)
	Now    func() time.Time

	Prefix string
	Output string
	// Timeout bounds the whole command, the SDK's retries of throttled
	// calls included; 0 means defaultTimeout (defaultOrgTimeout with Org).
	Timeout time.Duration

	// Org reports the organization's coverage gaps instead (org.go).
	Org        bool
	HubAccount string
	Regions    []string
}

// The default --timeout: reading one pipeline takes under a second when
// AWS answers and about 8 s when it throttles half the calls; an
// organization's coverage reads every member and Region.
const (
	defaultTimeout    = time.Minute
	defaultOrgTimeout = 30 * time.Minute
)

// Engine reads what `alert status` reports: the pipeline's health and the
// organization's coverage (alertstatus.Engine), and the posture auditor's
// health (posturehealth).
type Engine interface {
	Read(ctx context.Context, names stack.Names, now time.Time) (alertstatus.Report, error)
	Coverage(ctx context.Context, o alertstatus.CoverageOptions) (*alertstatus.Coverage, error)
	Posture(ctx context.Context, names stack.Names, now time.Time) (posturehealth.Health, error)
}

// engine is the real Engine: alertstatus's, and posturehealth's read of
// the posture auditor (which cannot live in alertstatus: see posturehealth).
type engine struct {
	*alertstatus.Engine
	posture posturehealth.Clients
}

var _ Engine = engine{}

// Posture reads the posture auditor's health; see posturehealth.Read.
func (e engine) Posture(ctx context.Context, names stack.Names, now time.Time) (posturehealth.Health, error) {
	return posturehealth.Read(ctx, e.posture, names, now)
}

// engineFor builds the real engine for the caller session resolves.
func engineFor(session func(context.Context) (*account.Session, error)) func(context.Context) (Engine, error) {
	return func(ctx context.Context) (Engine, error) {
		caller, err := session(ctx)
		if err != nil {
			return nil, err
		}
		return engine{Engine: alertstatus.New(caller), posture: posturehealth.NewClients(caller)}, nil
	}
}

// NewCmdStatus returns `rootguard alert status`.
func NewCmdStatus(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Engine: engineFor(f.Session), Now: f.Now}
	cmd := &cobra.Command{
		Use: "status",
		Example: `  rootguard alert status
  rootguard alert status --org --output json`,
		Short: "Show whether root activity reaches Slack",
		Long: `Read the alert pipeline in us-east-1: is a trail logging root sign-ins, is the
rule enabled and matching a root ConsoleLogin (tested by EventBridge itself),
is the function active, when did it last post to Slack, how many errors it
logged in the last 24 hours, and how many alerts wait in the dead-letter
queue. In every region the hub stack has a forwarding role for (--regions
of the deploy): is the forwarder stack complete, its rule enabled (with
read-only calls when the us-east-1 rule has them) and targeting the
us-east-1 bus through that role, and does the role exist with its policy.
An alarm e-mail that has not confirmed its subscription is a warning.
Exits 3 when something would keep an alert from arriving.

The command ends within --timeout (default 1m, 30m with --org) however much
AWS throttles it: exit 1 naming the call that did not finish, the health
unknown.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Output != "text" && opts.Output != "json" {
				return cmdutil.Usagef("--output must be text or json, not %q", opts.Output)
			}
			if opts.Timeout < 0 {
				return cmdutil.Usagef("--timeout must be positive")
			}
			if runF != nil {
				return runF(opts)
			}
			return runStatus(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Prefix, "prefix", stack.DefaultPrefix, "name `prefix` of the pipeline's resources")
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "text", "output `format`: text or json")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"text", "json"}, cobra.ShellCompDirectiveNoFileComp))
	cmd.Flags().DurationVar(&opts.Timeout, "timeout", 0, "give up after this `duration` (default 1m, 30m with --org)")
	cmd.Flags().BoolVar(&opts.Org, "org", false, "report ACTIVE accounts and regions without a working spoke (`alert deploy --org`)")
	cmd.Flags().StringVar(&opts.HubAccount, "hub-account", "", "with --org: `account` of the hub (default the caller's)")
	cmd.Flags().StringSliceVar(&opts.Regions, "regions", nil, "with --org: `regions` that must have spokes (default every Region enabled in each account)")
	return cmd
}

func runStatus(parent context.Context, opts *Options) error {
	limit := opts.Timeout
	if limit == 0 {
		limit = defaultTimeout
		if opts.Org {
			limit = defaultOrgTimeout
		}
	}
	ctx, cancel := context.WithTimeout(parent, limit)
	defer cancel()
	err := readStatus(ctx, opts)
	var exit *cmdutil.ExitCodeError
	if err != nil && !errors.As(err, &exit) && cmdutil.DeadlinePassed(parent, ctx) {
		return fmt.Errorf("no answer within --timeout %s, the pipeline's health is unknown: %w", limit, err)
	}
	return err
}

// readStatus reads and prints the pipeline's health (or with --org the
// organization's coverage) within ctx's deadline.
func readStatus(ctx context.Context, opts *Options) error {
	eng, err := opts.Engine(ctx)
	if err != nil {
		return err
	}
	if opts.Org {
		return runOrgStatus(ctx, opts, eng)
	}
	names := stack.Names{Prefix: opts.Prefix}
	r, err := eng.Read(ctx, names, opts.Now())
	if err != nil {
		return fmt.Errorf("alert status: %w", err)
	}
	// The posture auditor reports through this pipeline: its health is
	// part of the pipeline's, a problem only when it is deployed.
	ph, err := eng.Posture(ctx, names, opts.Now())
	if err != nil {
		return fmt.Errorf("alert status: posture auditor: %w", err)
	}
	if opts.Output == "json" {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		report := jsonReport(r)
		report["posture"] = jsonPosture(ph)
		if err := enc.Encode(report); err != nil {
			return err
		}
	} else {
		printText(opts, r)
		printPosture(opts, ph)
	}
	if len(r.Problems) > 0 || len(ph.Problems) > 0 {
		return &cmdutil.ExitCodeError{Code: cmdutil.ExitFindings}
	}
	return nil
}

func printText(opts *Options, r alertstatus.Report) {
	w := opts.IO.Out
	fmt.Fprintf(w, "account      %s\n", r.Account)
	recording := "none"
	for _, t := range r.Trails {
		if t.Records() {
			recording = t.Name + " (logging)"
			break
		}
	}
	fmt.Fprintf(w, "trail        %s\n", recording)
	rule := "missing"
	if r.Rule.Exists {
		rule = fmt.Sprintf("%s, matches root sign-in: %t, targets: %d", r.Rule.State, r.Rule.MatchesRootLog, r.Rule.Targets)
	}
	fmt.Fprintf(w, "rule         %s: %s\n", r.Rule.Name, rule)
	fn := "missing"
	if r.Function.Exists {
		fn = r.Function.State + ", last update " + r.Function.LastUpdateStatus
	}
	fmt.Fprintf(w, "function     %s: %s\n", r.Function.Name, fn)
	last := "none in the last " + r.Deliveries.Window.String()
	if !r.Deliveries.LastPosted.IsZero() {
		last = r.Deliveries.LastPosted.UTC().Format(time.RFC3339)
	}
	fmt.Fprintf(w, "last posted  %s (%d posts, %d errors in %s)\n", last, r.Deliveries.Posted, r.Deliveries.Errors, r.Deliveries.Window)
	fmt.Fprintf(w, "queue        %s: %d waiting, %d in flight\n", r.Queue.Name, r.Queue.Visible, r.Queue.InFlight)
	fmt.Fprintf(w, "dlq          %s: %d\n", r.DLQ.Name, r.DLQ.Visible)
	for _, f := range r.Forwarders {
		stackStatus, rule := f.StackStatus, f.RuleState
		if stackStatus == "" {
			stackStatus = "missing"
		}
		if rule == "" {
			rule = "missing"
		}
		fmt.Fprintf(w, "forwarder    %s: stack %s, rule %s, targets the hub bus: %t, role ready: %t\n", f.Region, stackStatus, rule, f.TargetsHub, f.RoleReady)
	}
	for _, e := range r.AlarmEmails {
		state := "confirmed"
		if e.Pending {
			state = "pending confirmation"
		}
		fmt.Fprintf(w, "alarm e-mail %s (%s)\n", e.Address, state)
	}
	for _, p := range r.Problems {
		fmt.Fprintf(opts.IO.ErrOut, "problem: %s\n", p)
	}
	for _, warning := range r.Warnings {
		fmt.Fprintf(opts.IO.ErrOut, "warning: %s\n", warning)
	}
	if len(r.Problems) == 0 {
		fmt.Fprintln(opts.IO.ErrOut, "Root activity reaches Slack.")
	}
}

// jsonReport is the documented JSON shape (schema version 1).
func jsonReport(r alertstatus.Report) map[string]any {
	var trails []map[string]any
	for _, t := range r.Trails {
		trails = append(trails, map[string]any{"name": t.Name, "arn": t.ARN, "is_logging": t.Logging, "logs_sign_in_events": t.LogsSignIn})
	}
	forwarders := []map[string]any{}
	for _, f := range r.Forwarders {
		forwarders = append(forwarders, map[string]any{"region": f.Region, "stack": f.Stack, "stack_status": f.StackStatus,
			"rule": f.Rule, "rule_state": f.RuleState, "targets_hub_bus": f.TargetsHub, "role": f.Role, "role_ready": f.RoleReady})
	}
	emails := []map[string]any{}
	for _, e := range r.AlarmEmails {
		emails = append(emails, map[string]any{"address": e.Address, "pending_confirmation": e.Pending})
	}
	var last *time.Time
	if !r.Deliveries.LastPosted.IsZero() {
		last = &r.Deliveries.LastPosted
	}
	return map[string]any{
		"schema_version": 1, "account": r.Account, "trails": trails,
		"rule":       map[string]any{"name": r.Rule.Name, "exists": r.Rule.Exists, "state": r.Rule.State, "matches_root_sign_in": r.Rule.MatchesRootLog, "targets": r.Rule.Targets},
		"function":   map[string]any{"name": r.Function.Name, "exists": r.Function.Exists, "state": r.Function.State, "last_update_status": r.Function.LastUpdateStatus},
		"deliveries": map[string]any{"window_seconds": int(r.Deliveries.Window.Seconds()), "last_posted": last, "posted": r.Deliveries.Posted, "errors": r.Deliveries.Errors},
		"queue":      map[string]any{"name": r.Queue.Name, "exists": r.Queue.Exists, "messages": r.Queue.Visible, "in_flight": r.Queue.InFlight},
		"dlq":        map[string]any{"name": r.DLQ.Name, "exists": r.DLQ.Exists, "messages": r.DLQ.Visible},
		"forwarders": forwarders, "alarm_emails": emails,
		"problems": r.Problems, "warnings": r.Warnings,
	}
}
