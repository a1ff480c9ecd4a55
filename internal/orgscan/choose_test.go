package orgscan

import (
	"context"
	"errors"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"
)

// featureAnswers answers ListOrganizationsFeatures from a script; the last
// answer repeats.
type featureAnswers struct {
	answers []error // nil: the features below
	enabled []iamtypes.FeatureType
	calls   int
}

func (f *featureAnswers) ListOrganizationsFeatures(context.Context, *iam.ListOrganizationsFeaturesInput, ...func(*iam.Options)) (*iam.ListOrganizationsFeaturesOutput, error) {
	err := f.answers[min(f.calls, len(f.answers)-1)]
	f.calls++
	if err != nil {
		return nil, err
	}
	return &iam.ListOrganizationsFeaturesOutput{EnabledFeatures: f.enabled}, nil
}

func apiErr(code string) error { return &smithy.GenericAPIError{Code: code, Message: code} }

func TestChooseAccessOnlyOnADefiniteAnswer(t *testing.T) {
	defer func(d time.Duration) { featureReadWait = d }(featureReadWait)
	featureReadWait = time.Millisecond
	throttled := apiErr("Throttling")
	tests := []struct {
		name      string
		api       *featureAnswers
		wantRoot  bool
		wantErr   bool
		wantCalls int
		why       string
	}{
		{"RootSessions on", &featureAnswers{answers: []error{nil}, enabled: []iamtypes.FeatureType{iamtypes.FeatureTypeRootCredentialsManagement, iamtypes.FeatureTypeRootSessions}}, true, false, 1, "RootSessions) is enabled"},
		{"only RootCredentialsManagement", &featureAnswers{answers: []error{nil}, enabled: []iamtypes.FeatureType{iamtypes.FeatureTypeRootCredentialsManagement}}, false, false, 1, "is not enabled"},
		{"no IAM trusted access", &featureAnswers{answers: []error{apiErr("ServiceAccessNotEnabledException")}}, false, false, 1, "trusted access for IAM"},
		{"a member account", &featureAnswers{answers: []error{apiErr("AccountNotManagementOrDelegatedAdministratorException")}}, false, false, 1, "neither the management account"},
		{"throttled once, then on", &featureAnswers{answers: []error{throttled, nil}, enabled: []iamtypes.FeatureType{iamtypes.FeatureTypeRootCredentialsManagement, iamtypes.FeatureTypeRootSessions}}, true, false, 2, "is enabled"},
		{"only RootSessions: no root-credential task", &featureAnswers{answers: []error{nil}, enabled: []iamtypes.FeatureType{iamtypes.FeatureTypeRootSessions}}, false, false, 1, "(RootCredentialsManagement) is not enabled"},
		// The fault of issue 16: a throttled read must not switch members
		// to an administrator role.
		{"throttled throughout", &featureAnswers{answers: []error{throttled}}, false, true, featureReads, ""},
		{"a 5xx throughout", &featureAnswers{answers: []error{apiErr("ServiceUnavailable")}}, false, true, featureReads, ""},
		{"a connection reset", &featureAnswers{answers: []error{errors.New("read tcp: connection reset by peer")}}, false, true, featureReads, ""},
		{"an unreachable endpoint", &featureAnswers{answers: []error{&net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}}}, false, true, 1, ""},
		{"access denied", &featureAnswers{answers: []error{apiErr("AccessDenied")}}, false, true, 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ChooseAccess(context.Background(), tt.api, "")
			if (err != nil) != tt.wantErr || c.RootSessions != tt.wantRoot {
				t.Fatalf("choice %+v, err %v; want root sessions %v, error %v", c, err, tt.wantRoot, tt.wantErr)
			}
			if tt.api.calls != tt.wantCalls {
				t.Errorf("%d reads, want %d", tt.api.calls, tt.wantCalls)
			}
			if err != nil && !strings.Contains(err.Error(), "does not guess") {
				t.Errorf("err = %v", err)
			}
			if !strings.Contains(c.Why, tt.why) {
				t.Errorf("why = %q, want it to say %q", c.Why, tt.why)
			}
		})
	}
}
