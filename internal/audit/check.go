package audit

import (
	"errors"
	"fmt"
	"slices"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/awserr"
)

// need is one input a check reads; gather fetches only what is needed.
type need uint

const (
	needSummary    need = 1 << iota // GetAccountSummary
	needKeys                        // root's access keys
	needLastUsed                    // root's password and key last-used dates
	needCerts                       // root's signing certificates
	needVirtualMFA                  // virtual MFA devices assigned to root
	needOrg                         // IAM organizations features
	needAlerting                    // EventBridge, CloudTrail, metric filters
	needActivity                    // enabled Regions, and each one's trails and rules
)

// check is one of rootguard's checks: its fixed description and its logic.
type check struct {
	id    CheckID
	title string
	// description says what the check verifies and why it matters, in a
	// few sentences (the SARIF rule's full description; docs/checks.md
	// says more).
	description string
	severity    Severity
	references  []string
	remediation string
	needs       need
	eval        func(in *inputs, opts Options) verdict
}

// verdict is what a check's logic decided.
type verdict struct {
	status   Status
	detail   string
	evidence map[string]any
}

func (c check) result(in *inputs, opts Options) CheckResult {
	v := c.eval(in, opts)
	if v.evidence == nil {
		v.evidence = map[string]any{}
	}
	return CheckResult{
		ID:          c.id,
		Status:      v.status,
		Severity:    c.severity,
		Title:       c.title,
		Detail:      v.detail,
		Remediation: c.remediation,
		Evidence:    v.evidence,
		References:  slices.Clone(c.references),
	}
}

// undecided is the ERROR row of a check that was not evaluated because the
// whole account could not be audited.
func (c check) undecided(reason string) CheckResult {
	return CheckResult{
		ID:          c.id,
		Status:      Error,
		Severity:    c.severity,
		Title:       c.title,
		Detail:      "not audited: " + reason,
		Remediation: c.remediation,
		Evidence:    map[string]any{"not_audited": reason},
		References:  slices.Clone(c.references),
	}
}

// checks is every check, in report order.
var checks = []check{
	rootAccessKeys,
	rootMFA,
	rootHardwareMFA,
	rootSigningCertificates,
	rootRecentUse,
	rootAlerting,
	rootActivityAlerting,
	orgCentralizedRootAccess,
}

func selectChecks(ids []CheckID) ([]check, error) {
	if len(ids) == 0 {
		return checks, nil
	}
	var out []check
	for _, c := range checks {
		if slices.Contains(ids, c.id) {
			out = append(out, c)
		}
	}
	for _, id := range ids {
		if !slices.ContainsFunc(checks, func(c check) bool { return c.id == id }) {
			return nil, fmt.Errorf("unknown check %q (known: %s)", id, JoinIDs(CheckIDs()))
		}
	}
	return out, nil
}

func needsOf(cs []check) need {
	var n need
	for _, c := range cs {
		n |= c.needs
	}
	return n
}

// errorVerdict is the ERROR outcome for an input that could not be read: it
// names the API call, the error code and, for AccessDenied, the action to
// grant.
func errorVerdict(in *inputs, what string, err error) verdict {
	e := awserr.Classify(err)
	ev := map[string]any{EvidenceAPICall: e.Action(), EvidenceErrorCode: e.Code}
	if e.AccessDenied() {
		// A grant helps only when no policy denied explicitly and the
		// caller is not root (root cannot be granted anything): otherwise
		// the evidence names what denied, in AWS's words.
		switch by := e.DeniedBy(); {
		case by == "" && !account.IsRootARN(in.callerARN):
			ev[EvidenceMissingPermission] = e.Action()
		case by == "":
			ev[EvidenceDeniedBy] = "not named by AWS (the root user cannot be granted permissions: an SCP or the resource's policy denies it)"
		default:
			ev[EvidenceDeniedBy] = by
		}
		if e.Message != "" {
			ev[EvidenceAWSMessage] = e.Message
		}
	}
	return verdict{status: Error, detail: "could not read " + what + ": " + describeErr(err, in.callerARN), evidence: ev}
}

func describeErr(err error, caller string) string {
	// A credential report cut by --report-wait: the wait, and the call it cut.
	var wait *ReportTimeoutError
	if errors.As(err, &wait) && wait.Err != nil {
		return fmt.Sprintf("credential report not read within %s (raise --report-wait): %s", wait.Wait, describeErr(wait.Err, caller))
	}
	e := awserr.Classify(err)
	if e.Operation == "" {
		return err.Error()
	}
	withCaller := *e
	withCaller.Caller = caller
	return withCaller.Error()
}
