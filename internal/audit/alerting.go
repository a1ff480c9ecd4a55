package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/awserr"
	"github.com/rootguard/rootguard/internal/eventpath"
)

// alertingState is what the root-alerting check reads: the runbook's
// pipeline (EventBridge rule + trail), judged by the code `alert status`
// uses, and the CIS 4.3 alternative (metric filter + alarm).
type alertingState struct {
	rules    []alertRule // enabled rules in us-east-1 whose pattern matches root ConsoleLogin
	rulesErr error

	trails    []alertTrail // trails whose events reach us-east-1
	trailsErr error
}

type alertRule = eventpath.Rule

// alertTrail is a trail as alert status reads it, plus the CIS 4.3 filters
// on its log group.
type alertTrail struct {
	eventpath.Trail

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
	wg.Go(func() { st.rules, st.rulesErr = eventpath.RootRules(ctx, c.events, accountID) })
	wg.Go(func() { st.trails, st.trailsErr = readTrails(ctx, c, accountID) })
	wg.Wait()
	return st
}

// readTrails reads the trails whose events reach the home Region as alert
// status does and, as soon as DescribeTrails has listed them, the CIS 4.3
// metric filters of each trail's log group — beside the trails' status and
// selectors, not after them, so the longest chain is DescribeTrails →
// DescribeMetricFilters → TestMetricFilter → DescribeAlarmsForMetric.
func readTrails(ctx context.Context, c clients, accountID func() (string, bool)) ([]alertTrail, error) {
	type filters struct {
		list []metricAlarmFilter
		err  error
	}
	var (
		mu    sync.Mutex
		found = map[int]filters{}
	)
	read, err := eventpath.TrailsThen(ctx, c.trails, c.home, func(i int, t eventpath.Trail) {
		if t.LogGroupARN == "" {
			return
		}
		list, err := readRootMetricFilters(ctx, c, t.LogGroupARN, accountID)
		mu.Lock()
		defer mu.Unlock()
		found[i] = filters{list, err}
	})
	if err != nil {
		return nil, err
	}
	trails := make([]alertTrail, len(read))
	for i := range read {
		trails[i] = alertTrail{Trail: read[i], Filters: found[i].list, FiltersErr: found[i].err}
	}
	return trails, nil
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
	acct, ok := accountID()
	if !ok {
		return nil, fmt.Errorf("test metric filters: caller not identified")
	}
	// The records are the log group's partition's: its ARN says which.
	partition, err := account.PartitionByID(a.Partition)
	if err != nil {
		return nil, fmt.Errorf("trail log group %s: %w", logGroupARN, err)
	}
	rootRecord, userRecord, err := cloudTrailRecords(partition, acct)
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
func cloudTrailRecords(p account.Partition, acct string) (root, user string, err error) {
	var ev struct {
		Detail map[string]any `json:"detail"`
	}
	if err := json.Unmarshal([]byte(eventpath.SampleRootSignIn(acct)), &ev); err != nil {
		return "", "", fmt.Errorf("sample event: %w", err)
	}
	r, _ := json.Marshal(ev.Detail)
	ev.Detail["userIdentity"] = map[string]any{
		"type": "IAMUser", "principalId": "AIDAEXAMPLEUSER", "arn": p.ARN("iam", "", acct, "user/root-admin"),
		"accountId": acct, "userName": "root-admin",
	}
	u, _ := json.Marshal(ev.Detail)
	return string(r), string(u), nil
}
