package awsemu_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/rootguard/rootguard/internal/awsemu"
)

// cisRootPattern is the CIS AWS Foundations 4.3 (formerly 3.3) filter.
const cisRootPattern = `{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }`

func putRootFilter(t *testing.T, logs *cloudwatchlogs.Client, group, name string) error {
	t.Helper()
	_, err := logs.PutMetricFilter(t.Context(), &cloudwatchlogs.PutMetricFilterInput{
		LogGroupName: aws.String(group), FilterName: aws.String(name), FilterPattern: aws.String(cisRootPattern),
		MetricTransformations: []logtypes.MetricTransformation{{MetricName: aws.String(rootMetric), MetricNamespace: aws.String(cisNamespace), MetricValue: aws.String("1")}},
	})
	return err
}

func TestLogsMetricFiltersPerAccount(t *testing.T) {
	emu, cfg := newHub(t)
	ctx := t.Context()
	logs := cloudwatchlogs.NewFromConfig(cfg)

	var notFound *logtypes.ResourceNotFoundException
	if err := putRootFilter(t, logs, "trail-logs", "root"); !errors.As(err, &notFound) {
		t.Fatalf("filter on a missing log group: %v, want ResourceNotFoundException", err)
	}
	if _, err := logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("trail-logs")}); err != nil {
		t.Fatal(err)
	}
	var exists *logtypes.ResourceAlreadyExistsException
	if _, err := logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("trail-logs")}); !errors.As(err, &exists) {
		t.Errorf("second CreateLogGroup: %v, want ResourceAlreadyExistsException", err)
	}
	if err := putRootFilter(t, logs, "trail-logs", "root"); err != nil {
		t.Fatal(err)
	}

	got, err := logs.DescribeMetricFilters(ctx, &cloudwatchlogs.DescribeMetricFiltersInput{LogGroupName: aws.String("trail-logs")})
	if err != nil || len(got.MetricFilters) != 1 {
		t.Fatalf("describe: %v %+v", err, got)
	}
	f := got.MetricFilters[0]
	if aws.ToString(f.FilterName) != "root" || aws.ToString(f.FilterPattern) != cisRootPattern || aws.ToString(f.LogGroupName) != "trail-logs" ||
		aws.ToString(f.MetricTransformations[0].MetricName) != rootMetric || aws.ToInt64(f.CreationTime) == 0 {
		t.Errorf("filter = %+v", f)
	}
	groups, err := logs.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{})
	if err != nil || len(groups.LogGroups) != 1 || aws.ToInt32(groups.LogGroups[0].MetricFilterCount) != 1 ||
		aws.ToString(groups.LogGroups[0].Arn) != "arn:aws:logs:us-east-1:111122223333:log-group:trail-logs:*" {
		t.Errorf("log groups: %v %+v", err, groups)
	}

	// Another account sees neither the group nor the filter, and has its own
	// group of the same name.
	other := cloudwatchlogs.NewFromConfig(emu.Config(emu.AddAccount("444455556666", "other").AddUser("u").AddAccessKey(awsemu.AccessKey{})))
	if _, err := other.DescribeMetricFilters(ctx, &cloudwatchlogs.DescribeMetricFiltersInput{LogGroupName: aws.String("trail-logs")}); !errors.As(err, &notFound) {
		t.Errorf("other account, A's group: %v, want ResourceNotFoundException", err)
	}
	if all, err := other.DescribeMetricFilters(ctx, &cloudwatchlogs.DescribeMetricFiltersInput{}); err != nil || len(all.MetricFilters) != 0 {
		t.Errorf("other account sees filters: %v %+v", err, all)
	}
	if _, err := other.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("trail-logs")}); err != nil {
		t.Errorf("other account, same group name: %v", err)
	}

	// Filtering by metric, then deletion.
	byMetric, err := logs.DescribeMetricFilters(ctx, &cloudwatchlogs.DescribeMetricFiltersInput{MetricName: aws.String("Other"), MetricNamespace: aws.String(cisNamespace)})
	if err != nil || len(byMetric.MetricFilters) != 0 {
		t.Errorf("other metric: %v %+v", err, byMetric)
	}
	if _, err := logs.DeleteMetricFilter(ctx, &cloudwatchlogs.DeleteMetricFilterInput{LogGroupName: aws.String("trail-logs"), FilterName: aws.String("root")}); err != nil {
		t.Fatal(err)
	}
	if _, err := logs.DeleteMetricFilter(ctx, &cloudwatchlogs.DeleteMetricFilterInput{LogGroupName: aws.String("trail-logs"), FilterName: aws.String("root")}); !errors.As(err, &notFound) {
		t.Errorf("delete twice: %v, want ResourceNotFoundException", err)
	}

	// Deleting the log group takes its filters with it.
	if err := putRootFilter(t, logs, "trail-logs", "root"); err != nil {
		t.Fatal(err)
	}
	if _, err := logs.DeleteLogGroup(ctx, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: aws.String("trail-logs")}); err != nil {
		t.Fatal(err)
	}
	if all, err := logs.DescribeMetricFilters(ctx, &cloudwatchlogs.DescribeMetricFiltersInput{}); err != nil || len(all.MetricFilters) != 0 {
		t.Errorf("filters after DeleteLogGroup: %v %+v", err, all)
	}
}

func TestLogsDescribeMetricFiltersPaginates(t *testing.T) {
	emu, cfg := newHub(t)
	acct := emu.Account("111122223333")
	var want []string
	for _, group := range []string{"a-group", "b-group"} {
		for i := range 3 {
			name := fmt.Sprintf("filter-%d", i)
			if err := acct.AddMetricFilter(awsemu.MetricFilter{Region: "us-east-1", LogGroup: group, Name: name, Pattern: "ERROR", MetricName: "Errors", Namespace: "App"}); err != nil {
				t.Fatal(err)
			}
			want = append(want, group+"/"+name)
		}
	}
	logs := cloudwatchlogs.NewFromConfig(cfg)
	var got []string
	pages := 0
	p := cloudwatchlogs.NewDescribeMetricFiltersPaginator(logs, &cloudwatchlogs.DescribeMetricFiltersInput{
		MetricName: aws.String("Errors"), MetricNamespace: aws.String("App"), Limit: aws.Int32(4),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, f := range page.MetricFilters {
			got = append(got, aws.ToString(f.LogGroupName)+"/"+aws.ToString(f.FilterName))
		}
	}
	if !slices.Equal(got, want) || pages != 2 {
		t.Errorf("paged %d pages of %v, want 2 pages of %v", pages, got, want)
	}

	prefixed, err := logs.DescribeMetricFilters(t.Context(), &cloudwatchlogs.DescribeMetricFiltersInput{LogGroupName: aws.String("b-group"), FilterNamePrefix: aws.String("filter-1")})
	if err != nil || len(prefixed.MetricFilters) != 1 || aws.ToString(prefixed.MetricFilters[0].FilterName) != "filter-1" {
		t.Errorf("prefix: %v %+v", err, prefixed)
	}

	var invalid *logtypes.InvalidParameterException
	for name, in := range map[string]*cloudwatchlogs.DescribeMetricFiltersInput{
		"prefix without group":     {FilterNamePrefix: aws.String("filter")},
		"metric without namespace": {MetricName: aws.String("Errors")},
		"limit over 50":            {Limit: aws.Int32(51)},
	} {
		if _, err := logs.DescribeMetricFilters(t.Context(), in); !errors.As(err, &invalid) {
			t.Errorf("%s: %v, want InvalidParameterException", name, err)
		}
	}
}

func TestLogsTestMetricFilterMatchesCISRootPattern(t *testing.T) {
	_, cfg := newHub(t)
	logs := cloudwatchlogs.NewFromConfig(cfg)
	root := `{"eventType":"AwsConsoleSignIn","userIdentity":{"type":"Root","arn":"arn:aws:iam::111122223333:root"}}`
	user := `{"eventType":"AwsConsoleSignIn","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/admin"}}`
	service := `{"eventType":"AwsApiCall","userIdentity":{"type":"Root","invokedBy":"support.amazonaws.com"}}`
	out, err := logs.TestMetricFilter(t.Context(), &cloudwatchlogs.TestMetricFilterInput{
		FilterPattern: aws.String(cisRootPattern), LogEventMessages: []string{user, root, service, "not json"},
	})
	if err != nil || len(out.Matches) != 1 || out.Matches[0].EventNumber != 2 || aws.ToString(out.Matches[0].EventMessage) != root {
		t.Fatalf("matches: %v %+v", err, out)
	}

	var invalid *logtypes.InvalidParameterException
	if _, err := logs.TestMetricFilter(t.Context(), &cloudwatchlogs.TestMetricFilterInput{
		FilterPattern: aws.String(`{ $.userIdentity.type = "Root"`), LogEventMessages: []string{root},
	}); !errors.As(err, &invalid) {
		t.Errorf("unbalanced pattern: %v, want InvalidParameterException", err)
	}
}
