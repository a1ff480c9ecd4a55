// Package credreport parses the IAM credential report (the CSV returned by
// GetCredentialReport) without the mistakes other tools make: headers are
// matched case-insensitively, the special values AWS writes instead of dates
// (N/A, no_information, not_supported) mean "never" and are kept apart from
// real dates, and "last used" is the newest of several dates, not the first.
package credreport

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// RootUser is the user column of the root user's row.
const RootUser = "<root_account>"

// Flag is a report boolean. Root's password_enabled is always not_supported.
type Flag int

const (
	False Flag = iota
	True
	NotSupported
)

func (f Flag) String() string {
	switch f {
	case True:
		return "true"
	case NotSupported:
		return "not_supported"
	}
	return "false"
}

// Date is a report timestamp, or one of the special values that stand for
// "no date" (kept in Raw so evidence shows what AWS said).
type Date struct {
	Time time.Time
	Raw  string
}

// Valid reports whether d is a real timestamp.
func (d Date) Valid() bool { return !d.Time.IsZero() }

func (d Date) String() string {
	if d.Valid() {
		return d.Time.UTC().Format(time.RFC3339)
	}
	return d.Raw
}

// Newest returns the latest valid date; when none is valid, the first
// argument (so "never" keeps AWS's wording).
func Newest(dates ...Date) Date {
	var newest Date
	for i, d := range dates {
		if i == 0 || (d.Valid() && (!newest.Valid() || d.Time.After(newest.Time))) {
			newest = d
		}
	}
	return newest
}

// AccessKey is one of the two access-key column groups.
type AccessKey struct {
	Active          Flag
	LastRotated     Date
	LastUsed        Date
	LastUsedRegion  string
	LastUsedService string
}

// Present reports whether the key exists: active, or inactive but rotated
// (created) at some time. A missing key reads false / N/A.
func (k AccessKey) Present() bool { return k.Active == True || k.LastRotated.Valid() }

// Cert is one of the two signing-certificate column groups.
type Cert struct {
	Active      Flag
	LastRotated Date
}

// Present reports whether the certificate exists.
func (c Cert) Present() bool { return c.Active == True || c.LastRotated.Valid() }

// Row is one user's line of the report.
type Row struct {
	User             string
	ARN              string
	UserCreationTime Date
	PasswordEnabled  Flag
	PasswordLastUsed Date
	MFAActive        Flag
	AccessKeys       [2]AccessKey
	Certs            [2]Cert
}

// LastUsed is the newest of the password's and both access keys' last use.
func (r Row) LastUsed() Date {
	return Newest(r.PasswordLastUsed, r.AccessKeys[0].LastUsed, r.AccessKeys[1].LastUsed)
}

// Report is a parsed credential report.
type Report struct {
	Rows []Row
}

// Root returns the root user's row.
func (r *Report) Root() (Row, bool) {
	for _, row := range r.Rows {
		if row.User == RootUser {
			return row, true
		}
	}
	return Row{}, false
}

// requiredColumns are the columns rootguard's checks read; a report without
// one of them is rejected rather than read as "never".
var requiredColumns = []string{
	"user", "arn", "password_enabled", "password_last_used", "mfa_active",
	"access_key_1_active", "access_key_1_last_used_date",
	"access_key_2_active", "access_key_2_last_used_date",
}

// Parse reads a credential report CSV.
func Parse(r io.Reader) (*Report, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("credential report is empty")
	}
	if err != nil {
		return nil, fmt.Errorf("read credential report header: %w", err)
	}
	col := make(map[string]int, len(header))
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	for _, name := range requiredColumns {
		if _, ok := col[name]; !ok {
			return nil, fmt.Errorf("credential report has no %q column", name)
		}
	}
	rep := &Report{}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return rep, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read credential report: %w", err)
		}
		// A short row (a truncated download) would read its missing fields
		// as "" — false and "never" — which is a guess, not what AWS said.
		if len(rec) < len(header) {
			return nil, fmt.Errorf("credential report line %d has %d fields, the header %d", line, len(rec), len(header))
		}
		p := rowParser{rec: rec, col: col}
		row := Row{
			User:             p.str("user"),
			ARN:              p.str("arn"),
			UserCreationTime: p.date("user_creation_time"),
			PasswordEnabled:  p.flag("password_enabled"),
			PasswordLastUsed: p.date("password_last_used"),
			MFAActive:        p.flag("mfa_active"),
		}
		for i := range row.AccessKeys {
			k := fmt.Sprintf("access_key_%d_", i+1)
			row.AccessKeys[i] = AccessKey{
				Active:          p.flag(k + "active"),
				LastRotated:     p.date(k + "last_rotated"),
				LastUsed:        p.date(k + "last_used_date"),
				LastUsedRegion:  p.str(k + "last_used_region"),
				LastUsedService: p.str(k + "last_used_service"),
			}
			c := fmt.Sprintf("cert_%d_", i+1)
			row.Certs[i] = Cert{Active: p.flag(c + "active"), LastRotated: p.date(c + "last_rotated")}
		}
		if p.err != nil {
			return nil, fmt.Errorf("credential report line %d (user %q): %w", line, row.User, p.err)
		}
		rep.Rows = append(rep.Rows, row)
	}
}

// rowParser reads named fields of one record, keeping the first error.
type rowParser struct {
	rec []string
	col map[string]int
	err error
}

func (p *rowParser) str(name string) string {
	i, ok := p.col[name]
	if !ok || i >= len(p.rec) {
		return ""
	}
	return strings.TrimSpace(p.rec[i])
}

func (p *rowParser) flag(name string) Flag {
	switch v := strings.ToLower(p.str(name)); v {
	case "true":
		return True
	case "false", "", "n/a":
		return False
	case "not_supported":
		return NotSupported
	default:
		p.fail(fmt.Errorf("%s: unexpected value %q", name, v))
		return False
	}
}

// noDate are the values AWS writes where a date would be. All mean "never"
// for the checks: N/A (no such credential), no_information (not used since
// IAM began tracking), not_supported (does not apply to this user).
var noDate = map[string]bool{"": true, "n/a": true, "no_information": true, "not_supported": true}

func (p *rowParser) date(name string) Date {
	v := p.str(name)
	if noDate[strings.ToLower(v)] {
		return Date{Raw: v}
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		p.fail(fmt.Errorf("%s: %q is neither a date nor a known special value", name, v))
		return Date{Raw: v}
	}
	return Date{Time: t, Raw: v}
}

func (p *rowParser) fail(err error) {
	if p.err == nil {
		p.err = err
	}
}
