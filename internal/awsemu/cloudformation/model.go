package cloudformation

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

// cfnService is one emulator's stacks.
type cfnService struct {
	host  emu.Host
	links Links
	ctx   context.Context // ends when the emulator closes

	mu     sync.Mutex
	stacks map[emu.Scope]map[string]*cfnStack // by stack name; deleted stacks are dropped
	wg     sync.WaitGroup
}

type cfnStack struct {
	id, name       string
	status, reason string
	created        time.Time
	updated        time.Time
	body           string
	template       cfnTemplate
	params         map[string]string
	tags           []tag
	resources      map[string]*cfnResource // by logical ID
	events         []cfnEvent              // oldest first
	changeSets     map[string]*cfnChangeSet
	outputs        []cfnOutput
}

type cfnResource struct {
	logical, typ   string
	physical       string
	status, reason string
	updated        time.Time
	attrs          map[string]string
	def            cfnResourceDef // as last applied
	sig            string         // signature of def with the parameters it was applied with
	props          map[string]any // resolved properties, as last applied
}

type cfnEvent struct {
	id, logical, physical, typ, status, reason string
	at                                         time.Time
}

type cfnOutput struct{ key, value, description string }

type cfnChangeSet struct {
	id, name, csType     string
	status, reason, exec string
	created              time.Time
	body                 string
	template             cfnTemplate
	params               map[string]string
	tags                 []tag
	changes              []cfnChange
}

type cfnChange struct{ action, logical, physical, typ, replacement string }

// cfnTemplate is the part of a template the engine reads.
type cfnTemplate struct {
	Description string `json:"Description"`
	Parameters  map[string]struct {
		Default any `json:"Default"` // a string, or a number or list in JSON

		NoEcho      any    `json:"NoEcho"`
		Description string `json:"Description"`
	} `json:"Parameters"`
	Conditions map[string]any            `json:"Conditions"`
	Resources  map[string]cfnResourceDef `json:"Resources"`
	Outputs    map[string]struct {
		Description string `json:"Description"`
		Value       any    `json:"Value"`
	} `json:"Outputs"`
}

type cfnResourceDef struct {
	Type           string         `json:"Type"`
	Properties     map[string]any `json:"Properties"`
	DependsOn      any            `json:"DependsOn"`
	DeletionPolicy string         `json:"DeletionPolicy"`
	Condition      string         `json:"Condition"`
}

// parseCFNTemplate reads a JSON or YAML template (templateJSON).
func parseCFNTemplate(body string) (cfnTemplate, error) {
	var t cfnTemplate
	doc, err := templateJSON(body)
	if err != nil {
		return t, err
	}
	if err := json.Unmarshal(doc, &t); err != nil {
		return t, fmt.Errorf("Template format error: JSON not well-formed. (%v)", err)
	}
	if len(t.Resources) == 0 {
		return t, fmt.Errorf("Template format error: At least one Resources member must be defined.")
	}
	var unknown []string
	for _, r := range t.Resources {
		if cfnProvisioners[r.Type] == nil && !slices.Contains(unknown, r.Type) {
			unknown = append(unknown, r.Type)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return t, fmt.Errorf("Template format error: Unrecognized resource types: [%s] (the local AWS models only the types rootguard deploys)", strings.Join(unknown, ", "))
	}
	if _, err := t.order(); err != nil {
		return t, err
	}
	for id, r := range t.Resources {
		if _, ok := t.Conditions[r.Condition]; r.Condition != "" && !ok {
			return t, fmt.Errorf("Template format error: Unresolved dependencies [%s]. Cannot reference resources in the Conditions block of the template (resource %s)", r.Condition, id)
		}
	}
	return t, nil
}

// dependsOn lists the resources r refers to, directly or through DependsOn.
// parameterDefault is a parameter's Default as the string CloudFormation
// passes on, and whether there is one.
func parameterDefault(v any) (string, bool) {
	switch d := v.(type) {
	case nil:
		return "", false
	case string:
		return d, true
	case []any:
		parts := make([]string, len(d))
		for i, x := range d {
			parts[i] = fmt.Sprint(x)
		}
		return strings.Join(parts, ","), true
	default:
		return fmt.Sprint(d), true
	}
}

func (t cfnTemplate) dependsOn(r cfnResourceDef) []string {
	deps := map[string]bool{}
	switch d := r.DependsOn.(type) {
	case string:
		deps[d] = true
	case []any:
		for _, x := range d {
			if s, ok := x.(string); ok {
				deps[s] = true
			}
		}
	}
	walkRefs(r.Properties, func(name string) {
		if _, ok := t.Resources[name]; ok {
			deps[name] = true
		}
	})
	out := make([]string, 0, len(deps))
	for d := range deps {
		out = append(out, d)
	}
	sort.Strings(out)
	return out
}

// order returns the logical IDs so that every resource follows those it
// depends on.
func (t cfnTemplate) order() ([]string, error) {
	ids := make([]string, 0, len(t.Resources))
	for id := range t.Resources {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var out []string
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(id string) error
	visit = func(id string) error {
		switch state[id] {
		case 1:
			return fmt.Errorf("Template format error: Circular dependency between resources: [%s]", id)
		case 2:
			return nil
		}
		state[id] = 1
		for _, d := range t.dependsOn(t.Resources[id]) {
			if _, ok := t.Resources[d]; !ok {
				return fmt.Errorf("Template format error: Unresolved resource dependencies [%s] in the Resources block of the template", d)
			}
			if err := visit(d); err != nil {
				return err
			}
		}
		state[id] = 2
		out = append(out, id)
		return nil
	}
	for _, id := range ids {
		if err := visit(id); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// walkRefs calls f with every name v refers to through Ref, Fn::GetAtt or
// Fn::Sub.
func walkRefs(v any, f func(string)) {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 1 {
			if ref, ok := x["Ref"].(string); ok {
				f(ref)
				return
			}
			if ga, ok := x["Fn::GetAtt"].([]any); ok && len(ga) == 2 {
				if s, ok := ga[0].(string); ok {
					f(s)
				}
				return
			}
			if sub, ok := x["Fn::Sub"].(string); ok {
				for _, name := range subVariables(sub) {
					res, _, _ := strings.Cut(name, ".")
					f(res)
				}
				return
			}
		}
		for _, e := range x {
			walkRefs(e, f)
		}
	case []any:
		for _, e := range x {
			walkRefs(e, f)
		}
	}
}

// subVariables lists the ${…} variables of a Fn::Sub string; ${!…} is a
// literal.
func subVariables(s string) []string {
	var out []string
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			return out
		}
		j := strings.Index(s[i:], "}")
		if j < 0 {
			return out
		}
		name := s[i+2 : i+j]
		if !strings.HasPrefix(name, "!") {
			out = append(out, name)
		}
		s = s[i+j+1:]
	}
}

// cfnScope resolves intrinsics for one stack operation.
type cfnScope struct {
	account, region, stackName, stackID string
	params                              map[string]string
	resources                           map[string]*cfnResource
}

func (sc cfnScope) ref(name string) (string, error) {
	switch name {
	case "AWS::AccountId":
		return sc.account, nil
	case "AWS::Region":
		return sc.region, nil
	case "AWS::Partition":
		return "aws", nil
	case "AWS::StackName":
		return sc.stackName, nil
	case "AWS::StackId":
		return sc.stackID, nil
	case "AWS::URLSuffix":
		return "amazonaws.com", nil
	}
	if v, ok := sc.params[name]; ok {
		return v, nil
	}
	if r, ok := sc.resources[name]; ok && r.physical != "" {
		return r.physical, nil
	}
	return "", fmt.Errorf("unresolved reference %s", name)
}

func (sc cfnScope) getAtt(res, attr string) (string, error) {
	r, ok := sc.resources[res]
	if !ok {
		return "", fmt.Errorf("unresolved Fn::GetAtt %s.%s", res, attr)
	}
	v, ok := r.attrs[attr]
	if !ok {
		return "", fmt.Errorf("Template error: resource %s does not support attribute type %s in Fn::GetAtt", res, attr)
	}
	return v, nil
}

// resolve evaluates the intrinsics in v.
func (sc cfnScope) resolve(v any) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 1 {
			for k, arg := range x {
				switch k {
				case "Ref":
					name, _ := arg.(string)
					return sc.ref(name)
				case "Fn::GetAtt":
					ga, _ := arg.([]any)
					if len(ga) != 2 {
						return nil, fmt.Errorf("Template error: Fn::GetAtt needs [resource, attribute]")
					}
					res, _ := ga[0].(string)
					attr, _ := ga[1].(string)
					return sc.getAtt(res, attr)
				case "Fn::Sub":
					s, ok := arg.(string)
					if !ok {
						return nil, fmt.Errorf("Template error: only the string form of Fn::Sub is modelled")
					}
					return sc.sub(s)
				case "Fn::Join":
					parts, _ := arg.([]any)
					if len(parts) != 2 {
						return nil, fmt.Errorf("Template error: Fn::Join needs [delimiter, list]")
					}
					delim, _ := parts[0].(string)
					list, err := sc.resolve(parts[1])
					if err != nil {
						return nil, err
					}
					items, _ := list.([]any)
					strs := make([]string, len(items))
					for i, it := range items {
						strs[i] = fmt.Sprint(it)
					}
					return strings.Join(strs, delim), nil
				case "Fn::Select":
					return sc.selectItem(arg)
				case "Fn::Split":
					parts, _ := arg.([]any)
					if len(parts) != 2 {
						return nil, fmt.Errorf("Template error: Fn::Split needs [delimiter, string]")
					}
					delim, _ := parts[0].(string)
					str, err := sc.resolve(parts[1])
					if err != nil {
						return nil, err
					}
					s, ok := str.(string)
					if !ok || delim == "" {
						return nil, fmt.Errorf("Template error: Fn::Split needs a delimiter and a string")
					}
					var out []any
					for _, p := range strings.Split(s, delim) {
						out = append(out, p)
					}
					return out, nil
				}
				// A function the engine does not evaluate must not reach a
				// resource as if it were a value.
				if strings.HasPrefix(k, "Fn::") {
					return nil, fmt.Errorf("Template error: the local AWS does not model %s", k)
				}
			}
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			r, err := sc.resolve(e)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			r, err := sc.resolve(e)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	default:
		return v, nil
	}
}

// selectItem evaluates Fn::Select [index, list].
func (sc cfnScope) selectItem(arg any) (any, error) {
	parts, _ := arg.([]any)
	if len(parts) != 2 {
		return nil, fmt.Errorf("Template error: Fn::Select needs [index, list]")
	}
	index, err := sc.resolve(parts[0])
	if err != nil {
		return nil, err
	}
	list, err := sc.resolve(parts[1])
	if err != nil {
		return nil, err
	}
	items, _ := list.([]any)
	i, err := strconv.Atoi(fmt.Sprint(index))
	if err != nil || i < 0 || i >= len(items) {
		return nil, fmt.Errorf("Template error: Fn::Select index %v is not an index of a list of %d", index, len(items))
	}
	return items[i], nil
}

func (sc cfnScope) sub(s string) (string, error) {
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		j := strings.Index(s[i:], "}")
		if j < 0 {
			return "", fmt.Errorf("Template error: unterminated ${ in Fn::Sub")
		}
		b.WriteString(s[:i])
		name := s[i+2 : i+j]
		if lit, ok := strings.CutPrefix(name, "!"); ok {
			b.WriteString("${" + lit + "}")
		} else if res, attr, ok := strings.Cut(name, "."); ok {
			v, err := sc.getAtt(res, attr)
			if err != nil {
				return "", err
			}
			b.WriteString(v)
		} else {
			v, err := sc.ref(name)
			if err != nil {
				return "", err
			}
			b.WriteString(v)
		}
		s = s[i+j+1:]
	}
}

// signature identifies what a resource would be given params: its
// definition with parameters and pseudo parameters substituted. Two equal
// signatures mean no change.
func (sc cfnScope) signature(def cfnResourceDef) string {
	partial := cfnScope{account: sc.account, region: sc.region, stackName: sc.stackName, stackID: sc.stackID, params: sc.params}
	var sub func(v any) any
	sub = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["Ref"].(string); ok && len(x) == 1 {
				if val, err := partial.ref(ref); err == nil {
					return val
				}
			}
			out := make(map[string]any, len(x))
			for k, e := range x {
				out[k] = sub(e)
			}
			return out
		case []any:
			out := make([]any, len(x))
			for i, e := range x {
				out[i] = sub(e)
			}
			return out
		case string:
			for _, name := range subVariables(x) {
				if val, err := partial.ref(name); err == nil {
					x = strings.ReplaceAll(x, "${"+name+"}", val)
				}
			}
			return x
		}
		return v
	}
	b, _ := json.Marshal(map[string]any{"Type": def.Type, "Properties": sub(def.Properties), "DependsOn": def.DependsOn, "DeletionPolicy": def.DeletionPolicy})
	return string(b)
}

// changes compares the stack's resources with a new template.
func (st *cfnStack) changesFor(t cfnTemplate, sc cfnScope) []cfnChange {
	var out []cfnChange
	ids := make([]string, 0, len(t.Resources))
	for id := range t.Resources {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		def := t.Resources[id]
		cur, ok := st.resources[id]
		switch {
		case !ok:
			out = append(out, cfnChange{"Add", id, "", def.Type, ""})
		case cur.typ != def.Type:
			out = append(out, cfnChange{"Modify", id, cur.physical, def.Type, "True"})
		case cur.sig != sc.signature(def):
			out = append(out, cfnChange{"Modify", id, cur.physical, def.Type, "False"})
		}
	}
	var gone []string
	for id := range st.resources {
		if _, ok := t.Resources[id]; !ok {
			gone = append(gone, id)
		}
	}
	sort.Strings(gone)
	for _, id := range gone {
		out = append(out, cfnChange{"Remove", id, st.resources[id].physical, st.resources[id].typ, ""})
	}
	return out
}

func (st *cfnStack) event(logical, physical, typ, status, reason string, at time.Time) {
	st.events = append(st.events, cfnEvent{uuid.NewString(), logical, physical, typ, status, reason, at})
}

func (st *cfnStack) stackEvent(status, reason string, at time.Time) {
	st.status, st.reason = status, reason
	st.event(st.name, st.id, "AWS::CloudFormation::Stack", status, reason, at)
}

// tag is a resource tag (CloudFormation's stack and resource tags).
type tag struct {
	Key   string
	Value string
}
