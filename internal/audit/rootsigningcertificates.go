package audit

import (
	"fmt"
	"strings"
)

var rootSigningCertificates = check{
	id:          CheckRootSigningCertificates,
	title:       "Root user has no X.509 signing certificates",
	description: "The root user has no X.509 signing certificates (AccountSigningCertificatesPresent = 0). A certificate is a root credential that SOAP-era APIs still accept.",
	severity:    High,
	references:  []string{"ScoutSuite iam-root-account-with-signing-certificates", "CloudSploit rootSigningCertificate"},
	remediation: "Delete the root signing certificates: sign in as root → Security credentials → X.509 certificates; with centralized root access, sts:AssumeRoot with IAMDeleteRootUserCredentials.",
	needs:       needSummary | needCerts,
	eval:        evalRootSigningCertificates,
}

func evalRootSigningCertificates(in *inputs, _ Options) verdict {
	ev := map[string]any{}
	var certs []string
	if in.certsErr == nil {
		for _, c := range in.certs {
			certs = append(certs, c.ID+" "+c.Status)
		}
		ev["certificates"] = certs
		ev["source"] = in.source()
	}
	if in.summaryErr != nil {
		if len(certs) > 0 {
			return verdict{status: Fail, detail: describeCerts(certs), evidence: ev}
		}
		return errorVerdict(in, "whether root has signing certificates", in.summaryErr)
	}
	ev[summaryCerts] = in.summary[summaryCerts]
	if in.summary[summaryCerts] == 0 {
		return verdict{status: Pass, detail: "root has no signing certificates", evidence: ev}
	}
	if len(certs) == 0 {
		return verdict{status: Fail, detail: "root has signing certificates (" + summaryCerts + " = 1)", evidence: ev}
	}
	return verdict{status: Fail, detail: describeCerts(certs), evidence: ev}
}

func describeCerts(certs []string) string {
	return fmt.Sprintf("root has %d signing certificate(s): %s", len(certs), strings.Join(certs, "; "))
}
