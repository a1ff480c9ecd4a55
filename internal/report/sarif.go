package report

import (
	"encoding/json"
	"io"

	"github.com/rootguard/rootguard/internal/audit"
)

// SARIF 2.1.0, the subset code-scanning dashboards read: one rule per
// check, one result per FAIL or ERROR, located at the account.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID               audit.CheckID  `json:"id"`
	ShortDescription sarifText      `json:"shortDescription"`
	Help             sarifText      `json:"help"`
	Properties       map[string]any `json:"properties"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID     audit.CheckID   `json:"ruleId"`
	RuleIndex  int             `json:"ruleIndex"`
	Level      string          `json:"level"`
	Message    sarifText       `json:"message"`
	Locations  []sarifLocation `json:"locations"`
	Properties map[string]any  `json:"properties"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

// securitySeverity is GitHub code scanning's numeric severity property.
var securitySeverity = map[audit.Severity]string{
	audit.Critical: "9.5", audit.High: "8.0", audit.Medium: "5.5", audit.Low: "3.0",
}

// SARIF writes a SARIF 2.1.0 log.
func SARIF(w io.Writer, accounts []audit.AccountResult, version string) error {
	driver := sarifDriver{Name: "rootguard", Version: version, InformationURI: "https://github.com/rootguard/rootguard", Rules: []sarifRule{}}
	index := map[audit.CheckID]int{}
	results := []sarifResult{}
	for _, a := range accounts {
		for _, c := range a.Checks {
			if _, ok := index[c.ID]; !ok {
				index[c.ID] = len(driver.Rules)
				driver.Rules = append(driver.Rules, sarifRule{
					ID: c.ID, ShortDescription: sarifText{c.Title}, Help: sarifText{c.Remediation},
					Properties: map[string]any{"security-severity": securitySeverity[c.Severity], "tags": append([]string{"security"}, c.References...)},
				})
			}
			level := ""
			switch c.Status {
			case audit.Fail:
				level = "error"
			case audit.Error:
				level = "warning"
			default:
				continue
			}
			results = append(results, sarifResult{
				RuleID: c.ID, RuleIndex: index[c.ID], Level: level,
				Message:    sarifText{string(c.Status) + ": " + c.Detail},
				Locations:  []sarifLocation{{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: "aws://account/" + a.AccountID}}}},
				Properties: map[string]any{"account_id": a.AccountID, "status": c.Status},
			})
		}
	}
	log := sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs:    []sarifRun{{Tool: sarifTool{Driver: driver}, Results: results}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}
