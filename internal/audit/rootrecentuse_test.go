package audit

import (
	"testing"

	"github.com/rootguard/rootguard/internal/credreport"
)

func TestRootRecentUse(t *testing.T) {
	never := func(raw string) credreport.Date { return credreport.Date{Raw: raw} }
	tests := []struct {
		name     string
		password credreport.Date
		keys     []rootKey
		days     int
		err      error
		want     Status
		detail   string
	}{
		{"never used (N/A)", never("N/A"), nil, 0, nil, Pass, "never"},
		{"no_information is never", never("no_information"), nil, 0, nil, Pass, "never"},
		{"not_supported is never", never("not_supported"), nil, 0, nil, Pass, "never"},
		{"password used 10 days ago", daysAgo(10), nil, 0, nil, Fail, "10 day(s) ago"},
		{"password used 200 days ago", daysAgo(200), nil, 0, nil, Pass, "200 days ago"},
		// The peers' first-date bug: the password date comes first but a key was used later.
		{"newest date wins, not the first", daysAgo(400), []rootKey{
			{ID: "access_key_1", LastUsed: daysAgo(300)},
			{ID: "access_key_2", LastUsed: daysAgo(5)},
		}, 0, nil, Fail, "access key access_key_2"},
		{"boundary: exactly the window is not recent", daysAgo(90), nil, 0, nil, Pass, ""},
		{"boundary: one day inside the window", daysAgo(89), nil, 0, nil, Fail, ""},
		{"custom window", daysAgo(20), nil, 14, nil, Pass, ""},
		{"unreadable", never("N/A"), nil, 0, apiErr("IAM", "GenerateCredentialReport", "AccessDenied"), Error, "grant iam:GenerateCredentialReport"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := baseInputs()
			in.passwordLastUsed, in.keys, in.lastUsedErr = tt.password, tt.keys, tt.err
			opts := testOpts()
			if tt.days > 0 {
				opts.RootUseDays = tt.days
			}
			assertVerdict(t, evalRootRecentUse(in, opts), tt.want, tt.detail)
		})
	}
}
