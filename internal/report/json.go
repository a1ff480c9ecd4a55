package report

import (
	"encoding/json"
	"io"

	"github.com/rootguard/rootguard/internal/audit"
)

// JSON writes the rootguard.audit/v1 document.
func JSON(w io.Writer, doc Document) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

// JSONLine writes one account as one line, so a long organization run can
// be streamed and read as it finishes.
func JSONLine(w io.Writer, a audit.AccountResult) error {
	return json.NewEncoder(w).Encode(a)
}

// SkippedLines writes, after the audited accounts of a jsonl stream, one
// line per account skipped by design, marked with "skipped" and no checks:
// a reader of the stream sees every account that was asked for.
func SkippedLines(w io.Writer, skipped []SkippedAccount) error {
	for _, s := range skipped {
		if err := JSONLine(w, audit.AccountResult{AccountID: s.AccountID, AccountAlias: s.Name, Skipped: s.Status}); err != nil {
			return err
		}
	}
	return nil
}
