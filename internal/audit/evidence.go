package audit

import (
	"errors"

	"github.com/rootguard/rootguard/internal/credreport"
)

// Summary keys of GetAccountSummary, the source of truth for what root has;
// the root-mfa check's evidence carries them under the same names.
const (
	summaryPassword = EvidencePasswordPresent
	summaryKeys     = EvidenceAccessKeysPresent
	summaryCerts    = EvidenceCertificatesPresent
	summaryMFA      = EvidenceMFAEnabled
)

// rootCredentialsPresent reports whether root has a password, an access key
// or a signing certificate. Member accounts whose root credentials were
// removed by centralized root access have none.
func (in *inputs) rootCredentialsPresent() bool {
	return in.summary[summaryPassword] == 1 || in.summary[summaryKeys] == 1 || in.summary[summaryCerts] == 1
}

func (in *inputs) summaryEvidence() map[string]any {
	return map[string]any{
		summaryPassword: in.summary[summaryPassword],
		summaryKeys:     in.summary[summaryKeys],
		summaryCerts:    in.summary[summaryCerts],
		summaryMFA:      in.summary[summaryMFA],
	}
}

func (in *inputs) source() string {
	if in.rootSession {
		return "root user (sts:AssumeRoot session)"
	}
	return "credential report"
}

func keysEvidence(keys []rootKey) []map[string]any {
	out := make([]map[string]any, 0, len(keys))
	for _, k := range keys {
		m := map[string]any{
			"id": k.ID, "status": k.Status, "last_used": k.LastUsed.String(),
			"last_used_service": k.Service, "last_used_region": k.Region,
		}
		switch {
		case errors.Is(k.LastUseErr, errLastUseNotRead):
			delete(m, "last_used")
			delete(m, "last_used_service")
			delete(m, "last_used_region")
		case k.LastUseErr != nil:
			m["last_used"] = "unknown: " + k.LastUseErr.Error()
		}
		out = append(out, m)
	}
	return out
}

func dateEvidence(d credreport.Date) string {
	if d.String() == "" {
		return "N/A"
	}
	return d.String()
}
