package awsemu

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
		want signedRequest
	}{
		{"query", func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/", nil)
			r.Header.Set("Authorization", auth)
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
			return r
		}, "Action=ListAccessKeys&Version=2010-05-08", signedRequest{accessKeyID: "AKIAEXAMPLE", region: "eu-west-1", service: "iam", protocol: protocolQuery, action: "ListAccessKeys"}},
		{"json", func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/", nil)
			r.Header.Set("Authorization", strings.Replace(auth, "/iam/", "/organizations/", 1))
			r.Header.Set("X-Amz-Target", "AWSOrganizationsV20161128.ListAccounts")
			return r
		}, "{}", signedRequest{accessKeyID: "AKIAEXAMPLE", region: "eu-west-1", service: "organizations", protocol: protocolJSON, action: "ListAccounts"}},
		{"presigned REST", func() *http.Request {
			return httptest.NewRequest(http.MethodGet, "/bucket/key?X-Amz-Credential=AKIAEXAMPLE%2F20240501%2Fus-east-1%2Fs3%2Faws4_request", nil)
		}, "", signedRequest{accessKeyID: "AKIAEXAMPLE", region: "us-east-1", service: "s3", protocol: protocolREST}},
		{"unsigned", func() *http.Request { return httptest.NewRequest(http.MethodGet, "/", nil) }, "", signedRequest{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseRequest(tt.req(), []byte(tt.body))
			if got.accessKeyID != tt.want.accessKeyID || got.region != tt.want.region || got.service != tt.want.service ||
				got.protocol != tt.want.protocol || got.action != tt.want.action {
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
		got := parseRequest(r, []byte(body))
		if got.accessKeyID != "" && !strings.Contains(authorization, got.accessKeyID) {
			t.Errorf("access key %q not from the header", got.accessKeyID)
		}
		if got.protocol == protocolQuery && got.action == "" {
			t.Error("Query request without an action")
		}
		if got.protocol == protocolJSON && strings.Contains(got.action, ".") {
			t.Errorf("JSON action %q keeps the target prefix", got.action)
		}
	})
}
