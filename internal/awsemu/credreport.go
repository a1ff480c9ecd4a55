package awsemu

import (
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"net/http"
	"sort"
	"strconv"
	"time"
)

func (s *Server) registerCredentialReport() {
	s.handle("iam", "GenerateCredentialReport", s.locked(s.generateCredentialReport))
	s.handle("iam", "GetCredentialReport", s.locked(s.getCredentialReport))
}

// credentialReportColumns are the 22 columns of IAM's credential report, in order.
var credentialReportColumns = []string{
	"user", "arn", "user_creation_time", "password_enabled", "password_last_used",
	"password_last_changed", "password_next_rotation", "mfa_active",
	"access_key_1_active", "access_key_1_last_rotated", "access_key_1_last_used_date",
	"access_key_1_last_used_region", "access_key_1_last_used_service",
	"access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date",
	"access_key_2_last_used_region", "access_key_2_last_used_service",
	"cert_1_active", "cert_1_last_rotated", "cert_2_active", "cert_2_last_rotated",
}

// credentialReportMaxAge is how long a report stays current: IAM generates a
// new one at most every four hours and calls older ones expired.
const credentialReportMaxAge = 4 * time.Hour

// CredentialReportBehavior makes report generation slow or refused, to test
// callers' polling.
type CredentialReportBehavior struct {
	// InProgressCalls is how many Generate/GetCredentialReport calls after
	// a generation starts still see it in progress (INPROGRESS /
	// ReportInProgress) before it completes.
	InProgressCalls int
	// NeverCompletes keeps every generation in progress.
	NeverCompletes bool
	// LimitExceededCalls is how many GenerateCredentialReport calls are
	// refused with LimitExceeded before one is accepted.
	LimitExceededCalls int
}

type credentialReport struct {
	behavior      CredentialReportBehavior
	limitExceeded int
	inProgress    bool
	pending       int
	content       []byte
	generated     time.Time
}

// SetCredentialReportBehavior configures the account's report generation.
func (a *Account) SetCredentialReportBehavior(b CredentialReportBehavior) {
	a.server.mu.Lock()
	defer a.server.mu.Unlock()
	a.report.behavior = b
	a.report.limitExceeded = b.LimitExceededCalls
}

func (s *Server) generateCredentialReport(c *Call) error {
	a := s.accounts[c.Caller.Account]
	r := &a.report
	if r.limitExceeded > 0 {
		r.limitExceeded--
		return newAPIError(http.StatusConflict, "LimitExceeded", "Credential report generation limit exceeded. Try again later.")
	}
	type result struct {
		State       string
		Description string
	}
	switch {
	case r.inProgress:
		if !r.advance(a) {
			return c.Result(result{"INPROGRESS", "Report generation in progress"})
		}
		return c.Result(result{"COMPLETE", ""})
	case r.content != nil && s.now().Sub(r.generated) < credentialReportMaxAge:
		return c.Result(result{"COMPLETE", ""})
	}
	r.inProgress, r.pending = true, r.behavior.InProgressCalls
	if r.pending == 0 && !r.behavior.NeverCompletes {
		r.advance(a)
	}
	return c.Result(result{"STARTED", "No report exists. Starting a new report generation task"})
}

func (s *Server) getCredentialReport(c *Call) error {
	a := s.accounts[c.Caller.Account]
	r := &a.report
	if r.inProgress && !r.advance(a) {
		return newAPIError(http.StatusNotFound, "ReportInProgress", "Report generation in progress")
	}
	if r.content == nil {
		return newAPIError(http.StatusGone, "ReportNotPresent", "Credential report not present. Generate a report with GenerateCredentialReport.")
	}
	if s.now().Sub(r.generated) >= credentialReportMaxAge {
		return newAPIError(http.StatusGone, "ReportExpired", "Credential report has expired. Generate a new report with GenerateCredentialReport.")
	}
	return c.Result(struct {
		Content       string
		ReportFormat  string
		GeneratedTime string
	}{base64.StdEncoding.EncodeToString(r.content), "text/csv", r.generated.UTC().Format(time.RFC3339)})
}

// advance moves an in-progress generation one call forward and reports
// whether it is complete; completing snapshots the account's credentials.
func (r *credentialReport) advance(a *Account) bool {
	if r.behavior.NeverCompletes {
		return false
	}
	if r.pending > 0 {
		r.pending--
		return false
	}
	r.inProgress = false
	r.generated = a.server.now()
	r.content = renderCredentialReport(a)
	return true
}

func renderCredentialReport(a *Account) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(credentialReportColumns)
	_ = w.Write(credentialReportRow(a.root))
	names := make([]string, 0, len(a.users))
	for name := range a.users {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		_ = w.Write(credentialReportRow(a.users[name]))
	}
	w.Flush()
	return buf.Bytes()
}

const (
	notApplicable = "N/A"
	noInformation = "no_information"
	notSupported  = "not_supported"
)

// credentialReportRow renders one user as IAM does. The root user's
// password_enabled, password_last_changed and password_next_rotation are
// always not_supported; a password never used is no_information; absent
// credentials are N/A.
func credentialReportRow(u *User) []string {
	row := []string{u.userName(), u.arn(), reportTime(u.created)}
	passwordEnabled, lastUsed, lastChanged, nextRotation := "false", notApplicable, notApplicable, notApplicable
	if u.login != nil {
		passwordEnabled, lastUsed, lastChanged = "true", noInformation, reportTime(u.login.created)
		if !u.login.lastUsed.IsZero() {
			lastUsed = reportTime(u.login.lastUsed)
		}
	}
	if u.root {
		passwordEnabled, lastChanged, nextRotation = notSupported, notSupported, notSupported
	}
	row = append(row, passwordEnabled, lastUsed, lastChanged, nextRotation, strconv.FormatBool(len(u.mfa) > 0))
	for i := range 2 {
		if i >= len(u.keys) {
			row = append(row, "false", notApplicable, notApplicable, notApplicable, notApplicable)
			continue
		}
		k := u.keys[i]
		used, region, service := notApplicable, notApplicable, notApplicable
		if !k.lastUsed.IsZero() {
			used, region, service = reportTime(k.lastUsed), k.lastRegion, k.lastService
		}
		row = append(row, strconv.FormatBool(k.active), reportTime(k.created), used, region, service)
	}
	for i := range 2 {
		if i >= len(u.certs) {
			row = append(row, "false", notApplicable)
			continue
		}
		row = append(row, strconv.FormatBool(u.certs[i].active), reportTime(u.certs[i].uploaded))
	}
	return row
}

// reportTime is the credential report's ISO 8601 form: 2024-05-01T10:00:00+00:00.
func reportTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05+00:00") }
