package report

import "github.com/rootguard/rootguard/internal/audit"

// checksDoc is where every check is described; each check has a section
// there whose anchor is its ID (docs/checks.md "Check reference").
const checksDoc = "https://github.com/rootguard/rootguard/blob/main/docs/checks.md"

// ruleDescriptions are the SARIF rules' full descriptions: what each check
// verifies and why it matters, as docs/checks.md says in more detail. A
// test keeps one for every check and a docs/checks.md section for each.
var ruleDescriptions = map[audit.CheckID]string{
	"root-access-keys":            "The AWS account's root user has no access keys, active or inactive (iam:GetAccountSummary AccountAccessKeysPresent = 0). A root access key is a long-lived credential with unrestricted access to the account that no IAM policy can limit.",
	"root-mfa":                    "The root user, if it has any credential (password, access key or signing certificate), has MFA enabled (AccountMFAEnabled = 1). Not applicable when root has no credentials at all, for example after centralized root access removed them.",
	"root-hardware-mfa":           "The root user's MFA is a hardware device (FIDO security key or hardware TOTP token), not a virtual MFA device assigned to the root ARN exactly. A virtual device lives on a phone or computer that can be copied or compromised.",
	"root-signing-certificates":   "The root user has no X.509 signing certificates (AccountSigningCertificatesPresent = 0). A certificate is a root credential that SOAP-era APIs still accept.",
	"root-recent-use":             "The root user was not used within the window (--root-use-days, 90 by default): the newest of its password's and access keys' last-used dates is older, or it was never used. Root use should be rare and explained.",
	"root-alerting":               "Root activity raises an alert: a trail delivers root sign-in events to us-east-1, and an enabled EventBridge rule with a target (or the CIS 4.3 metric filter with an alarm that has an action) matches a realistic root ConsoleLogin event.",
	"org-centralized-root-access": "In an organization's management (or delegated administrator) account, centralized root access is on (iam:ListOrganizationsFeatures lists RootCredentialsManagement), so member accounts need no root credentials at all.",
}
