package awsemu

import (
	"fmt"

	"github.com/rootguard/rootguard/internal/awsemu/cloudtrail"
	"github.com/rootguard/rootguard/internal/awsemu/events"
	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

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
