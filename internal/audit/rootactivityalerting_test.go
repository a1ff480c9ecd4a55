package audit

import (
	"slices"
	"testing"

	"github.com/rootguard/rootguard/internal/eventpath"
)

func TestRootActivityAlerting(t *testing.T) {
	const hub = "arn:aws:events:us-east-1:" + testAccount + ":event-bus/default"
	const queue = "arn:aws:sqs:us-east-1:" + testAccount + ":root-alerts"
	multi := []eventpath.Trail{{Name: "org", MultiRegion: true, Logging: true, LogsAPICalls: true}}
	alerting := func(name string) []activityRule { return []activityRule{{Name: name, Targets: []string{queue}}} }
	forwarding := []activityRule{{Name: "fwd", Targets: []string{hub}}}
	denied := apiErr("EventBridge", "ListRules", "AccessDenied")

	// covered: a multi-Region trail (listed in us-east-1) records every
	// Region; us-east-1 alerts directly and on what eu-west-1 forwards to
	// it; ap-south-1 alerts directly.
	covered := func() activityState {
		return activityState{home: "us-east-1", hubBus: hub, regions: []string{"ap-south-1", "eu-west-1", "us-east-1"},
			in: map[string]*regionActivity{
				"us-east-1": {trails: multi, rules: alerting("hub"), forwarded: map[string][]activityRule{
					"us-east-1": alerting("hub"), "eu-west-1": alerting("hub"), "ap-south-1": alerting("hub")}},
				"eu-west-1":  {rules: forwarding},
				"ap-south-1": {rules: alerting("local")},
			}}
	}
	tests := []struct {
		name          string
		edit          func(st *activityState)
		want          Status
		detailHas     string
		wantCovered   []string
		wantUncovered []string
	}{
		{"every Region covered, directly or forwarded", func(*activityState) {}, Pass, "all 3 enabled Regions",
			[]string{"ap-south-1", "eu-west-1", "us-east-1"}, []string{}},
		{"opt-in Region enabled after deploy has no rule", func(st *activityState) {
			st.regions = append(st.regions, "me-south-1")
			st.in["me-south-1"] = &regionActivity{}
		}, Fail, "me-south-1 (no ENABLED EventBridge rule with a target matches a root API call there)",
			[]string{"ap-south-1", "eu-west-1", "us-east-1"}, []string{"me-south-1"}},
		{"forwarder but the home rule does not match the forwarded call", func(st *activityState) {
			delete(st.in["us-east-1"].forwarded, "eu-west-1")
		}, Fail, "eu-west-1 (a rule forwards root API calls to us-east-1, where no ENABLED rule with a target matches them)",
			[]string{"ap-south-1", "us-east-1"}, []string{"eu-west-1"}},
		{"a rule with no target alerts no one", func(st *activityState) {
			st.in["ap-south-1"].rules = []activityRule{{Name: "local"}}
		}, Fail, "ap-south-1", []string{"eu-west-1", "us-east-1"}, []string{"ap-south-1"}},
		{"single-Region trail in the home Region only", func(st *activityState) {
			st.in["us-east-1"].trails = []eventpath.Trail{{Name: "home", HomeRegion: "us-east-1", Logging: true, LogsAPICalls: true}}
		}, Fail, "ap-south-1 (no logging trail records management events there)", []string{"us-east-1"}, []string{"ap-south-1", "eu-west-1"}},
		{"trail logging sign-in events only records no API call", func(st *activityState) {
			signInOnly := []eventpath.Trail{{Name: "signin", MultiRegion: true, Logging: true, LogsSignIn: true}}
			for _, ra := range st.in {
				ra.trails = signInOnly
			}
		}, Fail, "no logging trail", []string{}, []string{"ap-south-1", "eu-west-1", "us-east-1"}},
		{"trail not logging", func(st *activityState) {
			off := []eventpath.Trail{{Name: "org", MultiRegion: true, LogsAPICalls: true}}
			for _, ra := range st.in {
				ra.trails = off
			}
		}, Fail, "no logging trail", []string{}, []string{"ap-south-1", "eu-west-1", "us-east-1"}},
		{"Regions unreadable is ERROR, never PASS", func(st *activityState) {
			st.regionsErr = apiErr("Account", "ListRegions", "AccessDenied")
		}, Error, "account:ListRegions", nil, nil},
		{"no Region listed decides nothing", func(st *activityState) { st.regions = nil }, Error, "listed no enabled Region", nil, nil},
		{"one Region's rules unreadable, the rest covered", func(st *activityState) {
			st.in["ap-south-1"].rules, st.in["ap-south-1"].rulesErr = nil, denied
		}, Error, "events:ListRules", []string{"eu-west-1", "us-east-1"}, []string{}},
		{"home rules unreadable leaves forwarded Regions unknown", func(st *activityState) {
			st.in["us-east-1"].rules, st.in["us-east-1"].forwarded, st.in["us-east-1"].rulesErr = nil, nil, denied
		}, Error, "events:ListRules", []string{"ap-south-1"}, []string{}},
		{"known gap beside an unreadable Region is FAIL", func(st *activityState) {
			st.in["ap-south-1"].rules, st.in["ap-south-1"].rulesErr = nil, denied
			st.in["eu-west-1"].rules = nil
		}, Fail, "1 more could not be read", []string{"us-east-1"}, []string{"eu-west-1"}},
		{"trail status unreadable with rules in place", func(st *activityState) {
			st.in["us-east-1"].trails = []eventpath.Trail{{Name: "org", MultiRegion: true, StatusErr: apiErr("CloudTrail", "GetTrailStatus", "AccessDenied")}}
		}, Error, "cloudtrail:GetTrailStatus", []string{}, []string{}},
		{"a Region's own trail records it while the home Region's trails are unreadable", func(st *activityState) {
			st.in["us-east-1"].trails, st.in["us-east-1"].trailsErr = nil, apiErr("CloudTrail", "DescribeTrails", "AccessDenied")
			st.in["ap-south-1"].trails = []eventpath.Trail{{Name: "local", HomeRegion: "ap-south-1", Logging: true, LogsAPICalls: true}}
		}, Error, "cloudtrail:DescribeTrails", []string{"ap-south-1"}, []string{}},
		{"a single-Region trail of the home Region does not record another Region", func(st *activityState) {
			st.in["us-east-1"].trails = []eventpath.Trail{{Name: "home", HomeRegion: "us-east-1", Logging: true, LogsAPICalls: true}}
			st.in["ap-south-1"].trails = []eventpath.Trail{{Name: "local", HomeRegion: "ap-south-1", Logging: true, LogsAPICalls: true}}
		}, Fail, "eu-west-1 (no logging trail records management events there)", []string{"ap-south-1", "us-east-1"}, []string{"eu-west-1"}},
		{"trail unreadable but no rule is a known gap", func(st *activityState) {
			st.in["ap-south-1"].trailsErr = apiErr("CloudTrail", "DescribeTrails", "AccessDenied")
			st.in["ap-south-1"].rules = nil
		}, Fail, "ap-south-1 (no ENABLED EventBridge rule", []string{"eu-west-1", "us-east-1"}, []string{"ap-south-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := baseInputs()
			in.activity = covered()
			tt.edit(&in.activity)
			got := evalRootActivityAlerting(in, testOpts())
			assertVerdict(t, got, tt.want, tt.detailHas)
			if tt.wantCovered == nil {
				return
			}
			if c, _ := got.evidence["covered_regions"].([]string); !slices.Equal(c, tt.wantCovered) {
				t.Errorf("covered_regions = %v, want %v", c, tt.wantCovered)
			}
			if u, _ := got.evidence["uncovered_regions"].([]string); !slices.Equal(u, tt.wantUncovered) {
				t.Errorf("uncovered_regions = %v, want %v", u, tt.wantUncovered)
			}
		})
	}
}
