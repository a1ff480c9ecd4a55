package securityhub

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

// findingState is what the model reads of a finding.
type findingState struct {
	id, productARN, account, generator string
	createdAt, updatedAt               time.Time
	compliance, record, workflow       string
}

type importError struct{ Id, ErrorCode, ErrorMessage string }

// batchImport answers BatchImportFindings (see the package comment for
// the rules it follows).
func (h *Hub) batchImport(c *emu.Call) error {
	var in struct{ Findings []json.RawMessage }
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	if in.Findings == nil {
		return invalidInput("Findings is required")
	}
	if len(in.Findings) > MaxBatch {
		return invalidInput("Findings must contain at most %d findings, %d given", MaxBatch, len(in.Findings))
	}
	s := c.Scope()
	own := DefaultProductARN(s.Account, s.Region)
	// The caller may import only into its own default product and only for
	// its own account: anything else refuses the whole call.
	for _, raw := range in.Findings {
		var who struct{ ProductArn, AwsAccountId *string }
		if json.Unmarshal(raw, &who) != nil || who.ProductArn == nil {
			continue // invalid, reported below
		}
		if *who.ProductArn != own || (who.AwsAccountId != nil && *who.AwsAccountId != s.Account) {
			return emu.NewError(http.StatusForbidden, "AccessDeniedException",
				"User: %s is not authorized to perform: securityhub:BatchImportFindings on resource: %s", c.Caller.ARN(), *who.ProductArn)
		}
	}
	hb := h.hubs[s]
	failed := []importError{}
	ok := 0
	for _, raw := range in.Findings {
		attrs, st, problem := parseFinding(raw)
		if problem != "" {
			failed = append(failed, importError{st.id, "InvalidInput", "Finding does not adhere to Amazon Finding Format. " + problem})
			continue
		}
		if hb == nil || !hb.enabled {
			failed = append(failed, importError{st.id, "InvalidAccess", fmt.Sprintf("Account %s is not subscribed to AWS Security Hub", s.Account)})
			continue
		}
		hb.put(attrs, st, s.Region, h.now())
		ok++
	}
	c.Note("findings", fmt.Sprint(len(in.Findings)))
	return c.Result(struct {
		SuccessCount   int
		FailedCount    int
		FailedFindings []importError
	}{ok, len(failed), failed})
}

// put creates the finding or updates it in place.
func (hb *hub) put(attrs map[string]json.RawMessage, st findingState, region string, now time.Time) {
	k := findingKey{st.productARN, st.id}
	old := hb.findings[k]
	attrs["Region"] = jsonString(region)
	attrs["ProductName"] = jsonString("Default")
	attrs["CompanyName"] = jsonString("Personal")
	attrs["ProcessedAt"] = jsonString(now.UTC().Format(time.RFC3339Nano))
	if old == nil {
		if st.workflow == "" {
			st.workflow = "NEW"
		}
		if st.record == "" {
			st.record = "ACTIVE"
		}
		attrs["Workflow"] = workflowJSON(st.workflow)
		attrs["RecordState"] = jsonString(st.record)
		hb.findings[k] = &finding{attrs: attrs, state: st}
		hb.order = append(hb.order, k)
		return
	}
	// An update that is not newer is ignored.
	if !st.updatedAt.After(old.state.updatedAt) {
		return
	}
	for _, name := range []string{"Note", "UserDefinedFields", "VerificationState", "CreatedAt", "FirstObservedAt"} {
		if v, ok := old.attrs[name]; ok {
			attrs[name] = v
		} else {
			delete(attrs, name)
		}
	}
	st.createdAt = old.state.createdAt
	if st.record == "" {
		st.record = old.state.record
	}
	st.workflow = nextWorkflow(old.state, st)
	attrs["Workflow"] = workflowJSON(st.workflow)
	attrs["RecordState"] = jsonString(st.record)
	delete(attrs, "WorkflowState")
	old.attrs, old.state = attrs, st
}

// nextWorkflow is the workflow status after an update: the provider cannot
// set it, but Security Hub resets NOTIFIED and RESOLVED to NEW when the
// finding becomes active again or stops passing.
func nextWorkflow(old, upd findingState) string {
	if old.workflow != "NOTIFIED" && old.workflow != "RESOLVED" {
		return old.workflow
	}
	reactivated := old.record == "ARCHIVED" && upd.record == "ACTIVE"
	failing := old.compliance == "PASSED" && (upd.compliance == "FAILED" || upd.compliance == "WARNING" || upd.compliance == "NOT_AVAILABLE")
	if reactivated || failing {
		return "NEW"
	}
	return old.workflow
}

func jsonString(s string) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}

func workflowJSON(status string) json.RawMessage {
	b, _ := json.Marshal(map[string]string{"Status": status})
	return b
}

// Enumerations of the attributes the model checks (API Reference,
// AwsSecurityFinding, Compliance, Severity, Workflow).
var (
	complianceStatuses = []string{"PASSED", "WARNING", "FAILED", "NOT_AVAILABLE"}
	recordStates       = []string{"ACTIVE", "ARCHIVED"}
	workflowStatuses   = []string{"NEW", "NOTIFIED", "RESOLVED", "SUPPRESSED"}
	severityLabels     = []string{"INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"}
)

// ASFF length limits (User Guide, "Required top-level ASFF attributes").
const (
	maxTitle       = 256
	maxDescription = 1024
)

// parseFinding checks a finding against the ASFF's required attributes and
// the enumerations the model reads, and returns its attributes and state,
// or the problem in the wording of AWS's schema validator.
func parseFinding(raw json.RawMessage) (map[string]json.RawMessage, findingState, string) {
	var st findingState
	var attrs map[string]json.RawMessage
	if err := json.Unmarshal(raw, &attrs); err != nil || attrs == nil {
		return nil, st, "data should be object."
	}
	str := func(name string) (string, bool) {
		var s string
		v, ok := attrs[name]
		return s, ok && json.Unmarshal(v, &s) == nil && s != ""
	}
	if v, ok := str("Id"); ok {
		st.id = v
	}
	fields := map[string]*string{"SchemaVersion": nil, "Id": &st.id, "ProductArn": &st.productARN, "GeneratorId": &st.generator,
		"AwsAccountId": &st.account, "CreatedAt": nil, "UpdatedAt": nil, "Title": nil, "Description": nil}
	for _, name := range []string{"SchemaVersion", "Id", "ProductArn", "GeneratorId", "AwsAccountId", "CreatedAt", "UpdatedAt", "Title", "Description"} {
		v, ok := str(name)
		if !ok {
			return nil, st, fmt.Sprintf("data should have required property '%s'.", name)
		}
		if p := fields[name]; p != nil {
			*p = v
		}
	}
	for name, at := range map[string]*time.Time{"CreatedAt": &st.createdAt, "UpdatedAt": &st.updatedAt} {
		v, _ := str(name)
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return nil, st, fmt.Sprintf("data.%s should match format \"date-time\".", name)
		}
		*at = t
	}
	title, _ := str("Title")
	desc, _ := str("Description")
	if n := len([]rune(title)); n > maxTitle {
		return nil, st, fmt.Sprintf("data.Title should NOT be longer than %d characters.", maxTitle)
	}
	if n := len([]rune(desc)); n > maxDescription {
		return nil, st, fmt.Sprintf("data.Description should NOT be longer than %d characters.", maxDescription)
	}
	var resources []struct{ Type, Id string }
	if json.Unmarshal(attrs["Resources"], &resources) != nil || len(resources) == 0 {
		return nil, st, "data should have required property 'Resources'."
	}
	for i, r := range resources {
		if r.Type == "" || r.Id == "" {
			return nil, st, fmt.Sprintf("data.Resources[%d] should have required property 'Type' and 'Id'.", i)
		}
	}
	// Severity and Types are required, at the top or in FindingProviderFields.
	var provider struct {
		Severity *struct{ Label string }
		Types    []string
	}
	_ = json.Unmarshal(attrs["FindingProviderFields"], &provider)
	var severity *struct{ Label string }
	var types []string
	_ = json.Unmarshal(attrs["Severity"], &severity)
	_ = json.Unmarshal(attrs["Types"], &types)
	if (severity == nil && provider.Severity == nil) || (len(types) == 0 && len(provider.Types) == 0) {
		return nil, st, "data should have required property 'FindingProviderFields', data should match some schema in anyOf."
	}
	if severity != nil && severity.Label != "" && !slices.Contains(severityLabels, severity.Label) {
		return nil, st, "data.Severity.Label should be equal to one of the allowed values."
	}
	var nested struct {
		Compliance *struct{ Status string }
		Workflow   *struct{ Status string }
	}
	_ = json.Unmarshal(raw, &nested)
	if nested.Compliance != nil {
		st.compliance = nested.Compliance.Status
		if st.compliance != "" && !slices.Contains(complianceStatuses, st.compliance) {
			return nil, st, "data.Compliance.Status should be equal to one of the allowed values."
		}
	}
	if nested.Workflow != nil {
		st.workflow = nested.Workflow.Status
		if st.workflow != "" && !slices.Contains(workflowStatuses, st.workflow) {
			return nil, st, "data.Workflow.Status should be equal to one of the allowed values."
		}
	}
	if v, ok := attrs["RecordState"]; ok {
		if json.Unmarshal(v, &st.record) != nil || !slices.Contains(recordStates, st.record) {
			return nil, st, "data.RecordState should be equal to one of the allowed values."
		}
	}
	return attrs, st, ""
}
