package awsemu

import (
	"errors"
	"fmt"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
	"github.com/rootguard/rootguard/internal/awsemu/logs"
)

// MetricFilter seeds a CloudWatch Logs metric filter (AddMetricFilter).
// Value is the metric value; empty means "1", as for the CIS 4.3 filter.
type MetricFilter struct {
	Region, LogGroup, Name, Pattern, MetricName, Namespace, Value string
}

// AddLogGroup adds a log group to the account, as CreateLogGroup would.
func (a *Account) AddLogGroup(region, name string) error {
	svc, err := a.server.services()
	if err != nil {
		return err
	}
	if err := svc.logs.CreateLogGroup(emu.Scope{Account: a.ID, Region: region}, name); err != nil {
		return fmt.Errorf("add log group %s to %s: %w", name, a.ID, err)
	}
	return nil
}

// AddMetricFilter adds a metric filter to the account, as PutMetricFilter
// would, creating its log group first if the account has none of that name.
func (a *Account) AddMetricFilter(spec MetricFilter) error {
	svc, err := a.server.services()
	if err != nil {
		return err
	}
	if spec.Value == "" {
		spec.Value = "1"
	}
	var exists *APIError
	if err := a.AddLogGroup(spec.Region, spec.LogGroup); err != nil && !(errors.As(err, &exists) && exists.Code == "ResourceAlreadyExistsException") {
		return err
	}
	filter := logs.MetricFilterSeed{LogGroup: spec.LogGroup, Name: spec.Name, Pattern: spec.Pattern,
		MetricName: spec.MetricName, Namespace: spec.Namespace, Value: spec.Value}
	if err := svc.logs.PutMetricFilter(emu.Scope{Account: a.ID, Region: spec.Region}, filter); err != nil {
		return fmt.Errorf("add metric filter %s to %s: %w", spec.Name, a.ID, err)
	}
	return nil
}
