package awsemu

import (
	"encoding/json"
	"errors"
	"fmt"
)

// MetricFilter seeds a CloudWatch Logs metric filter (AddMetricFilter).
// Value is the metric value; empty means "1", as for the CIS 4.3 filter.
type MetricFilter struct {
	Region, LogGroup, Name, Pattern, MetricName, Namespace, Value string
}

// AddLogGroup adds a log group to the account, as CreateLogGroup would.
func (a *Account) AddLogGroup(region, name string) error {
	m, err := a.server.logs()
	if err != nil {
		return err
	}
	body, _ := json.Marshal(map[string]string{"logGroupName": name})
	if _, err := m.createLogGroup(caller{account: a.ID, region: region}, body); err != nil {
		return fmt.Errorf("add log group %s to %s: %w", name, a.ID, err)
	}
	return nil
}

// AddMetricFilter adds a metric filter to the account, as PutMetricFilter
// would, creating its log group first if the account has none of that name.
func (a *Account) AddMetricFilter(spec MetricFilter) error {
	m, err := a.server.logs()
	if err != nil {
		return err
	}
	c := caller{account: a.ID, region: spec.Region}
	if spec.Value == "" {
		spec.Value = "1"
	}
	var exists *APIError
	if err := a.AddLogGroup(spec.Region, spec.LogGroup); err != nil && !(errors.As(err, &exists) && exists.Code == "ResourceAlreadyExistsException") {
		return err
	}
	body, _ := json.Marshal(metricFilter{FilterName: spec.Name, FilterPattern: spec.Pattern, LogGroupName: spec.LogGroup,
		MetricTransformations: []metricTransformation{{MetricName: spec.MetricName, MetricNamespace: spec.Namespace, MetricValue: spec.Value}}})
	if _, err := m.putMetricFilter(c, body); err != nil {
		return fmt.Errorf("add metric filter %s to %s: %w", spec.Name, a.ID, err)
	}
	return nil
}
