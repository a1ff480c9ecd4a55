// Package cloudwatch models CloudWatch metric alarms for awsemu, per account
// and region, in the protocols CloudWatch speaks: RPC v2 CBOR
// (aws-sdk-go-v2), awsJson 1.0 and the Query protocol (the aws CLI and
// boto3). kumo keeps one process-wide set, so the front answers the alarm
// operations; metric data (PutMetricData, GetMetricData) still goes to kumo.
package cloudwatch

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
	"github.com/rootguard/rootguard/internal/awsemu/wire"
)

// Alarms is the CloudWatch metric alarms of every account and region.
type Alarms struct {
	mu      sync.Mutex
	regions map[emu.Scope]map[string]*MetricAlarm // by alarm name
	now     func() time.Time
}

// Register answers the alarm actions on host and returns the model, for
// seeding.
func Register(host emu.Host) *Alarms {
	m := &Alarms{regions: map[emu.Scope]map[string]*MetricAlarm{}, now: host.Now}
	for action, h := range map[string]func(emu.Scope, *alarmRequest) (any, error){
		"PutMetricAlarm":          m.put,
		"DescribeAlarms":          m.describe,
		"DescribeAlarmsForMetric": m.describeForMetric,
		"DeleteAlarms":            m.delete,
		"SetAlarmState":           m.setAlarmState,
	} {
		host.Handle("monitoring", action, alarmHandler(h))
	}
	return m
}

// PutMetricAlarm creates or replaces an alarm as the PutMetricAlarm action
// does.
func (m *Alarms) PutMetricAlarm(s emu.Scope, a MetricAlarm, actionsEnabled bool) error {
	_, err := m.put(s, &alarmRequest{MetricAlarm: a, ActionsEnabled: &actionsEnabled})
	return err
}

// alarmHandler decodes a request for h in whichever protocol it came: RPC
// v2 CBOR, awsJson 1.0 or Query (queryRequest).
func alarmHandler(h func(emu.Scope, *alarmRequest) (any, error)) emu.Handler {
	return func(c *emu.Call) error {
		var in alarmRequest
		var err error
		switch c.Protocol {
		case wire.CBOR:
			err = wire.DecodeCBOR(c.Body, &in)
		case wire.Query:
			err = queryRequest(c, &in)
		default:
			err = emu.DecodeJSON(c.Body, &in)
		}
		if err != nil {
			return err
		}
		out, err := h(c.Scope(), &in)
		if err != nil {
			return err
		}
		return c.Result(out)
	}
}

// MetricAlarm is a MetricAlarm as DescribeAlarms returns it; the field names
// are the wire names (in Query XML, lists are <member> elements).
type MetricAlarm struct {
	AlarmName                          string
	AlarmArn                           string
	AlarmDescription                   string `cbor:",omitempty" json:",omitempty" xml:",omitempty"`
	AlarmConfigurationUpdatedTimestamp time.Time
	ActionsEnabled                     bool
	OKActions                          []string `xml:"OKActions>member"`
	AlarmActions                       []string `xml:"AlarmActions>member"`
	InsufficientDataActions            []string `xml:"InsufficientDataActions>member"`
	StateValue                         string
	StateReason                        string
	StateUpdatedTimestamp              time.Time
	StateTransitionedTimestamp         time.Time
	MetricName                         string
	Namespace                          string
	Statistic                          string      `cbor:",omitempty" json:",omitempty" xml:",omitempty"`
	ExtendedStatistic                  string      `cbor:",omitempty" json:",omitempty" xml:",omitempty"`
	Dimensions                         []Dimension `cbor:",omitempty" json:",omitempty" xml:"Dimensions>member,omitempty"`
	Period                             int32       `cbor:",omitempty" json:",omitempty" xml:",omitempty"`
	Unit                               string      `cbor:",omitempty" json:",omitempty" xml:",omitempty"`
	EvaluationPeriods                  int32
	DatapointsToAlarm                  int32 `cbor:",omitempty" json:",omitempty" xml:",omitempty"`
	Threshold                          float64
	ComparisonOperator                 string
	TreatMissingData                   string `cbor:",omitempty" json:",omitempty" xml:",omitempty"`
}

// alarmsOutput is DescribeAlarms' and DescribeAlarmsForMetric's result.
type alarmsOutput struct {
	MetricAlarms []MetricAlarm `xml:"MetricAlarms>member"`
	NextToken    string        `cbor:",omitempty" json:",omitempty" xml:",omitempty"`
}

// Dimension is a metric dimension.
type Dimension struct {
	Name  string
	Value string
}

// alarmRequest holds the input members of every alarm operation modelled.
type alarmRequest struct {
	MetricAlarm
	ActionsEnabled *bool
	Metrics        []any // metric math; not modelled

	AlarmNames      []string
	AlarmNamePrefix string
	AlarmTypes      []string
	ActionPrefix    string
	MaxRecords      int32
	NextToken       string
}

// States are the alarm states, as StateValue spells them.
var States = []string{"OK", "ALARM", "INSUFFICIENT_DATA"}

var comparisonOperators = []string{
	"GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold", "LessThanOrEqualToThreshold",
	"LessThanLowerOrGreaterThanUpperThreshold", "LessThanLowerThreshold", "GreaterThanUpperThreshold",
}

var statistics = []string{"SampleCount", "Average", "Sum", "Minimum", "Maximum"}

func errInvalidParameterValue(format string, args ...any) error {
	return emu.BadRequest("InvalidParameterValue", format, args...)
}

func (m *Alarms) put(s emu.Scope, in *alarmRequest) (any, error) {
	a := in.MetricAlarm
	switch {
	case a.AlarmName == "" || len(a.AlarmName) > 255:
		return nil, errInvalidParameterValue("AlarmName must be 1 to 255 characters.")
	case len(in.Metrics) > 0:
		return nil, errInvalidParameterValue("awsemu does not model metric math alarms (Metrics).")
	case a.MetricName == "" || a.Namespace == "":
		return nil, emu.BadRequest("InvalidParameterCombination", "MetricName and Namespace are required when Metrics is not specified.")
	case (a.Statistic == "") == (a.ExtendedStatistic == ""):
		return nil, emu.BadRequest("InvalidParameterCombination", "Exactly one of Statistic or ExtendedStatistic must be specified.")
	case a.Statistic != "" && !slices.Contains(statistics, a.Statistic):
		return nil, errInvalidParameterValue("Statistic %q is not one of %s.", a.Statistic, strings.Join(statistics, ", "))
	case !slices.Contains(comparisonOperators, a.ComparisonOperator):
		return nil, errInvalidParameterValue("ComparisonOperator %q is not valid.", a.ComparisonOperator)
	case a.EvaluationPeriods < 1:
		return nil, errInvalidParameterValue("EvaluationPeriods must be at least 1.")
	case a.DatapointsToAlarm > a.EvaluationPeriods:
		return nil, errInvalidParameterValue("DatapointsToAlarm must be at most EvaluationPeriods.")
	}
	a.ActionsEnabled = in.ActionsEnabled == nil || *in.ActionsEnabled

	m.mu.Lock()
	defer m.mu.Unlock()
	m.store(s, &a)
	return nil, nil
}

// store creates or replaces an alarm; a replaced alarm keeps its state, as
// on AWS. Callers hold m.mu.
func (m *Alarms) store(s emu.Scope, a *MetricAlarm) {
	now := m.now().Truncate(time.Millisecond)
	a.AlarmArn = fmt.Sprintf("arn:aws:cloudwatch:%s:%s:alarm:%s", s.Region, s.Account, a.AlarmName)
	a.AlarmConfigurationUpdatedTimestamp = now
	region := m.region(s)
	if old := region[a.AlarmName]; old != nil {
		a.StateValue, a.StateReason = old.StateValue, old.StateReason
		a.StateUpdatedTimestamp, a.StateTransitionedTimestamp = old.StateUpdatedTimestamp, old.StateTransitionedTimestamp
	} else {
		a.StateValue, a.StateReason = "INSUFFICIENT_DATA", "Unchecked: Initial alarm creation"
		a.StateUpdatedTimestamp, a.StateTransitionedTimestamp = now, now
	}
	region[a.AlarmName] = a
}

// region returns the alarms of k, creating the map on first use. Callers
// hold m.mu.
func (m *Alarms) region(k emu.Scope) map[string]*MetricAlarm {
	r := m.regions[k]
	if r == nil {
		r = map[string]*MetricAlarm{}
		m.regions[k] = r
	}
	return r
}

// sorted returns copies of the caller's alarms that keep, by name. Callers
// hold m.mu.
func (m *Alarms) sorted(s emu.Scope, keep func(*MetricAlarm) bool) []MetricAlarm {
	out := []MetricAlarm{}
	for _, a := range m.region(s) {
		if keep(a) {
			out = append(out, *a)
		}
	}
	slices.SortFunc(out, func(a, b MetricAlarm) int { return strings.Compare(a.AlarmName, b.AlarmName) })
	return out
}

func (m *Alarms) describe(s emu.Scope, in *alarmRequest) (any, error) {
	switch {
	case len(in.AlarmNames) > 0 && in.AlarmNamePrefix != "":
		return nil, emu.BadRequest("InvalidParameterCombination", "AlarmNames and AlarmNamePrefix cannot be specified together.")
	case len(in.AlarmNames) > 100:
		return nil, errInvalidParameterValue("AlarmNames must have at most 100 members.")
	case in.StateValue != "" && !slices.Contains(States, in.StateValue):
		return nil, errInvalidParameterValue("StateValue %q is not one of %s.", in.StateValue, strings.Join(States, ", "))
	case in.MaxRecords < 0 || in.MaxRecords > 100:
		return nil, errInvalidParameterValue("MaxRecords must be between 1 and 100.")
	}
	after, err := decodeAlarmToken(in.NextToken)
	if err != nil {
		return nil, err
	}
	// Without AlarmTypes only metric alarms are described; composite alarms
	// are not modelled, so asking for them alone yields none.
	metricAlarms := len(in.AlarmTypes) == 0 || slices.Contains(in.AlarmTypes, "MetricAlarm")

	m.mu.Lock()
	defer m.mu.Unlock()
	found := m.sorted(s, func(a *MetricAlarm) bool {
		return metricAlarms &&
			(len(in.AlarmNames) == 0 || slices.Contains(in.AlarmNames, a.AlarmName)) &&
			strings.HasPrefix(a.AlarmName, in.AlarmNamePrefix) &&
			(in.StateValue == "" || a.StateValue == in.StateValue) &&
			(in.ActionPrefix == "" || slices.ContainsFunc(a.AlarmActions, func(arn string) bool { return strings.HasPrefix(arn, in.ActionPrefix) }))
	})
	limit := int(in.MaxRecords)
	if limit == 0 {
		limit = 50
	}
	page, next := emu.PageByName(found, func(a MetricAlarm) string { return a.AlarmName }, after, limit)
	out := alarmsOutput{MetricAlarms: page}
	if next != "" {
		out.NextToken = base64.RawURLEncoding.EncodeToString([]byte(next))
	}
	return out, nil
}

// decodeAlarmToken reads a DescribeAlarms NextToken: the last alarm name of
// the previous page, encoded so a made-up token is InvalidNextToken.
func decodeAlarmToken(token string) (string, error) {
	if token == "" {
		return "", nil
	}
	name, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(name) == 0 {
		return "", emu.BadRequest("InvalidNextToken", "The service returned an invalid next token.")
	}
	return string(name), nil
}

func (m *Alarms) describeForMetric(s emu.Scope, in *alarmRequest) (any, error) {
	if in.MetricName == "" || in.Namespace == "" {
		return nil, emu.BadRequest("MissingParameter", "MetricName and Namespace are required.")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	found := m.sorted(s, func(a *MetricAlarm) bool {
		return a.MetricName == in.MetricName && a.Namespace == in.Namespace &&
			(in.Statistic == "" || a.Statistic == in.Statistic) &&
			(in.ExtendedStatistic == "" || a.ExtendedStatistic == in.ExtendedStatistic) &&
			(in.Period == 0 || a.Period == in.Period) &&
			(in.Unit == "" || a.Unit == in.Unit) &&
			(len(in.Dimensions) == 0 || sameDimensions(a.Dimensions, in.Dimensions))
	})
	return alarmsOutput{MetricAlarms: found}, nil
}

// sameDimensions compares dimension sets, in any order.
func sameDimensions(a, b []Dimension) bool {
	cmp := func(x, y Dimension) int { return strings.Compare(x.Name+"\x00"+x.Value, y.Name+"\x00"+y.Value) }
	a, b = slices.Clone(a), slices.Clone(b)
	slices.SortFunc(a, cmp)
	slices.SortFunc(b, cmp)
	return slices.Equal(a, b)
}

// delete removes the named alarms, or none of them if one does not exist.
func (m *Alarms) delete(s emu.Scope, in *alarmRequest) (any, error) {
	if len(in.AlarmNames) == 0 || len(in.AlarmNames) > 100 {
		return nil, errInvalidParameterValue("AlarmNames must have 1 to 100 members.")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	region := m.region(s)
	for _, name := range in.AlarmNames {
		if region[name] == nil {
			return nil, emu.NewError(http.StatusNotFound, "ResourceNotFound", "%s does not exist.", name)
		}
	}
	for _, name := range in.AlarmNames {
		delete(region, name)
	}
	return nil, nil
}

func (m *Alarms) setAlarmState(s emu.Scope, in *alarmRequest) (any, error) {
	return nil, m.SetState(s, in.AlarmName, in.StateValue, in.StateReason)
}

// SetState moves an alarm to state until its (unmodelled) next evaluation,
// as SetAlarmState does.
func (m *Alarms) SetState(s emu.Scope, name, state, reason string) error {
	if !slices.Contains(States, state) {
		return errInvalidParameterValue("StateValue %q is not one of %s.", state, strings.Join(States, ", "))
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	a := m.region(s)[name]
	if a == nil {
		return emu.NewError(http.StatusNotFound, "ResourceNotFound", "Alarm %s not found", name)
	}
	now := m.now().Truncate(time.Millisecond)
	if a.StateValue != state {
		a.StateTransitionedTimestamp = now
	}
	a.StateValue, a.StateReason, a.StateUpdatedTimestamp = state, reason, now
	return nil
}
