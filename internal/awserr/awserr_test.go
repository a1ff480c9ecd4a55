package awserr

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/smithy-go"
)

func opErr(service, op string, err error) error {
	return fmt.Errorf("read root summary: %w", &smithy.OperationError{ServiceID: service, OperationName: op, Err: err})
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		caller     string
		wantCode   string
		wantAction string
		wantDenied bool
		wantText   string
	}{
		{
			name:       "access denied names the action and caller",
			err:        opErr("IAM", "GetAccountSummary", &smithy.GenericAPIError{Code: "AccessDenied", Message: "not authorized"}),
			caller:     "arn:aws:iam::111122223333:user/auditor",
			wantCode:   "AccessDenied",
			wantAction: "iam:GetAccountSummary",
			wantDenied: true,
			wantText:   "iam:GetAccountSummary: access denied: grant iam:GetAccountSummary to arn:aws:iam::111122223333:user/auditor (AWS: not authorized)",
		},
		{
			name:       "service prefix differs from service ID",
			err:        opErr("EventBridge", "ListRules", &smithy.GenericAPIError{Code: "AccessDeniedException"}),
			wantCode:   "AccessDeniedException",
			wantAction: "events:ListRules",
			wantDenied: true,
			wantText:   "events:ListRules: access denied: grant events:ListRules",
		},
		{
			name:       "other API error keeps code and message",
			err:        opErr("IAM", "GetCredentialReport", &smithy.GenericAPIError{Code: "ReportInProgress", Message: "wait"}),
			wantCode:   "ReportInProgress",
			wantAction: "iam:GetCredentialReport",
			wantText:   "iam:GetCredentialReport: ReportInProgress: wait",
		},
		{
			name:       "transport failure has no code",
			err:        opErr("CloudWatch Logs", "DescribeMetricFilters", context.DeadlineExceeded),
			wantAction: "logs:DescribeMetricFilters",
			wantText:   "logs:DescribeMetricFilters: context deadline exceeded",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := Classify(tt.err)
			e.Caller = tt.caller
			if e.Code != tt.wantCode || e.Action() != tt.wantAction || e.AccessDenied() != tt.wantDenied {
				t.Errorf("got code %q action %q denied %v", e.Code, e.Action(), e.AccessDenied())
			}
			if e.Error() != tt.wantText {
				t.Errorf("Error() = %q, want %q", e.Error(), tt.wantText)
			}
			if !errors.Is(e, tt.err) && !errors.Is(tt.err, e.Err) {
				t.Errorf("classified error does not wrap the original")
			}
			if Code(tt.err) != tt.wantCode {
				t.Errorf("Code() = %q, want %q", Code(tt.err), tt.wantCode)
			}
		})
	}
	if Classify(nil) != nil {
		t.Error("Classify(nil) != nil")
	}
}

func TestAccessDeniedAdvice(t *testing.T) {
	scp := "User: arn:aws:iam::222222222222:root is not authorized to perform: iam:ListAccessKeys on resource: arn:aws:iam::222222222222:root " +
		"with an explicit deny in a service control policy: arn:aws:organizations::111111111111:policy/o-abc/service_control_policy/p-root"
	tests := []struct {
		name, caller, message string
		want                  []string
		not                   []string
	}{
		{
			name:   "root session denied by an SCP: AWS's message and the aws:AssumedRoot exemption, no grant",
			caller: "arn:aws:iam::222222222222:root", message: scp,
			want: []string{"(AWS: " + scp + ")", "cannot be granted", "aws:AssumedRoot", "service control policy"},
			not:  []string{"grant iam:"},
		},
		{
			name:   "root session outside its task policy",
			caller: "arn:aws-us-gov:iam::222222222222:root",
			message: "User: arn:aws-us-gov:iam::222222222222:root is not authorized to perform: iam:ListAccessKeys with an explicit deny in an identity-based policy: " +
				"arn:aws-us-gov:iam::aws:policy/root-task/IAMCreateRootUserPassword",
			want: []string{"task policy does not allow iam:ListAccessKeys"},
			not:  []string{"aws:AssumedRoot", "grant iam:"},
		},
		{
			name:    "IAM principal denied by an SCP: no grant can help",
			caller:  "arn:aws:iam::111111111111:user/admin",
			message: "User: arn:aws:iam::111111111111:user/admin is not authorized to perform: iam:ListAccessKeys with an explicit deny in a service control policy",
			want:    []string{"service control policy of the organization denies iam:ListAccessKeys to arn:aws:iam::111111111111:user/admin", "cannot help"},
			not:     []string{"grant iam:"},
		},
		{
			name:    "IAM principal denied by a permissions boundary",
			caller:  "arn:aws:iam::111111111111:user/admin",
			message: "User: arn:aws:iam::111111111111:user/admin is not authorized to perform: iam:ListAccessKeys on resource: x with an explicit deny in a permissions boundary",
			want:    []string{"explicit deny in a permissions boundary blocks iam:ListAccessKeys"},
			not:     []string{"grant iam:"},
		},
		{
			name:    "no policy allows it: grant it",
			caller:  "arn:aws:iam::111111111111:user/admin",
			message: "User: arn:aws:iam::111111111111:user/admin is not authorized to perform: iam:ListAccessKeys because no identity-based policy allows the iam:ListAccessKeys action",
			want:    []string{"grant iam:ListAccessKeys to arn:aws:iam::111111111111:user/admin", "(AWS: User: arn:aws:iam::111111111111:user/admin is not authorized"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := Classify(opErr("IAM", "ListAccessKeys", &smithy.GenericAPIError{Code: "AccessDenied", Message: tt.message}))
			e.Caller = tt.caller
			got := e.Error()
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("lacks %q:\n%s", w, got)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(got, n) {
					t.Errorf("has %q:\n%s", n, got)
				}
			}
		})
	}
}

// TestAssumeRootFeatureOffIsNotAGrant: AssumeRoot refused because the
// organization's centralized root access feature is off names the feature
// and the command that enables it, never "grant sts:AssumeRoot"; a plain
// missing grant on AssumeRoot still says grant.
func TestAssumeRootFeatureOffIsNotAGrant(t *testing.T) {
	caller := "arn:aws:iam::111111111111:user/admin"
	for _, tc := range []struct{ message, want, not string }{
		{
			message: "User: " + caller + " is not authorized to perform: sts:AssumeRoot on resource: arn:aws:iam::222222222222:root because centralized root access (root sessions) is not enabled for the organization",
			want:    "the organization's RootSessions feature is not enabled", not: "grant sts:AssumeRoot",
		},
		{
			message: "User: " + caller + " is not authorized to perform: sts:AssumeRoot on resource: arn:aws:iam::222222222222:root because root credentials management is not enabled for the organization",
			want:    "the organization's RootCredentialsManagement feature is not enabled", not: "grant sts:AssumeRoot",
		},
		{
			message: "User: " + caller + " is not authorized to perform: sts:AssumeRoot because no identity-based policy allows the sts:AssumeRoot action",
			want:    "grant sts:AssumeRoot to " + caller, not: "feature is not enabled",
		},
	} {
		e := Classify(opErr("STS", "AssumeRoot", &smithy.GenericAPIError{Code: "AccessDenied", Message: tc.message}))
		e.Caller = caller
		got := e.Error()
		if !strings.Contains(got, tc.want) || strings.Contains(got, tc.not) {
			t.Errorf("want %q and not %q:\n%s", tc.want, tc.not, got)
		}
		if tc.not == "grant sts:AssumeRoot" && !strings.Contains(got, "rootguard fix --only org-centralized-root-access --approve") {
			t.Errorf("does not name the command that enables it:\n%s", got)
		}
	}
}
