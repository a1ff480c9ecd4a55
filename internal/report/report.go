// Package report renders audit results: an aligned table and html (one
// self-contained page) for people, and json (rootguard.audit/v1), jsonl,
// SARIF 2.1.0 and ASFF for machines.
//
// Every format carries every account and every check that was asked for:
// a check that could not be decided is an ERROR row with its reason (an
// account that could not be audited at all has one per check, see
// audit.NotAudited), and an account that was skipped by design (not ACTIVE,
// excluded) is listed as skipped. Nothing unaudited is left out.
package report

import (
	"fmt"
	"io"
	"time"

	"github.com/rootguard/rootguard/internal/audit"
)

// SchemaVersion is the version of the json document, documented in
// docs/audit-json.md.
const SchemaVersion = "rootguard.audit/v1"

// Formats are the accepted --output values.
var Formats = []string{"table", "json", "jsonl", "sarif", "asff", "html"}

// Summary counts check outcomes across accounts.
type Summary struct {
	Pass          int `json:"pass"`
	Fail          int `json:"fail"`
	NotApplicable int `json:"not_applicable"`
	Error         int `json:"error"`
}

// Summarize counts every check row. An account that could not be audited
// has an ERROR row per check, so it counts once per check asked for; an
// account with an error and no rows at all (no check was asked for) still
// counts as one error, so that it is never silent.
func Summarize(accounts []audit.AccountResult) Summary {
	var s Summary
	for _, a := range accounts {
		if a.Error != "" && len(a.Checks) == 0 {
			s.Error++
		}
		for _, c := range a.Checks {
			switch c.Status {
			case audit.Pass:
				s.Pass++
			case audit.Fail:
				s.Fail++
			case audit.NotApplicable:
				s.NotApplicable++
			case audit.Error:
				s.Error++
			}
		}
	}
	return s
}

// AccountStatus is an account's overall status (audit.AccountResult.Status).
func AccountStatus(a audit.AccountResult) audit.Status { return a.Status() }

// AccountSummary counts accounts by overall status.
type AccountSummary struct {
	Pass  int `json:"pass"`
	Fail  int `json:"fail"`
	Error int `json:"error"`
}

// SummarizeAccounts counts accounts by their overall status.
func SummarizeAccounts(accounts []audit.AccountResult) AccountSummary {
	var s AccountSummary
	for _, a := range accounts {
		switch a.Status() {
		case audit.Pass:
			s.Pass++
		case audit.Fail:
			s.Fail++
		default:
			s.Error++
		}
	}
	return s
}

// SkippedAccount is an account an organization run did not audit by
// design: not ACTIVE (SUSPENDED, PENDING_CLOSURE) or EXCLUDED with
// --exclude-accounts.
type SkippedAccount struct {
	AccountID string `json:"account_id"`
	Name      string `json:"name,omitempty"`
	Status    string `json:"status"`
}

// Run is everything one audit produced: the accounts audited (or tried),
// and for an organization run the accounts skipped and notes on how the run
// was made.
type Run struct {
	Accounts []audit.AccountResult
	Org      bool
	Skipped  []SkippedAccount
	Notes    []string
	// OUs maps account IDs to their OU path (package orgtree), for the html
	// report's grouping; nil when not read.
	OUs map[string]string
}

// Interrupted counts the accounts a cancelled run did not finish.
func (r Run) Interrupted() int {
	n := 0
	for _, a := range r.Accounts {
		if a.Error == audit.ReasonInterrupted {
			n++
		}
	}
	return n
}

// Document is the json output.
type Document struct {
	SchemaVersion string                `json:"schema_version"`
	GeneratedAt   string                `json:"generated_at"`
	Accounts      []audit.AccountResult `json:"accounts"`
	// Summary counts check rows, AccountSummary accounts by overall status;
	// both are computed here and nowhere else.
	Summary        Summary        `json:"summary"`
	AccountSummary AccountSummary `json:"account_summary"`
	// Organization runs only: accounts not audited by design, and notes on
	// how the run was made.
	SkippedAccounts []SkippedAccount `json:"skipped_accounts,omitempty"`
	Notes           []string         `json:"notes,omitempty"`
}

// NewDocument builds the json document of a single-account run.
func NewDocument(accounts []audit.AccountResult, at time.Time) Document {
	return Run{Accounts: accounts}.Document(at)
}

// Document builds the json document.
func (r Run) Document(at time.Time) Document {
	accounts := r.Accounts
	if accounts == nil {
		accounts = []audit.AccountResult{}
	}
	doc := Document{
		SchemaVersion:  SchemaVersion,
		GeneratedAt:    at.UTC().Format(time.RFC3339),
		Accounts:       accounts,
		Summary:        Summarize(accounts),
		AccountSummary: SummarizeAccounts(accounts),
		Notes:          r.Notes,
	}
	if r.Org {
		doc.SkippedAccounts = r.Skipped
		if doc.SkippedAccounts == nil {
			doc.SkippedAccounts = []SkippedAccount{}
		}
	}
	return doc
}

// Options shape rendering.
type Options struct {
	Color     bool
	Region    string // ASFF: the Security Hub region findings are imported into
	Partition string // ASFF: the partition of the audited accounts; "" means aws
	Version   string // SARIF: the tool version
	Generated time.Time
}

// Render writes a single-account run in format.
func Render(w io.Writer, format string, accounts []audit.AccountResult, opts Options) error {
	return Write(w, format, Run{Accounts: accounts}, opts)
}

// Write writes run in format.
func Write(w io.Writer, format string, run Run, opts Options) error {
	switch format {
	case "table":
		if run.Org {
			return OrgTable(w, run, opts.Color)
		}
		return Table(w, run.Accounts, opts.Color)
	case "json":
		return JSON(w, run.Document(opts.Generated))
	case "jsonl":
		for _, a := range run.Accounts {
			if err := JSONLine(w, a); err != nil {
				return err
			}
		}
		return SkippedLines(w, run.Skipped)
	case "sarif":
		return SARIF(w, run, opts.Version)
	case "asff":
		return ASFF(w, run.Accounts, opts)
	case "html":
		in := HTMLInput{Accounts: run.Accounts, OUs: run.OUs, Skipped: run.Skipped, Notes: run.Notes, Generated: opts.Generated, Version: opts.Version}
		return HTML(w, in)
	default:
		return fmt.Errorf("unknown output format %q", format)
	}
}
