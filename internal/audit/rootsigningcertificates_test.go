package audit

import "testing"

func TestRootSigningCertificates(t *testing.T) {
	tests := []struct {
		name   string
		mod    func(in *inputs)
		want   Status
		detail string
	}{
		{"none", func(in *inputs) {}, Pass, ""},
		{"one active", func(in *inputs) {
			in.summary[summaryCerts] = 1
			in.certs = []rootCert{{ID: "cert_1", Status: "Active"}}
		}, Fail, "cert_1 Active"},
		{"present per summary, report stale", func(in *inputs) { in.summary[summaryCerts] = 1 }, Fail, "= 1"},
		{"summary unreadable, none seen", func(in *inputs) { in.summaryErr = apiErr("IAM", "GetAccountSummary", "Throttling") }, Error, "Throttling"},
		{"summary unreadable, one seen", func(in *inputs) {
			in.summaryErr = apiErr("IAM", "GetAccountSummary", "Throttling")
			in.certs = []rootCert{{ID: "C1", Status: "Inactive"}}
		}, Fail, "C1 Inactive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := baseInputs()
			tt.mod(in)
			assertVerdict(t, evalRootSigningCertificates(in, testOpts()), tt.want, tt.detail)
		})
	}
}
