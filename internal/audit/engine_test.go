package audit

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

const reportHeader = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated\n"

// hardenedIAMAccount is an account read by an IAM principal in which every
// check passes, through both alerting paths.
func hardenedIAMAccount() *fakeAWS {
	return &fakeAWS{
		callerARN: "arn:aws:iam::" + testAccount + ":user/auditor",
		summary:   summary(1, 0, 0, 1),
		report: []byte(reportHeader +
			"<root_account>,arn:aws:iam::111122223333:root,2019-01-01T00:00:00+00:00,not_supported,2023-01-01T00:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n"),
		generated:   testNow.Add(-time.Hour),
		virtualMFA:  []iamtypes.VirtualMFADevice{{SerialNumber: aws.String("arn:aws:iam::111122223333:mfa/root-admin"), User: &iamtypes.User{Arn: aws.String("arn:aws:iam::111122223333:user/root-admin")}}},
		orgFeatures: []iamtypes.FeatureType{iamtypes.FeatureTypeRootCredentialsManagement, iamtypes.FeatureTypeRootSessions},
		rules: []ebtypes.Rule{
			{Name: aws.String("root-signin"), Arn: aws.String("arn:aws:events:us-east-1:111122223333:rule/root-signin"), State: ebtypes.RuleStateEnabled, EventPattern: aws.String(`{"detail":{"userIdentity":{"type":["Root"]}}}`)},
			{Name: aws.String("ec2"), State: ebtypes.RuleStateEnabled, EventPattern: aws.String(`{"source":["aws.ec2"]}`)},
			{Name: aws.String("disabled"), State: ebtypes.RuleStateDisabled, EventPattern: aws.String(`{"detail":{"userIdentity":{"type":["Root"]}}}`)},
		},
		ruleMatches:   map[string]bool{`{"detail":{"userIdentity":{"type":["Root"]}}}`: true},
		targets:       map[string]int{"root-signin": 1},
		trails:        []cttypes.Trail{{Name: aws.String("org"), TrailARN: aws.String("arn:aws:cloudtrail:eu-west-1:111122223333:trail/org"), HomeRegion: aws.String("eu-west-1"), IsMultiRegionTrail: aws.Bool(true), CloudWatchLogsLogGroupArn: aws.String("arn:aws:logs:eu-west-1:111122223333:log-group:trail:*")}},
		logging:       true,
		selectors:     []cttypes.EventSelector{{IncludeManagementEvents: aws.Bool(true), ReadWriteType: cttypes.ReadWriteTypeAll}},
		filters:       []logtypes.MetricFilter{{FilterName: aws.String("root-usage"), FilterPattern: aws.String(`{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }`), MetricTransformations: []logtypes.MetricTransformation{{MetricName: aws.String("RootUsage"), MetricNamespace: aws.String("CIS")}}}},
		filterMatches: true,
		alarms:        []cwtypes.MetricAlarm{{AlarmName: aws.String("root-usage"), ActionsEnabled: aws.Bool(true), AlarmActions: []string{"arn:aws:sns:eu-west-1:111122223333:sec"}}},
	}
}

func statuses(res AccountResult) map[CheckID]Status {
	out := map[CheckID]Status{}
	for _, c := range res.Checks {
		out[c.ID] = c.Status
	}
	return out
}

func TestRunIAMPrincipalAllPass(t *testing.T) {
	f := hardenedIAMAccount()
	res := run(context.Background(), f.clients(), testOpts())
	if res.Error != "" || res.AccountID != testAccount || res.AccountAlias != "prod" {
		t.Fatalf("result = %+v", res)
	}
	for id, s := range statuses(res) {
		if s != Pass {
			t.Errorf("%s = %s, want PASS", id, s)
		}
	}
	if len(res.Checks) != len(CheckIDs()) || len(res.Warnings) != 0 || res.Caller == nil || res.Caller.AccountID != testAccount {
		t.Errorf("checks %d warnings %v", len(res.Checks), res.Warnings)
	}
	// A fresh report is reused: no generation.
	if f.calls["iam:GenerateCredentialReport"] != 0 || f.calls["iam:GetCredentialReport"] != 1 {
		t.Errorf("report calls = %v", f.calls)
	}
}

// TestPermissionsPolicy keeps docs/permissions/audit.json true: the actions
// an IAM principal's audit calls (every path exercised) are exactly the
// policy's.
func TestPermissionsPolicy(t *testing.T) {
	f := hardenedIAMAccount()
	f.generated = time.Time{} // force GenerateCredentialReport too
	run(context.Background(), f.clients(), testOpts())

	raw, err := os.ReadFile("../../docs/permissions/audit.json")
	if err != nil {
		t.Fatal(err)
	}
	var policy struct {
		Statement []struct {
			Effect   string
			Action   []string
			Resource string
		}
	}
	if err := json.Unmarshal(raw, &policy); err != nil {
		t.Fatal(err)
	}
	var allowed []string
	for _, s := range policy.Statement {
		if s.Effect != "Allow" {
			t.Errorf("statement effect %q", s.Effect)
		}
		allowed = append(allowed, s.Action...)
	}
	slices.Sort(allowed)
	if got := f.actions(); !slices.Equal(got, allowed) {
		t.Errorf("engine calls %v\npolicy allows %v", got, allowed)
	}
}

func TestRunAssumeRootSession(t *testing.T) {
	used := testNow.AddDate(0, 0, -3)
	f := &fakeAWS{
		callerARN: "arn:aws:iam::" + testAccount + ":root",
		summary:   summary(0, 1, 1, 1),
		user:      iamtypes.User{Arn: aws.String("arn:aws:iam::111122223333:root")},
		keys:      []iamtypes.AccessKeyMetadata{{AccessKeyId: aws.String("AKIAOLD"), Status: iamtypes.StatusTypeInactive}, {AccessKeyId: aws.String("AKIANEW"), Status: iamtypes.StatusTypeActive}},
		keyUse:    map[string]time.Time{"AKIANEW": used},
		certs:     []iamtypes.SigningCertificate{{CertificateId: aws.String("CERT1"), Status: iamtypes.StatusTypeActive}},
		mfaSerial: []string{"arn:aws:iam::111122223333:mfa/root-account-mfa-device"},
	}
	opts := testOpts()
	opts.Session = SessionAssumeRoot
	opts.Checks = []CheckID{"root-access-keys", "root-mfa", "root-hardware-mfa", "root-signing-certificates", "root-recent-use", "org-centralized-root-access"}
	res := run(context.Background(), f.clients(), opts)
	want := map[CheckID]Status{
		"root-access-keys": Fail, "root-mfa": Pass, "root-hardware-mfa": Fail,
		"root-signing-certificates": Fail, "root-recent-use": Fail, "org-centralized-root-access": NotApplicable,
	}
	if got := statuses(res); !mapsEqual(got, want) {
		t.Errorf("statuses = %v, want %v", got, want)
	}
	// IAMAuditRootUserCredentials allows no credential report; the session
	// is sanctioned, so no root-use warning.
	rootTask := []string{"iam:GetAccessKeyLastUsed", "iam:GetAccountSummary", "iam:GetUser", "iam:ListAccessKeys", "iam:ListMFADevices", "iam:ListSigningCertificates", "sts:GetCallerIdentity"}
	if got := f.actions(); !slices.Equal(got, rootTask) {
		t.Errorf("calls = %v, want %v", got, rootTask)
	}
	if len(res.Warnings) != 0 {
		t.Errorf("warnings = %v", res.Warnings)
	}
}

func TestRunWithRootCredentialsWarns(t *testing.T) {
	f := hardenedIAMAccount()
	f.callerARN = "arn:aws:iam::" + testAccount + ":root"
	f.user = iamtypes.User{PasswordLastUsed: aws.Time(testNow)}
	res := run(context.Background(), f.clients(), testOpts())
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "root use") {
		t.Errorf("warnings = %v", res.Warnings)
	}
	if f.calls["iam:GetCredentialReport"] != 0 || f.calls["iam:GetUser"] != 1 {
		t.Errorf("root credentials must read root directly: %v", f.calls)
	}
	if statuses(res)["root-recent-use"] != Fail {
		t.Errorf("this very sign-in is recent root use")
	}
}

func TestRunDeniedInputIsErrorOthersDecided(t *testing.T) {
	f := hardenedIAMAccount()
	f.errs = map[string]error{"iam:GetAccountSummary": apiErr("IAM", "GetAccountSummary", "AccessDenied")}
	res := run(context.Background(), f.clients(), testOpts())
	got := statuses(res)
	for _, id := range []CheckID{"root-access-keys", "root-mfa", "root-hardware-mfa", "root-signing-certificates"} {
		if got[id] != Error {
			t.Errorf("%s = %s, want ERROR", id, got[id])
		}
	}
	for _, id := range []CheckID{"root-recent-use", "root-alerting", "org-centralized-root-access"} {
		if got[id] != Pass {
			t.Errorf("%s = %s, want PASS (its inputs were read)", id, got[id])
		}
	}
	if d := res.Checks[1].Detail; !strings.Contains(d, "grant iam:GetAccountSummary to arn:aws:iam::111122223333:user/auditor") {
		t.Errorf("detail = %q", d)
	}
}

func TestRunIdentityFailureIsAccountError(t *testing.T) {
	f := hardenedIAMAccount()
	f.errs = map[string]error{"sts:GetCallerIdentity": apiErr("STS", "GetCallerIdentity", "ExpiredToken")}
	res := run(context.Background(), f.clients(), testOpts())
	if !strings.Contains(res.Error, "ExpiredToken") || len(res.Checks) != len(CheckIDs()) || res.IdentityErr == nil || res.Caller != nil {
		t.Fatalf("result = %+v, want the error, the identity error and an ERROR row per check", res)
	}
	for _, c := range res.Checks {
		if c.Status != Error || !strings.Contains(c.Detail, "ExpiredToken") || c.Title == "" {
			t.Errorf("%s: %s %q, want ERROR carrying the reason", c.ID, c.Status, c.Detail)
		}
	}
	if res.Status() != Error {
		t.Errorf("status %s", res.Status())
	}
}

// TestUnfinishedKeepsVerdicts: an account cut short keeps every verdict it
// reached — a FAIL stays FAIL — and only the checks without a row become
// ERROR with the reason; rows come back in report order.
func TestUnfinishedKeepsVerdicts(t *testing.T) {
	res := AccountResult{AccountID: testAccount, Checks: []CheckResult{
		{ID: "root-mfa", Status: Fail},
		{ID: "root-access-keys", Status: Pass},
	}}
	res.Unfinished(nil, "the account did not finish within its deadline")
	if len(res.Checks) != len(CheckIDs()) || res.Error == "" {
		t.Fatalf("checks %d error %q", len(res.Checks), res.Error)
	}
	got := statuses(res)
	if got["root-mfa"] != Fail || got["root-access-keys"] != Pass || got["root-alerting"] != Error {
		t.Errorf("statuses %v", got)
	}
	for i, id := range CheckIDs() {
		if res.Checks[i].ID != id {
			t.Errorf("row %d is %s, want %s", i, res.Checks[i].ID, id)
		}
	}
	if res.Status() != Fail {
		t.Errorf("an account that found a FAIL before its deadline is %s, want FAIL", res.Status())
	}
}

func TestCredentialReportPolling(t *testing.T) {
	limit := apiErr("IAM", "GenerateCredentialReport", "LimitExceeded")
	denied := apiErr("IAM", "GenerateCredentialReport", "AccessDenied")
	tests := []struct {
		name      string
		generated time.Time
		states    []error
		wait      time.Duration
		wantErr   string
		wantGen   int
		wantSlept time.Duration
	}{
		{"fresh report reused", testNow.Add(-3 * time.Hour), nil, time.Minute, "", 0, 0},
		{"stale report regenerated", testNow.Add(-5 * time.Hour), []error{nil}, time.Minute, "", 1, 0},
		{"absent report generated", time.Time{}, []error{nil}, time.Minute, "", 1, 0},
		{"survives LimitExceeded with backoff", time.Time{}, []error{limit, limit, limit, nil}, time.Minute, "", 4, 3500 * time.Millisecond},
		{"bounded wait", time.Time{}, []error{limit}, 10 * time.Second, "not ready after 10s", 5, 7500 * time.Millisecond},
		{"other error is returned", time.Time{}, []error{denied}, time.Minute, "AccessDenied", 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := hardenedIAMAccount()
			f.generated, f.reportStates = tt.generated, tt.states
			now := testNow
			var slept time.Duration
			opts := Options{ReportWait: tt.wait, Now: func() time.Time { return now },
				Sleep: func(_ context.Context, d time.Duration) error { slept += d; now = now.Add(d); return nil }}.withDefaults()
			rep, err := fetchCredentialReport(context.Background(), f, opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
			} else if err != nil || rep == nil {
				t.Fatalf("err = %v", err)
			}
			if f.calls["iam:GenerateCredentialReport"] != tt.wantGen || slept != tt.wantSlept {
				t.Errorf("generate calls %d slept %s, want %d %s", f.calls["iam:GenerateCredentialReport"], slept, tt.wantGen, tt.wantSlept)
			}
		})
	}
}

func mapsEqual(a, b map[CheckID]Status) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestUnfinishedAfterEveryVerdictIsNoError(t *testing.T) {
	res := NotAudited(testAccount, nil, "x")
	for i := range res.Checks {
		res.Checks[i].Status = Pass
	}
	res.Error = ""
	res.Unfinished(nil, "deadline")
	if res.Error != "" || res.Status() != Pass {
		t.Errorf("an account decided in full before its deadline: error %q status %s", res.Error, res.Status())
	}
}

// statusAfterFilters holds GetTrailStatus until the trail's metric filters
// have been asked for: an engine that waited for the status before reading
// the log group would never finish.
type statusAfterFilters struct {
	*fakeAWS
	filtersAsked chan struct{}
	once         sync.Once
}

func (s *statusAfterFilters) DescribeMetricFilters(ctx context.Context, in *cloudwatchlogs.DescribeMetricFiltersInput, o ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DescribeMetricFiltersOutput, error) {
	s.once.Do(func() { close(s.filtersAsked) })
	return s.fakeAWS.DescribeMetricFilters(ctx, in, o...)
}

func (s *statusAfterFilters) GetTrailStatus(ctx context.Context, in *cloudtrail.GetTrailStatusInput, o ...func(*cloudtrail.Options)) (*cloudtrail.GetTrailStatusOutput, error) {
	select {
	case <-s.filtersAsked:
		return s.fakeAWS.GetTrailStatus(ctx, in, o...)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// The log group's filters are read as soon as DescribeTrails lists the
// trail, beside its status: the alerting chain is 4 calls, not 5.
func TestMetricFiltersDoNotWaitForTrailStatus(t *testing.T) {
	f := &statusAfterFilters{fakeAWS: hardenedIAMAccount(), filtersAsked: make(chan struct{})}
	c := f.clients()
	c.trails = f
	c.logs = func(string) logsAPI { return f }
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res := run(ctx, c, Options{Checks: []CheckID{CheckRootAlerting}, Now: func() time.Time { return testNow }})
	if ctx.Err() != nil || len(res.Checks) != 1 || res.Checks[0].Status == Error {
		t.Fatalf("the metric filters waited for the trail's status: %+v (%v)", res.Checks, ctx.Err())
	}
}
