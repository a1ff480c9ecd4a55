package events

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"sort"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

// Custom event buses and their resource policies. Rules on a custom bus and
// delivery to it live with the other rules (rules.go); this file keeps
// which buses exist and who may put events on them from another account,
// which deliverToTarget asks before routing a cross-account event.

type bus struct {
	Name, Arn string
	Policy    string `json:",omitempty"`
	tags      []Tag
}

// bus finds a custom bus; callers hold e.mu.
func (e *Events) bus(k emu.Scope, name string) *bus {
	return e.buses[k][name]
}

func (e *Events) createBus(c emu.Scope, body []byte) (any, error) {
	var in struct {
		Name string
		Tags []Tag
	}
	if err := emu.DecodeJSON(body, &in); err != nil {
		return nil, err
	}
	if in.Name == "" || in.Name == defaultBus {
		return nil, errValidation("Event bus name %q is not valid.", in.Name)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	k := c
	if e.bus(k, in.Name) != nil {
		return nil, emu.BadRequest("ResourceAlreadyExistsException", "Event bus %s already exists.", in.Name)
	}
	if e.buses[k] == nil {
		e.buses[k] = map[string]*bus{}
	}
	b := &bus{Name: in.Name, Arn: fmt.Sprintf("arn:aws:events:%s:%s:event-bus/%s", c.Region, c.Account, in.Name), tags: in.Tags}
	e.buses[k][in.Name] = b
	return map[string]string{"EventBusArn": b.Arn}, nil
}

func (e *Events) describeBus(c emu.Scope, body []byte) (any, error) {
	var in struct{ Name string }
	if err := emu.DecodeJSON(body, &in); err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	name := busName(in.Name)
	if name == defaultBus {
		return bus{Name: defaultBus, Arn: fmt.Sprintf("arn:aws:events:%s:%s:event-bus/default", c.Region, c.Account)}, nil
	}
	b := e.bus(c, name)
	if b == nil {
		return nil, emu.BadRequest("ResourceNotFoundException", "Event bus %s does not exist.", name)
	}
	return *b, nil
}

func (e *Events) deleteBus(c emu.Scope, body []byte) (any, error) {
	var in struct{ Name string }
	if err := emu.DecodeJSON(body, &in); err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.buses[c], busName(in.Name)) // deleting a missing bus succeeds, as on AWS
	return struct{}{}, nil
}

func (e *Events) listBuses(c emu.Scope, _ []byte) (any, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := []bus{{Name: defaultBus, Arn: fmt.Sprintf("arn:aws:events:%s:%s:event-bus/default", c.Region, c.Account)}}
	for _, b := range e.buses[c] {
		out = append(out, *b)
	}
	sort.Slice(out[1:], func(i, j int) bool { return out[1+i].Name < out[1+j].Name })
	return map[string]any{"EventBuses": out}, nil
}

// putPermission accepts the whole-policy form (Policy); the older
// Principal/Action/StatementId form is not modelled.
func (e *Events) putPermission(c emu.Scope, body []byte) (any, error) {
	var in struct{ EventBusName, Policy string }
	if err := emu.DecodeJSON(body, &in); err != nil {
		return nil, err
	}
	if in.Policy == "" {
		return nil, errValidation("the local AWS models PutPermission with Policy only")
	}
	if _, err := parseBusPolicy(in.Policy); err != nil {
		return nil, emu.BadRequest("MalformedPolicyDocumentException", "%v", err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	b := e.bus(c, busName(in.EventBusName))
	if b == nil {
		return nil, emu.BadRequest("ResourceNotFoundException", "Event bus %s does not exist.", busName(in.EventBusName))
	}
	b.Policy = in.Policy
	return struct{}{}, nil
}

func (e *Events) removePermission(c emu.Scope, body []byte) (any, error) {
	var in struct{ EventBusName string }
	if err := emu.DecodeJSON(body, &in); err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if b := e.bus(c, busName(in.EventBusName)); b != nil {
		b.Policy = ""
	}
	return struct{}{}, nil
}

type busStatement struct {
	Effect    string
	Principal any
	Action    any
	Condition map[string]map[string]any
}

func parseBusPolicy(doc string) ([]busStatement, error) {
	var p struct{ Statement []busStatement }
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return nil, fmt.Errorf("policy is not JSON: %v", err)
	}
	return p.Statement, nil
}

// busAccepts reports whether sender may put events on bus in target.
// Within one account any bus accepts; across accounts a custom bus must
// exist and its policy allow events:PutEvents to the sender, by account or
// by aws:PrincipalOrgID. Default buses keep their earlier behaviour (open).
func (e *Events) busAccepts(sender string, target emu.Scope, name string) bool {
	if name == defaultBus || sender == target.Account {
		return true
	}
	e.mu.Lock()
	b := e.bus(target, name)
	policy := ""
	if b != nil {
		policy = b.Policy
	}
	e.mu.Unlock()
	if b == nil {
		return false
	}
	statements, _ := parseBusPolicy(policy)
	orgID := e.links.OrgID(sender)
	for _, st := range statements {
		if st.Effect == "Allow" && anyOf(st.Action, "events:PutEvents", "events:*") &&
			principalAllows(st.Principal, sender) && conditionsHold(st.Condition, sender, orgID) {
			return true
		}
	}
	slog.Warn("awsemu: event bus policy denies a cross-account event", "bus", b.Arn, "sender", sender)
	return false
}

func anyOf(v any, want ...string) bool {
	switch x := v.(type) {
	case string:
		return slices.Contains(want, x)
	case []any:
		for _, e := range x {
			if s, _ := e.(string); slices.Contains(want, s) {
				return true
			}
		}
	}
	return false
}

func principalAllows(p any, account string) bool {
	if p == "*" {
		return true
	}
	m, _ := p.(map[string]any)
	return anyOf(m["AWS"], "*", account, "arn:aws:iam::"+account+":root")
}

// conditionsHold evaluates the StringEquals keys a bus policy uses.
func conditionsHold(cond map[string]map[string]any, account, orgID string) bool {
	for op, kv := range cond {
		if op != "StringEquals" {
			return false
		}
		for key, want := range kv {
			var got string
			switch key {
			case "aws:PrincipalOrgID":
				got = orgID
			case "aws:PrincipalAccount":
				got = account
			default:
				return false
			}
			if got == "" || !anyOf(want, got) {
				return false
			}
		}
	}
	return true
}
