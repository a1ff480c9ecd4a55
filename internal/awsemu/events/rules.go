// Package events models Amazon EventBridge for awsemu, per account and
// region: rules and their targets, TestEventPattern, custom event buses with
// resource policies, PutEvents, and the delivery of matching events to SQS
// queues, Lambda functions and other accounts' and Regions' buses — the
// latter only through a role EventBridge may assume. PutEvents refuses the
// aws.* sources; Events.Emit is how AWS services (CloudTrail, through
// awsemu's EmitServiceEvent) put their events, and Events.Put how Lambda
// puts its destination events.
//
// What EventBridge reaches outside itself — the emulator's background work,
// kumo's queues, Lambda's asynchronous invocation, and the accounts'
// organization and roles — it reaches through Links, which awsemu
// implements.
package events

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/rootguard/rootguard/internal/awsemu/eventpattern"
	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

const defaultBus = "default"

// Events is EventBridge of every account and region.
type Events struct {
	links Links

	mu    sync.Mutex
	rules map[emu.Scope]map[string]*rule // by bus name + "/" + rule name
	buses map[emu.Scope]map[string]*bus  // custom buses, by name (buses.go)
}

// rule is one EventBridge rule with its targets.
type rule struct {
	Name               string
	Arn                string
	EventBusName       string
	EventPattern       string `json:",omitempty"`
	ScheduleExpression string `json:",omitempty"`
	State              string
	Description        string `json:",omitempty"`
	RoleArn            string `json:",omitempty"`

	pattern *eventpattern.Pattern
	targets []*target
	tags    []Tag
}

// target keeps the target exactly as it was put (for ListTargetsByRule)
// next to the fields delivery needs.
type target struct {
	raw json.RawMessage

	ID               string `json:"Id"`
	Arn              string
	RoleArn          string
	Input            string
	InputPath        string
	InputTransformer *struct {
		InputPathsMap map[string]string
		InputTemplate string
	}
	SqsParameters *struct {
		MessageGroupID string `json:"MessageGroupId"`
	}
	DeadLetterConfig *struct {
		Arn string
	}
}

// Tag is a resource tag.
type Tag struct {
	Key   string
	Value string
}

// Register answers the EventBridge actions on host and returns the model,
// for seeding and for the events other services put. Deliveries reach
// outside EventBridge through links.
func Register(host emu.Host, links Links) *Events {
	e := &Events{links: links, rules: map[emu.Scope]map[string]*rule{}, buses: map[emu.Scope]map[string]*bus{}}
	for action, a := range map[string]emu.JSONAction{
		"PutRule":               e.putRule,
		"DescribeRule":          e.describeRule,
		"ListRules":             e.listRules,
		"DeleteRule":            e.deleteRule,
		"EnableRule":            e.setRuleState("ENABLED"),
		"DisableRule":           e.setRuleState("DISABLED"),
		"PutTargets":            e.putTargets,
		"RemoveTargets":         e.removeTargets,
		"ListTargetsByRule":     e.listTargetsByRule,
		"ListRuleNamesByTarget": e.listRuleNamesByTarget,
		"ListTagsForResource":   e.listRuleTags,
		"PutEvents":             e.putEvents,
		"TestEventPattern":      testEventPattern,
		"CreateEventBus":        e.createBus,
		"DescribeEventBus":      e.describeBus,
		"DeleteEventBus":        e.deleteBus,
		"ListEventBuses":        e.listBuses,
		"PutPermission":         e.putPermission,
		"RemovePermission":      e.removePermission,
	} {
		host.Handle("events", action, emu.JSONHandler(a))
	}
	return e
}

func errValidation(format string, args ...any) error {
	return emu.BadRequest("ValidationException", format, args...)
}

// RuleSeed is a rule on the default bus, as AddRule seeds it.
type RuleSeed struct {
	Name, EventPattern string
	Disabled           bool
}

// PutRule puts a rule on the default bus of s, as the PutRule action does.
func (e *Events) PutRule(s emu.Scope, spec RuleSeed) error {
	state := "ENABLED"
	if spec.Disabled {
		state = "DISABLED"
	}
	body, _ := json.Marshal(map[string]string{"Name": spec.Name, "EventPattern": spec.EventPattern, "State": state})
	_, err := e.putRule(s, body)
	return err
}

// PutTargets adds targets (ID → ARN) to a rule on the default bus of s, as
// the PutTargets action does.
func (e *Events) PutTargets(s emu.Scope, ruleName string, targets map[string]string) error {
	list := []map[string]string{}
	for id, arn := range targets {
		list = append(list, map[string]string{"Id": id, "Arn": arn})
	}
	body, _ := json.Marshal(map[string]any{"Rule": ruleName, "Targets": list})
	_, err := e.putTargets(s, body)
	return err
}

// rulesIn returns the rules of s, creating the map on first use. Callers
// hold e.mu.
func (e *Events) rulesIn(s emu.Scope) map[string]*rule {
	m, ok := e.rules[s]
	if !ok {
		m = map[string]*rule{}
		e.rules[s] = m
	}
	return m
}

// busName accepts a bus name or ARN, defaulting to the default bus.
func busName(nameOrArn string) string {
	if nameOrArn == "" {
		return defaultBus
	}

	if i := strings.LastIndex(nameOrArn, ":event-bus/"); i >= 0 {
		return nameOrArn[i+len(":event-bus/"):]
	}

	return nameOrArn
}

func ruleArn(c emu.Scope, bus, name string) string {
	if bus == defaultBus {
		return fmt.Sprintf("arn:aws:events:%s:%s:rule/%s", c.Region, c.Account, name)
	}

	return fmt.Sprintf("arn:aws:events:%s:%s:rule/%s/%s", c.Region, c.Account, bus, name)
}

// lookupRule finds a rule; callers hold e.mu.
func (e *Events) lookupRule(c emu.Scope, bus, name string) (*rule, error) {
	bus = busName(bus)

	r, ok := e.rulesIn(c)[bus+"/"+name]
	if !ok {
		return nil, emu.BadRequest("ResourceNotFoundException", "Rule %s does not exist on EventBus %s.", name, bus)
	}

	return r, nil
}

// Event pattern length limits: the default quota, and the API's maximum
// a raised quota can reach.
const (
	eventPatternQuota     = 2048
	maxEventPatternLength = 4096
)

func (e *Events) putRule(c emu.Scope, body []byte) (any, error) {
	var in struct {
		Name, EventPattern, ScheduleExpression, State, Description, RoleArn, EventBusName string
		Tags                                                                              []Tag
	}
	if err := emu.DecodeJSON(body, &in); err != nil {
		return nil, err
	}

	if in.Name == "" {
		return nil, errValidation("1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null")
	}

	if in.EventPattern == "" && in.ScheduleExpression == "" {
		return nil, errValidation("Parameter(s) EventPattern or ScheduleExpression must be specified.")
	}

	r := &rule{
		Name: in.Name, EventBusName: busName(in.EventBusName), EventPattern: in.EventPattern,
		ScheduleExpression: in.ScheduleExpression, State: in.State, Description: in.Description,
		RoleArn: in.RoleArn, tags: in.Tags,
	}
	if r.State == "" {
		r.State = "ENABLED"
	}

	if !slices.Contains([]string{"ENABLED", "DISABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"}, r.State) {
		return nil, errValidation("State %s is not valid.", r.State)
	}

	if n := utf8.RuneCountInString(in.EventPattern); n > maxEventPatternLength {
		// The PutRule API's own length constraint (EventBridge API
		// Reference, PutRule: EventPattern, maximum length 4096).
		return nil, errValidation("1 validation error detected: Value at 'eventPattern' failed to satisfy constraint: Member must have length less than or equal to %d", maxEventPatternLength)
	} else if n > eventPatternQuota {
		// The account's "Event pattern size" quota, 2,048 characters by
		// default (Amazon EventBridge User Guide, "Amazon EventBridge
		// quotas"). The API reference documents LimitExceededException for
		// a request beyond a service quota; AWS's exact message is not
		// documented.
		return nil, emu.BadRequest("LimitExceededException", "Event pattern size %d exceeds the event pattern size quota of %d characters.", n, eventPatternQuota)
	}

	if in.EventPattern != "" {
		pat, err := eventpattern.Compile(in.EventPattern)
		if err != nil {
			return nil, emu.BadRequest("InvalidEventPatternException", "%v", err)
		}

		r.pattern = pat
	}

	r.Arn = ruleArn(c, r.EventBusName, r.Name)

	e.mu.Lock()
	defer e.mu.Unlock()

	rules := e.rulesIn(c)
	if old, ok := rules[r.EventBusName+"/"+r.Name]; ok {
		r.targets = old.targets
		if r.tags == nil {
			r.tags = old.tags
		}
	}

	rules[r.EventBusName+"/"+r.Name] = r

	return map[string]string{"RuleArn": r.Arn}, nil
}

type ruleRef struct {
	Name, Rule, EventBusName string
}

func (e *Events) describeRule(c emu.Scope, body []byte) (any, error) {
	var in ruleRef
	if err := emu.DecodeJSON(body, &in); err != nil {
		return nil, err
	}

	e.mu.Lock()
	defer e.mu.Unlock()

	r, err := e.lookupRule(c, in.EventBusName, in.Name)
	if err != nil {
		return nil, err
	}

	return *r, nil
}

func (e *Events) listRules(c emu.Scope, body []byte) (any, error) {
	var in struct {
		NamePrefix, EventBusName, NextToken string
		Limit                               int
	}
	if err := emu.DecodeJSON(body, &in); err != nil {
		return nil, err
	}

	bus := busName(in.EventBusName)

	e.mu.Lock()
	defer e.mu.Unlock()

	rules := []rule{}

	for _, r := range e.rulesIn(c) {
		if r.EventBusName == bus && strings.HasPrefix(r.Name, in.NamePrefix) {
			rules = append(rules, *r)
		}
	}

	slices.SortFunc(rules, func(a, b rule) int { return strings.Compare(a.Name, b.Name) })

	page, next := emu.PageByName(rules, func(r rule) string { return r.Name }, in.NextToken, in.Limit)

	return struct {
		Rules     []rule
		NextToken string `json:",omitempty"`
	}{page, next}, nil
}

func (e *Events) deleteRule(c emu.Scope, body []byte) (any, error) {
	var in ruleRef
	if err := emu.DecodeJSON(body, &in); err != nil {
		return nil, err
	}

	e.mu.Lock()
	defer e.mu.Unlock()

	r, err := e.lookupRule(c, in.EventBusName, in.Name)
	if err != nil {
		// Deleting a rule that does not exist succeeds, as on AWS.
		return struct{}{}, nil //nolint:nilerr // AWS answers success
	}

	if len(r.targets) > 0 {
		return nil, errValidation("Rule can't be deleted since it has targets.")
	}

	delete(e.rulesIn(c), r.EventBusName+"/"+r.Name)

	return struct{}{}, nil
}

func (e *Events) setRuleState(state string) emu.JSONAction {
	return func(c emu.Scope, body []byte) (any, error) {
		var in ruleRef
		if err := emu.DecodeJSON(body, &in); err != nil {
			return nil, err
		}

		e.mu.Lock()
		defer e.mu.Unlock()

		r, err := e.lookupRule(c, in.EventBusName, in.Name)
		if err != nil {
			return nil, err
		}

		r.State = state

		return struct{}{}, nil
	}
}

func (e *Events) putTargets(c emu.Scope, body []byte) (any, error) {
	var in struct {
		Rule, EventBusName string
		Targets            []json.RawMessage
	}
	if err := emu.DecodeJSON(body, &in); err != nil {
		return nil, err
	}

	targets := make([]*target, 0, len(in.Targets))

	for _, raw := range in.Targets {
		t := &target{raw: raw}
		if err := json.Unmarshal(raw, t); err != nil || t.ID == "" || t.Arn == "" {
			return nil, errValidation("every target needs an Id and an Arn")
		}

		targets = append(targets, t)
	}

	e.mu.Lock()
	defer e.mu.Unlock()

	r, err := e.lookupRule(c, in.EventBusName, in.Rule)
	if err != nil {
		return nil, err
	}

	for _, t := range targets {
		i := slices.IndexFunc(r.targets, func(old *target) bool { return old.ID == t.ID })
		if i >= 0 {
			r.targets[i] = t
		} else {
			r.targets = append(r.targets, t)
		}
	}

	return map[string]any{"FailedEntryCount": 0, "FailedEntries": []any{}}, nil
}

func (e *Events) removeTargets(c emu.Scope, body []byte) (any, error) {
	var in struct {
		Rule, EventBusName string
		Ids                []string
	}
	if err := emu.DecodeJSON(body, &in); err != nil {
		return nil, err
	}

	e.mu.Lock()
	defer e.mu.Unlock()

	r, err := e.lookupRule(c, in.EventBusName, in.Rule)
	if err != nil {
		return nil, err
	}

	r.targets = slices.DeleteFunc(r.targets, func(t *target) bool { return slices.Contains(in.Ids, t.ID) })

	return map[string]any{"FailedEntryCount": 0, "FailedEntries": []any{}}, nil
}

func (e *Events) listTargetsByRule(c emu.Scope, body []byte) (any, error) {
	var in struct {
		Rule, EventBusName, NextToken string
		Limit                         int
	}
	if err := emu.DecodeJSON(body, &in); err != nil {
		return nil, err
	}

	e.mu.Lock()
	defer e.mu.Unlock()

	r, err := e.lookupRule(c, in.EventBusName, in.Rule)
	if err != nil {
		return nil, err
	}

	sorted := slices.Clone(r.targets)
	slices.SortFunc(sorted, func(a, b *target) int { return strings.Compare(a.ID, b.ID) })

	page, next := emu.PageByName(sorted, func(t *target) string { return t.ID }, in.NextToken, in.Limit)

	raws := make([]json.RawMessage, len(page))
	for i, t := range page {
		raws[i] = t.raw
	}

	return struct {
		Targets   []json.RawMessage
		NextToken string `json:",omitempty"`
	}{raws, next}, nil
}

func (e *Events) listRuleNamesByTarget(c emu.Scope, body []byte) (any, error) {
	var in struct{ TargetArn, EventBusName string }
	if err := emu.DecodeJSON(body, &in); err != nil {
		return nil, err
	}

	bus := busName(in.EventBusName)

	e.mu.Lock()
	defer e.mu.Unlock()

	names := []string{}

	for _, r := range e.rulesIn(c) {
		if r.EventBusName == bus && slices.ContainsFunc(r.targets, func(t *target) bool { return t.Arn == in.TargetArn }) {
			names = append(names, r.Name)
		}
	}

	slices.Sort(names)

	return map[string][]string{"RuleNames": names}, nil
}

func (e *Events) listRuleTags(c emu.Scope, body []byte) (any, error) {
	var in struct{ ResourceARN string }
	if err := emu.DecodeJSON(body, &in); err != nil {
		return nil, err
	}

	e.mu.Lock()
	defer e.mu.Unlock()

	for _, r := range e.rulesIn(c) {
		if r.Arn == in.ResourceARN {
			return map[string][]Tag{"Tags": append([]Tag{}, r.tags...)}, nil
		}
	}

	return nil, emu.BadRequest("ResourceNotFoundException", "Rule %s does not exist.", in.ResourceARN)
}
