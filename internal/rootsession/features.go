package rootsession

import (
	"slices"

	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// Which centralized-root-access feature gates which task, as AWS documents
// them:
//
//   - RootSessions — EnableOrganizationsRootSessions "allows the management
//     account or delegated administrator to perform privileged tasks on
//     member accounts" (IAM API Reference). Every task is performed in a
//     privileged session opened with sts:AssumeRoot: "once you launch a
//     privileged session, you can delete a misconfigured Amazon S3 bucket
//     policy, delete a misconfigured Amazon SQS queue policy, delete the root
//     user credentials for a member account, and reenable root user
//     credentials" (IAM User Guide, "Perform a privileged task on an AWS
//     Organizations member account"). No session, no task.
//   - RootCredentialsManagement — EnableOrganizationsRootCredentialsManagement
//     lets the management account and the IAM delegated administrator
//     "manage root user credentials for member accounts" (IAM API
//     Reference); with it, new accounts have no root credentials and members
//     cannot recover them (IAM User Guide, "Centralize root access for member
//     accounts"). The three task policies on root's credentials — audit,
//     delete, and re-enable through password recovery — are that management.
//
// So S3UnlockBucketPolicy and SQSUnlockQueuePolicy need RootSessions;
// IAMAuditRootUserCredentials, IAMDeleteRootUserCredentials and
// IAMCreateRootUserPassword need both.

// Features are the centralized-root-access features the task needs.
func (t TaskPolicy) Features() []iamtypes.FeatureType {
	switch t {
	case UnlockBucketPolicy, UnlockQueuePolicy:
		return []iamtypes.FeatureType{iamtypes.FeatureTypeRootSessions}
	default:
		return []iamtypes.FeatureType{iamtypes.FeatureTypeRootSessions, iamtypes.FeatureTypeRootCredentialsManagement}
	}
}

// Missing lists the features the task needs that are not in enabled.
func (t TaskPolicy) Missing(enabled []iamtypes.FeatureType) []iamtypes.FeatureType {
	var out []iamtypes.FeatureType
	for _, f := range t.Features() {
		if !slices.Contains(enabled, f) {
			out = append(out, f)
		}
	}
	return out
}
