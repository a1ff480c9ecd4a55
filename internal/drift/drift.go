package drift

import (
	"cmp"
	"slices"

	"github.com/rootguard/rootguard/internal/audit"
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

// Change is one drift item. Check is empty for account-level changes.
type Change struct {
	Kind      Kind           `json:"kind"`
	AccountID string         `json:"account_id"`
	Name      string         `json:"name,omitempty"`
	Check     audit.CheckID  `json:"check,omitempty"`
	Severity  audit.Severity `json:"severity,omitempty"`
	From      audit.Status   `json:"from,omitempty"`
	To        audit.Status   `json:"to,omitempty"`
	Detail    string         `json:"detail,omitempty"` // the current run's detail or error
}

// Drift is what changed from Previous to Current, and where Current stands.
type Drift struct {
	Previous string   `json:"previous_run,omitempty"` // empty: Current is the first run (a baseline)
	Current  string   `json:"current_run"`
	Changes  []Change `json:"changes"`
	// Where the current run stands, drift or not: audited accounts, checks
	// still FAILing and ERROR (an account not audited at all counts as one
	// error), accounts with at least one FAIL, and accounts without any
	// change.
	Accounts     int `json:"accounts"`
	FailChecks   int `json:"fail_checks"`
	ErrorChecks  int `json:"error_checks"`
	FailAccounts int `json:"fail_accounts"`
	Unchanged    int `json:"unchanged_accounts"`
}

// Count is the number of changes of a kind.
func (d *Drift) Count(k Kind) int {
	n := 0
	for _, c := range d.Changes {
		if c.Kind == k {
			n++
		}
	}
	return n
}

// Compute compares cur with prev (nil for the first run: no changes, only
// where cur stands). Changes are ordered worst first: by kind, then
// severity, then account and check.
func Compute(prev, cur *Run) *Drift {
	d := &Drift{Current: cur.ID, Accounts: len(cur.Accounts), Changes: []Change{}}
	for _, a := range cur.Accounts {
		failing := false
		if a.Error != "" {
			d.ErrorChecks++
		}
		for _, c := range a.Checks {
			switch c.Status {
			case audit.Fail:
				d.FailChecks++
				failing = true
			case audit.Error:
				d.ErrorChecks++
			}
		}
		if failing {
			d.FailAccounts++
		}
	}
	if prev == nil {
		d.Unchanged = len(cur.Accounts)
		return d
	}
	d.Previous = prev.ID

	before := map[string]audit.AccountResult{}
	for _, a := range prev.Accounts {
		before[a.AccountID] = a
	}
	wasSkipped := map[string]Skipped{}
	for _, s := range prev.Skipped {
		wasSkipped[s.AccountID] = s
	}
	present := map[string]bool{}
	for _, a := range cur.Accounts {
		present[a.AccountID] = true
		p, known := before[a.AccountID]
		n := len(d.Changes)
		if !known {
			detail := "not in the last run"
			if s, ok := wasSkipped[a.AccountID]; ok {
				detail = "was " + s.Status + " in the last run"
			}
			d.Changes = append(d.Changes, Change{Kind: Joined, AccountID: a.AccountID, Name: a.AccountAlias, Detail: detail})
			p = audit.AccountResult{AccountID: a.AccountID}
		}
		d.Changes = append(d.Changes, accountChanges(p, a)...)
		if len(d.Changes) == n {
			d.Unchanged++
		}
	}
	for _, s := range cur.Skipped {
		present[s.AccountID] = true
		if p, ok := before[s.AccountID]; ok {
			d.Changes = append(d.Changes, Change{Kind: Suspended, AccountID: s.AccountID, Name: cmp.Or(s.Name, p.AccountAlias), Detail: "now " + s.Status + ": not audited"})
		}
	}
	for _, p := range prev.Accounts {
		if !present[p.AccountID] {
			d.Changes = append(d.Changes, Change{Kind: Left, AccountID: p.AccountID, Name: p.AccountAlias, Detail: "no longer in the organization (or no longer selected)"})
		}
	}
	rank := map[Kind]int{}
	for i, k := range Kinds {
		rank[k] = i
	}
	sevRank := map[audit.Severity]int{audit.Critical: 0, audit.High: 1, audit.Medium: 2, audit.Low: 3, "": 4}
	slices.SortStableFunc(d.Changes, func(a, b Change) int {
		return cmp.Or(
			cmp.Compare(rank[a.Kind], rank[b.Kind]),
			cmp.Compare(sevRank[a.Severity], sevRank[b.Severity]),
			cmp.Compare(a.AccountID, b.AccountID),
			cmp.Compare(a.Check, b.Check))
	})
	return d
}

// accountChanges compares one account's audit in two runs. An account that
// could not be audited is ERROR as a whole; its checks are unknown, so no
// check-level change is claimed for it (neither fixed nor new).
func accountChanges(p, c audit.AccountResult) []Change {
	name := cmp.Or(c.AccountAlias, p.AccountAlias)
	switch {
	case c.Error != "" && p.Error != "":
		return nil
	case c.Error != "":
		return []Change{{Kind: NewError, AccountID: c.AccountID, Name: name, To: audit.Error, Detail: c.Error}}
	}
	var out []Change
	if p.Error != "" {
		out = append(out, Change{Kind: ErrorCleared, AccountID: c.AccountID, Name: name, From: audit.Error, Detail: "the account is audited again"})
	}
	prev := map[audit.CheckID]audit.Status{}
	for _, ch := range p.Checks {
		prev[ch.ID] = ch.Status
	}
	for _, ch := range c.Checks {
		from, had := prev[ch.ID]
		if p.Error != "" {
			// What the checks were is unknown: only what is wrong now is news.
			had = false
		}
		k, ok := checkChange(from, had, ch.Status)
		if !ok {
			continue
		}
		out = append(out, Change{Kind: k, AccountID: c.AccountID, Name: name, Check: ch.ID, Severity: ch.Severity,
			From: from, To: ch.Status, Detail: ch.Detail})
	}
	return out
}

// checkChange classifies one check's move from (from, had) to to. A check
// the last run did not evaluate (had false) is news only when it is now
// FAIL or ERROR.
func checkChange(from audit.Status, had bool, to audit.Status) (Kind, bool) {
	switch {
	case to == audit.Fail && (!had || from != audit.Fail):
		return NewFail, true
	case to == audit.Error && (!had || from != audit.Error):
		// From FAIL to ERROR is not a fix: it is unknown now.
		return NewError, true
	case had && from == audit.Fail && (to == audit.Pass || to == audit.NotApplicable):
		return Fixed, true
	case had && from == audit.Error && (to == audit.Pass || to == audit.NotApplicable):
		return ErrorCleared, true
	}
	return "", false
}
