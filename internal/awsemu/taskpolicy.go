package awsemu

import (
	"strings"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

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

const rootTaskPolicyPrefix = "arn:aws:iam::aws:policy/root-task/"

// rootTaskPolicyName returns the task policy named by arn, if it is one.
func rootTaskPolicyName(arn string) (string, bool) {
	name, ok := strings.CutPrefix(arn, rootTaskPolicyPrefix)
	if !ok {
		return "", false
	}
	_, known := rootTaskPolicies[name]
	return name, known
}

// alwaysAllowed are actions no policy can deny (STS documents this for
// GetCallerIdentity).
var alwaysAllowed = map[string]bool{"sts:GetCallerIdentity": true}

// authorize enforces an AssumeRoot session's task policy and the caller's
// allow list. Everything else is allowed: the emulator does not evaluate
// IAM policies beyond these.
func (s *Server) authorize(c *Call) error {
	action := iamAction(c.Service, c.Action)
	if alwaysAllowed[action] {
		return nil
	}
	if c.Caller.TaskPolicyARN != "" {
		name, _ := rootTaskPolicyName(c.Caller.TaskPolicyARN)
		if !matchesAny(rootTaskPolicies[name], action) {
			return errAccessDenied(c, action, "on resource: "+c.Caller.ARN()+" with an explicit deny in an identity-based policy: "+c.Caller.TaskPolicyARN)
		}
		if c.Service == "iam" && c.Param("UserName") != "" {
			resource := "arn:aws:iam::" + c.Caller.Account + ":user/" + c.Param("UserName")
			return errAccessDenied(c, action, "on resource: "+resource+" with an explicit deny in an identity-based policy: "+c.Caller.TaskPolicyARN)
		}
	}
	if c.allow != nil && !matchesAny(c.allow, action) {
		return errAccessDenied(c, action, "because no identity-based policy allows the "+action+" action")
	}
	return s.buckets.authorize(c)
}

// iamActionPrefixes maps SigV4 signing names to IAM action prefixes where
// the two differ among the services the emulator authorizes.
var iamActionPrefixes = map[string]string{"monitoring": "cloudwatch"}

// iamAction is the IAM action a call needs: CloudWatch signs as
// "monitoring" but its actions are "cloudwatch:…".
func iamAction(service, action string) string {
	if prefix, ok := iamActionPrefixes[service]; ok {
		service = prefix
	}
	return service + ":" + action
}

// matchesAny reports whether action matches one of patterns, which may use
// IAM's * and ? wildcards ("iam:List*"). Matching is case-insensitive, as
// IAM action names are.
func matchesAny(patterns []string, action string) bool {
	action = strings.ToLower(action)
	for _, p := range patterns {
		if emu.WildcardMatch(strings.ToLower(p), action) {
			return true
		}
	}
	return false
}
