package cloudformation

import (
	"fmt"
	"maps"
)

// withConditions evaluates the template's Conditions in sc (the stack's
// account, Region and parameters) and returns the template without the
// resources whose Condition is false, as CloudFormation creates only the
// resources whose condition holds (CloudFormation User Guide, "Conditions
// syntax" and "Condition functions": Fn::Equals, Fn::Not, Fn::And, Fn::Or
// and Condition).
func (t cfnTemplate) withConditions(sc cfnScope) (cfnTemplate, error) {
	if len(t.Conditions) == 0 {
		return t, nil
	}
	values := map[string]bool{}
	for name := range t.Conditions {
		if _, err := sc.condition(t.Conditions, name, values, map[string]bool{}); err != nil {
			return t, err
		}
	}
	out := t
	out.Resources = maps.Clone(t.Resources)
	for id, r := range t.Resources {
		if r.Condition != "" && !values[r.Condition] {
			delete(out.Resources, id)
		}
	}
	return out, nil
}

// condition evaluates the named condition once, refusing cycles.
func (sc cfnScope) condition(defs map[string]any, name string, values, visiting map[string]bool) (bool, error) {
	if v, ok := values[name]; ok {
		return v, nil
	}
	def, ok := defs[name]
	if !ok {
		return false, fmt.Errorf("Template error: unresolved condition dependency %s", name)
	}
	if visiting[name] {
		return false, fmt.Errorf("Template error: circular dependency between conditions: [%s]", name)
	}
	visiting[name] = true
	v, err := sc.conditionValue(defs, def, values, visiting)
	if err != nil {
		return false, err
	}
	values[name] = v
	return v, nil
}

func (sc cfnScope) conditionValue(defs map[string]any, v any, values, visiting map[string]bool) (bool, error) {
	fn, _ := v.(map[string]any)
	if len(fn) != 1 {
		return false, fmt.Errorf("Template error: a condition must be one of Fn::Equals, Fn::Not, Fn::And, Fn::Or or Condition")
	}
	for k, arg := range fn {
		args, _ := arg.([]any)
		switch k {
		case "Condition":
			name, _ := arg.(string)
			return sc.condition(defs, name, values, visiting)
		case "Fn::Equals":
			if len(args) != 2 {
				return false, fmt.Errorf("Template error: Fn::Equals needs two values")
			}
			a, err := sc.resolve(args[0])
			if err != nil {
				return false, err
			}
			b, err := sc.resolve(args[1])
			if err != nil {
				return false, err
			}
			return fmt.Sprint(a) == fmt.Sprint(b), nil
		case "Fn::Not":
			if len(args) != 1 {
				return false, fmt.Errorf("Template error: Fn::Not needs one condition")
			}
			x, err := sc.conditionValue(defs, args[0], values, visiting)
			return !x, err
		case "Fn::And", "Fn::Or":
			if len(args) < 2 || len(args) > 10 {
				return false, fmt.Errorf("Template error: %s needs 2 to 10 conditions", k)
			}
			and := k == "Fn::And"
			for _, a := range args {
				x, err := sc.conditionValue(defs, a, values, visiting)
				if err != nil {
					return false, err
				}
				if x != and {
					return x, nil
				}
			}
			return and, nil
		}
	}
	return false, fmt.Errorf("Template error: a condition must be one of Fn::Equals, Fn::Not, Fn::And, Fn::Or or Condition")
}
