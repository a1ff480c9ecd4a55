package awsemu

import "testing"

// An allow list is matched against the IAM action, not the operation:
// Lambda's Invoke is authorized as lambda:InvokeFunction.
func TestIAMActionOfAnOperation(t *testing.T) {
	for op, want := range map[[2]string]string{
		{"lambda", "Invoke"}:            "lambda:InvokeFunction",
		{"lambda", "InvokeAsync"}:       "lambda:InvokeFunction",
		{"lambda", "GetFunction"}:       "lambda:GetFunction",
		{"monitoring", "GetMetricData"}: "cloudwatch:GetMetricData",
	} {
		if got := iamAction(op[0], op[1]); got != want {
			t.Errorf("iamAction(%s, %s) = %s, want %s", op[0], op[1], got, want)
		}
	}
}
