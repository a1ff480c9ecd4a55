package policy

import (
	"os"
	"path/filepath"
	"testing"
)

func TestAllowed(t *testing.T) {
	stmts, err := Parse([]byte(`{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Action":"iam:PassRole","Resource":["arn:aws:iam::*:role/app-*"],"Condition":{"StringEquals":{"iam:PassedToService":["lambda.amazonaws.com","events.amazonaws.com"]}}},
  {"Effect":"Allow","Action":"IAM:passrole","Resource":"arn:aws:iam::*:role/any-service"},
  {"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::*:role/sched-?","Condition":{"StringLike":{"iam:PassedToService":"scheduler.*"}}},
  {"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::*:role/not-lambda","Condition":{"StringNotEquals":{"iam:PassedToService":"lambda.amazonaws.com"}}},
  {"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::*:role/keyed","Condition":{"StringEquals":{"iam:AssociatedResourceArn":"x"}}},
  {"Effect":"Deny","Action":"iam:*","Resource":"arn:aws:iam::*:role/app-denied"}
]}`))
	if err != nil {
		t.Fatal(err)
	}
	role := func(name string) string { return "arn:aws:iam::111122223333:role/" + name }
	for _, c := range []struct {
		role, service string
		want          bool
	}{
		{role("app-fn"), "lambda.amazonaws.com", true},
		{role("app-fn"), "events.amazonaws.com", true},
		{role("app-fn"), "scheduler.amazonaws.com", false},  // not in the condition's values
		{role("app-fn"), "LAMBDA.amazonaws.com", false},     // StringEquals is case-sensitive
		{role("other"), "lambda.amazonaws.com", false},      // no statement for the resource
		{role("app-denied"), "lambda.amazonaws.com", false}, // an explicit deny wins
		{role("any-service"), "ec2.amazonaws.com", true},    // action names fold case
		{role("sched-1"), "scheduler.amazonaws.com", true},
		{role("sched-12"), "scheduler.amazonaws.com", false}, // ? is one character
		{role("not-lambda"), "lambda.amazonaws.com", false},
		{role("not-lambda"), "events.amazonaws.com", true},
		{role("keyed"), "lambda.amazonaws.com", false}, // the key is not in the request context
	} {
		if got := Allowed(stmts, "iam:PassRole", c.role, map[string]string{"iam:PassedToService": c.service}); got != c.want {
			t.Errorf("pass %s to %s: allowed %v, want %v", c.role, c.service, got, c.want)
		}
	}
	if Allowed(stmts, "iam:CreateRole", role("app-fn"), nil) {
		t.Error("iam:CreateRole allowed by PassRole statements")
	}
	if !Allowed(stmts, "iam:PassRole", role("not-lambda"), nil) {
		t.Error("a negated operator on a key absent from the context should hold")
	}
}

func TestParseRefusesWhatItCannotEvaluate(t *testing.T) {
	for _, doc := range []string{
		`{"Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}`,
		`{"Statement":[{"Effect":"Allow","Action":"iam:*","NotResource":"*"}]}`,
		`{"Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*","Condition":{"ForAnyValue:StringEquals":{"k":"v"}}}]}`,
		`{"Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`,
		`{"Statement":[{"Effect":"Maybe","Action":"iam:*","Resource":"*"}]}`,
		`{"Statement":[{"Effect":"Allow","Resource":"*"}]}`,
		`not json`,
	} {
		if _, err := Parse([]byte(doc)); err == nil {
			t.Errorf("Parse(%s) accepted", doc)
		}
	}
}

// TestDocumentedPoliciesParse: every policy rootguard documents is one the
// local AWS evaluates, so the permission tests can load them whole.
func TestDocumentedPoliciesParse(t *testing.T) {
	files, err := filepath.Glob("../../../../docs/permissions/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no documented policies: %v", err)
	}
	for _, f := range files {
		doc, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		stmts, err := Parse(doc)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
		}
		if len(Actions(stmts)) == 0 {
			t.Errorf("%s allows no action", filepath.Base(f))
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource":"*","Condition":{"StringEquals":{"iam:PassedToService":"lambda.amazonaws.com"}}}]}`))
	f.Add([]byte(`{"Statement":{"Effect":"Deny","Action":["a:*"],"Resource":["arn:*"]}}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		stmts, err := Parse(doc)
		if err != nil {
			return
		}
		for _, s := range stmts {
			if len(s.Actions) == 0 || len(s.Resources) == 0 {
				t.Fatalf("statement without action or resource accepted: %+v", s)
			}
		}
		Allowed(stmts, "iam:PassRole", "arn:aws:iam::1:role/r", map[string]string{"iam:PassedToService": "x"})
	})
}
