package deploy

import (
	"context"
	"fmt"
	"os"
	"text/tabwriter"

	acctapi "github.com/aws/aws-sdk-go-v2/service/account"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/organizations"

	"github.com/rootguard/rootguard/internal/account"
	engine "github.com/rootguard/rootguard/internal/deploy"
	"github.com/rootguard/rootguard/internal/eventpath"
	"github.com/rootguard/rootguard/internal/orgscan"
)

// functionZip reads the function package named by --function-zip, or the
// one `make lambda` builds for --arch.
func functionZip(opts *Options) ([]byte, error) {
	zipPath := opts.FunctionZip
	if zipPath == "" {
		zipPath = fmt.Sprintf("dist/bootstrap-%s.zip", opts.Stack.Architecture)
	}
	zip, err := os.ReadFile(zipPath)
	if err != nil {
		return nil, fmt.Errorf("read the function package: %w (build it with `make lambda`, or pass --function-zip)", err)
	}
	return zip, nil
}

// orgClients reaches the organization with the caller's credentials and
// the hub account through orgscan's (AssumeRole into
// OrganizationAccountAccessRole unless the hub is the caller's account).
func orgClients(sess *account.Session) engine.OrgClients {
	home := sess.Home()
	creds := &orgscan.Credentials{Base: home, Home: sess.AccountID}
	return engine.OrgClients{
		Org:       organizations.NewFromConfig(home),
		StackSets: cloudformation.NewFromConfig(home),
		Caller:    sess.AccountID,
		Partition: sess.Partition,
		Hub: func(ctx context.Context, acct string) (engine.Clients, error) {
			acfg, _, err := creds.For(ctx, acct)
			if err != nil {
				return engine.Clients{}, err
			}
			return clients(acfg, acct, sess.Partition), nil
		},
		Trails: func(ctx context.Context, acct string) (engine.TrailAPI, error) {
			acfg, _, err := creds.For(ctx, acct)
			if err != nil {
				return nil, err
			}
			return cloudtrail.NewFromConfig(acfg), nil
		},
		Regions: func(ctx context.Context, acct string) ([]string, error) {
			acfg, _, err := creds.For(ctx, acct)
			if err != nil {
				return nil, err
			}
			return eventpath.EnabledRegions(ctx, acctapi.NewFromConfig(acfg))
		},
	}
}

func (opts *Options) orgOptions(zip []byte) engine.OrgOptions {
	o := engine.OrgOptions{
		Options:    engine.Options{Stack: opts.Stack, FunctionZip: zip, Approve: opts.Approve, Progress: opts.IO.ErrOut, Poll: opts.Poll},
		HubAccount: opts.HubAccount,
		Regions:    opts.Stack.ForwardRegions,
		OUs:        opts.OUs,
	}
	o.Stack.ForwardRegions = nil
	return o
}

// runDeployOrg deploys the hub and the StackSet of spokes.
func runDeployOrg(ctx context.Context, opts *Options, zip []byte, sess *account.Session) error {
	c := orgClients(sess)
	oo := opts.orgOptions(zip)
	hubAccount := opts.HubAccount
	if hubAccount == "" {
		hubAccount = sess.AccountID
	}
	hub, err := c.Hub(ctx, hubAccount)
	if err != nil {
		return fmt.Errorf("reach hub account %s: %w", hubAccount, err)
	}
	// The webhook lives in the hub account; it is read before anything is
	// planned, so the organization is planned once.
	if oo.Webhook, err = webhookIfNeeded(ctx, opts, hub, opts.Stack.Prefix); err != nil {
		return err
	}
	plan, err := engine.PlanOrg(ctx, c, oo)
	if err != nil {
		return err
	}
	w := opts.IO.Out
	fmt.Fprintf(w, "organization %s: hub in account %s (%s), spokes in %d accounts × %d regions\n",
		plan.OrgID, plan.HubAccount, sess.Partition.HomeRegion, len(plan.Accounts), len(plan.Regions))
	printPlan(w, plan.Hub)
	for _, s := range plan.Steps {
		fmt.Fprintf(w, "(plan) would %s\n", s)
	}
	if len(plan.Steps) == 0 {
		fmt.Fprintf(w, "StackSet %s: no changes\n", plan.StackSet)
	}
	if plan.TrailNote != "" {
		fmt.Fprintf(w, "trail: %s\n", plan.TrailNote)
	}
	if plan.Uncovered != "" {
		fmt.Fprintf(w, "management account %s: not covered by StackSet %s (service-managed StackSets never deploy to the management account); with its credentials, run:\n  %s\n",
			plan.Uncovered, plan.StackSet, plan.ManagementCommand)
	}
	if !toApply(ctx, opts, plan, "the organization's alerting") {
		return nil
	}
	results, err := plan.Apply(ctx)
	if err != nil {
		return fmt.Errorf("deploy failed: %w", err)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ACCOUNT\tREGION\tSPOKE\tDETAIL\tREASON")
	failed := 0
	for _, r := range results {
		if r.Status != "CURRENT" {
			failed++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Account, r.Region, r.Status, r.Detail, r.Reason)
	}
	_ = tw.Flush()
	fmt.Fprintf(opts.IO.ErrOut, "%d spokes: %d current, %d not current.\n", len(results), len(results)-failed, failed)
	if failed > 0 {
		return fmt.Errorf("deploy failed: %d spokes are not current; see the REASON column, then run again", failed)
	}
	fmt.Fprintln(opts.IO.ErrOut, "Deployed. Accounts that join a targeted OU get a spoke automatically; check coverage with `rootguard alert status --org`.")
	return nil
}

// runRemoveOrg deletes the spokes, the StackSet and the hub.
func runRemoveOrg(ctx context.Context, opts *Options) error {
	sess, err := session(ctx, opts)
	if err != nil {
		return err
	}
	r, err := engine.RemoveOrg(ctx, orgClients(sess), opts.orgOptions(nil))
	if err != nil {
		return fmt.Errorf("remove: %w", err)
	}
	printRemoval(opts, r)
	return nil
}
