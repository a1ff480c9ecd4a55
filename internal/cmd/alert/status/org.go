package status

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/rootguard/rootguard/internal/alertstatus"
	"github.com/rootguard/rootguard/internal/cmdutil"
)

// runOrgStatus reports the organization's coverage gaps: ACTIVE accounts
// and regions whose root activity does not reach the hub.
func runOrgStatus(ctx context.Context, opts *Options, eng Engine) error {
	cov, err := eng.Coverage(ctx, alertstatus.CoverageOptions{Prefix: opts.Prefix, HubAccount: opts.HubAccount, Regions: opts.Regions})
	if err != nil {
		return fmt.Errorf("alert status --org: %w", err)
	}
	if opts.Output == "json" {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(struct {
			SchemaVersion int `json:"schema_version"`
			*alertstatus.Coverage
		}{1, cov}); err != nil {
			return err
		}
	} else {
		w := opts.IO.Out
		fmt.Fprintf(w, "hub          %s (StackSet %s)\n", cov.HubAccount, cov.StackSet)
		fmt.Fprintf(w, "regions      %v\n", cov.Regions)
		if len(cov.Gaps) > 0 {
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ACCOUNT\tREGION\tGAP\tFIX")
			for _, g := range cov.Gaps {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", g.Account, g.Region, g.Problem, g.Fix)
			}
			_ = tw.Flush()
		}
		for _, a := range cov.Skipped {
			fmt.Fprintf(opts.IO.ErrOut, "skipped %s (%s)\n", a.ID, a.Status)
		}
		fmt.Fprintf(opts.IO.ErrOut, "%d accounts, %d account-Region pairs: %d covered, %d gaps.\n", cov.Accounts, cov.Pairs, cov.Covered, len(cov.Gaps))
	}
	if len(cov.Gaps) > 0 {
		return &cmdutil.ExitCodeError{Code: cmdutil.ExitFindings}
	}
	return nil
}
