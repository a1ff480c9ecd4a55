// Package drift tells what changed in an organization's root posture
// between two scheduled audits: per account and check, a new FAIL, a fix, a
// new ERROR (or an error cleared), and accounts that joined, left or were
// suspended.
//
// A run is stored as one Run document (schema rootguard.posture/v1); the
// scheduled auditor keeps them in the hub (package runstore) and compares
// each new run with the last one published.
package drift

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/rootguard/rootguard/internal/audit"
)

// SchemaVersion is the version of the stored run document.
const SchemaVersion = "rootguard.posture/v1"

// MaxDocumentBytes bounds a stored run document: 10,000 accounts with
// every check's evidence are about 25 MB; anything past this is not ours.
const MaxDocumentBytes = 256 << 20

// Run is one scheduled audit of an organization.
type Run struct {
	SchemaVersion string    `json:"schema_version"`
	ID            string    `json:"run_id"`
	StartedAt     time.Time `json:"started_at"`
	FinishedAt    time.Time `json:"finished_at"`
	Management    string    `json:"management_account,omitempty"`
	// Accounts are the audited (ACTIVE) accounts; Skipped those the
	// organization lists but that were not audited because they are not
	// ACTIVE (SUSPENDED, PENDING_CLOSURE).
	Accounts []audit.AccountResult `json:"accounts"`
	Skipped  []Skipped             `json:"skipped_accounts,omitempty"`
	Notes    []string              `json:"notes,omitempty"`
}

// Skipped is an account the organization lists but the run did not audit.
type Skipped struct {
	AccountID string `json:"account_id"`
	Name      string `json:"name,omitempty"`
	Status    string `json:"status"`
}

// Marshal encodes the run for storage.
func (r *Run) Marshal() ([]byte, error) {
	if err := r.validate(); err != nil {
		return nil, err
	}
	return json.Marshal(r)
}

// ParseRun decodes and validates a stored run document. It is the parser of
// outside input (an S3 object anyone with write access to the bucket could
// have replaced): unknown fields, a wrong schema, malformed or duplicate
// account IDs, unknown statuses or trailing data are errors, never a
// half-read run that would report false drift.
func ParseRun(data []byte) (*Run, error) {
	if len(data) > MaxDocumentBytes {
		return nil, fmt.Errorf("run document is %d bytes, over the %d-byte limit", len(data), MaxDocumentBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var r Run
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("decode run document: %w", err)
	}
	if dec.More() {
		return nil, errors.New("decode run document: data after the document")
	}
	if err := r.validate(); err != nil {
		return nil, err
	}
	return &r, nil
}

func (r *Run) validate() error {
	if r.SchemaVersion != SchemaVersion {
		return fmt.Errorf("run document: schema_version %q, want %q", r.SchemaVersion, SchemaVersion)
	}
	if r.ID == "" || r.StartedAt.IsZero() {
		return errors.New("run document: no run_id or started_at")
	}
	seen := map[string]bool{}
	for _, a := range r.Accounts {
		if !isAccountID(a.AccountID) {
			return fmt.Errorf("run document: account ID %q is not 12 digits", a.AccountID)
		}
		if seen[a.AccountID] {
			return fmt.Errorf("run document: account %s appears twice", a.AccountID)
		}
		seen[a.AccountID] = true
		checks := map[audit.CheckID]bool{}
		for _, c := range a.Checks {
			if c.ID == "" || checks[c.ID] {
				return fmt.Errorf("run document: account %s: check %q empty or twice", a.AccountID, c.ID)
			}
			checks[c.ID] = true
			switch c.Status {
			case audit.Pass, audit.Fail, audit.Error, audit.NotApplicable:
			default:
				return fmt.Errorf("run document: account %s check %s: unknown status %q", a.AccountID, c.ID, c.Status)
			}
		}
	}
	for _, s := range r.Skipped {
		if !isAccountID(s.AccountID) || s.Status == "" {
			return fmt.Errorf("run document: skipped account %q without a 12-digit ID or a status", s.AccountID)
		}
		if seen[s.AccountID] {
			return fmt.Errorf("run document: account %s is both audited and skipped", s.AccountID)
		}
		seen[s.AccountID] = true
	}
	return nil
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
