package audit

import (
	"fmt"

	"github.com/rootguard/rootguard/internal/credreport"
)

var rootRecentUse = check{
	id:          CheckRootRecentUse,
	title:       "Root user not used recently",
	description: "The root user was not used within the window (--root-use-days, 90 by default): the newest of its password's and access keys' last-used dates is older, or it was never used. Root use should be rare and explained.",
	severity:    High,
	references:  []string{"CIS 1.7"},
	remediation: "Find out who used root and why (CloudTrail: userIdentity.type = Root), move that task to an IAM role, and rotate the root password.",
	needs:       needLastUsed,
	eval:        evalRootRecentUse,
}

// evalRootRecentUse takes the newest of the password's and every access
// key's last use — not the first date found. N/A, no_information and
// not_supported mean never.
func evalRootRecentUse(in *inputs, opts Options) verdict {
	if in.lastUsedErr != nil {
		return errorVerdict(in, "when root was last used", in.lastUsedErr)
	}
	dates := []credreport.Date{in.passwordLastUsed}
	what := []string{"password"}
	for _, k := range in.keys {
		dates = append(dates, k.LastUsed)
		what = append(what, "access key "+k.ID)
	}
	newest := credreport.Newest(dates...)
	by := ""
	for i, d := range dates {
		if d.Valid() && d.Time.Equal(newest.Time) {
			by = what[i]
			break
		}
	}
	ev := map[string]any{
		"password_last_used": dateEvidence(in.passwordLastUsed),
		"keys":               keysEvidence(in.keys),
		"window_days":        opts.RootUseDays,
		"source":             in.source(),
	}
	if !newest.Valid() {
		ev["last_used"] = "never"
		return verdict{status: Pass, detail: "root has never been used (no recorded sign-in or key use)", evidence: ev}
	}
	ev["last_used"] = newest.String()
	ev["last_used_by"] = by
	days := int(opts.Now().Sub(newest.Time).Hours() / 24)
	if days < opts.RootUseDays {
		return verdict{status: Fail, detail: fmt.Sprintf("root was used %d day(s) ago (%s, %s), within the last %d days", days, newest, by, opts.RootUseDays), evidence: ev}
	}
	return verdict{status: Pass, detail: fmt.Sprintf("root last used %d days ago (%s, %s)", days, newest, by), evidence: ev}
}
