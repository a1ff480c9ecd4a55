package logs

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
	"github.com/rootguard/rootguard/internal/awsemu/internal/emutest"
)

// host records the handlers Register installs, so the model is driven
// without awsemu's Server.
type host = emutest.Host

type reply = emutest.Reply

// call runs action and returns its result as JSON, as the front would
// encode it.
func call(t *testing.T, h host, s emu.Scope, action string, in any) (string, error) {
	t.Helper()
	handler := h["logs:"+action]
	if handler == nil {
		t.Fatalf("logs:%s is not registered", action)
	}
	body, _ := json.Marshal(in)
	r := &reply{}
	err := handler(&emu.Call{Service: "logs", Action: action, Region: s.Region, Body: body,
		Caller: emu.Principal{Account: s.Account, Type: emu.PrincipalRoot}, Reply: r})
	out, _ := json.Marshal(r.Value)
	return string(out), err
}

// TestAppendLogIsReadBackInItsOwnAccount: what AppendLog writes (a
// function's output) creates its group and stream, is found by
// FilterLogEvents in the same account and region, and stays invisible to
// another account.
func TestAppendLogIsReadBackInItsOwnAccount(t *testing.T) {
	h := host{}
	m := Register(h)
	home := emu.Scope{Account: "111122223333", Region: "us-east-1"}
	m.AppendLog(home, "/aws/lambda/fn", "2026/01/01/[$LATEST]abc", time.UnixMilli(1000), "START", `{"level":"INFO"}`)

	out, err := call(t, h, home, "FilterLogEvents", map[string]string{"logGroupName": "/aws/lambda/fn", "filterPattern": `{ $.level = "INFO" }`})
	want := `{"events":[{"logStreamName":"2026/01/01/[$LATEST]abc","timestamp":1000,"ingestionTime":1700000000000,"message":"{\"level\":\"INFO\"}","eventId":"2026/01/01/[$LATEST]abc/0000000001"}]}`
	if err != nil || out != want {
		t.Errorf("FilterLogEvents = %s, %v\nwant %s", out, err, want)
	}

	var apiErr *emu.Error
	other := emu.Scope{Account: "444455556666", Region: "us-east-1"}
	if _, err := call(t, h, other, "FilterLogEvents", map[string]string{"logGroupName": "/aws/lambda/fn"}); !errors.As(err, &apiErr) || apiErr.Code != "ResourceNotFoundException" {
		t.Errorf("another account: err = %v, want ResourceNotFoundException", err)
	}
}

func TestSeededMetricFilterIsDescribed(t *testing.T) {
	h := host{}
	m := Register(h)
	s := emu.Scope{Account: "111122223333", Region: "us-east-1"}
	if err := m.CreateLogGroup(s, "trail"); err != nil {
		t.Fatal(err)
	}
	var apiErr *emu.Error
	if err := m.CreateLogGroup(s, "trail"); !errors.As(err, &apiErr) || apiErr.Code != "ResourceAlreadyExistsException" {
		t.Errorf("second CreateLogGroup: %v", err)
	}
	f := MetricFilterSeed{LogGroup: "trail", Name: "root", Pattern: `{ $.userIdentity.type = "Root" }`, MetricName: "RootUsage", Namespace: "CIS", Value: "1"}
	if err := m.PutMetricFilter(s, f); err != nil {
		t.Fatal(err)
	}
	out, err := call(t, h, s, "DescribeMetricFilters", map[string]string{"logGroupName": "trail"})
	want := `{"metricFilters":[{"filterName":"root","filterPattern":"{ $.userIdentity.type = \"Root\" }","metricTransformations":[{"metricName":"RootUsage","metricNamespace":"CIS","metricValue":"1"}],"creationTime":1700000000000,"logGroupName":"trail"}]}`
	if err != nil || out != want {
		t.Errorf("DescribeMetricFilters = %s, %v\nwant %s", out, err, want)
	}
}

// TestLogGroupNameBounds: a log group name is 1 to 512 of
// [.\-_/#A-Za-z0-9]
// (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html).
func TestLogGroupNameBounds(t *testing.T) {
	h := host{}
	Register(h)
	s := emu.Scope{Account: "111122223333", Region: "us-east-1"}
	for _, tt := range []struct {
		name string
		ok   bool
	}{
		{strings.Repeat("a", 512), true},
		{"/aws/lambda/rootguard-alert_1.#", true},
		{strings.Repeat("a", 513), false},
		{"", false},
		{"with space", false},
		{"é", false},
	} {
		_, err := call(t, h, s, "CreateLogGroup", map[string]string{"logGroupName": tt.name})
		var apiErr *emu.Error
		if tt.ok && err != nil || !tt.ok && (!errors.As(err, &apiErr) || apiErr.Code != "InvalidParameterException") {
			t.Errorf("CreateLogGroup(%d bytes %.20q) = %v, want ok %v", len(tt.name), tt.name, err, tt.ok)
		}
	}
}
