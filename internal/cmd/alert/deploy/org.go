package deploy

import (
	"context"
	"fmt"
	"os"
	"text/tabwriter"

	engine "github.com/rootguard/rootguard/internal/deploy"
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

// orgOptions are the organization's options around o, the hub's: the
// --regions given are the Regions to cover, not the hub's forwarders.
func (opts *Options) orgOptions(o engine.Options) engine.OrgOptions {
	oo := engine.OrgOptions{Options: o, HubAccount: opts.HubAccount, Regions: opts.Stack.ForwardRegions, OUs: opts.OUs}
	oo.Stack.ForwardRegions = nil
	return oo
}

// runDeployOrg deploys the hub and the StackSet of spokes. The webhook
// lives in the hub account; the engine reads it (AskWebhook) before
// anything is planned, so the organization is planned once.
func runDeployOrg(ctx context.Context, opts *Options, e Engine, zip []byte) error {
	plan, err := e.PlanOrg(ctx, opts.orgOptions(opts.engineOptions(zip)))
	if err != nil {
		return err
	}
	w := opts.IO.Out
	fmt.Fprintf(w, "organization %s: hub in account %s (%s), spokes in %d accounts × %d regions\n",
		plan.OrgID, plan.HubAccount, plan.HomeRegion, len(plan.Accounts), len(plan.Regions))
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
	if !toApply(ctx, opts, e, plan.Hub, plan.NoChanges(), "the organization's alerting") {
		return nil
	}
	results, err := e.ApplyOrg(ctx, plan)
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
func runRemoveOrg(ctx context.Context, opts *Options, e Engine) error {
	r, err := e.RemoveOrg(ctx, opts.orgOptions(opts.removeOptions()))
	if err != nil {
		return fmt.Errorf("remove: %w", err)
	}
	printRemoval(opts, r)
	return nil
}
