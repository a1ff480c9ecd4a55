package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/eventpath"
)

// activityState is what the root-activity-alerting check reads: the Regions
// enabled in the account (account:ListRegions) and, in each, the trails
// that record it and the rules that match a root API call made there.
//
// A root API call is delivered to EventBridge in the Region where it is
// made, and only when a logging trail records it ("To record events with a
// detail-type value of AWS API Call via CloudTrail, a CloudTrail trail with
// logging enabled is required": EventBridge User Guide,
// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html);
// a rule can target another Region's event bus, where a rule with a target
// must then match it (EventBridge User Guide,
// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-region.html).
type activityState struct {
	home       string   // the partition's home Region, where forwarders send
	hubBus     string   // the home Region's default bus of the account
	regions    []string // enabled Regions (ENABLED or ENABLED_BY_DEFAULT), sorted
	regionsErr error
	in         map[string]*regionActivity // by Region
}

// regionActivity is one Region's half of the pipeline.
type regionActivity struct {
	// trails are those homed in the Region; in the home Region, also every
	// multi-Region trail (which records every Region).
	trails    []eventpath.Trail
	trailsErr error
	// rules are the enabled default-bus rules there whose pattern matches
	// a root API call made in the Region, as EventBridge tests it.
	rules    []activityRule
	rulesErr error
	// forwarded (home Region only): by Region, the home rules matching a
	// root API call made in that Region, which a forwarder put on the
	// home Region's bus.
	forwarded map[string][]activityRule
}

// activityRule is a rule and the ARNs of its targets.
type activityRule struct {
	Name       string
	Targets    []string
	TargetsErr error
}

// readActivity reads every enabled Region's trails and rules concurrently.
// partition blocks until the caller is identified (the sample events and
// the home bus name its account and partition).
func readActivity(ctx context.Context, c clients, partition func() (account.Partition, string, bool)) activityState {
	st := activityState{home: c.home, in: map[string]*regionActivity{}}
	st.regions, st.regionsErr = eventpath.EnabledRegions(ctx, c.regions)
	if st.regionsErr != nil {
		return st
	}
	p, acct, ok := partition()
	if !ok {
		st.regionsErr = fmt.Errorf("test EventBridge rule patterns: caller not identified")
		return st
	}
	st.hubBus = p.ARN("events", c.home, acct, "event-bus/default")
	samples := map[string]string{}
	for _, r := range append([]string{c.home}, st.regions...) {
		samples[r] = sampleRootAPICall(p, acct, r)
	}
	var wg sync.WaitGroup
	for _, region := range uniq(append([]string{c.home}, st.regions...)) {
		ra := &regionActivity{}
		st.in[region] = ra
		wg.Go(func() {
			if region == c.home {
				ra.trails, ra.trailsErr = eventpath.Trails(ctx, c.trailsIn(region), region)
				return
			}
			ra.trails, ra.trailsErr = eventpath.TrailsHomedIn(ctx, c.trailsIn(region), region)
		})
		wg.Go(func() {
			events := map[string]string{region: samples[region]}
			if region == c.home {
				events = samples
			}
			matched, err := matchRootAPIRules(ctx, c.eventsIn(region), events)
			if ra.rulesErr = err; err != nil {
				return
			}
			ra.rules = matched[region]
			if region == c.home {
				ra.forwarded = matched
			}
		})
	}
	wg.Wait()
	return st
}

func uniq(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// matchRootAPIRules tests every enabled rule with a pattern on api's default
// bus against each sample event (by Region) and lists the targets of the
// rules that match any. It returns, by Region, the rules matching that
// Region's event.
func matchRootAPIRules(ctx context.Context, api eventsAPI, events map[string]string) (map[string][]activityRule, error) {
	var candidates []ebtypes.Rule
	for token := (*string)(nil); ; {
		page, err := api.ListRules(ctx, &eventbridge.ListRulesInput{NextToken: token})
		if err != nil {
			return nil, fmt.Errorf("list EventBridge rules: %w", err)
		}
		for _, r := range page.Rules {
			enabled := r.State == ebtypes.RuleStateEnabled || r.State == ebtypes.RuleStateEnabledWithAllCloudtrailManagementEvents
			if enabled && aws.ToString(r.EventPattern) != "" {
				candidates = append(candidates, r)
			}
		}
		if token = page.NextToken; token == nil {
			break
		}
	}
	type match struct {
		rule    int
		region  string
		matched bool
		err     error
	}
	var tests []*match
	for i := range candidates {
		for region := range events {
			tests = append(tests, &match{rule: i, region: region})
		}
	}
	// Home rules are tested against every Region's call: bound the calls
	// in flight (a home Region with many rules would otherwise meet
	// EventBridge's request throttling at once).
	sem := make(chan struct{}, maxPatternTests)
	var wg sync.WaitGroup
	for _, m := range tests {
		r := candidates[m.rule]
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			out, err := api.TestEventPattern(ctx, &eventbridge.TestEventPatternInput{EventPattern: r.EventPattern, Event: aws.String(events[m.region])})
			if err != nil {
				m.err = fmt.Errorf("test pattern of rule %s: %w", aws.ToString(r.Name), err)
				return
			}
			m.matched = out.Result
		})
	}
	wg.Wait()
	rules := make([]*activityRule, len(candidates))
	for _, m := range tests {
		if m.err != nil {
			return nil, m.err
		}
		if m.matched && rules[m.rule] == nil {
			rules[m.rule] = &activityRule{Name: aws.ToString(candidates[m.rule].Name)}
		}
	}
	for i, r := range rules {
		if r != nil {
			wg.Go(func() { r.Targets, r.TargetsErr = targetARNs(ctx, api, candidates[i].Name) })
		}
	}
	wg.Wait()
	out := map[string][]activityRule{}
	for _, m := range tests {
		if m.matched {
			out[m.region] = append(out[m.region], *rules[m.rule])
		}
	}
	return out, nil
}

// maxPatternTests bounds one Region's TestEventPattern calls in flight: one
// home rule against each of the 33 commercial Regions fits in one wave.
const maxPatternTests = 40

func targetARNs(ctx context.Context, api eventsAPI, rule *string) ([]string, error) {
	var arns []string
	for token := (*string)(nil); ; {
		page, err := api.ListTargetsByRule(ctx, &eventbridge.ListTargetsByRuleInput{Rule: rule, NextToken: token})
		if err != nil {
			return nil, fmt.Errorf("list targets of rule %s: %w", aws.ToString(rule), err)
		}
		for _, t := range page.Targets {
			arns = append(arns, aws.ToString(t.Arn))
		}
		if token = page.NextToken; token == nil {
			return arns, nil
		}
	}
}

// sampleRootAPICall is a root API call made in region as CloudTrail
// delivers it to EventBridge there: a regional management write event
// (s3:PutBucketPolicy; an IAM call would be a global service event,
// delivered to the home Region whatever Region it was made in).
func sampleRootAPICall(p account.Partition, acct, region string) string {
	ev := map[string]any{
		"version": "0", "id": "0c1a2b3c-4d5e-6f70-8192-a3b4c5d6e7f8",
		"detail-type": "AWS API Call via CloudTrail", "source": "aws.s3",
		"account": acct, "time": "2024-05-01T12:00:00Z", "region": region, "resources": []string{},
		"detail": map[string]any{
			"eventVersion": "1.09",
			"userIdentity": map[string]any{"type": "Root", "principalId": acct, "arn": p.RootARN(acct), "accountId": acct, "accessKeyId": "ASIAEXAMPLEROOTKEY01"},
			"eventTime":    "2024-05-01T12:00:00Z", "eventSource": "s3.amazonaws.com", "eventName": "PutBucketPolicy",
			"awsRegion": region, "sourceIPAddress": "203.0.113.10", "userAgent": "aws-cli/2.15.0",
			"requestParameters": map[string]any{"bucketName": "example-bucket", "Host": "example-bucket.s3." + region + ".amazonaws.com", "policy": ""},
			"responseElements":  nil, "eventID": "5b6c7d8e-9f00-4112-8233-a4b5c6d7e8f9",
			"readOnly": false, "eventType": "AwsApiCall", "managementEvent": true,
			"recipientAccountId": acct, "eventCategory": "Management",
		},
	}
	b, _ := json.Marshal(ev)
	return string(b)
}
