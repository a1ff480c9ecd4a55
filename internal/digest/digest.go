// Package digest is what the scheduled auditor hands to the alert function
// to post: the drift between two runs of an organization's root audit and
// where the organization stands. It is the wire model only — computed by
// package drift, carried in an EventBridge-shaped message through the alert
// queue, rendered by package slackmsg — and depends on nothing heavier than
// encoding/json, so the alert function does not link the audit engine.
package digest

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Kind is one kind of change between two runs.
type Kind string

// The kinds, in the order a digest shows them (worst first).
const (
	NewFail      Kind = "new-fail"      // a check FAILs that did not before (or in an account that just joined)
	NewError     Kind = "new-error"     // a check, or the whole account, can no longer be evaluated
	Joined       Kind = "joined"        // an account audited now that was not in the last run
	Left         Kind = "left"          // an account of the last run the organization no longer lists
	Suspended    Kind = "suspended"     // an account of the last run that is no longer ACTIVE
	Fixed        Kind = "fixed"         // a check that FAILed now passes (or is not applicable)
	ErrorCleared Kind = "error-cleared" // a check, or the account, that was ERROR is evaluated again
)

// Kinds are every kind, worst first.
var Kinds = []Kind{NewFail, NewError, Joined, Left, Suspended, Fixed, ErrorCleared}

// Change is one drift item. Check is empty for account-level changes;
// Severity is the check's (critical, high, medium, low); From and To are
// check statuses (PASS, FAIL, ERROR, NOT_APPLICABLE; From empty when the
// last run did not evaluate the check).
type Change struct {
	Kind      Kind   `json:"kind"`
	AccountID string `json:"account_id"`
	Name      string `json:"name,omitempty"`
	Check     string `json:"check,omitempty"`
	Severity  string `json:"severity,omitempty"`
	From      string `json:"from,omitempty"`
	To        string `json:"to,omitempty"`
	Detail    string `json:"detail,omitempty"` // the current run's detail or error
}

// Digest is what changed from Previous to Current, and where Current stands.
type Digest struct {
	Previous string   `json:"previous_run,omitempty"` // empty: Current is the first run (a baseline)
	Current  string   `json:"current_run"`
	Changes  []Change `json:"changes"`
	// Omitted counts, by kind, the changes Trim left out of Changes.
	Omitted map[Kind]int `json:"omitted,omitempty"`
	// Where the current run stands, drift or not: audited accounts, checks
	// still FAILing and ERROR (an account not audited at all counts as one
	// error), accounts with at least one FAIL, and accounts without any
	// change.
	Accounts     int `json:"accounts"`
	FailChecks   int `json:"fail_checks"`
	ErrorChecks  int `json:"error_checks"`
	FailAccounts int `json:"fail_accounts"`
	Unchanged    int `json:"unchanged_accounts"`
	// Report is where the run's HTML report was written (an s3:// URI).
	Report string `json:"report,omitempty"`
	// SecurityHub is the run's import of its findings into each account's
	// Security Hub (`posture --security-hub`); nil when not asked for.
	SecurityHub *SecurityHub `json:"security_hub,omitempty"`
}

// SecurityHub is what a run imported into Security Hub, and every account
// it could not import, by name: a gap is never dropped.
type SecurityHub struct {
	Accounts int   `json:"accounts"` // accounts whose findings were all imported
	Findings int   `json:"findings"` // findings Security Hub accepted
	Gaps     []Gap `json:"gaps,omitempty"`
	// OmittedGaps counts the gaps Trim left out of Gaps.
	OmittedGaps int `json:"omitted_gaps,omitempty"`
}

// Gap is an account whose findings were not (all) imported, and why.
type Gap struct {
	AccountID string `json:"account_id"`
	Reason    string `json:"reason"`
}

// GapCount is the number of gaps, omitted ones included.
func (s *SecurityHub) GapCount() int {
	if s == nil {
		return 0
	}
	return len(s.Gaps) + s.OmittedGaps
}

// Count is the number of changes of a kind, omitted ones included.
func (d *Digest) Count(k Kind) int {
	n := d.Omitted[k]
	for _, c := range d.Changes {
		if c.Kind == k {
			n++
		}
	}
	return n
}

// Total is the number of changes, omitted ones included.
func (d *Digest) Total() int {
	n := len(d.Changes)
	for _, o := range d.Omitted {
		n += o
	}
	return n
}

// Trim keeps the first n changes (the worst, as drift orders them) and
// counts the rest in Omitted, so a digest of a large drift fits in one
// queue message.
func (d *Digest) Trim(n int) {
	if sh := d.SecurityHub; sh != nil && len(sh.Gaps) > n {
		sh.OmittedGaps += len(sh.Gaps) - n
		sh.Gaps = sh.Gaps[:n:n]
	}
	if len(d.Changes) <= n {
		return
	}
	if d.Omitted == nil {
		d.Omitted = map[Kind]int{}
	}
	for _, c := range d.Changes[n:] {
		d.Omitted[c.Kind]++
	}
	d.Changes = d.Changes[:n:n]
}

// Parse decodes a digest received from the queue and checks it is whole:
// a run ID, known kinds, counts that are not negative.
func Parse(data []byte) (*Digest, error) {
	var d Digest
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, fmt.Errorf("decode posture digest: %w", err)
	}
	if d.Current == "" {
		return nil, errors.New("posture digest: no current_run")
	}
	known := map[Kind]bool{}
	for _, k := range Kinds {
		known[k] = true
	}
	for _, c := range d.Changes {
		if !known[c.Kind] || c.AccountID == "" {
			return nil, fmt.Errorf("posture digest: change of kind %q for account %q", c.Kind, c.AccountID)
		}
	}
	for k, n := range d.Omitted {
		if !known[k] || n < 0 {
			return nil, fmt.Errorf("posture digest: omitted %d of kind %q", n, k)
		}
	}
	if d.Accounts < 0 || d.FailChecks < 0 || d.ErrorChecks < 0 || d.FailAccounts < 0 || d.Unchanged < 0 {
		return nil, errors.New("posture digest: a negative count")
	}
	if sh := d.SecurityHub; sh != nil {
		if sh.Accounts < 0 || sh.Findings < 0 || sh.OmittedGaps < 0 {
			return nil, errors.New("posture digest: a negative Security Hub count")
		}
		for _, g := range sh.Gaps {
			if g.AccountID == "" {
				return nil, errors.New("posture digest: a Security Hub gap without an account")
			}
		}
	}
	return &d, nil
}
