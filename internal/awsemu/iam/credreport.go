package iam

import (
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/rootguard/rootguard/internal/awsemu/internal/directory"
	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

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

func (s *service) generateCredentialReport(c *emu.Call) error {
	a := s.d.Accounts[c.Caller.Account]
	r := &a.Report
	if r.LimitExceeded > 0 {
		r.LimitExceeded--
		return emu.NewError(http.StatusConflict, "LimitExceeded", "Credential report generation limit exceeded. Try again later.")
	}
	type result struct {
		State       string
		Description string
	}
	switch {
	case r.InProgress:
		if !s.advance(r, a) {
			return c.Result(result{"INPROGRESS", "Report generation in progress"})
		}
		return c.Result(result{"COMPLETE", ""})
	case r.Content != nil && s.d.Now().Sub(r.Generated) < credentialReportMaxAge:
		return c.Result(result{"COMPLETE", ""})
	}
	r.InProgress, r.Pending = true, r.Behavior.InProgressCalls
	if r.Pending == 0 && !r.Behavior.NeverCompletes {
		s.advance(r, a)
	}
	return c.Result(result{"STARTED", "No report exists. Starting a new report generation task"})
}

func (s *service) getCredentialReport(c *emu.Call) error {
	a := s.d.Accounts[c.Caller.Account]
	r := &a.Report
	if r.InProgress && !s.advance(r, a) {
		return emu.NewError(http.StatusNotFound, "ReportInProgress", "Report generation in progress")
	}
	if r.Content == nil {
		return emu.NewError(http.StatusGone, "ReportNotPresent", "Credential report not present. Generate a report with GenerateCredentialReport.")
	}
	if s.d.Now().Sub(r.Generated) >= credentialReportMaxAge {
		return emu.NewError(http.StatusGone, "ReportExpired", "Credential report has expired. Generate a new report with GenerateCredentialReport.")
	}
	return c.Result(struct {
		Content       string
		ReportFormat  string
		GeneratedTime string
	}{base64.StdEncoding.EncodeToString(r.Content), "text/csv", r.Generated.UTC().Format(time.RFC3339)})
}

// advance moves an in-progress generation one call forward and reports
// whether it is complete; completing snapshots the account's credentials.
func (s *service) advance(r *directory.CredentialReport, a *directory.Account) bool {
	if r.Behavior.NeverCompletes {
		return false
	}
	if r.Pending > 0 {
		r.Pending--
		return false
	}
	r.InProgress = false
	r.Generated = s.d.Now()
	r.Content = renderCredentialReport(a)
	return true
}

func renderCredentialReport(a *directory.Account) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(credentialReportColumns)
	_ = w.Write(credentialReportRow(a.Root))
	names := make([]string, 0, len(a.Users))
	for name := range a.Users {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		_ = w.Write(credentialReportRow(a.Users[name]))
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
func credentialReportRow(u *directory.User) []string {
	row := []string{u.UserName(), u.ARN(), reportTime(u.Created)}
	passwordEnabled, lastUsed, lastChanged, nextRotation := "false", notApplicable, notApplicable, notApplicable
	if u.Login != nil {
		passwordEnabled, lastUsed, lastChanged = "true", noInformation, reportTime(u.Login.Created)
		if !u.Login.LastUsed.IsZero() {
			lastUsed = reportTime(u.Login.LastUsed)
		}
	}
	if u.IsRoot {
		passwordEnabled, lastChanged, nextRotation = notSupported, notSupported, notSupported
	}
	row = append(row, passwordEnabled, lastUsed, lastChanged, nextRotation, strconv.FormatBool(len(u.MFA) > 0))
	for i := range 2 {
		if i >= len(u.Keys) {
			row = append(row, "false", notApplicable, notApplicable, notApplicable, notApplicable)
			continue
		}
		k := u.Keys[i]
		used, region, service := notApplicable, notApplicable, notApplicable
		if !k.LastUsed.IsZero() {
			used, region, service = reportTime(k.LastUsed), k.LastRegion, k.LastService
		}
		row = append(row, strconv.FormatBool(k.Active), reportTime(k.Created), used, region, service)
	}
	for i := range 2 {
		if i >= len(u.Certs) {
			row = append(row, "false", notApplicable)
			continue
		}
		row = append(row, strconv.FormatBool(u.Certs[i].Active), reportTime(u.Certs[i].Uploaded))
	}
	return row
}

// reportTime is the credential report's ISO 8601 form: 2024-05-01T10:00:00+00:00.
func reportTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05+00:00") }
