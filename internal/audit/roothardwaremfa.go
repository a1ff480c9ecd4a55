package audit

import "strings"

var rootHardwareMFA = check{
	id:          CheckRootHardwareMFA,
	title:       "Root user MFA is a hardware device",
	description: "The root user's MFA is a hardware device (FIDO security key or hardware TOTP token), not a virtual MFA device assigned to the root ARN exactly. A virtual device lives on a phone or computer that can be copied or compromised.",
	severity:    High,
	references:  []string{"CIS 1.6", "IAM.6"},
	remediation: "Sign in as root → Security credentials: assign a FIDO security key or hardware TOTP token, then remove the virtual MFA device.",
	needs:       needSummary | needVirtualMFA,
	eval:        evalRootHardwareMFA,
}

func evalRootHardwareMFA(in *inputs, _ Options) verdict {
	if in.summaryErr != nil {
		return errorVerdict(in, "root MFA status", in.summaryErr)
	}
	ev := in.summaryEvidence()
	if !in.rootCredentialsPresent() {
		return verdict{status: NotApplicable, detail: "root has no password, access keys or signing certificates", evidence: ev}
	}
	if in.summary[summaryMFA] == 0 {
		return verdict{status: Fail, detail: "root has no MFA at all", evidence: ev}
	}
	if in.virtualMFAErr != nil {
		return errorVerdict(in, "root's virtual MFA devices", in.virtualMFAErr)
	}
	// Exact ARN match: an IAM user named "root-admin" owns
	// arn:aws:iam::<acct>:user/root-admin, which contains "root" but is not
	// the root user.
	var virtual []string
	for _, d := range in.virtualMFA {
		if d.UserARN == in.rootARN() {
			virtual = append(virtual, d.Serial)
		}
	}
	ev["root_virtual_mfa_devices"] = virtual
	kind, devices := in.rootMFAKinds()
	ev[EvidenceMFAKind], ev[EvidenceMFADevices] = kind, devices
	if len(virtual) > 0 {
		return verdict{status: Fail, detail: "root uses a virtual MFA device: " + strings.Join(virtual, ", "), evidence: ev}
	}
	if unknown := in.unknownMFAKinds(); len(unknown) > 0 {
		return verdict{status: Error, detail: "root has an MFA device of a kind rootguard cannot tell from its serial: " + strings.Join(unknown, ", "), evidence: ev}
	}
	if in.rootSession && len(in.rootMFA) == 0 {
		return verdict{status: Error, detail: "root MFA is enabled but ListMFADevices listed no device: its kind is unknown", evidence: ev}
	}
	return verdict{status: Pass, detail: "root MFA is enabled and no virtual MFA device is assigned to root: " + kind, evidence: ev}
}
