package report

import (
	"encoding/json"
	"io"
	"time"

	"github.com/rootguard/rootguard/internal/audit"
)

// asffFinding carries the attributes Security Hub requires of every
// imported finding (AwsAccountId, CreatedAt, Description, GeneratorId, Id,
// ProductArn, Resources, SchemaVersion, Severity, Title, Types, UpdatedAt)
// plus Compliance and Remediation.
type asffFinding struct {
	SchemaVersion string          `json:"SchemaVersion"`
	ID            string          `json:"Id"`
	ProductArn    string          `json:"ProductArn"`
	GeneratorID   string          `json:"GeneratorId"`
	AwsAccountID  string          `json:"AwsAccountId"`
	Types         []string        `json:"Types"`
	CreatedAt     string          `json:"CreatedAt"`
	UpdatedAt     string          `json:"UpdatedAt"`
	Severity      asffSeverity    `json:"Severity"`
	Title         string          `json:"Title"`
	Description   string          `json:"Description"`
	Remediation   asffRemediation `json:"Remediation"`
	Resources     []asffResource  `json:"Resources"`
	Compliance    asffCompliance  `json:"Compliance"`
	RecordState   string          `json:"RecordState"`
}

type asffSeverity struct {
	Label string `json:"Label"`
}

type asffRemediation struct {
	Recommendation asffRecommendation `json:"Recommendation"`
}

type asffRecommendation struct {
	Text string `json:"Text"`
}

type asffResource struct {
	Type      string `json:"Type"`
	ID        string `json:"Id"`
	Partition string `json:"Partition"`
	Region    string `json:"Region"`
}

type asffCompliance struct {
	Status              string   `json:"Status"`
	RelatedRequirements []string `json:"RelatedRequirements,omitempty"`
}

var asffSeverityLabel = map[audit.Severity]string{
	audit.Critical: "CRITICAL", audit.High: "HIGH", audit.Medium: "MEDIUM", audit.Low: "LOW",
}

var complianceStatus = map[audit.Status]string{
	audit.Pass: "PASSED", audit.Fail: "FAILED", audit.Error: "WARNING", audit.NotApplicable: "NOT_AVAILABLE",
}

// Description and Title have Security Hub length limits.
const (
	asffMaxTitle       = 256
	asffMaxDescription = 1024
)

// ASFF writes a JSON array of findings for
// `aws securityhub batch-import-findings --findings file://…` (at most 100
// findings per call). Each finding is imported into the audited account's
// own default product in region.
func ASFF(w io.Writer, accounts []audit.AccountResult, region string, at time.Time) error {
	ts := at.UTC().Format(time.RFC3339)
	findings := []asffFinding{}
	for _, a := range accounts {
		for _, c := range a.Checks {
			label := asffSeverityLabel[c.Severity]
			if c.Status != audit.Fail {
				label = "INFORMATIONAL"
			}
			findings = append(findings, asffFinding{
				SchemaVersion: "2018-10-08",
				ID:            "rootguard/" + a.AccountID + "/" + string(c.ID),
				ProductArn:    "arn:aws:securityhub:" + region + ":" + a.AccountID + ":product/" + a.AccountID + "/default",
				GeneratorID:   "rootguard/" + string(c.ID),
				AwsAccountID:  a.AccountID,
				Types:         []string{"Software and Configuration Checks/AWS Security Best Practices"},
				CreatedAt:     ts,
				UpdatedAt:     ts,
				Severity:      asffSeverity{Label: label},
				Title:         truncate(c.Title, asffMaxTitle),
				Description:   truncate(string(c.Status)+": "+c.Detail, asffMaxDescription),
				Remediation:   asffRemediation{Recommendation: asffRecommendation{Text: truncate(c.Remediation, 512)}},
				Resources:     []asffResource{{Type: "AwsAccount", ID: "AWS::::Account:" + a.AccountID, Partition: "aws", Region: region}},
				Compliance:    asffCompliance{Status: complianceStatus[c.Status], RelatedRequirements: c.References},
				RecordState:   "ACTIVE",
			})
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(findings)
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
