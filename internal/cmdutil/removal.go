package cmdutil

import (
	"fmt"

	"github.com/rootguard/rootguard/internal/iostreams"
)

// PrintRemoval prints a remove command's plan or outcome the one way every
// remove command does: what goes (stdout, "(plan) would delete" until
// approved), what stays and why, then one line on stderr — nothing (the
// command's own words), not applied, or the counts.
func PrintRemoval(io *iostreams.IOStreams, approved bool, del, keep []string, nothing string) {
	verb := "(plan) would delete"
	if approved {
		verb = "deleted"
	}
	for _, d := range del {
		fmt.Fprintf(io.Out, "%s %s\n", verb, d)
	}
	for _, k := range keep {
		fmt.Fprintf(io.Out, "kept %s\n", k)
	}
	switch {
	case len(del) == 0:
		fmt.Fprintln(io.ErrOut, nothing)
	case !approved:
		fmt.Fprintln(io.ErrOut, "No changes were applied; run again with --approve.")
	default:
		fmt.Fprintf(io.ErrOut, "%d removed, %d kept.\n", len(del), len(keep))
	}
}
