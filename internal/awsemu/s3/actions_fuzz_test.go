package s3

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// FuzzActions: any request names at most one operation and needs at least
// one IAM action, every one of S3's ("s3:…"); an unnamed request needs the
// one only s3:* grants.
func FuzzActions(f *testing.F) {
	f.Add("GET", "/b/k", "versionId=v", "", "")
	f.Add("PUT", "/b", "", "X-Amz-Object-Ownership", "<x/>")
	f.Add("POST", "/b", "delete", "", "<VersionId>")
	f.Add("HEAD", "/", "uploads&uploadId", "X-Amz-Copy-Source", "")
	f.Fuzz(func(t *testing.T, method, path, query, header, body string) {
		r := &http.Request{Method: method, URL: &url.URL{Path: path, RawQuery: query}, Header: http.Header{}}
		if header != "" {
			r.Header.Set(header, "v")
		}
		op := Operation(r)
		actions := Actions(r, []byte(body))
		if len(actions) == 0 {
			t.Fatal("no action")
		}
		for _, a := range actions {
			if !strings.HasPrefix(a, "s3:") {
				t.Fatalf("%q is not an S3 action", a)
			}
		}
		if op == "" && (len(actions) != 1 || actions[0] != "s3:") {
			t.Fatalf("unnamed request needs %v, want only s3:", actions)
		}
	})
}
