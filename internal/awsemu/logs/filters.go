package logs

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/rootguard/rootguard/internal/awsemu/filterpattern"
	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

// metricFilter is a MetricFilter as DescribeMetricFilters returns it.
type metricFilter struct {
	FilterName            string                 `json:"filterName"`
	FilterPattern         string                 `json:"filterPattern"`
	MetricTransformations []metricTransformation `json:"metricTransformations"`
	CreationTime          int64                  `json:"creationTime"`
	LogGroupName          string                 `json:"logGroupName"`
}

type metricTransformation struct {
	MetricName      string            `json:"metricName"`
	MetricNamespace string            `json:"metricNamespace"`
	MetricValue     string            `json:"metricValue"`
	DefaultValue    *float64          `json:"defaultValue,omitempty"`
	Dimensions      map[string]string `json:"dimensions,omitempty"`
	Unit            string            `json:"unit,omitempty"`
}

// metricFiltersPerGroup is the Logs quota on metric filters per log group.
const metricFiltersPerGroup = 100

func (m *Logs) putMetricFilter(s emu.Scope, body []byte) (any, error) {
	var in metricFilter
	if err := emu.DecodeJSON(body, &in); err != nil {
		return nil, err
	}
	switch {
	case in.FilterName == "" || strings.ContainsAny(in.FilterName, ":*") || len(in.FilterName) > 512:
		return nil, errLogsInvalidParameter("1 validation error detected: Value '%s' at 'filterName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*", in.FilterName)
	case len(in.MetricTransformations) != 1:
		return nil, errLogsInvalidParameter("1 validation error detected: Value at 'metricTransformations' failed to satisfy constraint: Member must have length less than or equal to 1")
	}
	t := in.MetricTransformations[0]
	if t.MetricName == "" || t.MetricNamespace == "" || t.MetricValue == "" {
		return nil, errLogsInvalidParameter("metricName, metricNamespace and metricValue are required.")
	}
	if _, err := filterpattern.Parse(in.FilterPattern); err != nil {
		return nil, errLogsInvalidParameter("Invalid metric filter pattern: %v", err)
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	g, err := m.group(s, in.LogGroupName)
	if err != nil {
		return nil, err
	}
	old := g.filters[in.FilterName]
	if old == nil && len(g.filters) >= metricFiltersPerGroup {
		return nil, emu.BadRequest("LimitExceededException", "Resource limit exceeded.")
	}
	in.CreationTime = m.now().UnixMilli()
	if old != nil {
		in.CreationTime = old.CreationTime
	}
	g.filters[in.FilterName] = &in
	return nil, nil
}

func (m *Logs) describeMetricFilters(s emu.Scope, body []byte) (any, error) {
	var in struct {
		LogGroupName     string `json:"logGroupName"`
		FilterNamePrefix string `json:"filterNamePrefix"`
		MetricName       string `json:"metricName"`
		MetricNamespace  string `json:"metricNamespace"`
		NextToken        string `json:"nextToken"`
		Limit            int    `json:"limit"`
	}
	if err := emu.DecodeJSON(body, &in); err != nil {
		return nil, err
	}
	switch {
	case in.FilterNamePrefix != "" && in.LogGroupName == "":
		return nil, errLogsInvalidParameter("If you specify filterNamePrefix, you must also specify logGroupName.")
	case (in.MetricName == "") != (in.MetricNamespace == ""):
		return nil, errLogsInvalidParameter("If you specify metricName or metricNamespace, you must specify both.")
	}
	limit, err := logsLimit(in.Limit)
	if err != nil {
		return nil, err
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	groups := m.groups(s)
	if in.LogGroupName != "" {
		g, err := m.group(s, in.LogGroupName)
		if err != nil {
			return nil, err
		}
		groups = map[string]*logGroup{g.name: g}
	}
	found := []metricFilter{}
	for _, g := range groups {
		for _, f := range g.filters {
			t := f.MetricTransformations[0]
			if strings.HasPrefix(f.FilterName, in.FilterNamePrefix) &&
				(in.MetricName == "" || t.MetricName == in.MetricName && t.MetricNamespace == in.MetricNamespace) {
				found = append(found, *f)
			}
		}
	}
	// Log group names cannot hold ':', so group:filter orders and names
	// each filter uniquely; it is also the page token.
	key := func(f metricFilter) string { return f.LogGroupName + ":" + f.FilterName }
	slices.SortFunc(found, func(a, b metricFilter) int { return strings.Compare(key(a), key(b)) })
	page, next := emu.PageByName(found, key, in.NextToken, limit)
	return struct {
		MetricFilters []metricFilter `json:"metricFilters"`
		NextToken     string         `json:"nextToken,omitempty"`
	}{page, next}, nil
}

func (m *Logs) deleteMetricFilter(s emu.Scope, body []byte) (any, error) {
	var in struct{ LogGroupName, FilterName string }
	if err := emu.DecodeJSON(body, &in); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	g, err := m.group(s, in.LogGroupName)
	if err != nil {
		return nil, err
	}
	if g.filters[in.FilterName] == nil {
		return nil, emu.BadRequest("ResourceNotFoundException", "The specified metric filter does not exist.")
	}
	delete(g.filters, in.FilterName)
	return nil, nil
}

// testMetricFilter applies a pattern to sample events, numbering matches
// from 1 as Logs does.
func testMetricFilter(_ emu.Scope, body []byte) (any, error) {
	var in struct {
		FilterPattern    string   `json:"filterPattern"`
		LogEventMessages []string `json:"logEventMessages"`
	}
	if err := emu.DecodeJSON(body, &in); err != nil {
		return nil, err
	}
	if len(in.LogEventMessages) == 0 || len(in.LogEventMessages) > 50 {
		return nil, errLogsInvalidParameter("logEventMessages must have 1 to 50 members.")
	}
	p, err := filterpattern.Parse(in.FilterPattern)
	if err != nil {
		return nil, errLogsInvalidParameter("Invalid metric filter pattern: %v", err)
	}
	type match struct {
		EventNumber     int               `json:"eventNumber"`
		EventMessage    string            `json:"eventMessage"`
		ExtractedValues map[string]string `json:"extractedValues"`
	}
	matches := []match{}
	for i, msg := range in.LogEventMessages {
		if p.Matches(msg) {
			matches = append(matches, match{EventNumber: i + 1, EventMessage: msg, ExtractedValues: map[string]string{}})
		}
	}
	return map[string]any{"matches": matches}, nil
}

// MetricFilterSeed is a metric filter with one transformation, as awsemu's
// AddMetricFilter seeds it.
type MetricFilterSeed struct {
	LogGroup, Name, Pattern, MetricName, Namespace, Value string
}

// PutMetricFilter creates or replaces a metric filter in s, as the
// PutMetricFilter action does.
func (m *Logs) PutMetricFilter(s emu.Scope, f MetricFilterSeed) error {
	body, _ := json.Marshal(metricFilter{FilterName: f.Name, FilterPattern: f.Pattern, LogGroupName: f.LogGroup,
		MetricTransformations: []metricTransformation{{MetricName: f.MetricName, MetricNamespace: f.Namespace, MetricValue: f.Value}}})
	_, err := m.putMetricFilter(s, body)
	return err
}
