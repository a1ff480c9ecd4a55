package fix

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/rootguard/rootguard/internal/audit"
	"github.com/rootguard/rootguard/internal/cmdutil"
	rgfix "github.com/rootguard/rootguard/internal/fix"
	"github.com/rootguard/rootguard/internal/orgscan"
)

// runFix plans with the fix engine, shows the plan, asks, applies, prints.
func runFix(ctx context.Context, opts *FixOptions) error {
	eng, err := opts.Engine(ctx)
	if err != nil {
		return err
	}
	errOut := opts.IO.ErrOut
	if eng.IsRoot() {
		fmt.Fprintf(errOut, "! rootguard is running with root user credentials (%s): this run is itself root use.\n", eng.CallerARN())
	}
	planned, err := eng.Plan(ctx, opts.request())
	var usage *rgfix.UsageError
	if errors.As(err, &usage) {
		return cmdutil.Usagef("%s", usage.Msg)
	}
	if err != nil {
		return err
	}
	for _, n := range planned.Notes {
		fmt.Fprintf(errOut, "note: %s\n", n)
	}
	steps, undone := planned.Steps()
	for _, t := range planned.Targets {
		printPlan(opts.IO.Out, t)
	}
	if steps == 0 {
		if undone > 0 {
			return &cmdutil.ExitCodeError{Code: cmdutil.ExitPartial}
		}
		fmt.Fprintln(errOut, "Nothing to fix.")
		return nil
	}
	if !opts.Approve {
		fmt.Fprintf(errOut, "\n%s planned; no changes were applied. Run again with --approve to make them.\n", plural(steps, "change"))
		return nil
	}
	if err := confirm(opts, planned.Irreversible()); err != nil {
		return err
	}
	var rec *rgfix.Recorder
	if opts.RecordPath != "" {
		if rec, err = rgfix.OpenRecorder(opts.RecordPath, eng.CallerARN()); err != nil {
			return err
		}
	}
	failed := 0
	for _, r := range eng.Apply(ctx, planned, rec) {
		failed += printReport(opts.IO.Out, r)
	}
	if err := rec.Close(); err != nil {
		fmt.Fprintf(errOut, "! the change record %s is incomplete: %v\n", opts.RecordPath, err)
		failed++
	}
	fmt.Fprintf(errOut, "\n%s: %d done or already gone, %d not done.\n", plural(steps, "change"), max(steps-failed, 0), failed)
	if failed > 0 || undone > 0 {
		return &cmdutil.ExitCodeError{Code: cmdutil.ExitPartial}
	}
	return nil
}

func (o *FixOptions) request() rgfix.Request {
	wants := func(id audit.CheckID) bool { return len(o.Only) == 0 || slices.Contains(o.Only, string(id)) }
	return rgfix.Request{
		What: rgfix.What{
			AccessKeys:   wants(rgfix.CheckAccessKeys) || o.RemoveRootCredentials,
			Certificates: wants(rgfix.CheckCertificates) || o.RemoveRootCredentials,
			LoginProfile: o.RemoveRootCredentials,
			MFADevices:   o.RemoveRootCredentials,
		},
		Only:    o.Only,
		Members: orgscan.Selection{Org: o.Org, OUs: o.OUs, Accounts: o.Accounts, Exclude: o.Exclude},
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
