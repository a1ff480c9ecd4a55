package audit

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	acctapi "github.com/aws/aws-sdk-go-v2/service/account"
	accttypes "github.com/aws/aws-sdk-go-v2/service/account/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/rootguard/rootguard/internal/account"
)

// fakeAWS answers every narrow interface from fields, records each call as
// its IAM action, and fails the actions listed in errs.
type fakeAWS struct {
	mu    sync.Mutex
	calls map[string]int
	errs  map[string]error

	callerARN string
	summary   map[string]int32
	report    []byte
	generated time.Time
	// reportStates are GenerateCredentialReport's answers in order (the
	// last repeats); a nil error answer with COMPLETE makes report current.
	reportStates []error
	virtualMFA   []iamtypes.VirtualMFADevice
	orgFeatures  []iamtypes.FeatureType

	regions       []string
	rules         []ebtypes.Rule
	ruleMatches   map[string]bool
	targets       map[string]int
	trails        []cttypes.Trail
	logging       bool
	selectors     []cttypes.EventSelector
	advanced      []cttypes.AdvancedEventSelector
	filters       []logtypes.MetricFilter
	filterMatches bool
	alarms        []cwtypes.MetricAlarm

	user      iamtypes.User
	keys      []iamtypes.AccessKeyMetadata
	keyUse    map[string]time.Time
	certs     []iamtypes.SigningCertificate
	mfaSerial []string
}

func (f *fakeAWS) record(action string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.calls == nil {
		f.calls = map[string]int{}
	}
	f.calls[action]++
	return f.errs[action]
}

func (f *fakeAWS) actions() []string {
	var out []string
	for a := range f.calls {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

func (f *fakeAWS) clients() clients {
	identify := func(ctx context.Context) (*account.Session, error) { return account.ResolveWith(ctx, aws.Config{}, f) }
	return clients{identify: identify, iam: f, events: f, trails: f, home: account.DefaultRegion,
		logs: func(string) logsAPI { return f }, alarms: func(string) alarmsAPI { return f },
		regions: f, eventsIn: func(string) eventsAPI { return f }, trailsIn: func(string) trailsAPI { return f }}
}

// ListRegions lists f.regions as enabled (the home Region alone when nil).
func (f *fakeAWS) ListRegions(context.Context, *acctapi.ListRegionsInput, ...func(*acctapi.Options)) (*acctapi.ListRegionsOutput, error) {
	if err := f.record("account:ListRegions"); err != nil {
		return nil, err
	}
	regions := f.regions
	if regions == nil {
		regions = []string{account.DefaultRegion}
	}
	out := &acctapi.ListRegionsOutput{}
	for _, r := range regions {
		out.Regions = append(out.Regions, accttypes.Region{RegionName: aws.String(r), RegionOptStatus: accttypes.RegionOptStatusEnabledByDefault})
	}
	return out, nil
}

func (f *fakeAWS) GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	if err := f.record("sts:GetCallerIdentity"); err != nil {
		return nil, err
	}
	return &sts.GetCallerIdentityOutput{Account: aws.String(testAccount), Arn: aws.String(f.callerARN)}, nil
}

func (f *fakeAWS) GetAccountSummary(context.Context, *iam.GetAccountSummaryInput, ...func(*iam.Options)) (*iam.GetAccountSummaryOutput, error) {
	if err := f.record("iam:GetAccountSummary"); err != nil {
		return nil, err
	}
	return &iam.GetAccountSummaryOutput{SummaryMap: f.summary}, nil
}

func (f *fakeAWS) ListAccountAliases(context.Context, *iam.ListAccountAliasesInput, ...func(*iam.Options)) (*iam.ListAccountAliasesOutput, error) {
	if err := f.record("iam:ListAccountAliases"); err != nil {
		return nil, err
	}
	return &iam.ListAccountAliasesOutput{AccountAliases: []string{"prod"}}, nil
}

func (f *fakeAWS) GetCredentialReport(context.Context, *iam.GetCredentialReportInput, ...func(*iam.Options)) (*iam.GetCredentialReportOutput, error) {
	if err := f.record("iam:GetCredentialReport"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.generated.IsZero() {
		return nil, apiErr("IAM", "GetCredentialReport", "ReportNotPresent")
	}
	return &iam.GetCredentialReportOutput{Content: f.report, GeneratedTime: aws.Time(f.generated), ReportFormat: iamtypes.ReportFormatTypeTextCsv}, nil
}

func (f *fakeAWS) GenerateCredentialReport(context.Context, *iam.GenerateCredentialReportInput, ...func(*iam.Options)) (*iam.GenerateCredentialReportOutput, error) {
	if err := f.record("iam:GenerateCredentialReport"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var err error
	if len(f.reportStates) > 0 {
		err = f.reportStates[0]
		if len(f.reportStates) > 1 {
			f.reportStates = f.reportStates[1:]
		}
	}
	if err != nil {
		return nil, err
	}
	f.generated = testNow
	return &iam.GenerateCredentialReportOutput{State: iamtypes.ReportStateTypeComplete}, nil
}

func (f *fakeAWS) ListVirtualMFADevices(context.Context, *iam.ListVirtualMFADevicesInput, ...func(*iam.Options)) (*iam.ListVirtualMFADevicesOutput, error) {
	if err := f.record("iam:ListVirtualMFADevices"); err != nil {
		return nil, err
	}
	return &iam.ListVirtualMFADevicesOutput{VirtualMFADevices: f.virtualMFA}, nil
}

func (f *fakeAWS) ListOrganizationsFeatures(context.Context, *iam.ListOrganizationsFeaturesInput, ...func(*iam.Options)) (*iam.ListOrganizationsFeaturesOutput, error) {
	if err := f.record("iam:ListOrganizationsFeatures"); err != nil {
		return nil, err
	}
	return &iam.ListOrganizationsFeaturesOutput{OrganizationId: aws.String("o-test"), EnabledFeatures: f.orgFeatures}, nil
}

func (f *fakeAWS) GetUser(context.Context, *iam.GetUserInput, ...func(*iam.Options)) (*iam.GetUserOutput, error) {
	if err := f.record("iam:GetUser"); err != nil {
		return nil, err
	}
	u := f.user
	return &iam.GetUserOutput{User: &u}, nil
}

func (f *fakeAWS) ListAccessKeys(context.Context, *iam.ListAccessKeysInput, ...func(*iam.Options)) (*iam.ListAccessKeysOutput, error) {
	if err := f.record("iam:ListAccessKeys"); err != nil {
		return nil, err
	}
	return &iam.ListAccessKeysOutput{AccessKeyMetadata: f.keys}, nil
}

func (f *fakeAWS) GetAccessKeyLastUsed(_ context.Context, in *iam.GetAccessKeyLastUsedInput, _ ...func(*iam.Options)) (*iam.GetAccessKeyLastUsedOutput, error) {
	if err := f.record("iam:GetAccessKeyLastUsed"); err != nil {
		return nil, err
	}
	out := &iam.GetAccessKeyLastUsedOutput{AccessKeyLastUsed: &iamtypes.AccessKeyLastUsed{ServiceName: aws.String("N/A"), Region: aws.String("N/A")}}
	if t, ok := f.keyUse[aws.ToString(in.AccessKeyId)]; ok {
		out.AccessKeyLastUsed = &iamtypes.AccessKeyLastUsed{LastUsedDate: aws.Time(t), ServiceName: aws.String("s3"), Region: aws.String("us-east-1")}
	}
	return out, nil
}

func (f *fakeAWS) ListMFADevices(context.Context, *iam.ListMFADevicesInput, ...func(*iam.Options)) (*iam.ListMFADevicesOutput, error) {
	if err := f.record("iam:ListMFADevices"); err != nil {
		return nil, err
	}
	out := &iam.ListMFADevicesOutput{}
	for _, s := range f.mfaSerial {
		out.MFADevices = append(out.MFADevices, iamtypes.MFADevice{SerialNumber: aws.String(s)})
	}
	return out, nil
}

func (f *fakeAWS) ListSigningCertificates(context.Context, *iam.ListSigningCertificatesInput, ...func(*iam.Options)) (*iam.ListSigningCertificatesOutput, error) {
	if err := f.record("iam:ListSigningCertificates"); err != nil {
		return nil, err
	}
	return &iam.ListSigningCertificatesOutput{Certificates: f.certs}, nil
}

func (f *fakeAWS) ListRules(context.Context, *eventbridge.ListRulesInput, ...func(*eventbridge.Options)) (*eventbridge.ListRulesOutput, error) {
	if err := f.record("events:ListRules"); err != nil {
		return nil, err
	}
	return &eventbridge.ListRulesOutput{Rules: f.rules}, nil
}

func (f *fakeAWS) TestEventPattern(_ context.Context, in *eventbridge.TestEventPatternInput, _ ...func(*eventbridge.Options)) (*eventbridge.TestEventPatternOutput, error) {
	if err := f.record("events:TestEventPattern"); err != nil {
		return nil, err
	}
	return &eventbridge.TestEventPatternOutput{Result: f.ruleMatches[aws.ToString(in.EventPattern)]}, nil
}

func (f *fakeAWS) ListTargetsByRule(_ context.Context, in *eventbridge.ListTargetsByRuleInput, _ ...func(*eventbridge.Options)) (*eventbridge.ListTargetsByRuleOutput, error) {
	if err := f.record("events:ListTargetsByRule"); err != nil {
		return nil, err
	}
	out := &eventbridge.ListTargetsByRuleOutput{}
	for range f.targets[aws.ToString(in.Rule)] {
		out.Targets = append(out.Targets, ebtypes.Target{Id: aws.String("t"), Arn: aws.String("arn:aws:sqs:us-east-1:1:q")})
	}
	return out, nil
}

func (f *fakeAWS) DescribeTrails(context.Context, *cloudtrail.DescribeTrailsInput, ...func(*cloudtrail.Options)) (*cloudtrail.DescribeTrailsOutput, error) {
	if err := f.record("cloudtrail:DescribeTrails"); err != nil {
		return nil, err
	}
	return &cloudtrail.DescribeTrailsOutput{TrailList: f.trails}, nil
}

func (f *fakeAWS) GetTrailStatus(context.Context, *cloudtrail.GetTrailStatusInput, ...func(*cloudtrail.Options)) (*cloudtrail.GetTrailStatusOutput, error) {
	if err := f.record("cloudtrail:GetTrailStatus"); err != nil {
		return nil, err
	}
	return &cloudtrail.GetTrailStatusOutput{IsLogging: aws.Bool(f.logging)}, nil
}

func (f *fakeAWS) GetEventSelectors(context.Context, *cloudtrail.GetEventSelectorsInput, ...func(*cloudtrail.Options)) (*cloudtrail.GetEventSelectorsOutput, error) {
	if err := f.record("cloudtrail:GetEventSelectors"); err != nil {
		return nil, err
	}
	return &cloudtrail.GetEventSelectorsOutput{EventSelectors: f.selectors, AdvancedEventSelectors: f.advanced}, nil
}

func (f *fakeAWS) DescribeMetricFilters(context.Context, *cloudwatchlogs.DescribeMetricFiltersInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DescribeMetricFiltersOutput, error) {
	if err := f.record("logs:DescribeMetricFilters"); err != nil {
		return nil, err
	}
	return &cloudwatchlogs.DescribeMetricFiltersOutput{MetricFilters: f.filters}, nil
}

func (f *fakeAWS) TestMetricFilter(context.Context, *cloudwatchlogs.TestMetricFilterInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.TestMetricFilterOutput, error) {
	if err := f.record("logs:TestMetricFilter"); err != nil {
		return nil, err
	}
	out := &cloudwatchlogs.TestMetricFilterOutput{}
	if f.filterMatches {
		out.Matches = []logtypes.MetricFilterMatchRecord{{EventNumber: 1}}
	}
	return out, nil
}

func (f *fakeAWS) DescribeAlarmsForMetric(context.Context, *cloudwatch.DescribeAlarmsForMetricInput, ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsForMetricOutput, error) {
	if err := f.record("cloudwatch:DescribeAlarmsForMetric"); err != nil {
		return nil, err
	}
	return &cloudwatch.DescribeAlarmsForMetricOutput{MetricAlarms: f.alarms}, nil
}
