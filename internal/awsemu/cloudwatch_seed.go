package awsemu

import (
	"fmt"
	"slices"
)

// Alarm seeds a CloudWatch metric alarm (AddAlarm). Zero values get the
// CIS 4.3 alarm's settings: Sum over 300 seconds, one evaluation period,
// GreaterThanOrEqualToThreshold 1, actions enabled, state INSUFFICIENT_DATA.
type Alarm struct {
	Region, Name, MetricName, Namespace string
	AlarmActions                        []string
	ActionsDisabled                     bool
	// State is OK, ALARM or INSUFFICIENT_DATA.
	State string
}

// AddAlarm adds (or replaces) a metric alarm in the account, as
// PutMetricAlarm would.
func (a *Account) AddAlarm(spec Alarm) error {
	m, err := a.server.alarms()
	if err != nil {
		return err
	}
	if spec.State != "" && !slices.Contains(alarmStates, spec.State) {
		return fmt.Errorf("add alarm %s to %s: state %q is not one of %v", spec.Name, a.ID, spec.State, alarmStates)
	}
	enabled := !spec.ActionsDisabled
	in := &alarmRequest{ActionsEnabled: &enabled, metricAlarm: metricAlarm{
		AlarmName: spec.Name, MetricName: spec.MetricName, Namespace: spec.Namespace, AlarmActions: spec.AlarmActions,
		Statistic: "Sum", Period: 300, EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: "GreaterThanOrEqualToThreshold",
	}}
	c := caller{account: a.ID, region: spec.Region}
	if _, err := m.put(c, in); err != nil {
		return fmt.Errorf("add alarm %s to %s: %w", spec.Name, a.ID, err)
	}
	if spec.State == "" {
		return nil
	}
	if err := m.setState(c, spec.Name, spec.State, "Seeded by awsemu"); err != nil {
		return fmt.Errorf("add alarm %s to %s: %w", spec.Name, a.ID, err)
	}
	return nil
}
