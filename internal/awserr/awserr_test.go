package awserr

import (
	"context"
	"errors"
	"fmt"
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
			wantText:   "iam:GetAccountSummary: access denied: grant iam:GetAccountSummary to arn:aws:iam::111122223333:user/auditor",
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
