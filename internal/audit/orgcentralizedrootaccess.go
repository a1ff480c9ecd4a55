package audit

import (
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/rootguard/rootguard/internal/awserr"
)

var orgCentralizedRootAccess = check{
	id:          CheckOrgCentralizedRootAccess,
	title:       "Organization manages member root credentials centrally",
	description: "In an organization's management (or delegated administrator) account, centralized root access is on (iam:ListOrganizationsFeatures lists RootCredentialsManagement), so member accounts need no root credentials at all.",
	severity:    Medium,
	references:  []string{"CIS 7.0 2.1.1"},
	remediation: "From the management account: `rootguard fix --only org-centralized-root-access --approve` (or enable trusted access for IAM in Organizations, then `aws iam enable-organizations-root-credentials-management` and `aws iam enable-organizations-root-sessions`; IAM console → Root access management), and remove member root credentials.",
	needs:       needOrg,
	eval:        evalOrgCentralizedRootAccess,
}

// evalOrgCentralizedRootAccess reads iam:ListOrganizationsFeatures, which
// only the management account and IAM's delegated administrator may call;
// its errors say which kind of account this is.
func evalOrgCentralizedRootAccess(in *inputs, _ Options) verdict {
	if in.rootSession && in.org == nil && in.orgErr == nil {
		return verdict{status: NotApplicable, detail: "audited through an sts:AssumeRoot session: a member account", evidence: map[string]any{}}
	}
	switch awserr.Code(in.orgErr) {
	case "":
		if in.orgErr != nil {
			return errorVerdict(in, "the organization's root access features", in.orgErr)
		}
	case "OrganizationNotFoundException":
		return verdict{status: NotApplicable, detail: "standalone account: not in an organization", evidence: map[string]any{EvidenceErrorCode: "OrganizationNotFoundException"}}
	case "AccountNotManagementOrDelegatedAdministratorException":
		return verdict{status: NotApplicable, detail: "member account: centralized root access is decided by the management account", evidence: map[string]any{EvidenceErrorCode: "AccountNotManagementOrDelegatedAdministratorException"}}
	case "ServiceAccessNotEnabledException":
		return verdict{status: Fail, detail: "trusted access for IAM is not enabled in Organizations, so RootCredentialsManagement is not enabled", evidence: map[string]any{EvidenceErrorCode: "ServiceAccessNotEnabledException"}}
	case "OrganizationNotInAllFeaturesModeException":
		return verdict{status: Fail, detail: "the organization does not have all features enabled, so RootCredentialsManagement cannot be enabled", evidence: map[string]any{EvidenceErrorCode: "OrganizationNotInAllFeaturesModeException"}}
	default:
		return errorVerdict(in, "the organization's root access features", in.orgErr)
	}
	features := make([]string, len(in.org.EnabledFeatures))
	for i, f := range in.org.EnabledFeatures {
		features[i] = string(f)
	}
	ev := map[string]any{"organization_id": aws.ToString(in.org.OrganizationId), "enabled_features": features}
	// Centralized root access is both features: RootCredentialsManagement
	// (root credentials managed centrally, none in new accounts, no
	// recovery by members) and RootSessions (the sts:AssumeRoot sessions
	// every privileged task runs in, deleting member root credentials
	// included). See rootsession.TaskPolicy.Features for AWS's words.
	var missing []string
	for _, f := range []types.FeatureType{types.FeatureTypeRootCredentialsManagement, types.FeatureTypeRootSessions} {
		if !slices.Contains(in.org.EnabledFeatures, f) {
			missing = append(missing, string(f))
		}
	}
	switch {
	case len(missing) == 0:
		return verdict{status: Pass, detail: "RootCredentialsManagement and RootSessions are enabled for the organization", evidence: ev}
	case len(missing) == 2:
		return verdict{status: Fail, detail: "RootCredentialsManagement is not enabled for the organization, nor RootSessions", evidence: ev}
	case missing[0] == string(types.FeatureTypeRootSessions):
		return verdict{status: Fail, detail: "RootSessions is not enabled: RootCredentialsManagement is, but without privileged root sessions (sts:AssumeRoot) no member root credential can be audited, deleted or recovered centrally", evidence: ev}
	default:
		return verdict{status: Fail, detail: "RootCredentialsManagement is not enabled for the organization: member root credentials are not managed centrally (RootSessions alone opens sessions only for unlocking bucket and queue policies)", evidence: ev}
	}
}
