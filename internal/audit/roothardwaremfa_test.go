package audit

import "testing"

func TestRootHardwareMFA(t *testing.T) {
	rootARN := "arn:aws:iam::" + testAccount + ":root"
	tests := []struct {
		name    string
		summary map[string]int32
		devices []mfaDevice
		devErr  error
		want    Status
		detail  string
	}{
		{"hardware MFA only", summary(1, 0, 0, 1), nil, nil, Pass, ""},
		{"virtual MFA on root", summary(1, 0, 0, 1), []mfaDevice{{Serial: "arn:aws:iam::111122223333:mfa/root-account-mfa-device", UserARN: rootARN}}, nil, Fail, "root-account-mfa-device"},
		// The peers' substring bug: these users' ARNs contain "root".
		{"virtual MFA on user named root-admin", summary(1, 0, 0, 1), []mfaDevice{
			{Serial: "arn:aws:iam::111122223333:mfa/root-admin", UserARN: "arn:aws:iam::111122223333:user/root-admin"},
			{Serial: "arn:aws:iam::111122223333:mfa/x", UserARN: "arn:aws:iam::111122223333:user/ops/root"},
		}, nil, Pass, ""},
		{"root of another account", summary(1, 0, 0, 1), []mfaDevice{{Serial: "arn:aws:iam::999999999999:mfa/root", UserARN: "arn:aws:iam::999999999999:root"}}, nil, Pass, ""},
		{"no MFA", summary(1, 0, 0, 0), nil, nil, Fail, "no MFA"},
		{"root credentials removed", summary(0, 0, 0, 0), nil, nil, NotApplicable, ""},
		{"devices unreadable", summary(1, 0, 0, 1), nil, apiErr("IAM", "ListVirtualMFADevices", "AccessDenied"), Error, "grant iam:ListVirtualMFADevices"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := baseInputs()
			in.summary, in.virtualMFA, in.virtualMFAErr = tt.summary, tt.devices, tt.devErr
			assertVerdict(t, evalRootHardwareMFA(in, testOpts()), tt.want, tt.detail)
		})
	}
}
