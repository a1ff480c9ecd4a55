package fix

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"

	"github.com/rootguard/rootguard/internal/awserr"
)

// iamServicePrincipal is the service that centralized root access trusts.
const iamServicePrincipal = "iam.amazonaws.com"

type orgAPI interface {
	ListAWSServiceAccessForOrganization(ctx context.Context, in *organizations.ListAWSServiceAccessForOrganizationInput, optFns ...func(*organizations.Options)) (*organizations.ListAWSServiceAccessForOrganizationOutput, error)
	EnableAWSServiceAccess(ctx context.Context, in *organizations.EnableAWSServiceAccessInput, optFns ...func(*organizations.Options)) (*organizations.EnableAWSServiceAccessOutput, error)
}

var _ orgAPI = (*organizations.Client)(nil)

type iamFeaturesAPI interface {
	ListOrganizationsFeatures(ctx context.Context, in *iam.ListOrganizationsFeaturesInput, optFns ...func(*iam.Options)) (*iam.ListOrganizationsFeaturesOutput, error)
	EnableOrganizationsRootCredentialsManagement(ctx context.Context, in *iam.EnableOrganizationsRootCredentialsManagementInput, optFns ...func(*iam.Options)) (*iam.EnableOrganizationsRootCredentialsManagementOutput, error)
	EnableOrganizationsRootSessions(ctx context.Context, in *iam.EnableOrganizationsRootSessionsInput, optFns ...func(*iam.Options)) (*iam.EnableOrganizationsRootSessionsOutput, error)
}

var _ iamFeaturesAPI = (*iam.Client)(nil)

// PlanCentralizedRootAccess plans what the management account still needs
// for centralized root access: IAM trusted access in Organizations, then
// root credentials management, then privileged root sessions. Steps already
// in place are left out, so a second run plans nothing.
func PlanCentralizedRootAccess(ctx context.Context, org orgAPI, client iamFeaturesAPI, account string) (*Plan, error) {
	p := &Plan{Account: account}
	trusted, err := iamTrustedAccess(ctx, org)
	if err != nil {
		return nil, err
	}
	enabled := map[iamtypes.FeatureType]bool{}
	if trusted {
		out, err := client.ListOrganizationsFeatures(ctx, &iam.ListOrganizationsFeaturesInput{})
		if err != nil {
			return nil, fmt.Errorf("read centralized root access features in %s: %w", account, err)
		}
		for _, f := range out.EnabledFeatures {
			enabled[f] = true
		}
	} else {
		p.Steps = append(p.Steps, Step{
			Account: account, Action: "organizations:EnableAWSServiceAccess", Target: iamServicePrincipal,
			Description: "enable IAM trusted access in AWS Organizations (iam.amazonaws.com)",
			run: func(ctx context.Context) error {
				_, err := org.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String(iamServicePrincipal)})
				return err
			},
		})
	}
	if !enabled[iamtypes.FeatureTypeRootCredentialsManagement] {
		p.Steps = append(p.Steps, Step{
			Account: account, Action: "iam:EnableOrganizationsRootCredentialsManagement", Target: string(iamtypes.FeatureTypeRootCredentialsManagement),
			Description: "enable root credentials management for member accounts (audit and delete member root credentials centrally)",
			run: func(ctx context.Context) error {
				_, err := client.EnableOrganizationsRootCredentialsManagement(ctx, &iam.EnableOrganizationsRootCredentialsManagementInput{})
				return err
			},
		})
	}
	if !enabled[iamtypes.FeatureTypeRootSessions] {
		p.Steps = append(p.Steps, Step{
			Account: account, Action: "iam:EnableOrganizationsRootSessions", Target: string(iamtypes.FeatureTypeRootSessions),
			Description: "enable privileged root sessions (sts:AssumeRoot) for member accounts",
			run: func(ctx context.Context) error {
				_, err := client.EnableOrganizationsRootSessions(ctx, &iam.EnableOrganizationsRootSessionsInput{})
				return err
			},
		})
	}
	return p, nil
}

func iamTrustedAccess(ctx context.Context, org orgAPI) (bool, error) {
	p := organizations.NewListAWSServiceAccessForOrganizationPaginator(org, &organizations.ListAWSServiceAccessForOrganizationInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			if awserr.Code(err) == "AWSOrganizationsNotInUseException" {
				return false, fmt.Errorf("this account is not in an organization: centralized root access needs AWS Organizations: %w", err)
			}
			return false, fmt.Errorf("read trusted service access: %w", err)
		}
		for _, s := range page.EnabledServicePrincipals {
			if aws.ToString(s.ServicePrincipal) == iamServicePrincipal {
				return true, nil
			}
		}
	}
	return false, nil
}
