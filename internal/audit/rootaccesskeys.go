package audit

import (
	"errors"
	"fmt"
	"strings"
)

var rootAccessKeys = check{
	id:          CheckRootAccessKeys,
	title:       "Root user has no access keys",
	description: "The AWS account's root user has no access keys, active or inactive (iam:GetAccountSummary AccountAccessKeysPresent = 0). A root access key is a long-lived credential with unrestricted access to the account that no IAM policy can limit.",
	severity:    Critical,
	references:  []string{"CIS 1.4", "IAM.4"},
	remediation: "Delete every root access key, active or inactive: `rootguard fix`, or sign in as root → Security credentials → Access keys → Delete; with centralized root access, sts:AssumeRoot with IAMDeleteRootUserCredentials.",
	needs:       needSummary | needKeys,
	eval:        evalRootAccessKeys,
}

func evalRootAccessKeys(in *inputs, _ Options) verdict {
	ev := map[string]any{}
	if in.keysErr == nil {
		ev["keys"] = keysEvidence(in.keys)
		ev["source"] = in.source()
	}
	if in.summaryErr != nil {
		if in.keysErr == nil && len(in.keys) > 0 {
			// The keys were seen: FAIL is certain even without the summary.
			return verdict{status: Fail, detail: describeKeys(in), evidence: ev}
		}
		return errorVerdict(in, "whether root has access keys", in.summaryErr)
	}
	ev[summaryKeys] = in.summary[summaryKeys]
	if in.summary[summaryKeys] == 0 {
		return verdict{status: Pass, detail: "root has no access keys", evidence: ev}
	}
	detail := describeKeys(in)
	if in.keysErr != nil {
		detail = "root has access keys (" + summaryKeys + " = 1); key details unavailable: " + describeErr(in.keysErr, in.callerARN)
	}
	return verdict{status: Fail, detail: detail, evidence: ev}
}

func describeKeys(in *inputs) string {
	if len(in.keys) == 0 {
		return "root has access keys (" + summaryKeys + " = 1)"
	}
	parts := make([]string, len(in.keys))
	for i, k := range in.keys {
		use := "never used"
		switch {
		case errors.Is(k.LastUseErr, errLastUseNotRead):
			parts[i] = fmt.Sprintf("%s %s", k.ID, k.Status)
			continue
		case k.LastUseErr != nil:
			use = "last use unknown: " + describeErr(k.LastUseErr, in.callerARN)
		case k.LastUsed.Valid():
			use = fmt.Sprintf("last used %s in %s/%s", k.LastUsed, k.Service, k.Region)
		}
		parts[i] = fmt.Sprintf("%s %s, %s", k.ID, k.Status, use)
	}
	return fmt.Sprintf("root has %d access key(s): %s", len(in.keys), strings.Join(parts, "; "))
}
