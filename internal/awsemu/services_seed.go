package awsemu

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/rootguard/rootguard/internal/awsemu/cloudtrail"
	"github.com/rootguard/rootguard/internal/awsemu/cloudwatch"
	"github.com/rootguard/rootguard/internal/awsemu/events"
	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
	"github.com/rootguard/rootguard/internal/awsemu/logs"
)

// The seeding helpers of the services in packages of their own (AddAlarm,
// AddLogGroup, AddMetricFilter, AddTrail, AddRule, the Regions) and
// EmitServiceEvent: each goes through the Server's model of its service
// (services.go), as the service's own API would.

// Trail seeds a CloudTrail trail (AddTrail).
type Trail struct {
	Name, Region, S3BucketName, CloudWatchLogsLogGroupArn string
	MultiRegion, Logging                                  bool
	// Organization: an organization trail, applying to every member of the
	// account's organization (the account is its management account or
	// CloudTrail's delegated administrator).
	Organization bool
	// EventSelectors is the classic selectors JSON; empty means all
	// management events, as for a new trail.
	EventSelectors string
}

// Rule seeds an EventBridge rule on the default bus with its targets
// (target ID → ARN).
type Rule struct {
	Name, Region, EventPattern string
	Disabled                   bool
	Targets                    map[string]string
}

// AddTrail adds a trail to the account, as CreateTrail (+ StartLogging,
// + PutEventSelectors) would.
func (a *Account) AddTrail(spec Trail) error {
	svc, err := a.server.services()
	if err != nil {
		return err
	}

	seed := cloudtrail.Seed{Name: spec.Name, S3BucketName: spec.S3BucketName, CloudWatchLogsLogGroupArn: spec.CloudWatchLogsLogGroupArn,
		MultiRegion: spec.MultiRegion, Logging: spec.Logging, EventSelectors: spec.EventSelectors, Organization: spec.Organization}
	if err := svc.trails.Add(emu.Scope{Account: a.ID, Region: spec.Region}, seed); err != nil {
		return fmt.Errorf("add trail %s to %s: %w", spec.Name, a.ID, err)
	}

	return nil
}

// AddRule adds a rule and its targets to the account, as PutRule and
// PutTargets would.
func (a *Account) AddRule(spec Rule) error {
	svc, err := a.server.services()
	if err != nil {
		return err
	}

	s := emu.Scope{Account: a.ID, Region: spec.Region}
	if err := svc.events.PutRule(s, events.RuleSeed{Name: spec.Name, EventPattern: spec.EventPattern, Disabled: spec.Disabled}); err != nil {
		return fmt.Errorf("add rule %s to %s: %w", spec.Name, a.ID, err)
	}

	if err := svc.events.PutTargets(s, spec.Name, spec.Targets); err != nil {
		return fmt.Errorf("add targets of rule %s to %s: %w", spec.Name, a.ID, err)
	}

	return nil
}

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

// SetRegions replaces the Regions that exist in the emulated partition:
// byDefault are enabled in every account, optIn start disabled. Tests use
// a smaller world than AWS's (regionopt.DefaultRegions, OptInRegions).
func (s *Server) SetRegions(byDefault, optIn []string) error {
	svc, err := s.services()
	if err != nil {
		return err
	}
	svc.regions.SetTable(byDefault, optIn)
	return nil
}

// EnableRegion opts the account into an opt-in Region, as the Account
// Management API's EnableRegion does (immediately, where AWS takes a while).
func (a *Account) EnableRegion(region string) error {
	svc, err := a.server.services()
	if err != nil {
		return err
	}
	return svc.regions.Enable(a.ID, region)
}

// EnabledRegions are the Regions enabled in the account.
func (a *Account) EnabledRegions() ([]string, error) {
	svc, err := a.server.services()
	if err != nil {
		return nil, err
	}
	return svc.regions.EnabledRegions(a.ID), nil
}

// apiCallDetailType is the detail-type of CloudTrail's API call events.
const apiCallDetailType = "AWS API Call via CloudTrail"

// ErrNotRecorded: no logging trail records the API call, so CloudTrail
// puts no event on the bus.
var ErrNotRecorded = errors.New("no logging trail records API calls there")

// ServiceEvent is an event an AWS service puts on an account's default bus.
type ServiceEvent struct {
	Account, Region    string
	Source, DetailType string    // e.g. aws.signin, "AWS Console Sign In via CloudTrail"
	Time               time.Time // zero: the Server's clock
	Detail             []byte    // the CloudTrail record
}

// EmitServiceEvent puts ev on the default bus of its account and region
// the way an AWS service does — CloudTrail delivering a root sign-in
// record — which PutEvents refuses to callers (aws.* sources are AWS's).
// It returns the event ID. The demo and tests use it to stand in for
// CloudTrail.
//
// An API call is delivered only where a logging trail records management
// events — the account's own, or an organization trail that applies to it:
// "To record events with a detail-type value of AWS API Call via
// CloudTrail, a CloudTrail trail with logging enabled is required"
// (EventBridge User Guide, "AWS service events delivered via AWS
// CloudTrail"). Without one it returns ErrNotRecorded and delivers nothing.
func (s *Server) EmitServiceEvent(ev ServiceEvent) (string, error) {
	if !json.Valid(ev.Detail) {
		return "", fmt.Errorf("emit %s event: detail is not JSON", ev.Source)
	}
	svc, err := s.services()
	if err != nil {
		return "", err
	}
	if ev.DetailType == apiCallDetailType && !svc.trails.Records(ev.Account, ev.Region) {
		return "", fmt.Errorf("%w: account %s, %s", ErrNotRecorded, ev.Account, ev.Region)
	}
	at := ev.Time
	if at.IsZero() {
		at = s.now()
	}
	return svc.events.Emit(emu.Scope{Account: ev.Account, Region: ev.Region}, ev.Source, ev.DetailType, at, ev.Detail), nil
}
