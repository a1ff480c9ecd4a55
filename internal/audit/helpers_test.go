package audit

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/smithy-go"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/credreport"
)

const testAccount = "111122223333"

var testNow = time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)

func testOpts() Options {
	return Options{Now: func() time.Time { return testNow }}.withDefaults()
}

// apiErr is an error shaped as the SDK returns it.
func apiErr(service, op, code string) error {
	return &smithy.OperationError{ServiceID: service, OperationName: op, Err: &smithy.GenericAPIError{Code: code, Message: code}}
}

func daysAgo(n int) credreport.Date { return credreport.Date{Time: testNow.AddDate(0, 0, -n)} }

func summary(password, keys, certs, mfa int32) map[string]int32 {
	return map[string]int32{summaryPassword: password, summaryKeys: keys, summaryCerts: certs, summaryMFA: mfa}
}

func baseInputs() *inputs {
	return &inputs{
		accountID: testAccount, partition: account.AWS,
		callerARN:        "arn:aws:iam::" + testAccount + ":user/auditor",
		summary:          summary(1, 0, 0, 1),
		passwordLastUsed: credreport.Date{Raw: "N/A"},
	}
}

func assertVerdict(t *testing.T, got verdict, want Status, detailHas string) {
	t.Helper()
	if got.status != want {
		t.Errorf("status = %s, want %s (detail %q)", got.status, want, got.detail)
	}
	if detailHas != "" && !contains(got.detail, detailHas) {
		t.Errorf("detail %q does not contain %q", got.detail, detailHas)
	}
}

func contains(s, sub string) bool {
	return strings.Contains(s, sub)
}
