package wire

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestRESTOperation(t *testing.T) {
	for _, tt := range []struct {
		service, method, path, want string
	}{
		{"lambda", http.MethodPost, "/2015-03-31/functions", "CreateFunction"},
		{"lambda", http.MethodPost, "/2015-03-31/functions/", "CreateFunction"},
		{"lambda", http.MethodGet, "/2015-03-31/functions/f/configuration", "GetFunctionConfiguration"},
		{"lambda", http.MethodDelete, "/2015-03-31/functions/f/policy/sid1", "RemovePermission"},
		{"lambda", http.MethodPost, "/2017-03-31/tags/arn:aws:lambda:us-east-1:123456789012:function:f", "TagResource"},
		{"lambda", http.MethodPatch, "/2015-03-31/functions", ""},
		{"lambda", http.MethodGet, "/nope", ""},
		{"nosuchservice", http.MethodGet, "/2015-03-31/functions", ""},
	} {
		r := httptest.NewRequest(tt.method, tt.path, nil)
		if got := RESTOperation(tt.service, r); got != tt.want {
			t.Errorf("RESTOperation(%s, %s %s) = %q, want %q", tt.service, tt.method, tt.path, got, tt.want)
		}
	}
}
