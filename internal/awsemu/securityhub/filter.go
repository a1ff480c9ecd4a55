package securityhub

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

// stringFilter is one of GetFindings' StringFilters (API Reference,
// StringFilter: https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_StringFilter.html):
// EQUALS, PREFIX and CONTAINS filters on one attribute are joined with OR,
// NOT_EQUALS, PREFIX_NOT_EQUALS and NOT_CONTAINS with AND.
type stringFilter struct{ Value, Comparison string }

// filterFields are the filters the model answers: a finding's identity and
// state. Any other filter is refused rather than ignored, so a caller never
// reads an unfiltered answer as a filtered one.
var filterFields = map[string]func(f *finding) string{
	"Id":               func(f *finding) string { return f.state.id },
	"ProductArn":       func(f *finding) string { return f.state.productARN },
	"AwsAccountId":     func(f *finding) string { return f.state.account },
	"GeneratorId":      func(f *finding) string { return f.state.generator },
	"ComplianceStatus": func(f *finding) string { return f.state.compliance },
	"WorkflowStatus":   func(f *finding) string { return f.state.workflow },
	"RecordState":      func(f *finding) string { return f.state.record },
}

func (sf stringFilter) positive() bool {
	return sf.Comparison == "EQUALS" || sf.Comparison == "PREFIX" || sf.Comparison == "CONTAINS"
}

func (sf stringFilter) matches(v string) bool {
	switch sf.Comparison {
	case "EQUALS", "NOT_EQUALS":
		return v == sf.Value
	case "PREFIX", "PREFIX_NOT_EQUALS":
		return strings.HasPrefix(v, sf.Value)
	default: // CONTAINS, NOT_CONTAINS
		return strings.Contains(v, sf.Value)
	}
}

var comparisons = []string{"EQUALS", "PREFIX", "NOT_EQUALS", "PREFIX_NOT_EQUALS", "CONTAINS", "NOT_CONTAINS"}

type fieldFilter struct {
	value   func(*finding) string
	filters []stringFilter
}

func (ff fieldFilter) keep(f *finding) bool {
	v := ff.value(f)
	anyPositive, matched := false, false
	for _, sf := range ff.filters {
		if sf.positive() {
			anyPositive = true
			matched = matched || sf.matches(v)
		} else if sf.matches(v) {
			return false
		}
	}
	return !anyPositive || matched
}

// getFindings answers GetFindings: the caller's findings in creation
// order, filtered, at most MaxResults (1–100, default 100) a page.
func (h *Hub) getFindings(c *emu.Call) error {
	hb, err := h.enabledHub(c)
	if err != nil {
		return err
	}
	var in struct {
		Filters      map[string]json.RawMessage
		SortCriteria json.RawMessage
		MaxResults   *int
		NextToken    string
	}
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	if len(in.SortCriteria) > 0 && string(in.SortCriteria) != "null" && string(in.SortCriteria) != "[]" {
		return invalidInput("SortCriteria is not supported by the local Security Hub")
	}
	var filters []fieldFilter
	for name, raw := range in.Filters {
		value, ok := filterFields[name]
		if !ok {
			return invalidInput("filter %s is not supported by the local Security Hub", name)
		}
		var list []stringFilter
		if err := json.Unmarshal(raw, &list); err != nil {
			return invalidInput("Filters.%s: %v", name, err)
		}
		for _, sf := range list {
			if !slices.Contains(comparisons, sf.Comparison) {
				return invalidInput("Filters.%s: invalid Comparison %q", name, sf.Comparison)
			}
		}
		filters = append(filters, fieldFilter{value, list})
	}
	limit := MaxBatch
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > MaxBatch {
			return invalidInput("MaxResults must be between 1 and %d", MaxBatch)
		}
		limit = *in.MaxResults
	}
	start := 0
	if in.NextToken != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(in.NextToken, "sh-"))
		if err != nil || !strings.HasPrefix(in.NextToken, "sh-") || n < 0 || n > len(hb.order) {
			return invalidInput("Invalid NextToken")
		}
		start = n
	}
	page := []map[string]json.RawMessage{}
	next := ""
	for i := start; i < len(hb.order); i++ {
		f := hb.findings[hb.order[i]]
		if !slices.ContainsFunc(filters, func(ff fieldFilter) bool { return !ff.keep(f) }) {
			if len(page) == limit {
				next = "sh-" + strconv.Itoa(i)
				break
			}
			page = append(page, f.attrs)
		}
	}
	return c.Result(struct {
		Findings  []map[string]json.RawMessage
		NextToken string `json:",omitempty"`
	}{page, next})
}
