package drift

import (
	"cmp"
	"slices"

	"github.com/rootguard/rootguard/internal/audit"
	"github.com/rootguard/rootguard/internal/digest"
)

// Drift is the digest of two runs: package digest holds the model, shared
// with the alert function that posts it.
type Drift = digest.Digest

// The kinds of change, worst first (see package digest).
const (
	NewFail      = digest.NewFail
	NewError     = digest.NewError
	Joined       = digest.Joined
	Left         = digest.Left
	Suspended    = digest.Suspended
	Fixed        = digest.Fixed
	ErrorCleared = digest.ErrorCleared
)

// Compute compares cur with prev (nil for the first run: no changes, only
// where cur stands). Changes are ordered worst first: by kind, then
// severity, then account and check.
func Compute(prev, cur *Run) *Drift {
	d := &Drift{Current: cur.ID, Accounts: len(cur.Accounts), Changes: []digest.Change{}}
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
			d.Changes = append(d.Changes, digest.Change{Kind: Joined, AccountID: a.AccountID, Name: a.AccountAlias, Detail: detail})
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
			d.Changes = append(d.Changes, digest.Change{Kind: Suspended, AccountID: s.AccountID, Name: cmp.Or(s.Name, p.AccountAlias), Detail: "now " + s.Status + ": not audited"})
		}
	}
	for _, p := range prev.Accounts {
		if !present[p.AccountID] {
			d.Changes = append(d.Changes, digest.Change{Kind: Left, AccountID: p.AccountID, Name: p.AccountAlias, Detail: "no longer in the organization (or no longer selected)"})
		}
	}
	rank := map[digest.Kind]int{}
	for i, k := range digest.Kinds {
		rank[k] = i
	}
	sevRank := map[string]int{string(audit.Critical): 0, string(audit.High): 1, string(audit.Medium): 2, string(audit.Low): 3, "": 4}
	slices.SortStableFunc(d.Changes, func(a, b digest.Change) int {
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
func accountChanges(p, c audit.AccountResult) []digest.Change {
	name := cmp.Or(c.AccountAlias, p.AccountAlias)
	switch {
	case c.Error != "" && p.Error != "":
		return nil
	case c.Error != "":
		return []digest.Change{{Kind: NewError, AccountID: c.AccountID, Name: name, To: string(audit.Error), Detail: c.Error}}
	}
	var out []digest.Change
	if p.Error != "" {
		out = append(out, digest.Change{Kind: ErrorCleared, AccountID: c.AccountID, Name: name, From: string(audit.Error), Detail: "the account is audited again"})
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
		out = append(out, digest.Change{Kind: k, AccountID: c.AccountID, Name: name, Check: string(ch.ID), Severity: string(ch.Severity),
			From: string(from), To: string(ch.Status), Detail: ch.Detail})
	}
	return out
}

// checkChange classifies one check's move from (from, had) to to. A check
// the last run did not evaluate (had false) is news only when it is now
// FAIL or ERROR.
func checkChange(from audit.Status, had bool, to audit.Status) (digest.Kind, bool) {
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
