// Package policy evaluates IAM identity policy documents as far as the local
// AWS needs: a statement's Effect, Action, Resource (IAM's * and ? wildcards)
// and the string and ARN condition operators rootguard's documented policies
// use. The front uses it where AWS authorizes by resource and request
// context and an actions-only check would prove nothing: iam:PassRole, whose
// resource is the role passed and whose iam:PassedToService is the service
// receiving it (IAM User Guide, "Grant a user permissions to pass a role to
// an AWS service":
// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html),
// and the actions whose resources and condition keys awsemu derives from
// the request (awsemu's scopedActions, resources.go). Every other action
// is checked by its name only (Actions).
package policy

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

// Statement is one statement of an identity policy.
type Statement struct {
	Sid       string
	Allow     bool // Effect "Allow"; false is "Deny"
	Actions   []string
	Resources []string
	// Conditions are the statement's condition blocks; all must hold.
	Conditions []Condition
}

// Condition is one operator and key of a Condition element with its values
// ("StringEquals": {"iam:PassedToService": ["lambda.amazonaws.com"]}).
type Condition struct {
	Operator string
	Key      string
	Values   []string
}

// operators are the condition operators evaluated here (IAM User Guide,
// "IAM JSON policy elements: Condition operators":
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html).
// StringEquals compares exactly (case-sensitive), StringLike and the ARN
// operators with * and ?; the Not forms negate. A policy using any other
// operator is refused by Parse rather than half evaluated.
var operators = map[string]bool{
	"StringEquals": true, "StringNotEquals": true, "StringLike": true, "StringNotLike": true,
	"ArnEquals": true, "ArnLike": true, "ArnNotEquals": true, "ArnNotLike": true,
}

// Parse reads an identity policy document and returns its statements.
// NotAction, NotResource and Principal, and operators outside operators,
// are errors: the local AWS would otherwise evaluate a policy it does not
// understand.
func Parse(doc []byte) ([]Statement, error) {
	var d struct {
		Statement json.RawMessage
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, fmt.Errorf("parse policy: %w", err)
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(d.Statement, &raws); err != nil {
		// A single statement object.
		raws = []json.RawMessage{d.Statement}
	}
	out := make([]Statement, 0, len(raws))
	for i, raw := range raws {
		var s struct {
			Sid         string
			Effect      string
			Action      stringList
			Resource    stringList
			NotAction   json.RawMessage
			NotResource json.RawMessage
			Principal   json.RawMessage
			Condition   map[string]map[string]stringList
		}
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("parse policy statement %d: %w", i, err)
		}
		switch {
		case s.NotAction != nil || s.NotResource != nil || s.Principal != nil:
			return nil, fmt.Errorf("parse policy statement %d (%s): NotAction, NotResource and Principal are not evaluated by the local AWS", i, s.Sid)
		case s.Effect != "Allow" && s.Effect != "Deny":
			return nil, fmt.Errorf("parse policy statement %d (%s): Effect %q", i, s.Sid, s.Effect)
		case len(s.Action) == 0 || len(s.Resource) == 0:
			return nil, fmt.Errorf("parse policy statement %d (%s): no Action or no Resource", i, s.Sid)
		}
		st := Statement{Sid: s.Sid, Allow: s.Effect == "Allow", Actions: s.Action, Resources: s.Resource}
		for op, keys := range s.Condition {
			if !operators[op] {
				return nil, fmt.Errorf("parse policy statement %d (%s): condition operator %s is not evaluated by the local AWS", i, s.Sid, op)
			}
			for key, values := range keys {
				st.Conditions = append(st.Conditions, Condition{Operator: op, Key: key, Values: values})
			}
		}
		out = append(out, st)
	}
	return out, nil
}

// stringList is a policy element that is one string or a list of them.
type stringList []string

func (l *stringList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*l = []string{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*l = many
	return nil
}

// Actions are the actions the Allow statements of stmts name: the allow
// list the front checks every call's action against.
func Actions(stmts []Statement) []string {
	var out []string
	for _, s := range stmts {
		if s.Allow {
			out = append(out, s.Actions...)
		}
	}
	return out
}

// Allowed reports whether stmts allow action on resource with the request
// context ctx (condition key → value; keys compare case-insensitively, as
// IAM's do): some Allow statement matches and no Deny statement does (IAM
// User Guide, "Policy evaluation logic": an explicit deny overrides any
// allow; without an allow the request is implicitly denied).
func Allowed(stmts []Statement, action, resource string, ctx map[string]string) bool {
	allowed := false
	for _, s := range stmts {
		if !s.matches(action, resource, ctx) {
			continue
		}
		if !s.Allow {
			return false
		}
		allowed = true
	}
	return allowed
}

func (s Statement) matches(action, resource string, ctx map[string]string) bool {
	if !anyMatch(s.Actions, action, true) || !anyMatch(s.Resources, resource, false) {
		return false
	}
	for _, c := range s.Conditions {
		if !c.holds(ctx) {
			return false
		}
	}
	return true
}

// holds evaluates c against ctx. A key absent from the request context
// makes a positive operator false and a negated one true (IAM User Guide,
// condition operators: "If the key that you specify in a policy condition is
// not present in the request context, the values do not match", and the
// negated operators then return true). Several values are ORed.
func (c Condition) holds(ctx map[string]string) bool {
	var value string
	present := false
	for k, v := range ctx {
		if strings.EqualFold(k, c.Key) {
			value, present = v, true
			break
		}
	}
	negated := strings.Contains(c.Operator, "Not")
	if !present {
		return negated
	}
	// ArnEquals and ArnLike both take wildcards (condition operators, "ARN
	// condition operators").
	like := strings.HasSuffix(c.Operator, "Like") || strings.HasPrefix(c.Operator, "Arn")
	match := false
	for _, want := range c.Values {
		if (like && emu.WildcardMatch(want, value)) || (!like && want == value) {
			match = true
			break
		}
	}
	return match != negated
}

// anyMatch reports whether one of patterns matches s with IAM's wildcards;
// action names compare case-insensitively, resource ARNs exactly.
func anyMatch(patterns []string, s string, fold bool) bool {
	if fold {
		s = strings.ToLower(s)
	}
	for _, p := range patterns {
		if fold {
			p = strings.ToLower(p)
		}
		if emu.WildcardMatch(p, s) {
			return true
		}
	}
	return false
}
