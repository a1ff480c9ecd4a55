package audit

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/rootguard/rootguard/internal/awserr"
)

// rootConsoleLogin is a root ConsoleLogin event as EventBridge delivers it in
// us-east-1; ACCOUNT_ID is replaced by the audited account.
//
//go:embed testdata/events/root-console-login.json
var rootConsoleLogin string

// alertingState is what the root-alerting check reads: the runbook's
// pipeline (EventBridge rule + trail) and the CIS 4.3 alternative (metric
// filter + alarm). It is the input that `alert status` will share.
type alertingState struct {
	rules    []alertRule // enabled rules in us-east-1 whose pattern matches root ConsoleLogin
	rulesErr error

	trails    []alertTrail // trails whose events reach us-east-1
	trailsErr error
}

type alertRule struct {
	Name       string
	ARN        string
	Targets    int
	TargetsErr error
}

type alertTrail struct {
	Name        string
	ARN         string
	HomeRegion  string
	MultiRegion bool
	LogGroupARN string

	Logging      bool
	StatusErr    error
	LogsSignIn   bool // event selectors log management write events from signin.amazonaws.com
	SelectorsErr error

	Filters    []metricAlarmFilter // CIS 4.3 filters on the trail's log group that match root use
	FiltersErr error
}

type metricAlarmFilter struct {
	Name      string
	Alarms    []string // alarms on the filter's metric that have an action
	AlarmsErr error
}

// readAlerting reads both halves concurrently. accountID blocks until the
// caller is identified (the sample event names the account).
func readAlerting(ctx context.Context, c clients, accountID func() (string, bool)) alertingState {
	var st alertingState
	var wg sync.WaitGroup
	wg.Go(func() { st.rules, st.rulesErr = readRootRules(ctx, c.events, accountID) })
	wg.Go(func() { st.trails, st.trailsErr = readTrails(ctx, c, accountID) })
	wg.Wait()
	return st
}

func sampleEvent(account string) string {
	return strings.ReplaceAll(rootConsoleLogin, "ACCOUNT_ID", account)
}

func readRootRules(ctx context.Context, api eventsAPI, accountID func() (string, bool)) ([]alertRule, error) {
	var candidates []ebtypes.Rule
	// Root sign-in events arrive on the default bus only.
	var token *string
	for {
		page, err := api.ListRules(ctx, &eventbridge.ListRulesInput{NextToken: token})
		if err != nil {
			return nil, fmt.Errorf("list EventBridge rules in %s: %w", alertRegion, err)
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
	event := sampleEvent(account)
	matched := make([]*alertRule, len(candidates))
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
			rule := &alertRule{Name: aws.ToString(r.Name), ARN: aws.ToString(r.Arn)}
			rule.Targets, rule.TargetsErr = countTargets(ctx, api, r.Name)
			matched[i] = rule
		})
	}
	wg.Wait()
	var rules []alertRule
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

func countTargets(ctx context.Context, api eventsAPI, rule *string) (int, error) {
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

// readTrails lists the trails whose events reach us-east-1 (multi-region,
// or homed there; shadow trails included) and reads each one's status,
// selectors and CIS 4.3 metric filters concurrently.
func readTrails(ctx context.Context, c clients, accountID func() (string, bool)) ([]alertTrail, error) {
	out, err := c.trails.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{IncludeShadowTrails: aws.Bool(true)})
	if err != nil {
		return nil, fmt.Errorf("describe trails in %s: %w", alertRegion, err)
	}
	var trails []alertTrail
	for _, t := range out.TrailList {
		multi := aws.ToBool(t.IsMultiRegionTrail)
		if !multi && aws.ToString(t.HomeRegion) != alertRegion {
			continue
		}
		trails = append(trails, alertTrail{
			Name: aws.ToString(t.Name), ARN: aws.ToString(t.TrailARN), HomeRegion: aws.ToString(t.HomeRegion),
			MultiRegion: multi, LogGroupARN: aws.ToString(t.CloudWatchLogsLogGroupArn),
		})
	}
	var wg sync.WaitGroup
	for i := range trails {
		t := &trails[i]
		// A shadow trail is named by its ARN.
		wg.Go(func() {
			st, err := c.trails.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String(t.ARN)})
			if err != nil {
				t.StatusErr = fmt.Errorf("read status of trail %s: %w", t.Name, err)
				return
			}
			t.Logging = aws.ToBool(st.IsLogging)
		})
		wg.Go(func() {
			sel, err := c.trails.GetEventSelectors(ctx, &cloudtrail.GetEventSelectorsInput{TrailName: aws.String(t.ARN)})
			if err != nil {
				t.SelectorsErr = fmt.Errorf("read event selectors of trail %s: %w", t.Name, err)
				return
			}
			t.LogsSignIn = logsSignInEvents(sel)
		})
		if t.LogGroupARN != "" {
			wg.Go(func() { t.Filters, t.FiltersErr = readRootMetricFilters(ctx, c, t.LogGroupARN, accountID) })
		}
	}
	wg.Wait()
	return trails, nil
}

// logsSignInEvents reports whether a trail's selectors log ConsoleLogin: a
// management event, recorded as a write (readOnly false), from
// signin.amazonaws.com.
func logsSignInEvents(sel *cloudtrail.GetEventSelectorsOutput) bool {
	for _, s := range sel.EventSelectors {
		if aws.ToBool(s.IncludeManagementEvents) && s.ReadWriteType != cttypes.ReadWriteTypeReadOnly &&
			!slices.Contains(s.ExcludeManagementEventSources, "signin.amazonaws.com") {
			return true
		}
	}
	for _, s := range sel.AdvancedEventSelectors {
		if advancedSelectorLogsSignIn(s.FieldSelectors) {
			return true
		}
	}
	return false
}

func advancedSelectorLogsSignIn(fields []cttypes.AdvancedFieldSelector) bool {
	values := map[string]string{"eventCategory": "Management", "readOnly": "false", "eventSource": "signin.amazonaws.com", "eventName": "ConsoleLogin", "eventType": "AwsConsoleSignIn"}
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

// readRootMetricFilters finds the CIS 4.3 filters on a trail's log group:
// filters that, tested by CloudWatch Logs itself, match a root event and not
// an IAM user's; then the alarms with an action on each filter's metric.
func readRootMetricFilters(ctx context.Context, c clients, logGroupARN string, accountID func() (string, bool)) ([]metricAlarmFilter, error) {
	a, err := arn.Parse(logGroupARN)
	if err != nil || !strings.HasPrefix(a.Resource, "log-group:") {
		return nil, fmt.Errorf("trail log group ARN %q is not a log group ARN", logGroupARN)
	}
	group := strings.TrimSuffix(strings.TrimPrefix(a.Resource, "log-group:"), ":*")
	logs := c.logs(a.Region)
	var candidates []metricAlarmFilter
	var metrics [][2]string
	p := cloudwatchlogs.NewDescribeMetricFiltersPaginator(logs, &cloudwatchlogs.DescribeMetricFiltersInput{LogGroupName: aws.String(group)})
	var patterns []string
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if awserr.Code(err) == "ResourceNotFoundException" {
			// The trail sends to a log group that no longer exists: it
			// has no filters, which is known, not unreadable.
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("describe metric filters of %s: %w", group, err)
		}
		for _, f := range page.MetricFilters {
			if len(f.MetricTransformations) == 0 {
				continue
			}
			m := f.MetricTransformations[0]
			candidates = append(candidates, metricAlarmFilter{Name: aws.ToString(f.FilterName)})
			metrics = append(metrics, [2]string{aws.ToString(m.MetricNamespace), aws.ToString(m.MetricName)})
			patterns = append(patterns, aws.ToString(f.FilterPattern))
		}
	}
	if len(candidates) == 0 {
		return nil, nil
	}
	account, ok := accountID()
	if !ok {
		return nil, fmt.Errorf("test metric filters: caller not identified")
	}
	rootRecord, userRecord, err := cloudTrailRecords(account)
	if err != nil {
		return nil, err
	}
	alarms := c.alarms(a.Region)
	keep := make([]bool, len(candidates))
	errs := make([]error, len(candidates))
	var wg sync.WaitGroup
	for i := range candidates {
		wg.Go(func() {
			out, err := logs.TestMetricFilter(ctx, &cloudwatchlogs.TestMetricFilterInput{
				FilterPattern:    aws.String(patterns[i]),
				LogEventMessages: []string{rootRecord, userRecord},
			})
			if err != nil {
				errs[i] = fmt.Errorf("test metric filter %s: %w", candidates[i].Name, err)
				return
			}
			var root, user bool
			for _, m := range out.Matches {
				switch m.EventNumber {
				case 1:
					root = true
				case 2:
					user = true
				}
			}
			if !root || user {
				return
			}
			keep[i] = true
			f := &candidates[i]
			res, err := alarms.DescribeAlarmsForMetric(ctx, &cloudwatch.DescribeAlarmsForMetricInput{
				Namespace: aws.String(metrics[i][0]), MetricName: aws.String(metrics[i][1]),
			})
			if err != nil {
				f.AlarmsErr = fmt.Errorf("describe alarms for metric %s/%s: %w", metrics[i][0], metrics[i][1], err)
				return
			}
			for _, al := range res.MetricAlarms {
				if aws.ToBool(al.ActionsEnabled) && len(al.AlarmActions) > 0 {
					f.Alarms = append(f.Alarms, aws.ToString(al.AlarmName))
				}
			}
		})
	}
	wg.Wait()
	var out []metricAlarmFilter
	for i, f := range candidates {
		if errs[i] != nil {
			return nil, errs[i]
		}
		if keep[i] {
			out = append(out, f)
		}
	}
	return out, nil
}

// cloudTrailRecords returns the sample root sign-in as CloudTrail writes it
// to CloudWatch Logs, and the same record by an IAM user.
func cloudTrailRecords(account string) (root, user string, err error) {
	var ev struct {
		Detail map[string]any `json:"detail"`
	}
	if err := json.Unmarshal([]byte(sampleEvent(account)), &ev); err != nil {
		return "", "", fmt.Errorf("sample event: %w", err)
	}
	r, _ := json.Marshal(ev.Detail)
	ev.Detail["userIdentity"] = map[string]any{
		"type": "IAMUser", "principalId": "AIDAEXAMPLEUSER", "arn": "arn:aws:iam::" + account + ":user/root-admin",
		"accountId": account, "userName": "root-admin",
	}
	u, _ := json.Marshal(ev.Detail)
	return string(r), string(u), nil
}
