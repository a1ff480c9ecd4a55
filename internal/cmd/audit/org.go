package audit

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/rootguard/rootguard/internal/audit"
	"github.com/rootguard/rootguard/internal/buildinfo"
	"github.com/rootguard/rootguard/internal/orgaudit"
	"github.com/rootguard/rootguard/internal/orgscan"
	"github.com/rootguard/rootguard/internal/progress"
	"github.com/rootguard/rootguard/internal/report"
)

func runOrgAudit(ctx context.Context, opts *AuditOptions) error {
	cfg, err := opts.AWSConfig(ctx)
	if err != nil {
		return err
	}
	var (
		mu  sync.Mutex
		bar = progress.New(opts.IO.ErrOut, opts.IO.IsStderrTTY(), "Auditing accounts")
		// jsonl streams each account as it finishes; a write error stops
		// the stream but not the audit.
		streamErr error
	)
	stream := opts.Output == "jsonl"
	res, err := orgaudit.Run(ctx, cfg, orgaudit.Options{
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
	if err := renderOrg(opts, res, accounts, cfg.Region); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if ctx.Err() != nil {
		missed := 0
		for _, a := range accounts {
			if a.Error == orgaudit.ErrInterrupted.Error() {
				missed++
			}
		}
		return fmt.Errorf("interrupted: %d of %d accounts were not audited; the report above is partial", missed, len(accounts))
	}
	return exitFor(report.Summarize(accounts))
}

func withAccess(row orgaudit.Row) audit.AccountResult {
	r := row.Result
	r.Access = string(row.Access)
	if r.AccountAlias == "" {
		r.AccountAlias = row.Account.Name
	}
	return r
}

func renderOrg(opts *AuditOptions, res *orgaudit.Result, accounts []audit.AccountResult, region string) error {
	errOut := opts.IO.ErrOut
	holdouts := res.Holdouts()
	switch opts.Output {
	case "jsonl":
		// already streamed
	case "table":
		var skipped []string
		for _, s := range res.Skipped {
			skipped = append(skipped, s.ID+" ("+strings.ToLower(s.Status)+")")
		}
		if err := report.OrgTable(opts.IO.Out, accounts, skipped, opts.IO.ColorEnabled()); err != nil {
			return err
		}
		if len(holdouts) > 0 {
			fmt.Fprintf(opts.IO.Out, "\nMember accounts still holding root credentials (remove with `rootguard fix --accounts ID --remove-root-credentials`):\n")
			for _, h := range holdouts {
				fmt.Fprintf(opts.IO.Out, "  %s  %s\n", h.AccountID, strings.Join(h.Holds, ", "))
			}
		}
	case "json":
		doc := report.NewDocument(accounts, opts.Now())
		sum := report.SummarizeAccounts(accounts)
		doc.AccountSummary = &sum
		for _, s := range res.Skipped {
			doc.SkippedAccounts = append(doc.SkippedAccounts, report.SkippedAccount{AccountID: s.ID, Name: s.Name, Status: s.Status})
		}
		doc.Notes = res.Notes
		for _, h := range holdouts {
			doc.Notes = append(doc.Notes, fmt.Sprintf("member %s still holds root %s", h.AccountID, strings.Join(h.Holds, ", ")))
		}
		return report.JSON(opts.IO.Out, doc)
	case "html":
		in := report.HTMLInput{Accounts: accounts, Notes: res.Notes, Generated: opts.Now(), Version: buildinfo.String()}
		for _, s := range res.Skipped {
			in.Skipped = append(in.Skipped, report.SkippedAccount{AccountID: s.ID, Name: s.Name, Status: s.Status})
		}
		if err := report.HTML(opts.IO.Out, in); err != nil {
			return err
		}
	default:
		if err := report.Render(opts.IO.Out, opts.Output, accounts, report.Options{
			Color: opts.IO.ColorEnabled(), Region: region, Version: buildinfo.String(), Generated: opts.Now(),
		}); err != nil {
			return err
		}
	}
	for _, n := range res.Notes {
		fmt.Fprintf(errOut, "note: %s\n", n)
	}
	if len(res.Skipped) > 0 && opts.Output != "table" {
		fmt.Fprintf(errOut, "note: %d account(s) not ACTIVE were skipped\n", len(res.Skipped))
	}
	return nil
}
