package awsemu

import (
	"fmt"
	"slices"

	"github.com/rootguard/rootguard/internal/awsemu/cloudwatch"
	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
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
	svc, err := a.server.services()
	if err != nil {
		return err
	}
	m := svc.alarms
	if spec.State != "" && !slices.Contains(cloudwatch.States, spec.State) {
		return fmt.Errorf("add alarm %s to %s: state %q is not one of %v", spec.Name, a.ID, spec.State, cloudwatch.States)
	}
	alarm := cloudwatch.MetricAlarm{
		AlarmName: spec.Name, MetricName: spec.MetricName, Namespace: spec.Namespace, AlarmActions: spec.AlarmActions,
		Statistic: "Sum", Period: 300, EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: "GreaterThanOrEqualToThreshold",
	}
	scope := emu.Scope{Account: a.ID, Region: spec.Region}
	if err := m.PutMetricAlarm(scope, alarm, !spec.ActionsDisabled); err != nil {
		return fmt.Errorf("add alarm %s to %s: %w", spec.Name, a.ID, err)
	}
	if spec.State == "" {
		return nil
	}
	if err := m.SetState(scope, spec.Name, spec.State, "Seeded by awsemu"); err != nil {
		return fmt.Errorf("add alarm %s to %s: %w", spec.Name, a.ID, err)
	}
	return nil
}
