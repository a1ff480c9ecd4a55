package orgscan

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/rootguard/rootguard/internal/awsconfig"
	"github.com/rootguard/rootguard/internal/awserr"
	"github.com/rootguard/rootguard/internal/clock"
	"github.com/rootguard/rootguard/internal/rootsession"
)

type featuresAPI interface {
	ListOrganizationsFeatures(ctx context.Context, in *iam.ListOrganizationsFeaturesInput, optFns ...func(*iam.Options)) (*iam.ListOrganizationsFeaturesOutput, error)
}

var _ featuresAPI = (*iam.Client)(nil)

// Choice is how an organization run reaches member accounts, and why.
type Choice struct {
	// RootSessions: members are reached with sts:AssumeRoot and a task
	// policy; otherwise with sts:AssumeRole into the run's role.
	RootSessions bool
	// Why says what decided it, for the run's output.
	Why string
}

// featureReads and featureReadWait bound ChooseAccess's own retries, on top
// of the SDK's (MaxAttempts each): a read that stays throttled through them
// ends the run rather than guess.
var (
	featureReads    = 3
	featureReadWait = 2 * time.Second
)

// ChooseAccess decides between sts:AssumeRoot (read-only task policy) and
// sts:AssumeRole into roleName (usually an administrator) from
// iam:ListOrganizationsFeatures — on a definite answer only. An answer is
// definite when it lists the enabled features, or is one of the errors the
// API documents for "centralized root access is not available here"
// (https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListOrganizationsFeatures.html):
// AccountNotManagementOrDelegatedAdministrator, OrganizationNotFound,
// OrganizationNotInAllFeaturesMode, ServiceAccessNotEnabled. Anything else
// (throttling or a 5xx — retried first —, AccessDenied, an unreachable
// endpoint)
// leaves it unknown, and an unknown must not switch members to an
// administrator role: it is an error for the run.
func ChooseAccess(ctx context.Context, api featuresAPI, roleName string) (Choice, error) {
	if roleName == "" {
		roleName = DefaultRoleName
	}
	role := "members are reached with sts:AssumeRole into " + roleName
	var err error
	for read := 1; ; read++ {
		var out *iam.ListOrganizationsFeaturesOutput
		out, err = api.ListOrganizationsFeatures(ctx, &iam.ListOrganizationsFeaturesInput{})
		if err == nil {
			// Auditing root's credentials in a root session needs both
			// features (rootsession.TaskPolicy.Features cites AWS).
			missing := rootsession.AuditRootUserCredentials.Missing(out.EnabledFeatures)
			if len(missing) == 0 {
				return Choice{RootSessions: true, Why: "members are reached with sts:AssumeRoot: centralized root access (RootCredentialsManagement and RootSessions) is enabled"}, nil
			}
			names := make([]string, len(missing))
			for i, f := range missing {
				names[i] = string(f)
			}
			return Choice{Why: role + ": centralized root access (" + strings.Join(names, " and ") + ") is not enabled"}, nil
		}
		switch awserr.Code(err) {
		case "AccountNotManagementOrDelegatedAdministratorException":
			return Choice{Why: role + ": the caller's account is neither the management account nor the delegated administrator for centralized root access"}, nil
		case "OrganizationNotFoundException":
			return Choice{Why: role + ": the caller's account is in no organization"}, nil
		case "OrganizationNotInAllFeaturesModeException":
			return Choice{Why: role + ": the organization does not have all features enabled, so centralized root access is off"}, nil
		case "ServiceAccessNotEnabledException":
			return Choice{Why: role + ": trusted access for IAM is not enabled in Organizations, so centralized root access is off"}, nil
		}
		if awserr.Classify(err).AccessDenied() || awsconfig.Unreachable(err) || read >= featureReads || ctx.Err() != nil {
			break
		}
		_ = clock.Sleep(ctx, featureReadWait*time.Duration(read)) // a cancelled ctx ends the loop above
	}
	return Choice{}, fmt.Errorf("cannot tell whether centralized root access is enabled, so not whether members are reached with sts:AssumeRoot or sts:AssumeRole into %s (rootguard does not guess): %w", roleName, awserr.Classify(err))
}
