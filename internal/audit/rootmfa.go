package audit

var rootMFA = check{
	id:          CheckRootMFA,
	title:       "Root user has MFA",
	description: "The root user, if it has any credential (password, access key or signing certificate), has MFA enabled (AccountMFAEnabled = 1). Not applicable when root has no credentials at all, for example after centralized root access removed them.",
	severity:    Critical,
	references:  []string{"CIS 1.5", "IAM.9"},
	remediation: "Sign in as root → Security credentials → Assign MFA device (prefer a hardware key); or remove root credentials entirely with centralized root access.",
	needs:       needSummary | needVirtualMFA, // the devices only describe the kind; they never decide the verdict
	eval:        evalRootMFA,
}

func evalRootMFA(in *inputs, _ Options) verdict {
	if in.summaryErr != nil {
		return errorVerdict(in, "root MFA status", in.summaryErr)
	}
	ev := in.summaryEvidence()
	switch {
	case !in.rootCredentialsPresent():
		return verdict{status: NotApplicable, detail: "root has no password, access keys or signing certificates: nothing to protect with MFA", evidence: ev}
	case in.summary[summaryMFA] == 1:
		if in.virtualMFAErr != nil {
			ev[EvidenceMFAKind] = "unknown: " + describeErr(in.virtualMFAErr, in.callerARN)
			return verdict{status: Pass, detail: "root has MFA enabled (its kind could not be read)", evidence: ev}
		}
		kind, devices := in.rootMFAKinds()
		ev[EvidenceMFAKind], ev[EvidenceMFADevices] = kind, devices
		return verdict{status: Pass, detail: "root has MFA enabled: " + kind, evidence: ev}
	default:
		return verdict{status: Fail, detail: "root has credentials and no MFA (" + summaryMFA + " = 0)", evidence: ev}
	}
}
