package audit

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/rootguard/rootguard/internal/audit"
	"github.com/rootguard/rootguard/internal/buildinfo"
	"github.com/rootguard/rootguard/internal/orgaudit"
	"github.com/rootguard/rootguard/internal/orgscan"
	"github.com/rootguard/rootguard/internal/orgtree"
	"github.com/rootguard/rootguard/internal/progress"
	"github.com/rootguard/rootguard/internal/report"
)

func runOrgAudit(ctx context.Context, opts *AuditOptions) error {
	cfg, err := opts.AWSConfig(ctx)
	if err != nil {
		return err
	}
	var (
		mu sync.Mutex
		// No bar while jsonl lines stream to the same terminal.
		bar = progress.New(opts.IO.ErrOut, opts.IO.ProgressEnabled() && !(opts.Output == "jsonl" && opts.IO.IsStdoutTTY()), "Auditing accounts")
		// jsonl streams each account as it finishes; a write error stops
		// the stream but not the audit.
		streamErr error
	)
	stream := opts.Output == "jsonl"
	res, err := opts.OrgAudit(ctx, cfg, orgaudit.Options{
		Selection:      orgscan.Selection{Org: opts.Org, OUs: opts.OUs, Accounts: opts.Accounts, Exclude: opts.Exclude},
		RoleName:       opts.RoleName,
		Concurrency:    opts.Concurrency,
		AccountTimeout: opts.AccountTimeout,
		Audit:          audit.Options{RootUseDays: opts.RootUseDays, ReportWait: opts.ReportWait, Now: opts.Now},
		Started:        bar.SetTotal,
		Done: func(_ int, row orgaudit.Row) {
			bar.Add()
			if !stream {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if streamErr == nil {
				streamErr = report.JSONLine(opts.IO.Out, withAccess(row))
			}
		},
	})
	bar.Finish()
	if err != nil {
		return err
	}
	accounts := make([]audit.AccountResult, len(res.Rows))
	for i, row := range res.Rows {
		accounts[i] = withAccess(row)
	}
	for _, a := range accounts {
		for _, w := range a.Warnings {
			fmt.Fprintf(opts.IO.ErrOut, "warning: %s\n", w)
		}
	}
	if streamErr != nil {
		return fmt.Errorf("write report: %w", streamErr)
	}
	run := orgRun(res, accounts, opts.Exclude)
	if opts.Output == "html" {
		// Only the html report groups by OU: the tree is read for it alone.
		var note string
		if run.OUs, note = orgtree.ForReport(ctx, cfg); note != "" {
			run.Notes = append(run.Notes, note)
		}
	}
	if err := renderOrg(opts, res, run, cfg.Region); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted: %d of %d accounts were not fully audited; the report above is partial", run.Interrupted(), len(accounts))
	}
	return exitFor(report.Summarize(accounts))
}

// orgRun is what the organization's report shows: every account audited
// or tried, and every account skipped by design — not ACTIVE, or excluded.
func orgRun(res *orgaudit.Result, accounts []audit.AccountResult, excluded []string) report.Run {
	run := report.Run{Accounts: accounts, Org: true, Notes: slices.Clone(res.Notes)}
	for _, sk := range res.Skipped {
		run.Skipped = append(run.Skipped, report.SkippedAccount{AccountID: sk.ID, Name: sk.Name, Status: sk.Status})
	}
	for _, id := range excluded {
		run.Skipped = append(run.Skipped, report.SkippedAccount{AccountID: id, Status: "EXCLUDED"})
	}
	return run
}

func withAccess(row orgaudit.Row) audit.AccountResult {
	r := row.Result
	r.Access = string(row.Access)
	if r.AccountAlias == "" {
		r.AccountAlias = row.Account.Name
	}
	return r
}

// renderOrg writes the organization's report: every account audited or
// tried (an account that could not be audited has an ERROR row per check),
// and every account skipped by design.
func renderOrg(opts *AuditOptions, res *orgaudit.Result, run report.Run, region string) error {
	errOut := opts.IO.ErrOut
	holdouts := res.Holdouts()
	for _, h := range holdouts {
		run.Notes = append(run.Notes, fmt.Sprintf("member %s still holds root %s", h.AccountID, strings.Join(h.Holds, ", ")))
	}
	switch opts.Output {
	case "jsonl":
		// Audited accounts were streamed as they finished; the skipped
		// ones close the stream.
		if err := report.SkippedLines(opts.IO.Out, run.Skipped); err != nil {
			return err
		}
	default:
		if err := report.Write(opts.IO.Out, opts.Output, run, report.Options{
			Color: opts.IO.ColorEnabled(), Region: region, Version: buildinfo.String(), Generated: opts.Now(),
		}); err != nil {
			return err
		}
		if opts.Output == "table" && len(holdouts) > 0 {
			fmt.Fprintf(opts.IO.Out, "\nMember accounts still holding root credentials (remove with `rootguard fix --accounts ID --remove-root-credentials`):\n")
			for _, h := range holdouts {
				fmt.Fprintf(opts.IO.Out, "  %s  %s\n", h.AccountID, strings.Join(h.Holds, ", "))
			}
		}
	}
	if opts.Output == "json" {
		return nil // the notes are in the document
	}
	for _, n := range res.Notes {
		fmt.Fprintf(errOut, "note: %s\n", n)
	}
	if len(run.Skipped) > 0 && opts.Output != "table" {
		fmt.Fprintf(errOut, "note: %d account(s) skipped (not ACTIVE or excluded)\n", len(run.Skipped))
	}
	return nil
}
