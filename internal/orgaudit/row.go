package orgaudit

import "github.com/rootguard/rootguard/internal/audit"

// AccountResult is the row as the reports show it: the audit, how the
// account was reached, and the organization's name for it when the audit
// read no alias.
func (r Row) AccountResult() audit.AccountResult {
	a := r.Result
	a.Access = string(r.Access)
	if a.AccountAlias == "" {
		a.AccountAlias = r.Account.Name
	}
	return a
}
