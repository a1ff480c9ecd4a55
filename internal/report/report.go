// Package report renders audit results: an aligned table for people, and
// json (rootguard.audit/v1), jsonl, SARIF 2.1.0 and ASFF for machines.
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

// Summarize counts every check; an account that could not be audited counts
// as one error.
func Summarize(accounts []audit.AccountResult) Summary {
	var s Summary
	for _, a := range accounts {
		if a.Error != "" {
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

// Document is the json output.
type Document struct {
	SchemaVersion string                `json:"schema_version"`
	GeneratedAt   string                `json:"generated_at"`
	Accounts      []audit.AccountResult `json:"accounts"`
	Summary       Summary               `json:"summary"`
	// Organization runs only: accounts by overall status, accounts not
	// audited because they are not ACTIVE, and notes on how the run was made.
	AccountSummary  *AccountSummary  `json:"account_summary,omitempty"`
	SkippedAccounts []SkippedAccount `json:"skipped_accounts,omitempty"`
	Notes           []string         `json:"notes,omitempty"`
}

// SkippedAccount is an account an organization run did not audit.
type SkippedAccount struct {
	AccountID string `json:"account_id"`
	Name      string `json:"name,omitempty"`
	Status    string `json:"status"`
}

// NewDocument builds the json document.
func NewDocument(accounts []audit.AccountResult, at time.Time) Document {
	return Document{
		SchemaVersion: SchemaVersion,
		GeneratedAt:   at.UTC().Format(time.RFC3339),
		Accounts:      accounts,
		Summary:       Summarize(accounts),
	}
}

// Options shape rendering.
type Options struct {
	Color     bool
	Region    string // ASFF: the Security Hub region findings are imported into
	Version   string // SARIF: the tool version
	Generated time.Time
}

// Render writes accounts in format.
func Render(w io.Writer, format string, accounts []audit.AccountResult, opts Options) error {
	switch format {
	case "table":
		return Table(w, accounts, opts.Color)
	case "json":
		return JSON(w, NewDocument(accounts, opts.Generated))
	case "jsonl":
		for _, a := range accounts {
			if err := JSONLine(w, a); err != nil {
				return err
			}
		}
		return nil
	case "sarif":
		return SARIF(w, accounts, opts.Version)
	case "asff":
		return ASFF(w, accounts, opts.Region, opts.Generated)
	case "html":
		return HTML(w, HTMLInput{Accounts: accounts, Generated: opts.Generated, Version: opts.Version})
	default:
		return fmt.Errorf("unknown output format %q", format)
	}
}
