package roottask

import (
	"strings"
	"testing"
)

func TestParseQueueURL(t *testing.T) {
	for raw, want := range map[string]Queue{
		"https://sqs.eu-west-1.amazonaws.com/222222222222/orders":          {Account: "222222222222", Region: "eu-west-1", Name: "orders"},
		"https://sqs.cn-north-1.amazonaws.com.cn/222222222222/orders.fifo": {Account: "222222222222", Region: "cn-north-1", Name: "orders.fifo"},
		"http://127.0.0.1:4566/000000000000/rootguard-alerts":              {Account: "000000000000", Name: "rootguard-alerts"},
		"https://sqs.us-gov-west-1.amazonaws.com/222222222222/orders-dlq/": {Account: "222222222222", Region: "us-gov-west-1", Name: "orders-dlq"},
	} {
		got, err := ParseQueueURL(raw)
		if err != nil || got != want {
			t.Errorf("%s: %+v, %v; want %+v", raw, got, err, want)
		}
	}
	for _, bad := range []string{"", "orders", "sqs.eu-west-1.amazonaws.com/222222222222/orders", "ftp://h/222222222222/q",
		"https://sqs.eu-west-1.amazonaws.com/22222222222/orders", "https://h/222222222222/a/b", "https://h/222222222222/o rders", "https://h/222222222222/q?x=1"} {
		if _, err := ParseQueueURL(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestValidBucketName(t *testing.T) {
	for _, ok := range []string{"abc", "example-logs", "a.b-c.123"} {
		if err := ValidBucketName(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "ab", "Example", "a_b", "-ab", "ab-", "a..b", strings.Repeat("a", 64)} {
		if ValidBucketName(bad) == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestStatements(t *testing.T) {
	for doc, want := range map[string]string{
		`{"Statement":{"Effect":"Deny","Principal":"*","Action":"*"}}`:                                         "1 statement, one denies every principal",
		`{"Statement":[{"Effect":"Deny","Principal":{"AWS":["arn:aws:iam::1:root","*"]}},{"Effect":"Allow"}]}`: "2 statements, one denies every principal",
		`{"Statement":[{"Effect":"Deny","Principal":{"Service":"*"}},{"Effect":"Allow","Principal":"*"}]}`:     "2 statements",
		`{"Statement":[]}`: "0 statements",
	} {
		if got := statements(doc); got != want {
			t.Errorf("%s: %q, want %q", doc, got, want)
		}
	}
	if got := statements(`{"Version":"2012-10-17"}`); !strings.HasPrefix(got, "not valid JSON") {
		t.Errorf("a document without statements: %q", got)
	}
}

func TestSameDocument(t *testing.T) {
	if !sameDocument(`{"a": 1, "b": [1,2]}`, `{"b":[1,2],"a":1}`) || sameDocument(`{"a":1}`, `{"a":2}`) || sameDocument("x", "y") {
		t.Fatal("sameDocument compares JSON values")
	}
}

func FuzzParseQueueURL(f *testing.F) {
	f.Add("https://sqs.eu-west-1.amazonaws.com/222222222222/orders")
	f.Add("http://[::1]:4566/000000000000/q.fifo")
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := ParseQueueURL(raw)
		if err != nil {
			return
		}
		if len(q.Account) != 12 || q.Name == "" || strings.ContainsAny(q.Name, "/?# ") {
			t.Fatalf("%q parsed to %+v", raw, q)
		}
	})
}

func FuzzStatements(f *testing.F) {
	f.Add(`{"Statement":{"Effect":"Deny","Principal":"*"}}`)
	f.Add(`{"Statement":[{"Principal":{"AWS":["*"]}}]}`)
	f.Fuzz(func(t *testing.T, doc string) {
		_ = statements(doc) // never panics, whatever a policy holds
		_ = Indent(doc)
	})
}
