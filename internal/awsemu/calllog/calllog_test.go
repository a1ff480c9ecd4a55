package calllog

import (
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/rootguard/rootguard/internal/awsemu/wire"
)

func TestKeyParams(t *testing.T) {
	query := url.Values{"Action": {"DeleteAccessKey"}, "AccessKeyId": {"AKIA1"}, "TaskPolicyArn.arn": {"arn:p"}, "Version": {"2010-05-08"}}
	jsonBody := []byte(`{"QueueUrl":"https://q","MaxResults":5,"Name":""}`)
	for _, tt := range []struct {
		name   string
		params url.Values
		body   []byte
		p      wire.Protocol
		want   map[string]string
	}{
		{"query keeps logged parameters and drops .arn", query, nil, wire.Query, map[string]string{"AccessKeyId": "AKIA1", "TaskPolicyArn": "arn:p"}},
		{"json keeps non-empty top-level strings", nil, jsonBody, wire.JSON, map[string]string{"QueueUrl": "https://q"}},
		{"json that does not decode", nil, []byte("{"), wire.JSON, map[string]string{}},
		{"rest logs nothing", query, jsonBody, wire.REST, map[string]string{}},
	} {
		if got := KeyParams(tt.params, tt.body, tt.p); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: KeyParams = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestRecordRendering(t *testing.T) {
	at := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	rec := func(action, errorCode string, params map[string]string) Record {
		return Record{Time: at, Account: "222222222222", Principal: "arn:aws:iam::222222222222:root",
			Service: "iam", Action: action, Params: params, ErrorCode: errorCode}
	}
	for _, tt := range []struct {
		r                  Record
		wantString, wantDo string
	}{
		{
			rec("DeleteAccessKey", "", map[string]string{"AccessKeyId": "AKIA1"}),
			"2024-05-01T10:00:00Z 222222222222 arn:aws:iam::222222222222:root iam:DeleteAccessKey AccessKeyId=AKIA1 -> ok",
			"root key AKIA1 was deleted in 222222222222",
		},
		{
			rec("DeactivateMFADevice", "", map[string]string{"UserName": "bob", "SerialNumber": "arn:mfa"}),
			"2024-05-01T10:00:00Z 222222222222 arn:aws:iam::222222222222:root iam:DeactivateMFADevice SerialNumber=arn:mfa UserName=bob -> ok",
			"user bob's MFA device arn:mfa was deactivated in 222222222222",
		},
		{
			rec("DeleteLoginProfile", "AccessDenied", nil),
			"2024-05-01T10:00:00Z 222222222222 arn:aws:iam::222222222222:root iam:DeleteLoginProfile -> AccessDenied",
			"2024-05-01T10:00:00Z 222222222222 arn:aws:iam::222222222222:root iam:DeleteLoginProfile -> AccessDenied",
		},
		{
			rec("ListUsers", "", nil),
			"2024-05-01T10:00:00Z 222222222222 arn:aws:iam::222222222222:root iam:ListUsers -> ok",
			"2024-05-01T10:00:00Z 222222222222 arn:aws:iam::222222222222:root iam:ListUsers -> ok",
		},
	} {
		if got := tt.r.String(); got != tt.wantString {
			t.Errorf("String = %q, want %q", got, tt.wantString)
		}
		if got := tt.r.Describe(); got != tt.wantDo {
			t.Errorf("Describe = %q, want %q", got, tt.wantDo)
		}
	}
}

func TestLogCopiesRecords(t *testing.T) {
	var l Log
	r := &Record{Service: "sts", Action: "AssumeRole"}
	l.Add(r)
	r.Action = "changed after Add"
	l.Add(&Record{Service: "iam", Action: "ListUsers"})

	got := l.To("sts", "AssumeRole")
	if len(got) != 1 || got[0].Action != "AssumeRole" {
		t.Fatalf("To(sts, AssumeRole) = %v", got)
	}
	all := l.Records()
	all[0].Service = "mutated"
	if l.Records()[0].Service != "sts" {
		t.Error("Records must return a copy")
	}
	l.Reset()
	if n := len(l.Records()); n != 0 {
		t.Errorf("after Reset: %d records", n)
	}
}
