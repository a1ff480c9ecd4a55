package awsemu

import (
	"encoding/json"
	"fmt"
)

// Trail seeds a CloudTrail trail (AddTrail).
type Trail struct {
	Name, Region, S3BucketName, CloudWatchLogsLogGroupArn string
	MultiRegion, Logging                                  bool
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
	p, err := a.server.pipeline()
	if err != nil {
		return err
	}

	p.mu.Lock()
	defer p.mu.Unlock()

	t := &trail{Name: spec.Name, S3BucketName: spec.S3BucketName, IsMultiRegionTrail: spec.MultiRegion,
		IncludeGlobalServiceEvents: true, CloudWatchLogsLogGroupArn: spec.CloudWatchLogsLogGroupArn, logging: spec.Logging}
	if err := p.addTrail(caller{account: a.ID, region: spec.Region}, t); err != nil {
		return fmt.Errorf("add trail %s to %s: %w", spec.Name, a.ID, err)
	}

	if spec.EventSelectors != "" {
		if !json.Valid([]byte(spec.EventSelectors)) {
			return fmt.Errorf("add trail %s to %s: event selectors are not JSON", spec.Name, a.ID)
		}

		t.selectors, t.HasCustomEventSelectors = json.RawMessage(spec.EventSelectors), true
	}

	return nil
}

// AddRule adds a rule and its targets to the account, as PutRule and
// PutTargets would.
func (a *Account) AddRule(spec Rule) error {
	p, err := a.server.pipeline()
	if err != nil {
		return err
	}

	c := caller{account: a.ID, region: spec.Region}
	state := "ENABLED"
	if spec.Disabled {
		state = "DISABLED"
	}

	rule, _ := json.Marshal(map[string]string{"Name": spec.Name, "EventPattern": spec.EventPattern, "State": state})
	if _, err := p.putRule(c, rule); err != nil {
		return fmt.Errorf("add rule %s to %s: %w", spec.Name, a.ID, err)
	}

	targets := []map[string]string{}
	for id, arn := range spec.Targets {
		targets = append(targets, map[string]string{"Id": id, "Arn": arn})
	}

	body, _ := json.Marshal(map[string]any{"Rule": spec.Name, "Targets": targets})
	if _, err := p.putTargets(c, body); err != nil {
		return fmt.Errorf("add targets of rule %s to %s: %w", spec.Name, a.ID, err)
	}

	return nil
}
