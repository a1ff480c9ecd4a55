package scheduler

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

// EventBridge Scheduler invokes a target as the schedule's execution role:
// it assumes the role as scheduler.amazonaws.com — with aws:SourceAccount
// and aws:SourceArn (the schedule group's ARN) in the request context, the
// confused-deputy conditions of
// https://docs.aws.amazon.com/scheduler/latest/UserGuide/setting-up.html#setting-up-execution-role
// — and calls the target's API with the role's permissions, when the
// schedule fires (the role is not checked when the schedule is created).
// The permission policies evaluated here are the role's inline policies:
// an explicit Deny wins, an Allow must name the action and the resource
// (with IAM's wildcards); a statement with conditions is not counted as an
// Allow, since its conditions are not evaluated.

type policyDocument struct {
	Statement statements
}

type statement struct {
	Effect    string
	Principal struct{ Service any }
	Action    any
	Resource  any
	Condition map[string]map[string]any
}

// statements reads Statement as a list or a single object.
type statements []statement

func (s *statements) UnmarshalJSON(b []byte) error {
	var one statement
	if err := json.Unmarshal(b, &one); err == nil {
		*s = statements{one}
		return nil
	}
	var many []statement
	err := json.Unmarshal(b, &many)
	*s = many
	return err
}

func stringsOf(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func matchesAny(patterns []string, value string, foldCase bool) bool {
	if foldCase {
		value = strings.ToLower(value)
	}
	return slices.ContainsFunc(patterns, func(p string) bool {
		if foldCase {
			p = strings.ToLower(p)
		}
		return emu.WildcardMatch(p, value)
	})
}

// trusts reports whether a trust policy lets service assume the role with
// the given request context.
func trusts(document, service string, context map[string]string) bool {
	var p policyDocument
	if json.Unmarshal([]byte(document), &p) != nil {
		return false
	}
	for _, st := range p.Statement {
		if st.Effect == "Allow" && slices.Contains(stringsOf(st.Principal.Service), service) &&
			matchesAny(stringsOf(st.Action), "sts:AssumeRole", true) && conditionsHold(st.Condition, context) {
			return true
		}
	}
	return false
}

// conditionsHold evaluates StringEquals, StringLike, ArnEquals and ArnLike
// on the keys of context; any other operator or key does not hold.
func conditionsHold(cond map[string]map[string]any, context map[string]string) bool {
	for op, kv := range cond {
		for key, want := range kv {
			got, ok := context[key]
			if !ok {
				return false
			}
			switch op {
			case "StringEquals":
				if !slices.Contains(stringsOf(want), got) {
					return false
				}
			case "StringLike", "ArnEquals", "ArnLike":
				if !matchesAny(stringsOf(want), got, false) {
					return false
				}
			default:
				return false
			}
		}
	}
	return true
}

// allows reports whether the permission policies allow action on
// resource.
func allows(documents []string, action, resource string) bool {
	allowed := false
	for _, doc := range documents {
		var p policyDocument
		if json.Unmarshal([]byte(doc), &p) != nil {
			continue
		}
		for _, st := range p.Statement {
			if !matchesAny(stringsOf(st.Action), action, true) || !matchesAny(stringsOf(st.Resource), resource, false) {
				continue
			}
			switch {
			case st.Effect == "Deny":
				return false
			case st.Effect == "Allow" && len(st.Condition) == 0:
				allowed = true
			}
		}
	}
	return allowed
}
