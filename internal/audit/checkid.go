package audit

// CheckID is a check's stable ID: the "id" of a check in the
// rootguard.audit/v1 document, the rule ID in SARIF, and the value of
// `rootguard fix --only`. IDs never change meaning; a retired check's ID is
// not reused.
type CheckID string

// The checks, one file each in this package (the file is named after the ID).
const (
	CheckRootAccessKeys           CheckID = "root-access-keys"
	CheckRootMFA                  CheckID = "root-mfa"
	CheckRootHardwareMFA          CheckID = "root-hardware-mfa"
	CheckRootSigningCertificates  CheckID = "root-signing-certificates"
	CheckRootRecentUse            CheckID = "root-recent-use"
	CheckRootAlerting             CheckID = "root-alerting"
	CheckRootActivityAlerting     CheckID = "root-activity-alerting"
	CheckOrgCentralizedRootAccess CheckID = "org-centralized-root-access"
)

// Evidence keys that other packages read from a CheckResult's Evidence.
const (
	// The root-mfa check's evidence carries GetAccountSummary's keys as AWS
	// names them; 1 means present (or, for MFA, enabled).
	EvidencePasswordPresent     = "AccountPasswordPresent"
	EvidenceAccessKeysPresent   = "AccountAccessKeysPresent"
	EvidenceCertificatesPresent = "AccountSigningCertificatesPresent"
	EvidenceMFAEnabled          = "AccountMFAEnabled"

	// An ERROR check's evidence: the API call that failed, its error code,
	// and, for AccessDenied, the IAM action to grant.
	EvidenceAPICall           = "api_call"
	EvidenceErrorCode         = "error_code"
	EvidenceMissingPermission = "missing_permission"
	// For AccessDenied that no grant can fix (an SCP, a boundary, or any
	// denial of the root user): what denied, and AWS's own message.
	EvidenceDeniedBy   = "denied_by"
	EvidenceAWSMessage = "aws_message"
)

// rootSessionNeeds are the inputs an sts:AssumeRoot session with the
// IAMAuditRootUserCredentials task policy can read: the root user's
// credentials and nothing else (no EventBridge, CloudTrail or
// Organizations). See the IAM User Guide, "Perform a privileged task on an
// AWS Organizations member account", and the policy itself in the AWS
// Managed Policy Reference,
// https://docs.aws.amazon.com/aws-managed-policy/latest/reference/IAMAuditRootUserCredentials.html
const rootSessionNeeds = needSummary | needKeys | needLastUsed | needCerts | needVirtualMFA

// inRootSession reports whether the check can be decided inside a member's
// root session: everything it reads is readable there.
func (c check) inRootSession() bool { return c.needs&^rootSessionNeeds == 0 }

// RootSessionCheckIDs are the checks an IAMAuditRootUserCredentials root
// session can decide, in report order. An organization run that reaches
// members with sts:AssumeRoot runs only these in them.
func RootSessionCheckIDs() []CheckID {
	var ids []CheckID
	for _, c := range checks {
		if c.inRootSession() {
			ids = append(ids, c.id)
		}
	}
	return ids
}

// CheckIDs returns the stable IDs of every check, in report order.
func CheckIDs() []CheckID {
	ids := make([]CheckID, len(checks))
	for i, c := range checks {
		ids[i] = c.id
	}
	return ids
}

// Description says what check id verifies and why it matters; "" for an
// unknown ID.
func Description(id CheckID) string {
	for _, c := range checks {
		if c.id == id {
			return c.description
		}
	}
	return ""
}

// JoinIDs writes ids comma-separated, for help texts and messages.
func JoinIDs(ids []CheckID) string {
	s := ""
	for i, id := range ids {
		if i > 0 {
			s += ", "
		}
		s += string(id)
	}
	return s
}
