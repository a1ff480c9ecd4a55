package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/audit"
	"github.com/rootguard/rootguard/internal/cmdutil"
	"github.com/rootguard/rootguard/internal/iostreams"
	"github.com/rootguard/rootguard/internal/report"
)

func TestFlags(t *testing.T) {
	tests := []struct {
		args    string
		wantErr bool
		output  string
		days    int
		wait    time.Duration
	}{
		{"", false, "table", 90, 60 * time.Second},
		{"--output json --root-use-days 30 --report-wait 5s", false, "json", 30, 5 * time.Second},
		{"-o asff", false, "asff", 90, 60 * time.Second},
		{"--output xml", true, "", 0, 0},
		{"--root-use-days 0", true, "", 0, 0},
		{"extra", true, "", 0, 0},
		{"--org --exclude-accounts 111122223333 --ou ou-ab12-cd34ef56,r-ab12", false, "table", 90, 60 * time.Second},
		{"--org --exclude-accounts 11112222333", true, "", 0, 0},
		{"--accounts 111122223333,", true, "", 0, 0},
		{"--ou ou-ab12-cd34ef5", true, "", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			var got *AuditOptions
			cmd := NewCmdAudit(&cmdutil.Factory{IOStreams: ios}, func(o *AuditOptions) error { got = o; return nil })
			cmd.SetArgs(strings.Fields(tt.args))
			cmd.SetOut(&bytes.Buffer{})
			cmd.SetErr(&bytes.Buffer{})
			err := cmd.Execute()
			if tt.wantErr {
				if err == nil {
					t.Fatal("want error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Output != tt.output || got.RootUseDays != tt.days || got.ReportWait != tt.wait {
				t.Errorf("got %q %d %s", got.Output, got.RootUseDays, got.ReportWait)
			}
		})
	}
}

func result(statuses ...audit.Status) audit.AccountResult {
	r := audit.AccountResult{AccountID: "111122223333"}
	for _, s := range statuses {
		r.Checks = append(r.Checks, audit.CheckResult{ID: "root-mfa", Status: s, Severity: audit.Critical})
	}
	return r
}

func TestRunAuditExitCodes(t *testing.T) {
	tests := []struct {
		name     string
		res      audit.AccountResult
		wantCode int
	}{
		{"all pass", result(audit.Pass, audit.NotApplicable), cmdutil.ExitOK},
		{"a fail", result(audit.Pass, audit.Fail, audit.Error), cmdutil.ExitFindings},
		{"error, no fail", result(audit.Pass, audit.Error), cmdutil.ExitUnknown},
		{"account not audited", audit.NotAudited("111122223333", nil, "the account did not finish within its deadline"), cmdutil.ExitUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, out, _ := iostreams.Test()
			var gotOpts audit.Options
			opts := &AuditOptions{
				IO:        ios,
				AWSConfig: func(context.Context) (aws.Config, error) { return aws.Config{Region: "us-east-1"}, nil },
				Now:       func() time.Time { return time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC) },
				Audit: func(_ context.Context, cfg aws.Config, o audit.Options) audit.AccountResult {
					gotOpts = o
					if o.Caller != nil {
						t.Errorf("the engine was given a caller resolved before it: identity must not add a round trip to the audit")
					}
					return identified(t, cfg, tt.res)
				},
				Output: "json", RootUseDays: 7, ReportWait: time.Second,
			}
			err := runAudit(context.Background(), opts)
			if code := cmdutil.ExitCode(err); code != tt.wantCode {
				t.Errorf("exit code = %d, want %d", code, tt.wantCode)
			}
			if gotOpts.RootUseDays != 7 || gotOpts.ReportWait != time.Second {
				t.Errorf("engine options = %+v", gotOpts)
			}
			var doc struct {
				SchemaVersion string `json:"schema_version"`
				Accounts      []struct {
					Checks []audit.CheckResult `json:"checks"`
				} `json:"accounts"`
			}
			if err := json.Unmarshal(out.Bytes(), &doc); err != nil || doc.SchemaVersion != "rootguard.audit/v1" {
				t.Errorf("stdout is not the json document: %v %q", err, out.String())
			}
			if len(doc.Accounts) != 1 || len(doc.Accounts[0].Checks) != len(tt.res.Checks) {
				t.Errorf("accounts %+v, want one with %d checks", doc.Accounts, len(tt.res.Checks))
			}
		})
	}
}

func TestRunAuditWarnsOnStderr(t *testing.T) {
	ios, _, out, errOut := iostreams.Test()
	opts := &AuditOptions{
		IO:        ios,
		AWSConfig: func(context.Context) (aws.Config, error) { return aws.Config{}, nil },
		Now:       time.Now,
		Audit: func(_ context.Context, cfg aws.Config, _ audit.Options) audit.AccountResult {
			r := result(audit.Pass)
			r.Warnings = []string{"rootguard ran with root user credentials"}
			return identified(t, cfg, r)
		},
		Output: "table", RootUseDays: 90, ReportWait: time.Second,
	}
	if err := runAudit(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut.String(), "warning: rootguard ran with root user credentials") || strings.Contains(out.String(), "warning") {
		t.Errorf("stderr %q stdout %q", errOut.String(), out.String())
	}
}

// identified is r as the engine returns it once it has identified the
// caller.
func identified(t *testing.T, cfg aws.Config, r audit.AccountResult) audit.AccountResult {
	t.Helper()
	caller, err := account.New(cfg, "arn:aws:iam::111122223333:user/auditor")
	if err != nil {
		t.Fatal(err)
	}
	r.Caller = caller
	return r
}

// TestRunAuditCannotIdentify: a run whose caller cannot be identified (no
// credentials, unreachable endpoint, denied GetCallerIdentity) cannot audit
// anything: exit 1, one line on stderr, no report on stdout — never an
// empty SARIF or ASFF document that looks like a clean account.
func TestRunAuditCannotIdentify(t *testing.T) {
	denied := &smithy.OperationError{ServiceID: "STS", OperationName: "GetCallerIdentity",
		Err: &smithy.GenericAPIError{Code: "AccessDenied", Message: "not authorized"}}
	refused := &smithy.OperationError{ServiceID: "STS", OperationName: "GetCallerIdentity",
		Err: errors.New("dial tcp 127.0.0.1:1: connect: connection refused")}
	for name, tc := range map[string]struct {
		cfgErr, idErr error
		want          string
	}{
		"denied":     {idErr: fmt.Errorf("%w: %w", account.ErrIdentify, denied), want: "identify caller: sts:GetCallerIdentity: access denied"},
		"refused":    {idErr: fmt.Errorf("%w: %w", account.ErrIdentify, refused), want: "connection refused"},
		"no config":  {cfgErr: errors.New("failed to get shared config profile, nope"), want: "load AWS configuration"},
		"bad caller": {idErr: fmt.Errorf("%w: caller ARN %q names no account", account.ErrIdentify, "arn:aws:iam:::root"), want: "names no account"},
	} {
		for _, format := range report.Formats {
			t.Run(name+"/"+format, func(t *testing.T) {
				ios, _, out, _ := iostreams.Test()
				audited := false
				opts := &AuditOptions{
					IO:        ios,
					AWSConfig: func(context.Context) (aws.Config, error) { return aws.Config{}, tc.cfgErr },
					Now:       time.Now,
					Audit: func(_ context.Context, _ aws.Config, o audit.Options) audit.AccountResult {
						audited = true
						r := audit.NotAudited("", o.Checks, tc.idErr.Error())
						r.IdentityErr = tc.idErr
						return r
					},
					Output: format, RootUseDays: 90, ReportWait: time.Second,
				}
				err := runAudit(context.Background(), opts)
				if code := cmdutil.ExitCode(err); code != cmdutil.ExitError {
					t.Fatalf("exit code %d (%v), want 1", code, err)
				}
				if msg := err.Error(); !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") {
					t.Errorf("error %q: want one line containing %q", msg, tc.want)
				}
				if out.Len() != 0 || (tc.cfgErr != nil && audited) {
					t.Errorf("a report was written (%q) or the engine ran without a configuration (%v)", out.String(), audited)
				}
			})
		}
	}
}

// TestRunAuditInterrupted: Ctrl-C during a single-account audit keeps what
// was decided, marks the rest as not audited, and says so.
func TestRunAuditInterrupted(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	ctx, cancel := context.WithCancel(context.Background())
	opts := &AuditOptions{
		IO:        ios,
		AWSConfig: func(context.Context) (aws.Config, error) { return aws.Config{}, nil },
		Now:       time.Now,
		Audit: func(_ context.Context, cfg aws.Config, _ audit.Options) audit.AccountResult {
			cancel() // the user pressed Ctrl-C while the engine ran
			r := result(audit.Fail)
			r.Checks = append(r.Checks, audit.CheckResult{ID: audit.CheckRootAlerting, Status: audit.Error, Detail: "could not read trails: context canceled"})
			return identified(t, cfg, r)
		},
		Output: "json", RootUseDays: 90, ReportWait: time.Second,
	}
	err := runAudit(ctx, opts)
	if err == nil || !strings.Contains(err.Error(), "interrupted") || cmdutil.ExitCode(err) != cmdutil.ExitError {
		t.Fatalf("err %v", err)
	}
	var doc struct {
		Accounts []audit.AccountResult `json:"accounts"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	a := doc.Accounts[0]
	got := map[audit.CheckID]audit.Status{}
	for _, c := range a.Checks {
		got[c.ID] = c.Status
	}
	if a.Error != audit.ReasonInterrupted || len(a.Checks) != len(audit.CheckIDs()) || got[audit.CheckRootMFA] != audit.Fail || got[audit.CheckRootAccessKeys] != audit.Error {
		t.Errorf("error %q, checks %v: want the interruption, every check, the FAIL kept", a.Error, got)
	}
}
