package report

import (
	"encoding/json"
	"io"
	"slices"
	"strings"

	"github.com/rootguard/rootguard/internal/audit"
)

// SARIF 2.1.0 as GitHub code scanning accepts it
// (`sarif-multitool validate --rule-kind "Gh;Sarif"`: no errors): one rule
// per check asked for, one result per FAIL and per ERROR, located at the
// account (aws/accounts/<id>), with a partial fingerprint of account and check so an alert is
// followed across runs. PASS and NOT_APPLICABLE have no result: GitHub
// closes an alert whose result no longer appears.
//
// ERROR is a result of the check's own rule, at level "warning": the check
// could not be decided, which is not a confirmed finding (so not "error"),
// but must stay visible (so not "note", and not absent — an absent result
// would close an open FAIL alert of the same account and check, reporting a
// fix that nobody verified). docs/audit-json.md says the same.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Invocations []sarifInvocation `json:"invocations"`
	Results     []sarifResult     `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name            string      `json:"name"`
	Version         string      `json:"version"`
	SemanticVersion string      `json:"semanticVersion,omitempty"`
	InformationURI  string      `json:"informationUri"`
	Rules           []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID               audit.CheckID  `json:"id"`
	Name             string         `json:"name"`
	ShortDescription sarifText      `json:"shortDescription"`
	FullDescription  sarifText      `json:"fullDescription"`
	Help             sarifHelp      `json:"help"`
	HelpURI          string         `json:"helpUri"`
	Properties       map[string]any `json:"properties"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifHelp struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown"`
}

// sarifInvocation says whether the run reached every account: an account
// that could not be (fully) audited is an error notification, an account
// skipped by design a note. The rows themselves are results too.
type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level   string    `json:"level"`
	Message sarifText `json:"message"`
}

type sarifResult struct {
	RuleID              audit.CheckID     `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Properties          map[string]any    `json:"properties"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           sarifRegion   `json:"region"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

// sarifAccountPath locates a result at its account as a relative path:
// code scanning accepts only repository-relative paths (or file: URIs) as
// locations — upload-sarif refuses another scheme ("unrecognized SARIF
// location URI scheme") — and shows a path it cannot find in the
// repository without source. The path is the same in every run, as the
// alert's fingerprint needs.
func sarifAccountPath(accountID string) string { return "aws/accounts/" + accountID }

// sarifFingerprint is the partialFingerprints key: the same account and
// check are the same alert in every run.
const sarifFingerprint = "rootguardAccountCheck/v1"

// securitySeverity is GitHub code scanning's numeric severity property.
var securitySeverity = map[audit.Severity]string{
	audit.Critical: "9.5", audit.High: "8.0", audit.Medium: "5.5", audit.Low: "3.0",
}

// SARIF writes a SARIF 2.1.0 log of run. version is the tool's version
// (buildinfo.String); its "v" prefix is dropped so that it starts with a
// digit, as SARIF2005 asks.
func SARIF(w io.Writer, run Run, version string) error {
	version = strings.TrimPrefix(version, "v")
	driver := sarifDriver{Name: "rootguard", Version: version, SemanticVersion: version,
		InformationURI: "https://github.com/rootguard/rootguard", Rules: []sarifRule{}}
	index := map[audit.CheckID]int{}
	results := []sarifResult{}
	inv := sarifInvocation{ExecutionSuccessful: true}
	for _, a := range run.Accounts {
		if a.Error != "" {
			inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, sarifNotification{
				Level: "error", Message: sarifText{"account " + a.AccountID + " was not fully audited: " + a.Error}})
		}
		for _, c := range a.Checks {
			if _, ok := index[c.ID]; !ok {
				index[c.ID] = len(driver.Rules)
				driver.Rules = append(driver.Rules, sarifRuleOf(c))
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
				Message: sarifText{string(c.Status) + " in account " + a.AccountID + ": " + c.Detail},
				Locations: []sarifLocation{{PhysicalLocation: sarifPhysical{
					ArtifactLocation: sarifArtifact{URI: sarifAccountPath(a.AccountID)},
					Region:           sarifRegion{StartLine: 1},
				}}},
				PartialFingerprints: map[string]string{sarifFingerprint: a.AccountID + ":" + string(c.ID)},
				Properties:          map[string]any{"account_id": a.AccountID, "status": c.Status},
			})
		}
	}
	for _, s := range run.Skipped {
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, sarifNotification{
			Level: "note", Message: sarifText{"account " + s.AccountID + " was skipped: " + s.Status}})
	}
	log := sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs:    []sarifRun{{Tool: sarifTool{Driver: driver}, Invocations: []sarifInvocation{inv}, Results: results}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}

func sarifRuleOf(c audit.CheckResult) sarifRule {
	uri := checksDoc + "#" + string(c.ID)
	full := audit.Description(c.ID)
	if full == "" {
		full = c.Title + "."
	}
	return sarifRule{
		ID: c.ID, Name: ruleName(c.ID),
		ShortDescription: sarifText{c.Title},
		FullDescription:  sarifText{full},
		Help: sarifHelp{
			Text:     full + "\n\nRemediation: " + c.Remediation + "\n\nDetails: " + uri,
			Markdown: full + "\n\n**Remediation:** " + c.Remediation + "\n\n[" + string(c.ID) + " in docs/checks.md](" + uri + ")",
		},
		HelpURI:    uri,
		Properties: map[string]any{"security-severity": securitySeverity[c.Severity], "tags": append([]string{"security"}, slices.Clone(c.References)...)},
	}
}

// ruleName is the rule's human-readable name, distinct from its ID as
// SARIF1001 asks: "root-access-keys" is "RootAccessKeys".
func ruleName(id audit.CheckID) string {
	var b strings.Builder
	for _, part := range strings.Split(string(id), "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}
