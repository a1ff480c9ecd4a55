package audit

import "testing"

func TestRootAccessKeys(t *testing.T) {
	denied := apiErr("IAM", "GetAccountSummary", "AccessDenied")
	tests := []struct {
		name   string
		mod    func(in *inputs)
		want   Status
		detail string
	}{
		{"no keys", func(in *inputs) {}, Pass, "no access keys"},
		{"active key", func(in *inputs) {
			in.summary[summaryKeys] = 1
			in.keys = []rootKey{{ID: "access_key_1", Status: "Active", LastUsed: daysAgo(3), Service: "s3", Region: "us-east-1"}}
		}, Fail, "access_key_1 Active, last used 2024-05-29T12:00:00Z in s3/us-east-1"},
		{"inactive key still fails", func(in *inputs) {
			in.summary[summaryKeys] = 1
			in.keys = []rootKey{{ID: "AKIAROOT", Status: "Inactive"}}
		}, Fail, "AKIAROOT Inactive, never used"},
		{"summary says keys, details unreadable", func(in *inputs) {
			in.summary[summaryKeys] = 1
			in.keysErr = apiErr("IAM", "GetCredentialReport", "Throttling")
		}, Fail, "key details unavailable"},
		{"summary denied, keys seen in report", func(in *inputs) {
			in.summaryErr = denied
			in.keys = []rootKey{{ID: "access_key_2", Status: "Active"}}
		}, Fail, "1 access key"},
		{"summary denied, no keys seen: not a PASS", func(in *inputs) { in.summaryErr = denied }, Error, "grant iam:GetAccountSummary to arn:aws:iam::111122223333:user/auditor"},
		{"member with root credentials removed", func(in *inputs) { in.summary = summary(0, 0, 0, 0) }, Pass, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := baseInputs()
			tt.mod(in)
			assertVerdict(t, evalRootAccessKeys(in, testOpts()), tt.want, tt.detail)
		})
	}
}

func TestErrorVerdictEvidence(t *testing.T) {
	in := baseInputs()
	in.summaryErr = apiErr("IAM", "GetAccountSummary", "AccessDenied")
	v := evalRootAccessKeys(in, testOpts())
	if v.evidence["api_call"] != "iam:GetAccountSummary" || v.evidence["error_code"] != "AccessDenied" || v.evidence["missing_permission"] != "iam:GetAccountSummary" {
		t.Errorf("evidence = %v", v.evidence)
	}
}
