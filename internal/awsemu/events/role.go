package events

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

// A rule sending to an event bus in another Region needs an execution role
// (the target's RoleArn): EventBridge assumes it, as events.amazonaws.com,
// to put the event on that bus. A role that is missing, or whose trust
// policy does not let EventBridge assume it for this rule, makes every
// delivery fail. The role's permission policies are not evaluated (see the
// package's known limits); its trust policy is, for the condition keys
// EventBridge sets: aws:SourceAccount and aws:SourceArn.

// ErrNoRole is Links.TrustPolicy's answer for a role that does not exist.
var ErrNoRole = errors.New("no such role")

// mayAssume returns why EventBridge may not assume roleARN for the rule
// ruleARN in account, or nil.
func (e *Events) mayAssume(account, ruleARN, roleARN string) error {
	if roleARN == "" {
		return fmt.Errorf("the target has no RoleArn, which a bus in another Region needs")
	}
	ra := emu.ParseARN(roleARN)
	if ra.Service != "iam" || !strings.HasPrefix(ra.Resource, "role/") || ra.Account != account {
		return fmt.Errorf("RoleArn %s is not a role of account %s", roleARN, account)
	}
	trust, err := e.links.TrustPolicy(account, ra.Resource[strings.LastIndexByte(ra.Resource, '/')+1:])
	if errors.Is(err, ErrNoRole) {
		return fmt.Errorf("role %s does not exist", roleARN)
	}
	if err != nil {
		return err
	}
	if !trustsService(trust, "events.amazonaws.com", map[string]string{"aws:SourceAccount": account, "aws:SourceArn": ruleARN}) {
		return fmt.Errorf("the trust policy of %s does not let events.amazonaws.com assume it for %s", roleARN, ruleARN)
	}
	return nil
}

// trustsService reports whether a trust policy allows service sts:AssumeRole
// with the given request context. Conditions other than StringEquals,
// StringLike, ArnEquals and ArnLike on the context's keys do not hold.
func trustsService(document, service string, context map[string]string) bool {
	var policy struct {
		Statement []struct {
			Effect    string
			Principal struct{ Service any }
			Action    any
			Condition map[string]map[string]any
		}
	}
	if json.Unmarshal([]byte(document), &policy) != nil {
		return false
	}
	for _, st := range policy.Statement {
		if st.Effect == "Allow" && anyOf(st.Principal.Service, service) && anyOf(st.Action, "sts:AssumeRole", "sts:*", "*") &&
			trustConditionsHold(st.Condition, context) {
			return true
		}
	}
	return false
}

func trustConditionsHold(cond map[string]map[string]any, context map[string]string) bool {
	for op, kv := range cond {
		for key, want := range kv {
			got, ok := context[key]
			if !ok {
				return false
			}
			var values []string
			switch w := want.(type) {
			case string:
				values = []string{w}
			case []any:
				for _, v := range w {
					if s, ok := v.(string); ok {
						values = append(values, s)
					}
				}
			}
			match := func(v string) bool { return v == got }
			// IAM's ArnEquals takes wildcards too, like ArnLike (per ARN
			// component on AWS; here over the whole ARN).
			switch op {
			case "StringEquals":
			case "StringLike", "ArnEquals", "ArnLike":
				match = func(v string) bool { return emu.WildcardMatch(v, got) }
			default:
				return false
			}
			if !slices.ContainsFunc(values, match) {
				return false
			}
		}
	}
	return true
}
