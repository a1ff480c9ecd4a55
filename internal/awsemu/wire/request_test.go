package wire

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestParseRequest(t *testing.T) {
	auth := "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20240501/eu-west-1/iam/aws4_request, SignedHeaders=host, Signature=abc"
	tests := []struct {
		name string
		req  func() *http.Request
		body string
		want Request
	}{
		{"query", func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/", nil)
			r.Header.Set("Authorization", auth)
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
			return r
		}, "Action=ListAccessKeys&Version=2010-05-08", Request{AccessKeyID: "AKIAEXAMPLE", Region: "eu-west-1", Service: "iam", Protocol: Query, Action: "ListAccessKeys"}},
		{"json", func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/", nil)
			r.Header.Set("Authorization", strings.Replace(auth, "/iam/", "/organizations/", 1))
			r.Header.Set("X-Amz-Target", "AWSOrganizationsV20161128.ListAccounts")
			return r
		}, "{}", Request{AccessKeyID: "AKIAEXAMPLE", Region: "eu-west-1", Service: "organizations", Protocol: JSON, Action: "ListAccounts"}},
		{"presigned REST", func() *http.Request {
			return httptest.NewRequest(http.MethodGet, "/bucket/key?X-Amz-Credential=AKIAEXAMPLE%2F20240501%2Fus-east-1%2Fs3%2Faws4_request", nil)
		}, "", Request{AccessKeyID: "AKIAEXAMPLE", Region: "us-east-1", Service: "s3", Protocol: REST}},
		{"unsigned", func() *http.Request { return httptest.NewRequest(http.MethodGet, "/", nil) }, "", Request{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ParseRequest(tt.req(), []byte(tt.body))
			if got.AccessKeyID != tt.want.AccessKeyID || got.Region != tt.want.Region || got.Service != tt.want.Service ||
				got.Protocol != tt.want.Protocol || got.Action != tt.want.Action {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func FuzzParseRequest(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKID/20240501/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=x", "", "Action=GetCallerIdentity")
	f.Add("AWS4-HMAC-SHA256 Credential=//////", "AWSOrganizationsV20161128.ListAccounts", "{")
	f.Add("", "", "Action=%zz")
	f.Fuzz(func(t *testing.T, authorization, target, body string) {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		r.Header.Set("Authorization", authorization)
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if target != "" {
			r.Header.Set("X-Amz-Target", target)
		}
		got := ParseRequest(r, []byte(body))
		if got.AccessKeyID != "" && !strings.Contains(authorization, got.AccessKeyID) {
			t.Errorf("access key %q not from the header", got.AccessKeyID)
		}
		if got.Protocol == Query && got.Action == "" {
			t.Error("Query request without an action")
		}
		if got.Protocol == JSON && strings.Contains(got.Action, ".") {
			t.Errorf("JSON action %q keeps the target prefix", got.Action)
		}
	})
}
