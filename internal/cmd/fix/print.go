package fix

import (
	"fmt"
	"io"

	rgfix "github.com/rootguard/rootguard/internal/fix"
)

func printPlan(w io.Writer, t *target) {
	fmt.Fprintf(w, "Account %s\n", t.plan.Account)
	for _, u := range t.undone {
		fmt.Fprintf(w, "  ! cannot fix: %s\n", u)
	}
	if len(t.plan.Steps) == 0 && len(t.undone) == 0 {
		fmt.Fprintln(w, "  nothing to change")
	}
	for i, s := range t.plan.Steps {
		fmt.Fprintf(w, "  %d. (plan) would %s  [%s]\n", i+1, s.Description, s.Action)
	}
	for _, n := range t.plan.Notes {
		fmt.Fprintf(w, "  ! %s\n", n)
	}
}

// printOutcomes prints each step's result and returns how many were not done.
func printOutcomes(w io.Writer, outcomes []rgfix.Outcome) int {
	notDone := 0
	for _, o := range outcomes {
		switch o.Result {
		case rgfix.Done:
			fmt.Fprintf(w, "  ✓ %s\n", o.Step.Description)
		case rgfix.AlreadyGone:
			fmt.Fprintf(w, "  ✓ %s: already gone (removed by someone else)\n", o.Step.Description)
		default:
			notDone++
			fmt.Fprintf(w, "  ✗ %s: %s: %s\n", o.Step.Description, o.Result, o.Reason)
		}
	}
	return notDone
}
