package cloudformation

import (
	"slices"
	"strings"
	"testing"
)

// TestConditionsDropResources: a resource whose Condition is false in the
// stack's Region is not part of the stack; conditions combine with Fn::Not,
// Fn::And, Fn::Or and Condition; an unknown or circular condition is a
// template error.
func TestConditionsDropResources(t *testing.T) {
	body := `{"Conditions": {
	  "Home": {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]},
	  "NotHome": {"Fn::Not": [{"Condition": "Home"}]},
	  "HomeAndFlag": {"Fn::And": [{"Condition": "Home"}, {"Fn::Equals": [{"Ref": "Flag"}, "on"]}]},
	  "Either": {"Fn::Or": [{"Condition": "NotHome"}, {"Condition": "HomeAndFlag"}]}},
	 "Parameters": {"Flag": {"Type": "String", "Default": "off"}},
	 "Resources": {
	  "Always": {"Type": "AWS::SQS::Queue", "Properties": {}},
	  "OnlyHome": {"Type": "AWS::IAM::Role", "Condition": "Home", "Properties": {}},
	  "OnlyAway": {"Type": "AWS::SQS::Queue", "Condition": "NotHome", "Properties": {}},
	  "Flagged": {"Type": "AWS::SQS::Queue", "Condition": "Either", "Properties": {}}}}`
	tmpl, err := parseCFNTemplate(body)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		region, flag string
		want         []string
	}{
		{"us-east-1", "off", []string{"Always", "OnlyHome"}},
		{"us-east-1", "on", []string{"Always", "Flagged", "OnlyHome"}},
		{"eu-west-1", "off", []string{"Always", "Flagged", "OnlyAway"}},
	} {
		got, err := tmpl.withConditions(cfnScope{account: "111122223333", region: tc.region, params: map[string]string{"Flag": tc.flag}})
		if err != nil {
			t.Fatal(err)
		}
		ids, _ := got.order()
		if !slices.Equal(ids, tc.want) {
			t.Errorf("%s flag %s: resources %v, want %v", tc.region, tc.flag, ids, tc.want)
		}
	}
	if len(tmpl.Resources) != 4 {
		t.Error("withConditions changed the parsed template")
	}
	for name, bad := range map[string]string{
		"unknown":  `{"Resources": {"R": {"Type": "AWS::SQS::Queue", "Condition": "Nope", "Properties": {}}}}`,
		"circular": `{"Conditions": {"A": {"Condition": "B"}, "B": {"Condition": "A"}}, "Resources": {"R": {"Type": "AWS::SQS::Queue", "Condition": "A", "Properties": {}}}}`,
	} {
		tmpl, err := parseCFNTemplate(bad)
		if err == nil {
			_, err = tmpl.withConditions(cfnScope{region: "us-east-1"})
		}
		if err == nil || !strings.Contains(err.Error(), "Template") {
			t.Errorf("%s condition: %v, want a template error", name, err)
		}
	}
}
