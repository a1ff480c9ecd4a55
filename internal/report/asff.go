package report

import (
	"encoding/json"
	"io"
	"time"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/audit"
)

// asffFinding carries the attributes Security Hub requires of every
// imported finding (AwsAccountId, CreatedAt, Description, GeneratorId, Id,
// ProductArn, Resources, SchemaVersion, Severity, Title, Types, UpdatedAt)
// plus Compliance, Remediation, RecordState and Workflow. A test decodes
// every finding strictly into aws-sdk-go-v2's types.AwsSecurityFinding.
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
	Workflow      asffWorkflow    `json:"Workflow"`
}

type asffSeverity struct {
	Label string `json:"Label"`
}

type asffRemediation struct {
	Recommendation asffRecommendation `json:"Recommendation"`
}

type asffRecommendation struct {
	Text string `json:"Text"`
	URL  string `json:"Url"`
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

type asffWorkflow struct {
	Status string `json:"Status"`
}

var asffSeverityLabel = map[audit.Severity]string{
	audit.Critical: "CRITICAL", audit.High: "HIGH", audit.Medium: "MEDIUM", audit.Low: "LOW",
}

// asffState is how each status is imported.
//
// Compliance.Status (Security Hub API Reference, "Compliance"): PASSED,
// FAILED, WARNING ("some information is missing or this check is not
// supported for your configuration") and NOT_AVAILABLE ("check could not be
// performed due to a service outage, API error, or because the result of
// the AWS Config evaluation was NOT_APPLICABLE"). An ERROR is an API error
// or an account that could not be reached: NOT_AVAILABLE, and it stays
// ACTIVE so it is seen. NOT_APPLICABLE is NOT_AVAILABLE as well.
//
// A PASS (or NOT_APPLICABLE) is archived with Workflow RESOLVED, so a
// finding that failed before resolves when it is fixed:
// BatchImportFindings sets Workflow only when it creates a finding ("cannot
// be used to update ... Workflow" afterwards), so it is RecordState ARCHIVED
// that takes an earlier FAILED finding out of the active findings; if the
// check fails again, ACTIVE after ARCHIVED (and FAILED after PASSED) resets
// the workflow to NEW (User Guide, "Setting the workflow status of
// findings").
var asffState = map[audit.Status]struct{ compliance, record, workflow string }{
	audit.Fail:          {"FAILED", "ACTIVE", "NEW"},
	audit.Error:         {"NOT_AVAILABLE", "ACTIVE", "NEW"},
	audit.Pass:          {"PASSED", "ARCHIVED", "RESOLVED"},
	audit.NotApplicable: {"NOT_AVAILABLE", "ARCHIVED", "RESOLVED"},
}

// Security Hub length limits (ASFF: Title 256, Description 1024,
// Remediation.Recommendation.Text 512).
const (
	asffMaxTitle       = 256
	asffMaxDescription = 1024
	asffMaxRemediation = 512
)

// ASFF writes a JSON array of findings for
// `aws securityhub batch-import-findings --findings file://…` (at most 100
// findings per call), one per check row: FAIL, ERROR (with its reason),
// PASS and NOT_APPLICABLE. Each finding belongs to the audited account's
// own default product in opts.Region, and BatchImportFindings for the
// default product must be called from the account named in the finding's
// AwsAccountId (Security Hub API Reference, "BatchImportFindings"): an
// organization's file is imported one account at a time
// (docs/audit-json.md shows how).
func ASFF(w io.Writer, accounts []audit.AccountResult, opts Options) error {
	ts := opts.Generated.UTC().Format(time.RFC3339)
	partition := account.PartitionOfRegion(opts.Region)
	if opts.Partition != "" {
		if p, err := account.PartitionByID(opts.Partition); err == nil {
			partition = p
		}
	}
	findings := []asffFinding{}
	for _, a := range accounts {
		for _, c := range a.Checks {
			st := asffState[c.Status]
			label := "INFORMATIONAL"
			if c.Status == audit.Fail || c.Status == audit.Error {
				label = asffSeverityLabel[c.Severity]
			}
			findings = append(findings, asffFinding{
				SchemaVersion: "2018-10-08",
				ID:            "rootguard/" + a.AccountID + "/" + string(c.ID),
				ProductArn:    partition.ARN("securityhub", opts.Region, a.AccountID, "product/"+a.AccountID+"/default"),
				GeneratorID:   "rootguard/" + string(c.ID),
				AwsAccountID:  a.AccountID,
				Types:         []string{"Software and Configuration Checks/AWS Security Best Practices"},
				CreatedAt:     ts,
				UpdatedAt:     ts,
				Severity:      asffSeverity{Label: label},
				Title:         truncate(c.Title, asffMaxTitle),
				Description:   truncate(string(c.Status)+": "+c.Detail, asffMaxDescription),
				Remediation: asffRemediation{Recommendation: asffRecommendation{
					Text: truncate(c.Remediation, asffMaxRemediation), URL: checksDoc + "#" + string(c.ID)}},
				Resources:   []asffResource{{Type: "AwsAccount", ID: "AWS::::Account:" + a.AccountID, Partition: partition.ID, Region: opts.Region}},
				Compliance:  asffCompliance{Status: st.compliance, RelatedRequirements: c.References},
				RecordState: st.record,
				Workflow:    asffWorkflow{Status: st.workflow},
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
