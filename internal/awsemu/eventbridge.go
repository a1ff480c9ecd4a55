package awsemu

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/rootguard/rootguard/internal/awsemu/eventpattern"
	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

const defaultBus = "default"

// ebRule is one EventBridge rule with its targets, in the caller's account.
type ebRule struct {
	Name               string
	Arn                string
	EventBusName       string
	EventPattern       string `json:",omitempty"`
	ScheduleExpression string `json:",omitempty"`
	State              string
	Description        string `json:",omitempty"`
	RoleArn            string `json:",omitempty"`

	pattern *eventpattern.Pattern
	targets []*ebTarget
	tags    []tag
}

// ebTarget keeps the target exactly as it was put (for ListTargetsByRule)
// next to the fields delivery needs.
type ebTarget struct {
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

type tag struct {
	Key   string
	Value string
}

// eventBridgeActions are the AWSEvents operations the pipeline answers.
func (p *pipeline) eventBridgeActions() map[string]jsonAction {
	return map[string]jsonAction{
		"PutRule":               p.putRule,
		"DescribeRule":          p.describeRule,
		"ListRules":             p.listRules,
		"DeleteRule":            p.deleteRule,
		"EnableRule":            p.setRuleState("ENABLED"),
		"DisableRule":           p.setRuleState("DISABLED"),
		"PutTargets":            p.putTargets,
		"RemoveTargets":         p.removeTargets,
		"ListTargetsByRule":     p.listTargetsByRule,
		"ListRuleNamesByTarget": p.listRuleNamesByTarget,
		"ListTagsForResource":   p.listRuleTags,
		"PutEvents":             p.putEvents,
		"TestEventPattern":      p.testEventPattern,
	}
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

func ruleArn(c caller, bus, name string) string {
	if bus == defaultBus {
		return fmt.Sprintf("arn:aws:events:%s:%s:rule/%s", c.region, c.account, name)
	}

	return fmt.Sprintf("arn:aws:events:%s:%s:rule/%s/%s", c.region, c.account, bus, name)
}

// lookupRule finds a rule; callers hold p.mu.
func (p *pipeline) lookupRule(c caller, bus, name string) (*ebRule, error) {
	bus = busName(bus)

	r, ok := p.region(c.key()).rules[bus+"/"+name]
	if !ok {
		return nil, errCode("ResourceNotFoundException", "Rule %s does not exist on EventBus %s.", name, bus)
	}

	return r, nil
}

func (p *pipeline) putRule(c caller, body []byte) (any, error) {
	var in struct {
		Name, EventPattern, ScheduleExpression, State, Description, RoleArn, EventBusName string
		Tags                                                                              []tag
	}
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}

	if in.Name == "" {
		return nil, errValidation("1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null")
	}

	if in.EventPattern == "" && in.ScheduleExpression == "" {
		return nil, errValidation("Parameter(s) EventPattern or ScheduleExpression must be specified.")
	}

	r := &ebRule{
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

	if in.EventPattern != "" {
		pat, err := eventpattern.Compile(in.EventPattern)
		if err != nil {
			return nil, errCode("InvalidEventPatternException", "%v", err)
		}

		r.pattern = pat
	}

	r.Arn = ruleArn(c, r.EventBusName, r.Name)

	p.mu.Lock()
	defer p.mu.Unlock()

	rules := p.region(c.key()).rules
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

func (p *pipeline) describeRule(c caller, body []byte) (any, error) {
	var in ruleRef
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}

	p.mu.Lock()
	defer p.mu.Unlock()

	r, err := p.lookupRule(c, in.EventBusName, in.Name)
	if err != nil {
		return nil, err
	}

	return *r, nil
}

func (p *pipeline) listRules(c caller, body []byte) (any, error) {
	var in struct {
		NamePrefix, EventBusName, NextToken string
		Limit                               int
	}
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}

	bus := busName(in.EventBusName)

	p.mu.Lock()
	defer p.mu.Unlock()

	rules := []ebRule{}

	for _, r := range p.region(c.key()).rules {
		if r.EventBusName == bus && strings.HasPrefix(r.Name, in.NamePrefix) {
			rules = append(rules, *r)
		}
	}

	slices.SortFunc(rules, func(a, b ebRule) int { return strings.Compare(a.Name, b.Name) })

	page, next := emu.PageByName(rules, func(r ebRule) string { return r.Name }, in.NextToken, in.Limit)

	return struct {
		Rules     []ebRule
		NextToken string `json:",omitempty"`
	}{page, next}, nil
}

func (p *pipeline) deleteRule(c caller, body []byte) (any, error) {
	var in ruleRef
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}

	p.mu.Lock()
	defer p.mu.Unlock()

	r, err := p.lookupRule(c, in.EventBusName, in.Name)
	if err != nil {
		// Deleting a rule that does not exist succeeds, as on AWS.
		return struct{}{}, nil //nolint:nilerr // AWS answers success
	}

	if len(r.targets) > 0 {
		return nil, errValidation("Rule can't be deleted since it has targets.")
	}

	delete(p.region(c.key()).rules, r.EventBusName+"/"+r.Name)

	return struct{}{}, nil
}

func (p *pipeline) setRuleState(state string) jsonAction {
	return func(c caller, body []byte) (any, error) {
		var in ruleRef
		if err := decodeInput(body, &in); err != nil {
			return nil, err
		}

		p.mu.Lock()
		defer p.mu.Unlock()

		r, err := p.lookupRule(c, in.EventBusName, in.Name)
		if err != nil {
			return nil, err
		}

		r.State = state

		return struct{}{}, nil
	}
}

func (p *pipeline) putTargets(c caller, body []byte) (any, error) {
	var in struct {
		Rule, EventBusName string
		Targets            []json.RawMessage
	}
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}

	targets := make([]*ebTarget, 0, len(in.Targets))

	for _, raw := range in.Targets {
		t := &ebTarget{raw: raw}
		if err := json.Unmarshal(raw, t); err != nil || t.ID == "" || t.Arn == "" {
			return nil, errValidation("every target needs an Id and an Arn")
		}

		targets = append(targets, t)
	}

	p.mu.Lock()
	defer p.mu.Unlock()

	r, err := p.lookupRule(c, in.EventBusName, in.Rule)
	if err != nil {
		return nil, err
	}

	for _, t := range targets {
		i := slices.IndexFunc(r.targets, func(old *ebTarget) bool { return old.ID == t.ID })
		if i >= 0 {
			r.targets[i] = t
		} else {
			r.targets = append(r.targets, t)
		}
	}

	return map[string]any{"FailedEntryCount": 0, "FailedEntries": []any{}}, nil
}

func (p *pipeline) removeTargets(c caller, body []byte) (any, error) {
	var in struct {
		Rule, EventBusName string
		Ids                []string
	}
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}

	p.mu.Lock()
	defer p.mu.Unlock()

	r, err := p.lookupRule(c, in.EventBusName, in.Rule)
	if err != nil {
		return nil, err
	}

	r.targets = slices.DeleteFunc(r.targets, func(t *ebTarget) bool { return slices.Contains(in.Ids, t.ID) })

	return map[string]any{"FailedEntryCount": 0, "FailedEntries": []any{}}, nil
}

func (p *pipeline) listTargetsByRule(c caller, body []byte) (any, error) {
	var in struct {
		Rule, EventBusName, NextToken string
		Limit                         int
	}
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}

	p.mu.Lock()
	defer p.mu.Unlock()

	r, err := p.lookupRule(c, in.EventBusName, in.Rule)
	if err != nil {
		return nil, err
	}

	sorted := slices.Clone(r.targets)
	slices.SortFunc(sorted, func(a, b *ebTarget) int { return strings.Compare(a.ID, b.ID) })

	page, next := emu.PageByName(sorted, func(t *ebTarget) string { return t.ID }, in.NextToken, in.Limit)

	raws := make([]json.RawMessage, len(page))
	for i, t := range page {
		raws[i] = t.raw
	}

	return struct {
		Targets   []json.RawMessage
		NextToken string `json:",omitempty"`
	}{raws, next}, nil
}

func (p *pipeline) listRuleNamesByTarget(c caller, body []byte) (any, error) {
	var in struct{ TargetArn, EventBusName string }
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}

	bus := busName(in.EventBusName)

	p.mu.Lock()
	defer p.mu.Unlock()

	names := []string{}

	for _, r := range p.region(c.key()).rules {
		if r.EventBusName == bus && slices.ContainsFunc(r.targets, func(t *ebTarget) bool { return t.Arn == in.TargetArn }) {
			names = append(names, r.Name)
		}
	}

	slices.Sort(names)

	return map[string][]string{"RuleNames": names}, nil
}

func (p *pipeline) listRuleTags(c caller, body []byte) (any, error) {
	var in struct{ ResourceARN string }
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}

	p.mu.Lock()
	defer p.mu.Unlock()

	for _, r := range p.region(c.key()).rules {
		if r.Arn == in.ResourceARN {
			return map[string][]tag{"Tags": append([]tag{}, r.tags...)}, nil
		}
	}

	return nil, errCode("ResourceNotFoundException", "Rule %s does not exist.", in.ResourceARN)
}
