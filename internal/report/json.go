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
