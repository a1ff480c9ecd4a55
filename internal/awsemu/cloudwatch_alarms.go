package awsemu

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rootguard/rootguard/internal/awsemu/wire"
)

// alarms is the CloudWatch metric alarms of every account and region. kumo
// keeps one process-wide set, so the front answers the alarm operations;
// metric data (PutMetricData, GetMetricData) still goes to kumo.
type alarms struct {
	mu      sync.Mutex
	regions map[regionKey]map[string]*metricAlarm // by alarm name
	now     func() time.Time
}

// alarmModels maps each Server to its alarms, for the seeding helpers.
var alarmModels sync.Map // *Server → *alarms

func init() {
	addRoutes(func(s *Server) {
		m := &alarms{regions: map[regionKey]map[string]*metricAlarm{}, now: s.now}
		alarmModels.Store(s, m)
		go func() {
			<-s.Done()
			alarmModels.Delete(s)
		}()
		for action, h := range map[string]func(caller, *alarmRequest) (any, error){
			"PutMetricAlarm":          m.put,
			"DescribeAlarms":          m.describe,
			"DescribeAlarmsForMetric": m.describeForMetric,
			"DeleteAlarms":            m.delete,
			"SetAlarmState":           m.setAlarmState,
		} {
			s.handle("monitoring", action, alarmHandler(h))
		}
	})
}

func (s *Server) alarms() (*alarms, error) {
	m, ok := alarmModels.Load(s)
	if !ok {
		return nil, fmt.Errorf("awsemu: server is closed")
	}
	return m.(*alarms), nil
}

// alarmHandler decodes an RPC v2 CBOR request for h. The Query form of these
// actions is not modelled: it is refused rather than sent to kumo, whose
// single-account alarms would contradict the front's.
func alarmHandler(h func(caller, *alarmRequest) (any, error)) Handler {
	return func(c *Call) error {
		if c.protocol != wire.CBOR {
			return newAPIError(http.StatusBadRequest, "InvalidAction",
				"awsemu answers %s in the RPC v2 CBOR protocol only (aws-sdk-go-v2 service/cloudwatch)", c.Action)
		}
		var in alarmRequest
		if err := wire.DecodeCBOR(c.Body, &in); err != nil {
			return err
		}
		out, err := h(callerOf(c), &in)
		if err != nil {
			return err
		}
		return c.Result(out)
	}
}

// metricAlarm is a MetricAlarm as DescribeAlarms returns it; the field names
// are the wire names.
type metricAlarm struct {
	AlarmName                          string
	AlarmArn                           string
	AlarmDescription                   string `cbor:",omitempty"`
	AlarmConfigurationUpdatedTimestamp time.Time
	ActionsEnabled                     bool
	OKActions                          []string
	AlarmActions                       []string
	InsufficientDataActions            []string
	StateValue                         string
	StateReason                        string
	StateUpdatedTimestamp              time.Time
	StateTransitionedTimestamp         time.Time
	MetricName                         string
	Namespace                          string
	Statistic                          string      `cbor:",omitempty"`
	ExtendedStatistic                  string      `cbor:",omitempty"`
	Dimensions                         []dimension `cbor:",omitempty"`
	Period                             int32       `cbor:",omitempty"`
	Unit                               string      `cbor:",omitempty"`
	EvaluationPeriods                  int32
	DatapointsToAlarm                  int32 `cbor:",omitempty"`
	Threshold                          float64
	ComparisonOperator                 string
	TreatMissingData                   string `cbor:",omitempty"`
}

type dimension struct {
	Name  string
	Value string
}

// alarmRequest holds the input members of every alarm operation modelled.
type alarmRequest struct {
	metricAlarm
	ActionsEnabled *bool
	Metrics        []any // metric math; not modelled

	AlarmNames      []string
	AlarmNamePrefix string
	AlarmTypes      []string
	ActionPrefix    string
	MaxRecords      int32
	NextToken       string
}

// Alarm states, as StateValue spells them.
var alarmStates = []string{"OK", "ALARM", "INSUFFICIENT_DATA"}

var comparisonOperators = []string{
	"GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold", "LessThanOrEqualToThreshold",
	"LessThanLowerOrGreaterThanUpperThreshold", "LessThanLowerThreshold", "GreaterThanUpperThreshold",
}

var statistics = []string{"SampleCount", "Average", "Sum", "Minimum", "Maximum"}

func errInvalidParameterValue(format string, args ...any) error {
	return errCode("InvalidParameterValue", format, args...)
}

func (m *alarms) put(c caller, in *alarmRequest) (any, error) {
	a := in.metricAlarm
	switch {
	case a.AlarmName == "" || len(a.AlarmName) > 255:
		return nil, errInvalidParameterValue("AlarmName must be 1 to 255 characters.")
	case len(in.Metrics) > 0:
		return nil, errInvalidParameterValue("awsemu does not model metric math alarms (Metrics).")
	case a.MetricName == "" || a.Namespace == "":
		return nil, errCode("InvalidParameterCombination", "MetricName and Namespace are required when Metrics is not specified.")
	case (a.Statistic == "") == (a.ExtendedStatistic == ""):
		return nil, errCode("InvalidParameterCombination", "Exactly one of Statistic or ExtendedStatistic must be specified.")
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
	m.store(c, &a)
	return nil, nil
}

// store creates or replaces an alarm; a replaced alarm keeps its state, as
// on AWS. Callers hold m.mu.
func (m *alarms) store(c caller, a *metricAlarm) {
	now := m.now().Truncate(time.Millisecond)
	a.AlarmArn = fmt.Sprintf("arn:aws:cloudwatch:%s:%s:alarm:%s", c.region, c.account, a.AlarmName)
	a.AlarmConfigurationUpdatedTimestamp = now
	region := m.region(c.key())
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
func (m *alarms) region(k regionKey) map[string]*metricAlarm {
	r := m.regions[k]
	if r == nil {
		r = map[string]*metricAlarm{}
		m.regions[k] = r
	}
	return r
}

// sorted returns copies of the caller's alarms that keep, by name. Callers
// hold m.mu.
func (m *alarms) sorted(c caller, keep func(*metricAlarm) bool) []metricAlarm {
	out := []metricAlarm{}
	for _, a := range m.region(c.key()) {
		if keep(a) {
			out = append(out, *a)
		}
	}
	slices.SortFunc(out, func(a, b metricAlarm) int { return strings.Compare(a.AlarmName, b.AlarmName) })
	return out
}

func (m *alarms) describe(c caller, in *alarmRequest) (any, error) {
	switch {
	case len(in.AlarmNames) > 0 && in.AlarmNamePrefix != "":
		return nil, errCode("InvalidParameterCombination", "AlarmNames and AlarmNamePrefix cannot be specified together.")
	case len(in.AlarmNames) > 100:
		return nil, errInvalidParameterValue("AlarmNames must have at most 100 members.")
	case in.StateValue != "" && !slices.Contains(alarmStates, in.StateValue):
		return nil, errInvalidParameterValue("StateValue %q is not one of %s.", in.StateValue, strings.Join(alarmStates, ", "))
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
	found := m.sorted(c, func(a *metricAlarm) bool {
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
	page, next := paginateByName(found, func(a metricAlarm) string { return a.AlarmName }, after, limit)
	out := map[string]any{"MetricAlarms": page, "CompositeAlarms": []any{}}
	if next != "" {
		out["NextToken"] = base64.RawURLEncoding.EncodeToString([]byte(next))
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
		return "", errCode("InvalidNextToken", "The service returned an invalid next token.")
	}
	return string(name), nil
}

func (m *alarms) describeForMetric(c caller, in *alarmRequest) (any, error) {
	if in.MetricName == "" || in.Namespace == "" {
		return nil, errCode("MissingParameter", "MetricName and Namespace are required.")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	found := m.sorted(c, func(a *metricAlarm) bool {
		return a.MetricName == in.MetricName && a.Namespace == in.Namespace &&
			(in.Statistic == "" || a.Statistic == in.Statistic) &&
			(in.ExtendedStatistic == "" || a.ExtendedStatistic == in.ExtendedStatistic) &&
			(in.Period == 0 || a.Period == in.Period) &&
			(in.Unit == "" || a.Unit == in.Unit) &&
			(len(in.Dimensions) == 0 || sameDimensions(a.Dimensions, in.Dimensions))
	})
	return map[string]any{"MetricAlarms": found}, nil
}

// sameDimensions compares dimension sets, in any order.
func sameDimensions(a, b []dimension) bool {
	cmp := func(x, y dimension) int { return strings.Compare(x.Name+"\x00"+x.Value, y.Name+"\x00"+y.Value) }
	a, b = slices.Clone(a), slices.Clone(b)
	slices.SortFunc(a, cmp)
	slices.SortFunc(b, cmp)
	return slices.Equal(a, b)
}

// delete removes the named alarms, or none of them if one does not exist.
func (m *alarms) delete(c caller, in *alarmRequest) (any, error) {
	if len(in.AlarmNames) == 0 || len(in.AlarmNames) > 100 {
		return nil, errInvalidParameterValue("AlarmNames must have 1 to 100 members.")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	region := m.region(c.key())
	for _, name := range in.AlarmNames {
		if region[name] == nil {
			return nil, pipelineError(http.StatusNotFound, "ResourceNotFound", "%s does not exist.", name)
		}
	}
	for _, name := range in.AlarmNames {
		delete(region, name)
	}
	return nil, nil
}

func (m *alarms) setAlarmState(c caller, in *alarmRequest) (any, error) {
	return nil, m.setState(c, in.AlarmName, in.StateValue, in.StateReason)
}

// setState moves an alarm to state until its (unmodelled) next evaluation,
// as SetAlarmState does.
func (m *alarms) setState(c caller, name, state, reason string) error {
	if !slices.Contains(alarmStates, state) {
		return errInvalidParameterValue("StateValue %q is not one of %s.", state, strings.Join(alarmStates, ", "))
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	a := m.region(c.key())[name]
	if a == nil {
		return pipelineError(http.StatusNotFound, "ResourceNotFound", "Alarm %s not found", name)
	}
	now := m.now().Truncate(time.Millisecond)
	if a.StateValue != state {
		a.StateTransitionedTimestamp = now
	}
	a.StateValue, a.StateReason, a.StateUpdatedTimestamp = state, reason, now
	return nil
}
