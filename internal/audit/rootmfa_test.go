package audit

import "testing"

func TestRootMFA(t *testing.T) {
	tests := []struct {
		name    string
		summary map[string]int32
		err     error
		want    Status
	}{
		{"password and MFA", summary(1, 0, 0, 1), nil, Pass},
		{"password without MFA", summary(1, 0, 0, 0), nil, Fail},
		{"only access keys, no MFA", summary(0, 1, 0, 0), nil, Fail},
		{"only signing certificate, no MFA", summary(0, 0, 1, 0), nil, Fail},
		{"member with root credentials removed", summary(0, 0, 0, 0), nil, NotApplicable},
		{"removed credentials but MFA left", summary(0, 0, 0, 1), nil, NotApplicable},
		{"summary unreadable", nil, apiErr("IAM", "GetAccountSummary", "AccessDenied"), Error},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := baseInputs()
			in.summary, in.summaryErr = tt.summary, tt.err
			assertVerdict(t, evalRootMFA(in, testOpts()), tt.want, "")
		})
	}
}
