package audit

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

func TestOrgCentralizedRootAccess(t *testing.T) {
	op := "ListOrganizationsFeatures"
	tests := []struct {
		name        string
		org         *iam.ListOrganizationsFeaturesOutput
		err         error
		rootSession bool
		want        Status
	}{
		{"enabled", &iam.ListOrganizationsFeaturesOutput{OrganizationId: aws.String("o-abc"), EnabledFeatures: []types.FeatureType{types.FeatureTypeRootSessions, types.FeatureTypeRootCredentialsManagement}}, nil, false, Pass},
		{"only root sessions", &iam.ListOrganizationsFeaturesOutput{OrganizationId: aws.String("o-abc"), EnabledFeatures: []types.FeatureType{types.FeatureTypeRootSessions}}, nil, false, Fail},
		{"only root credentials management: no session to manage them in", &iam.ListOrganizationsFeaturesOutput{OrganizationId: aws.String("o-abc"), EnabledFeatures: []types.FeatureType{types.FeatureTypeRootCredentialsManagement}}, nil, false, Fail},
		{"nothing enabled", &iam.ListOrganizationsFeaturesOutput{OrganizationId: aws.String("o-abc")}, nil, false, Fail},
		{"trusted access off", nil, apiErr("IAM", op, "ServiceAccessNotEnabledException"), false, Fail},
		{"not all features", nil, apiErr("IAM", op, "OrganizationNotInAllFeaturesModeException"), false, Fail},
		{"standalone", nil, apiErr("IAM", op, "OrganizationNotFoundException"), false, NotApplicable},
		{"member", nil, apiErr("IAM", op, "AccountNotManagementOrDelegatedAdministratorException"), false, NotApplicable},
		{"AssumeRoot session is a member", nil, nil, true, NotApplicable},
		{"denied", nil, apiErr("IAM", op, "AccessDenied"), false, Error},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := baseInputs()
			in.org, in.orgErr, in.rootSession = tt.org, tt.err, tt.rootSession
			assertVerdict(t, evalOrgCentralizedRootAccess(in, testOpts()), tt.want, "")
		})
	}
}
