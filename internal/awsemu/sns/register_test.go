package sns

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
	"github.com/rootguard/rootguard/internal/awsemu/internal/emutest"
)

// host records the handlers Register installs, so the model is driven
// without awsemu's Server.
type host = emutest.Host

// reply keeps what a handler answered.
type reply = emutest.Reply

func call(t *testing.T, h host, account, region, action string, params url.Values) (any, error) {
	t.Helper()
	handler := h["sns:"+action]
	if handler == nil {
		t.Fatalf("sns:%s is not registered", action)
	}
	r := &reply{}
	c := &emu.Call{Service: "sns", Action: action, Region: region, Params: params,
		Caller: emu.Principal{Account: account, Type: emu.PrincipalRoot}, Reply: r}
	err := handler(c)
	return r.Value, err
}

// TestTopicsAreScopedToAccountAndRegion: a topic is found only by callers in
// its own account and region, and is NotFound (404) to any other.
func TestTopicsAreScopedToAccountAndRegion(t *testing.T) {
	h := host{}
	Register(h)
	out, err := call(t, h, "111122223333", "us-east-1", "CreateTopic", url.Values{"Name": {"alarms"}})
	if err != nil {
		t.Fatal(err)
	}
	arn := out.(struct{ TopicArn string }).TopicArn
	if arn != "arn:aws:sns:us-east-1:111122223333:alarms" {
		t.Fatalf("topic ARN %s", arn)
	}
	if _, err := call(t, h, "111122223333", "us-east-1", "GetTopicAttributes", url.Values{"TopicArn": {arn}}); err != nil {
		t.Errorf("owner: %v", err)
	}
	for _, other := range []struct{ account, region string }{{"444455556666", "us-east-1"}, {"111122223333", "eu-west-1"}} {
		_, err := call(t, h, other.account, other.region, "GetTopicAttributes", url.Values{"TopicArn": {arn}})
		var apiErr *emu.Error
		if !errors.As(err, &apiErr) || apiErr.Code != "NotFound" || apiErr.Status != 404 {
			t.Errorf("%s in %s: err = %v, want NotFound (404)", other.account, other.region, err)
		}
	}
}

// TestTopicNameBounds: "Topic names must be made up of only uppercase and
// lowercase ASCII letters, numbers, underscores, and hyphens, and must be
// between 1 and 256 characters long"
// (https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html).
func TestTopicNameBounds(t *testing.T) {
	h := host{}
	Register(h)
	for _, tt := range []struct {
		name string
		ok   bool
	}{
		{strings.Repeat("a", 256), true},
		{"root-alarms_1", true},
		{strings.Repeat("a", 257), false},
		{"", false},
		{"a.b", false},
		{"é", false},
	} {
		_, err := call(t, h, "111122223333", "us-east-1", "CreateTopic", url.Values{"Name": {tt.name}})
		var apiErr *emu.Error
		if tt.ok && err != nil || !tt.ok && (!errors.As(err, &apiErr) || apiErr.Code != "InvalidParameter") {
			t.Errorf("CreateTopic(%d bytes %.20q) = %v, want ok %v", len(tt.name), tt.name, err, tt.ok)
		}
	}
}
