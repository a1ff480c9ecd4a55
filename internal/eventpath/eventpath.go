// Package eventpath reads the path a root event takes to an alert, up to
// the rule that matches it: the Regions enabled in the account (where root
// activity can happen), the trails that record it, and the EventBridge
// rules that match it, as EventBridge itself tests them. `alert status`
// (package alertstatus) and the audit's alerting checks (package audit)
// judge the same reads; it needs only the CloudTrail, EventBridge and
// Account clients, so the scheduled auditor links no more than that.
package eventpath

import (
	"context"
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
)

// rootConsoleLogin is a root ConsoleLogin event as EventBridge delivers it
// in us-east-1; ACCOUNT_ID is replaced by the account.
//
//go:embed testdata/root-console-login.json
var rootConsoleLogin string

// SampleRootSignIn is a realistic root ConsoleLogin event of account, as
// CloudTrail delivers it to EventBridge.
func SampleRootSignIn(account string) string {
	return strings.ReplaceAll(rootConsoleLogin, "ACCOUNT_ID", account)
}

// EventsAPI is the EventBridge surface the rule evaluation reads.
type EventsAPI interface {
	ListRules(ctx context.Context, in *eventbridge.ListRulesInput, optFns ...func(*eventbridge.Options)) (*eventbridge.ListRulesOutput, error)
	TestEventPattern(ctx context.Context, in *eventbridge.TestEventPatternInput, optFns ...func(*eventbridge.Options)) (*eventbridge.TestEventPatternOutput, error)
	ListTargetsByRule(ctx context.Context, in *eventbridge.ListTargetsByRuleInput, optFns ...func(*eventbridge.Options)) (*eventbridge.ListTargetsByRuleOutput, error)
}

// TrailsAPI is the CloudTrail surface the trail evaluation reads.
type TrailsAPI interface {
	DescribeTrails(ctx context.Context, in *cloudtrail.DescribeTrailsInput, optFns ...func(*cloudtrail.Options)) (*cloudtrail.DescribeTrailsOutput, error)
	GetTrailStatus(ctx context.Context, in *cloudtrail.GetTrailStatusInput, optFns ...func(*cloudtrail.Options)) (*cloudtrail.GetTrailStatusOutput, error)
	GetEventSelectors(ctx context.Context, in *cloudtrail.GetEventSelectorsInput, optFns ...func(*cloudtrail.Options)) (*cloudtrail.GetEventSelectorsOutput, error)
}

var (
	_ EventsAPI = (*eventbridge.Client)(nil)
	_ TrailsAPI = (*cloudtrail.Client)(nil)
)

// Rule is an enabled rule on the default bus in us-east-1 whose pattern
// matches a root ConsoleLogin, as EventBridge itself tests it.
type Rule struct {
	Name       string
	ARN        string
	Targets    int // 0 or 1: counting stops at the first target
	TargetsErr error
}

// RootRules finds the enabled rules whose pattern matches a root sign-in of
// the account (accountID may block until the caller is identified).
func RootRules(ctx context.Context, api EventsAPI, accountID func() (string, bool)) ([]Rule, error) {
	var candidates []ebtypes.Rule
	// Root sign-in events arrive on the default bus only.
	var token *string
	for {
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
	if len(candidates) == 0 {
		return nil, nil
	}
	account, ok := accountID()
	if !ok {
		return nil, fmt.Errorf("test EventBridge rule patterns: caller not identified")
	}
	event := SampleRootSignIn(account)
	matched := make([]*Rule, len(candidates))
	errs := make([]error, len(candidates))
	var wg sync.WaitGroup
	for i, r := range candidates {
		wg.Go(func() {
			out, err := api.TestEventPattern(ctx, &eventbridge.TestEventPatternInput{EventPattern: r.EventPattern, Event: aws.String(event)})
			if err != nil {
				errs[i] = fmt.Errorf("test pattern of rule %s: %w", aws.ToString(r.Name), err)
				return
			}
			if !out.Result {
				return
			}
			rule := &Rule{Name: aws.ToString(r.Name), ARN: aws.ToString(r.Arn)}
			rule.Targets, rule.TargetsErr = CountTargets(ctx, api, r.Name)
			matched[i] = rule
		})
	}
	wg.Wait()
	var rules []Rule
	for i, r := range matched {
		if errs[i] != nil {
			return nil, errs[i]
		}
		if r != nil {
			rules = append(rules, *r)
		}
	}
	return rules, nil
}

// CountTargets counts a rule's targets, up to the first page that has any:
// 0 means none, more means at least that many.
func CountTargets(ctx context.Context, api EventsAPI, rule *string) (int, error) {
	n := 0
	var token *string
	for {
		page, err := api.ListTargetsByRule(ctx, &eventbridge.ListTargetsByRuleInput{Rule: rule, NextToken: token})
		if err != nil {
			return 0, fmt.Errorf("list targets of rule %s: %w", aws.ToString(rule), err)
		}
		n += len(page.Targets)
		if token = page.NextToken; token == nil || n > 0 {
			return n, nil
		}
	}
}

// Trail is a trail whose events reach us-east-1.
type Trail struct {
	Name        string
	ARN         string
	HomeRegion  string
	MultiRegion bool
	LogGroupARN string

	Logging      bool
	StatusErr    error
	LogsSignIn   bool // event selectors log management write events from signin.amazonaws.com
	LogsAPICalls bool // event selectors log a regional management write API call (s3:PutBucketPolicy)
	SelectorsErr error
}

// Trails lists the trails whose events reach home, the partition's home
// Region (multi-region, or homed there; shadow trails included) with each
// one's status and whether its selectors log ConsoleLogin, read
// concurrently. api is CloudTrail in home.
func Trails(ctx context.Context, api TrailsAPI, home string) ([]Trail, error) {
	return TrailsThen(ctx, api, home, nil)
}

// TrailsThen is Trails that also calls then, concurrently, with each trail
// as DescribeTrails lists it (name, ARN, log group; no status yet), as soon
// as the listing is in: work that needs only the listing — the audit's
// reads of a trail's log group — does not wait a round trip for the status
// and selectors. Every call of then has returned when TrailsThen does.
func TrailsThen(ctx context.Context, api TrailsAPI, home string, then func(i int, listed Trail)) ([]Trail, error) {
	return readTrails(ctx, api, home, func(multi bool, homeRegion string) bool { return multi || homeRegion == home }, then)
}

// TrailsHomedIn lists the trails homed in region (api is CloudTrail
// there), with each one's status and selectors: the trails recording the
// Region beside the multi-Region trails, which Trails in the home Region
// already lists (a multi-Region trail's shadow copies are the same trail).
func TrailsHomedIn(ctx context.Context, api TrailsAPI, region string) ([]Trail, error) {
	return readTrails(ctx, api, region, func(_ bool, homeRegion string) bool { return homeRegion == region }, nil)
}

// readTrails lists the trails DescribeTrails(includeShadowTrails) shows in
// region that keep admits, then reads each one's status and selectors.
func readTrails(ctx context.Context, api TrailsAPI, region string, keep func(multi bool, homeRegion string) bool, then func(i int, listed Trail)) ([]Trail, error) {
	out, err := api.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{IncludeShadowTrails: aws.Bool(true)})
	if err != nil {
		return nil, fmt.Errorf("describe trails in %s: %w", region, err)
	}
	var trails []Trail
	for _, t := range out.TrailList {
		multi := aws.ToBool(t.IsMultiRegionTrail)
		if !keep(multi, aws.ToString(t.HomeRegion)) {
			continue
		}
		trails = append(trails, Trail{
			Name: aws.ToString(t.Name), ARN: aws.ToString(t.TrailARN), HomeRegion: aws.ToString(t.HomeRegion),
			MultiRegion: multi, LogGroupARN: aws.ToString(t.CloudWatchLogsLogGroupArn),
		})
	}
	var wg sync.WaitGroup
	for i := range trails {
		t := &trails[i]
		if then != nil {
			listed := *t
			wg.Go(func() { then(i, listed) })
		}
		// A shadow trail is named by its ARN.
		wg.Go(func() {
			st, err := api.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String(t.ARN)})
			if err != nil {
				t.StatusErr = fmt.Errorf("read status of trail %s: %w", t.Name, err)
				return
			}
			t.Logging = aws.ToBool(st.IsLogging)
		})
		wg.Go(func() {
			sel, err := api.GetEventSelectors(ctx, &cloudtrail.GetEventSelectorsInput{TrailName: aws.String(t.ARN)})
			if err != nil {
				t.SelectorsErr = fmt.Errorf("read event selectors of trail %s: %w", t.Name, err)
				return
			}
			t.LogsSignIn = logsSignInEvents(sel)
			t.LogsAPICalls = logsManagementEvent(sel, apiCallFields)
		})
	}
	wg.Wait()
	return trails, nil
}

// RecordsAPICalls reports whether the trail records a regional root API
// call now (in the Regions it covers).
func (t Trail) RecordsAPICalls() bool {
	return t.StatusErr == nil && t.SelectorsErr == nil && t.Logging && t.LogsAPICalls
}

// Records reports whether the trail records root sign-ins now.
func (t Trail) Records() bool {
	return t.StatusErr == nil && t.SelectorsErr == nil && t.Logging && t.LogsSignIn
}

// signInFields and apiCallFields are the advanced-selector fields of a root
// ConsoleLogin and of a regional management write call (the root API call
// the audit's root-activity-alerting check tests rules with).
var (
	signInFields  = map[string]string{"eventCategory": "Management", "readOnly": "false", "eventSource": "signin.amazonaws.com", "eventName": "ConsoleLogin", "eventType": "AwsConsoleSignIn"}
	apiCallFields = map[string]string{"eventCategory": "Management", "readOnly": "false", "eventSource": "s3.amazonaws.com", "eventName": "PutBucketPolicy", "eventType": "AwsApiCall"}
)

// logsSignInEvents reports whether a trail's selectors log ConsoleLogin: a
// management event, recorded as a write (readOnly false), from
// signin.amazonaws.com.
func logsSignInEvents(sel *cloudtrail.GetEventSelectorsOutput) bool {
	return logsManagementEvent(sel, signInFields)
}

// logsManagementEvent reports whether a trail's selectors log the
// management write event with the given advanced-selector fields.
func logsManagementEvent(sel *cloudtrail.GetEventSelectorsOutput, values map[string]string) bool {
	for _, s := range sel.EventSelectors {
		if aws.ToBool(s.IncludeManagementEvents) && s.ReadWriteType != cttypes.ReadWriteTypeReadOnly &&
			!slices.Contains(s.ExcludeManagementEventSources, values["eventSource"]) {
			return true
		}
	}
	for _, s := range sel.AdvancedEventSelectors {
		if advancedSelectorLogs(s.FieldSelectors, values) {
			return true
		}
	}
	return false
}

func advancedSelectorLogs(fields []cttypes.AdvancedFieldSelector, values map[string]string) bool {
	management := false
	for _, f := range fields {
		field := aws.ToString(f.Field)
		v, known := values[field]
		if !known {
			continue
		}
		if !fieldMatches(f, v) {
			return false
		}
		if field == "eventCategory" {
			management = true
		}
	}
	return management
}

// fieldMatches applies one advanced field selector (all its conditions are
// ANDed) to a value.
func fieldMatches(f cttypes.AdvancedFieldSelector, v string) bool {
	if len(f.Equals) > 0 && !slices.Contains(f.Equals, v) {
		return false
	}
	if slices.Contains(f.NotEquals, v) {
		return false
	}
	if len(f.StartsWith) > 0 && !slices.ContainsFunc(f.StartsWith, func(p string) bool { return strings.HasPrefix(v, p) }) {
		return false
	}
	if slices.ContainsFunc(f.NotStartsWith, func(p string) bool { return strings.HasPrefix(v, p) }) {
		return false
	}
	if len(f.EndsWith) > 0 && !slices.ContainsFunc(f.EndsWith, func(p string) bool { return strings.HasSuffix(v, p) }) {
		return false
	}
	return !slices.ContainsFunc(f.NotEndsWith, func(p string) bool { return strings.HasSuffix(v, p) })
}
