package stack

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden templates in testdata")

func TestTemplatesMatchGolden(t *testing.T) {
	full := HubOptions{
		CreateTrail:         true,
		AllManagementEvents: true,
		ForwardRegions:      []string{"eu-west-1", "ap-northeast-2"},
		Email:               "security@example.com",
		Architecture:        "x86_64",
	}
	existingTrail := HubOptions{GuardedTrails: []string{"org-management-trail"}}
	tests := []struct {
		golden string
		tmpl   func() (*Template, error)
	}{
		{"hub-default.json", func() (*Template, error) { return Hub(HubOptions{}) }},
		{"hub-full.json", func() (*Template, error) { return Hub(full) }},
		{"hub-existing-trail.json", func() (*Template, error) { return Hub(existingTrail) }},
		{"forwarder-eu-west-1.json", func() (*Template, error) { return Forwarder("", "eu-west-1", false) }},
		{"forwarder-eu-west-1-all-management-events.json", func() (*Template, error) { return Forwarder("", "eu-west-1", true) }},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			tmpl, err := tt.tmpl()
			if err != nil {
				t.Fatal(err)
			}
			got, err := tmpl.JSON()
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", tt.golden)
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/stack -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("template differs from %s; run go test ./internal/stack -update and review the diff", path)
			}
		})
	}
}

// decoded renders a template and reads it back as plain JSON, the form
// CloudFormation sees.
func decoded(t *testing.T, tmpl *Template) map[string]any {
	t.Helper()
	b, err := tmpl.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

type foundStatement struct {
	resource  string // logical ID
	kind      string // identity or resource policy
	statement map[string]any
}

// statements finds every policy statement in the template: role policies
// (identity) and queue and bucket policies (resource).
func statements(t *testing.T, doc map[string]any) []foundStatement {
	t.Helper()
	var out []foundStatement
	for id, r := range doc["Resources"].(map[string]any) {
		res := r.(map[string]any)
		props := res["Properties"].(map[string]any)
		add := func(kind string, pd any) {
			for _, s := range pd.(map[string]any)["Statement"].([]any) {
				out = append(out, foundStatement{id, kind, s.(map[string]any)})
			}
		}
		switch res["Type"] {
		case "AWS::IAM::Role":
			for _, p := range props["Policies"].([]any) {
				add("identity", p.(map[string]any)["PolicyDocument"])
			}
		case "AWS::SQS::QueuePolicy", "AWS::S3::BucketPolicy":
			add("resource", props["PolicyDocument"])
		}
	}
	return out
}

func TestEveryAllowIsScopedToItsResource(t *testing.T) {
	tmpl, err := Hub(HubOptions{CreateTrail: true, ForwardRegions: []string{"eu-west-1"}, Email: "a@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	found := statements(t, decoded(t, tmpl))
	if len(found) < 9 {
		t.Fatalf("found %d statements; the walk misses policies", len(found))
	}
	for _, f := range found {
		s := f.statement
		name := f.resource + "/" + s["Sid"].(string)
		if s["Effect"] != "Allow" {
			continue
		}
		for _, a := range s["Action"].([]any) {
			if strings.Contains(a.(string), "*") {
				t.Errorf("%s allows wildcard action %s", name, a)
			}
		}
		resources, _ := s["Resource"].([]any)
		if len(resources) == 0 {
			t.Errorf("%s allows without a resource", name)
		}
		for _, r := range resources {
			text := flatten(r)
			if text == "*" || strings.HasSuffix(text, ":*") && !strings.Contains(text, ":log-group:") {
				t.Errorf("%s allows on %q", name, text)
			}
			if strings.HasSuffix(text, ":key/*") && !strings.Contains(flatten(s["Condition"]), "kms:EncryptionContext:PARAMETER_ARN") {
				t.Errorf("%s allows every KMS key without tying it to the webhook parameter", name)
			}
		}
		if f.kind == "resource" && !strings.Contains(flatten(s["Condition"]), "aws:SourceArn") {
			t.Errorf("%s lets a service in without aws:SourceArn", name)
		}
	}
}

// flatten renders a value as JSON text for substring checks.
func flatten(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func TestFunctionRoleGrantsExactlyWhatTheFunctionNeeds(t *testing.T) {
	tmpl, err := Hub(HubOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, f := range statements(t, decoded(t, tmpl)) {
		if f.resource != "AlertFunctionRole" {
			continue
		}
		for _, a := range f.statement["Action"].([]any) {
			actions = append(actions, a.(string)+" on "+flatten(f.statement["Resource"]))
		}
	}
	slices.Sort(actions)
	want := []string{
		`kms:Decrypt on [{"Fn::Sub":"arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*"}]`,
		`logs:CreateLogStream on [{"Fn::Sub":"arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/rootguard-alert:*"}]`,
		`logs:PutLogEvents on [{"Fn::Sub":"arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/rootguard-alert:*"}]`,
		`sqs:ChangeMessageVisibility on [{"Fn::GetAtt":["AlertQueue","Arn"]}]`,
		`sqs:DeleteMessage on [{"Fn::GetAtt":["AlertQueue","Arn"]}]`,
		`sqs:GetQueueAttributes on [{"Fn::GetAtt":["AlertQueue","Arn"]}]`,
		`sqs:ReceiveMessage on [{"Fn::GetAtt":["AlertQueue","Arn"]}]`,
		`ssm:GetParameter on [{"Fn::Sub":"arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${WebhookParameterName}"}]`,
	}
	if !slices.Equal(actions, want) {
		t.Errorf("function role grants\n%s\nwant\n%s", strings.Join(actions, "\n"), strings.Join(want, "\n"))
	}
}

func TestNoSecretInTemplateOrParameters(t *testing.T) {
	tmpl, err := Hub(HubOptions{CreateTrail: true, Email: "a@example.com", ForwardRegions: []string{"eu-west-1"}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := tmpl.JSON()
	if err != nil {
		t.Fatal(err)
	}
	for _, secretish := range []string{"hooks.slack.com", "https://", "xox"} {
		if bytes.Contains(b, []byte(secretish)) {
			t.Errorf("template contains %q", secretish)
		}
	}
	var params []string
	for name, p := range tmpl.Parameters {
		params = append(params, name)
		if strings.Contains(strings.ToLower(name), "url") || strings.Contains(strings.ToLower(p.Default), "http") {
			t.Errorf("parameter %s looks like it carries the webhook URL", name)
		}
	}
	slices.Sort(params)
	want := []string{ParamCodeBucket, ParamCodeKey, ParamCodeVersion, ParamWebhookParameter}
	if !slices.Equal(params, want) {
		t.Errorf("parameters %v, want %v", params, want)
	}
}

func TestEveryTaggableResourceIsTagged(t *testing.T) {
	tmpl, err := Hub(HubOptions{CreateTrail: true, Email: "a@example.com", ForwardRegions: []string{"eu-west-1"}})
	if err != nil {
		t.Fatal(err)
	}
	// Types without a Tags property; the deploy engine tags them through
	// stack tags, which CloudFormation propagates.
	untaggable := map[string]bool{
		"AWS::SQS::QueuePolicy": true, "AWS::S3::BucketPolicy": true,
		"AWS::SNS::Subscription": true, "AWS::Events::Rule": true,
	}
	for id, r := range tmpl.Resources {
		if untaggable[r.Type] {
			continue
		}
		tags, _ := r.Properties.(map[string]any)["Tags"].([]Tag)
		if !slices.Contains(tags, Tag{ManagedTagKey, ManagedTagValue}) {
			t.Errorf("%s (%s) lacks the %s tag", id, r.Type, ManagedTagKey)
		}
	}
}

func TestOptionsShapeTheStack(t *testing.T) {
	minimal, err := Hub(HubOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, absent := range []string{LogicalTrail, LogicalTrailBkt, LogicalAlarmTopic, "ForwardRoleEuWest1"} {
		if _, ok := minimal.Resources[absent]; ok {
			t.Errorf("minimal stack has %s", absent)
		}
	}
	if got := minimal.Resources[LogicalRule].Properties.(map[string]any)["State"]; got != RuleEnabled {
		t.Errorf("rule state %v", got)
	}

	full, err := Hub(HubOptions{CreateTrail: true, Email: "a@example.com", ForwardRegions: []string{"eu-west-1"}, AllManagementEvents: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, present := range []string{LogicalTrail, LogicalTrailBkt, LogicalAlarmTopic, "AlarmEmail", "ForwardRoleEuWest1"} {
		if _, ok := full.Resources[present]; !ok {
			t.Errorf("full stack lacks %s", present)
		}
	}
	if got := full.Resources[LogicalRule].Properties.(map[string]any)["State"]; got != RuleEnabledWithAllManagement {
		t.Errorf("rule state %v", got)
	}
	if got := full.Resources[LogicalTrailBkt].DeletionPolicy; got != "Retain" {
		t.Errorf("trail bucket deletion policy %q, want Retain: the logs are evidence", got)
	}
	trail := full.Resources[LogicalTrail].Properties.(map[string]any)
	for _, k := range []string{"IsMultiRegionTrail", "EnableLogFileValidation", "IsLogging"} {
		if trail[k] != true {
			t.Errorf("trail %s = %v", k, trail[k])
		}
	}
}

func TestInvalidOptions(t *testing.T) {
	tests := []struct {
		name string
		o    HubOptions
		want string
	}{
		{"upper-case prefix", HubOptions{Prefix: "RootGuard"}, "lowercase"},
		{"home region forwarded", HubOptions{ForwardRegions: []string{"us-east-1"}}, "home region"},
		{"not a region", HubOptions{ForwardRegions: []string{"europe"}}, "not a region"},
		{"bad architecture", HubOptions{Architecture: "riscv"}, "arm64 or x86_64"},
		{"bad e-mail", HubOptions{Email: "security"}, "not an address"},
		{"empty guarded trail", HubOptions{GuardedTrails: []string{""}}, "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Hub(tt.o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}
