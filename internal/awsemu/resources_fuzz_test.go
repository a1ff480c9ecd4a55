package awsemu

import (
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"
)

// FuzzTargets: the resources and condition keys of a call are read from
// outside input (a request's body, query and path): deriving them never
// panics, and every target names a resource ("*" when the request names
// none), so a statement scoped to an ARN pattern is never matched by an
// empty string.
func FuzzTargets(f *testing.F) {
	actions := make([]string, 0, len(scopedActions)+1)
	for a := range scopedActions {
		actions = append(actions, a)
	}
	sort.Strings(actions)
	actions = append(actions, "s3:DeleteObject")
	f.Add(uint8(0), "/2015-03-31/functions/rootguard-alert/configuration", "Qualifier=$LATEST", []byte(`{"FunctionName":"x"}`))
	f.Add(uint8(1), "/schedules/rootguard-posture", "groupName=g", []byte(`{"GroupName":"default"}`))
	f.Add(uint8(2), "/bucket", "delete=", []byte(`<Delete><Object><Key>a/b</Key></Object></Delete>`))
	f.Add(uint8(3), "/", "QueueUrl=http://h/1/q&Name=/rootguard/x&TargetPrincipal=arn:aws:iam::1:root", []byte(`{"Entries":[{"Source":"rootguard.test"}],"QueueUrl":"::"}`))
	f.Fuzz(func(t *testing.T, pick uint8, path, query string, body []byte) {
		action := actions[int(pick)%len(actions)]
		service, _, _ := strings.Cut(action, ":")
		params, _ := url.ParseQuery(query)
		r := httptest.NewRequest("POST", "/", nil)
		r.URL.Path, r.URL.RawQuery = path, query
		c := &Call{}
		c.Service, c.Region, c.Params, c.Body, c.Request = service, "us-east-1", params, body, r
		c.Caller.Account = "111122223333"
		for _, tg := range targets(c, action) {
			if tg.resource == "" {
				t.Fatalf("%s: empty resource for path %q query %q body %q", action, path, query, body)
			}
		}
	})
}
