package awsemu

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"sync"
)

// Custom event buses and their resource policies. Rules on a custom bus and
// delivery to it live with the other rules (eventbridge.go); this file keeps
// which buses exist and who may put events on them from another account,
// which deliverToTarget asks before routing a cross-account event.

// eventBuses maps each pipeline to its buses.
var eventBuses sync.Map // *pipeline → *busRegistry

type busRegistry struct {
	s     *Server
	mu    sync.Mutex
	buses map[regionKey]map[string]*ebBus
}

type ebBus struct {
	Name, Arn string
	Policy    string `json:",omitempty"`
	tags      []tag
}

func init() {
	addRoutes(func(s *Server) {
		reg := func() (*busRegistry, error) {
			p, err := s.pipeline()
			if err != nil {
				return nil, err
			}
			r, loaded := eventBuses.LoadOrStore(p, &busRegistry{s: s, buses: map[regionKey]map[string]*ebBus{}})
			if !loaded {
				go func() { <-s.Done(); eventBuses.Delete(p) }()
			}
			return r.(*busRegistry), nil
		}
		for action, a := range map[string]func(*busRegistry, caller, []byte) (any, error){
			"CreateEventBus":   (*busRegistry).create,
			"DescribeEventBus": (*busRegistry).describe,
			"DeleteEventBus":   (*busRegistry).delete,
			"ListEventBuses":   (*busRegistry).list,
			"PutPermission":    (*busRegistry).putPermission,
			"RemovePermission": (*busRegistry).removePermission,
		} {
			s.handle("events", action, jsonHandler(func(c caller, body []byte) (any, error) {
				r, err := reg()
				if err != nil {
					return nil, err
				}
				return a(r, c, body)
			}))
		}
	})
}

func (r *busRegistry) bus(k regionKey, name string) *ebBus {
	return r.buses[k][name]
}

func (r *busRegistry) create(c caller, body []byte) (any, error) {
	var in struct {
		Name string
		Tags []tag
	}
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	if in.Name == "" || in.Name == defaultBus {
		return nil, errValidation("Event bus name %q is not valid.", in.Name)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	k := c.key()
	if r.bus(k, in.Name) != nil {
		return nil, errCode("ResourceAlreadyExistsException", "Event bus %s already exists.", in.Name)
	}
	if r.buses[k] == nil {
		r.buses[k] = map[string]*ebBus{}
	}
	b := &ebBus{Name: in.Name, Arn: fmt.Sprintf("arn:aws:events:%s:%s:event-bus/%s", c.region, c.account, in.Name), tags: in.Tags}
	r.buses[k][in.Name] = b
	return map[string]string{"EventBusArn": b.Arn}, nil
}

func (r *busRegistry) describe(c caller, body []byte) (any, error) {
	var in struct{ Name string }
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	name := busName(in.Name)
	if name == defaultBus {
		return ebBus{Name: defaultBus, Arn: fmt.Sprintf("arn:aws:events:%s:%s:event-bus/default", c.region, c.account)}, nil
	}
	b := r.bus(c.key(), name)
	if b == nil {
		return nil, errCode("ResourceNotFoundException", "Event bus %s does not exist.", name)
	}
	return *b, nil
}

func (r *busRegistry) delete(c caller, body []byte) (any, error) {
	var in struct{ Name string }
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.buses[c.key()], busName(in.Name)) // deleting a missing bus succeeds, as on AWS
	return struct{}{}, nil
}

func (r *busRegistry) list(c caller, _ []byte) (any, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := []ebBus{{Name: defaultBus, Arn: fmt.Sprintf("arn:aws:events:%s:%s:event-bus/default", c.region, c.account)}}
	for _, b := range r.buses[c.key()] {
		out = append(out, *b)
	}
	sort.Slice(out[1:], func(i, j int) bool { return out[1+i].Name < out[1+j].Name })
	return map[string]any{"EventBuses": out}, nil
}

// putPermission accepts the whole-policy form (Policy); the older
// Principal/Action/StatementId form is not modelled.
func (r *busRegistry) putPermission(c caller, body []byte) (any, error) {
	var in struct{ EventBusName, Policy string }
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	if in.Policy == "" {
		return nil, errValidation("the local AWS models PutPermission with Policy only")
	}
	if _, err := parseBusPolicy(in.Policy); err != nil {
		return nil, errCode("MalformedPolicyDocumentException", "%v", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	b := r.bus(c.key(), busName(in.EventBusName))
	if b == nil {
		return nil, errCode("ResourceNotFoundException", "Event bus %s does not exist.", busName(in.EventBusName))
	}
	b.Policy = in.Policy
	return struct{}{}, nil
}

func (r *busRegistry) removePermission(c caller, body []byte) (any, error) {
	var in struct{ EventBusName string }
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if b := r.bus(c.key(), busName(in.EventBusName)); b != nil {
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
func (p *pipeline) busAccepts(sender string, target regionKey, bus string) bool {
	if bus == defaultBus || sender == target.account {
		return true
	}
	v, ok := eventBuses.Load(p)
	if !ok {
		return false
	}
	r := v.(*busRegistry)
	r.mu.Lock()
	b := r.bus(target, bus)
	policy := ""
	if b != nil {
		policy = b.Policy
	}
	r.mu.Unlock()
	if b == nil {
		return false
	}
	statements, _ := parseBusPolicy(policy)
	orgID := r.s.orgIDOf(sender)
	for _, st := range statements {
		if st.Effect == "Allow" && anyOf(st.Action, "events:PutEvents", "events:*") &&
			principalAllows(st.Principal, sender) && conditionsHold(st.Condition, sender, orgID) {
			return true
		}
	}
	slog.Warn("awsemu: event bus policy denies a cross-account event", "bus", b.Arn, "sender", sender)
	return false
}

// orgIDOf is the ID of the organization account belongs to, or "".
func (s *Server) orgIDOf(account string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.org == nil || !s.org.isMember(account) {
		return ""
	}
	return s.org.ID
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
