package fix

import (
	"fmt"
	"io"

	"github.com/rootguard/rootguard/internal/audit"
	rgfix "github.com/rootguard/rootguard/internal/fix"
)

func printPlan(w io.Writer, t *rgfix.Target) {
	fmt.Fprintf(w, "Account %s\n", t.Plan.Account)
	for _, u := range t.Undone {
		fmt.Fprintf(w, "  ! cannot fix: %s\n", u)
	}
	if len(t.Plan.Steps) == 0 && len(t.Undone) == 0 {
		fmt.Fprintln(w, "  nothing to change")
	}
	for i, s := range t.Plan.Steps {
		fmt.Fprintf(w, "  %d. (plan) would %s  [%s]\n", i+1, s.Description, s.Action)
	}
	for _, n := range t.Plan.Notes {
		fmt.Fprintf(w, "  ! %s\n", n)
	}
}

// printReport prints one account's changes and verification and returns
// how many changes were not done.
func printReport(w io.Writer, r rgfix.Report) int {
	if len(r.Outcomes) == 0 && len(r.Changed) == 0 {
		return r.NotDone
	}
	fmt.Fprintf(w, "\nApplied in %s:\n", r.Account)
	for _, c := range r.Changed {
		fmt.Fprintf(w, "  ! changed since the plan: %s\n", c)
	}
	for _, o := range r.Outcomes {
		switch o.Result {
		case rgfix.Done:
			fmt.Fprintf(w, "  ✓ %s\n", o.Step.Description)
		case rgfix.AlreadyGone:
			why := "already gone (removed by someone else)"
			if o.Reason != "" {
				why = "already gone: " + o.Reason
			}
			fmt.Fprintf(w, "  ✓ %s: %s\n", o.Step.Description, why)
		default:
			fmt.Fprintf(w, "  ✗ %s: %s: %s\n", o.Step.Description, o.Result, o.Reason)
		}
	}
	v := r.Verification
	switch {
	case v.Skipped == "nothing to verify":
	case v.Skipped != "":
		fmt.Fprintf(w, "\nVerify in %s: %s\n", r.Account, v.Skipped)
	default:
		fmt.Fprintf(w, "\nVerify in %s:\n", r.Account)
		for _, row := range v.Rows {
			fmt.Fprintf(w, "  %-28s %s → %s", row.Check, statusOr(row.Before), statusOr(row.After))
			if a := row.After; a.Status != audit.Pass && a.Status != audit.NotApplicable && a.Detail != "" {
				fmt.Fprintf(w, "  (%s)", a.Detail)
			}
			fmt.Fprintln(w)
		}
	}
	return r.NotDone
}

func statusOr(c audit.CheckResult) string {
	if c.Status == "" {
		return "?"
	}
	return string(c.Status)
}
