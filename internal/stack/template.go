// Package stack generates rootguard's CloudFormation templates — the alert
// pipeline in us-east-1 (Hub) and the rules that forward root activity from
// other regions (Forwarder) — from typed Go values, the one source of truth
// for `alert deploy`, `alert template` and, later, the organization's
// StackSets.
package stack

import (
	"bytes"
	"encoding/json"
)

// Template is a CloudFormation template.
type Template struct {
	AWSTemplateFormatVersion string               `json:"AWSTemplateFormatVersion"`
	Description              string               `json:"Description"`
	Parameters               map[string]Parameter `json:"Parameters,omitempty"`
	Conditions               map[string]any       `json:"Conditions,omitempty"`
	Resources                map[string]Resource  `json:"Resources"`
	Outputs                  map[string]Output    `json:"Outputs,omitempty"`
}

// Parameter is a template parameter.
type Parameter struct {
	Type           string `json:"Type"`
	Description    string `json:"Description"`
	Default        string `json:"Default,omitempty"`
	AllowedPattern string `json:"AllowedPattern,omitempty"`
}

// Resource is one resource of a template.
type Resource struct {
	Type                string   `json:"Type"`
	Condition           string   `json:"Condition,omitempty"`
	DependsOn           []string `json:"DependsOn,omitempty"`
	DeletionPolicy      string   `json:"DeletionPolicy,omitempty"`
	UpdateReplacePolicy string   `json:"UpdateReplacePolicy,omitempty"`
	Properties          any      `json:"Properties"`
}

// Output is a stack output.
type Output struct {
	Description string `json:"Description"`
	Value       any    `json:"Value"`
}

// JSON renders the template, indented, with a trailing newline. Keys come out
// sorted, so the same options always give the same bytes.
func (t *Template) JSON() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(t); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Intrinsic functions.

// Ref is {"Ref": name}.
func Ref(name string) any { return map[string]any{"Ref": name} }

// GetAtt is {"Fn::GetAtt": [resource, attribute]}.
func GetAtt(resource, attribute string) any {
	return map[string]any{"Fn::GetAtt": []string{resource, attribute}}
}

// Sub is {"Fn::Sub": s}.
func Sub(s string) any { return map[string]any{"Fn::Sub": s} }

// Tag is a CloudFormation resource tag.
type Tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// ManagedTagKey and ManagedTagValue mark every resource rootguard deploys;
// `alert remove` deletes only what carries them.
const (
	ManagedTagKey   = "rootguard:managed"
	ManagedTagValue = "true"
)

// RetainedTagKey (value "true") replaces ManagedTagKey on what `alert
// remove` keeps on purpose (the trail bucket and its logs).
const RetainedTagKey = "rootguard:retained"

// managedTags is the tag list of every taggable resource.
func managedTags() []Tag { return []Tag{{ManagedTagKey, ManagedTagValue}} }
