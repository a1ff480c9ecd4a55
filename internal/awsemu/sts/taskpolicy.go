package sts

import "strings"

// rootTaskPolicies are the AWS managed root-task policies AssumeRoot
// accepts, with the actions each allows. Every policy denies all other
// actions and, for IAM, any resource other than the root user (so a
// UserName naming an IAM user is denied). Source: IAM User Guide, "AWS
// managed policies for IAM" (policy JSON of each root-task policy;
// IAMDeleteRootUserCredentials lost iam:DeleteVirtualMFADevice on
// 2025-01-07). The SQS policy's JSON is not published in that guide; its
// actions are those the guide describes (read and remove a queue policy).
var rootTaskPolicies = map[string][]string{
	"IAMAuditRootUserCredentials": {
		"iam:ListAccessKeys", "iam:ListSigningCertificates", "iam:GetLoginProfile",
		"iam:ListMFADevices", "iam:GetAccountSummary", "iam:GetUser", "iam:GetAccessKeyLastUsed",
	},
	"IAMCreateRootUserPassword": {"iam:CreateLoginProfile", "iam:GetLoginProfile"},
	"IAMDeleteRootUserCredentials": {
		"iam:DeleteAccessKey", "iam:DeleteSigningCertificate", "iam:DeleteLoginProfile",
		"iam:DeactivateMFADevice", "iam:ListAccessKeys", "iam:ListSigningCertificates",
		"iam:GetLoginProfile", "iam:ListMFADevices", "iam:GetUser", "iam:GetAccessKeyLastUsed",
	},
	"S3UnlockBucketPolicy": {"s3:DeleteBucketPolicy", "s3:PutBucketPolicy", "s3:GetBucketPolicy", "s3:ListAllMyBuckets"},
	"SQSUnlockQueuePolicy": {"sqs:GetQueueAttributes", "sqs:ListQueues", "sqs:SetQueueAttributes"},
}

// RootTaskPolicyPrefix begins the ARN of every root-task policy.
const RootTaskPolicyPrefix = "arn:aws:iam::aws:policy/root-task/"

// rootTaskPolicyName returns the task policy named by arn, if it is one.
func rootTaskPolicyName(arn string) (string, bool) {
	name, ok := strings.CutPrefix(arn, RootTaskPolicyPrefix)
	if !ok {
		return "", false
	}
	_, known := rootTaskPolicies[name]
	return name, known
}

// TaskPolicyActions are the actions the root-task policy arn allows (IAM
// wildcards allowed), and whether arn is a root-task policy.
func TaskPolicyActions(arn string) ([]string, bool) {
	name, ok := rootTaskPolicyName(arn)
	return rootTaskPolicies[name], ok
}
