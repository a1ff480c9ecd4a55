package cloudformation

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

func errCFNValidation(format string, args ...any) *emu.Error {
	return emu.NewError(http.StatusBadRequest, "ValidationError", format, args...)
}

func cfnTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// stack finds an active stack by name or ID. Callers hold svc.mu.
func (svc *cfnService) stack(k emu.Scope, nameOrID string) *cfnStack {
	for _, st := range svc.stacks[k] {
		if st.name == nameOrID || st.id == nameOrID {
			return st
		}
	}
	return nil
}

func (svc *cfnService) createChangeSet(c *emu.Call) error {
	k := c.Scope()
	name, csName := c.Param("StackName"), c.Param("ChangeSetName")
	csType := c.Param("ChangeSetType")
	if csType == "" {
		csType = "UPDATE"
	}
	if name == "" || csName == "" {
		return errCFNValidation("StackName and ChangeSetName are required")
	}
	body := c.Param("TemplateBody")
	if body == "" && c.Param("UsePreviousTemplate") != "true" {
		return errCFNValidation("Either Template URL or Template Body must be specified.")
	}

	svc.mu.Lock()
	defer svc.mu.Unlock()
	st := svc.stack(k, name)
	switch {
	case csType == "CREATE" && st != nil && st.status != "REVIEW_IN_PROGRESS":
		return emu.NewError(http.StatusBadRequest, "AlreadyExistsException", "Stack [%s] already exists", name)
	case csType == "UPDATE" && st == nil:
		return errCFNValidation("Stack [%s] does not exist", name)
	case csType == "UPDATE" && (st.status == "ROLLBACK_COMPLETE" || strings.HasSuffix(st.status, "_IN_PROGRESS") || st.status == "REVIEW_IN_PROGRESS"):
		return errCFNValidation("Stack:%s is in %s state and can not be updated.", st.id, st.status)
	}
	if body == "" {
		body = st.body
	}
	tmpl, err := parseCFNTemplate(body)
	if err != nil {
		return errCFNValidation("%v", err)
	}
	now := svc.host.Now()
	if st == nil {
		st = &cfnStack{
			id:         fmt.Sprintf("arn:aws:cloudformation:%s:%s:stack/%s/%s", k.Region, k.Account, name, uuid.NewString()),
			name:       name,
			status:     "REVIEW_IN_PROGRESS",
			created:    now,
			resources:  map[string]*cfnResource{},
			changeSets: map[string]*cfnChangeSet{},
		}
		if svc.stacks[k] == nil {
			svc.stacks[k] = map[string]*cfnStack{}
		}
		svc.stacks[k][name] = st
		st.event(name, st.id, "AWS::CloudFormation::Stack", "REVIEW_IN_PROGRESS", "User Initiated", now)
	}
	params := map[string]string{}
	for pname, p := range tmpl.Parameters {
		if d, ok := parameterDefault(p.Default); ok {
			params[pname] = d
		}
	}
	for _, m := range c.Members("Parameters", "ParameterKey", "ParameterValue", "UsePreviousValue") {
		if m["UsePreviousValue"] == "true" {
			params[m["ParameterKey"]] = st.params[m["ParameterKey"]]
			continue
		}
		params[m["ParameterKey"]] = m["ParameterValue"]
	}
	for pname := range tmpl.Parameters {
		if _, ok := params[pname]; !ok {
			return errCFNValidation("Parameters: [%s] must have values", pname)
		}
	}
	var tags []tag
	for _, m := range c.Members("Tags", "Key", "Value") {
		tags = append(tags, tag{m["Key"], m["Value"]})
	}
	sc := cfnScope{account: k.Account, region: k.Region, stackName: name, stackID: st.id, params: params, resources: st.resources}
	if tmpl, err = tmpl.withConditions(sc); err != nil {
		return errCFNValidation("%v", err)
	}
	cs := &cfnChangeSet{
		id:       fmt.Sprintf("arn:aws:cloudformation:%s:%s:changeSet/%s/%s", k.Region, k.Account, csName, uuid.NewString()),
		name:     csName,
		csType:   csType,
		status:   "CREATE_COMPLETE",
		exec:     "AVAILABLE",
		created:  now,
		body:     body,
		template: tmpl,
		params:   params,
		tags:     tags,
		changes:  st.changesFor(tmpl, sc),
	}
	if len(cs.changes) == 0 && tagsEqual(tags, st.tags) && csType == "UPDATE" {
		cs.status, cs.exec = "FAILED", "UNAVAILABLE"
		cs.reason = "The submitted information didn't contain changes. Submit different information to create a change set."
	}
	st.changeSets[csName] = cs
	return c.Result(struct {
		ID      string `xml:"Id"`
		StackID string `xml:"StackId"`
	}{cs.id, st.id})
}

func tagsEqual(a, b []tag) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// changeSet finds a change set by ARN, or by name with StackName.
func (svc *cfnService) changeSet(c *emu.Call) (*cfnStack, *cfnChangeSet, error) {
	k := c.Scope()
	id, stackName := c.Param("ChangeSetName"), c.Param("StackName")
	for _, st := range svc.stacks[k] {
		if stackName != "" && st.name != stackName && st.id != stackName {
			continue
		}
		for _, cs := range st.changeSets {
			if cs.id == id || cs.name == id {
				return st, cs, nil
			}
		}
	}
	return nil, nil, emu.NewError(http.StatusNotFound, "ChangeSetNotFound", "ChangeSet [%s] does not exist", id)
}

type cfnResourceChangeXML struct {
	Action             string
	LogicalResourceID  string `xml:"LogicalResourceId"`
	PhysicalResourceID string `xml:"PhysicalResourceId,omitempty"`
	ResourceType       string
	Replacement        string `xml:",omitempty"`
}

type cfnParameterXML struct {
	ParameterKey   string
	ParameterValue string
}

type cfnTagXML struct{ Key, Value string }

func (svc *cfnService) describeChangeSet(c *emu.Call) error {
	svc.mu.Lock()
	defer svc.mu.Unlock()
	st, cs, err := svc.changeSet(c)
	if err != nil {
		return err
	}
	type change struct {
		Type           string
		ResourceChange cfnResourceChangeXML
	}
	var changes []change
	for _, ch := range cs.changes {
		changes = append(changes, change{"Resource", cfnResourceChangeXML{ch.action, ch.logical, ch.physical, ch.typ, ch.replacement}})
	}
	return c.Result(struct {
		ChangeSetName   string
		ChangeSetID     string `xml:"ChangeSetId"`
		StackID         string `xml:"StackId"`
		StackName       string
		Status          string
		StatusReason    string `xml:",omitempty"`
		ExecutionStatus string
		CreationTime    string
		Changes         []change          `xml:"Changes>member"`
		Parameters      []cfnParameterXML `xml:"Parameters>member"`
		Tags            []cfnTagXML       `xml:"Tags>member"`
	}{cs.name, cs.id, st.id, st.name, cs.status, cs.reason, cs.exec, cfnTime(cs.created), changes, paramsXML(cs.params), tagsXML(cs.tags)})
}

func paramsXML(params map[string]string) []cfnParameterXML {
	var out []cfnParameterXML
	for k, v := range params {
		out = append(out, cfnParameterXML{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ParameterKey < out[j].ParameterKey })
	return out
}

func tagsXML(tags []tag) []cfnTagXML {
	out := make([]cfnTagXML, len(tags))
	for i, t := range tags {
		out[i] = cfnTagXML(t)
	}
	return out
}

func (svc *cfnService) deleteChangeSet(c *emu.Call) error {
	svc.mu.Lock()
	defer svc.mu.Unlock()
	st, cs, err := svc.changeSet(c)
	if err != nil {
		return err
	}
	delete(st.changeSets, cs.name)
	if st.status == "REVIEW_IN_PROGRESS" && len(st.changeSets) == 0 {
		// A stack that was never created disappears with its last change set.
		delete(svc.stacks[c.Scope()], st.name)
	}
	return c.Result(struct{}{})
}

func (svc *cfnService) executeChangeSet(c *emu.Call) error {
	svc.mu.Lock()
	defer svc.mu.Unlock()
	st, cs, err := svc.changeSet(c)
	if err != nil {
		return err
	}
	if cs.exec != "AVAILABLE" {
		return emu.NewError(http.StatusBadRequest, "InvalidChangeSetStatus", "ChangeSet [%s] cannot be executed in its current status of [%s]", cs.id, cs.status)
	}
	if strings.HasSuffix(st.status, "_IN_PROGRESS") && st.status != "REVIEW_IN_PROGRESS" {
		return errCFNValidation("Stack:%s is in %s state and can not be updated.", st.id, st.status)
	}
	prov, err := svc.provisionerFor(c)
	if err != nil {
		return err
	}
	creating := st.status == "REVIEW_IN_PROGRESS"
	st.changeSets = map[string]*cfnChangeSet{}
	now := svc.host.Now()
	if creating {
		st.stackEvent("CREATE_IN_PROGRESS", "User Initiated", now)
	} else {
		st.stackEvent("UPDATE_IN_PROGRESS", "User Initiated", now)
		st.updated = now
	}
	svc.wg.Go(func() { svc.apply(prov, st, cs, creating) })
	return c.Result(struct{}{})
}

func (svc *cfnService) deleteStack(c *emu.Call) error {
	k := c.Scope()
	svc.mu.Lock()
	defer svc.mu.Unlock()
	st := svc.stack(k, c.Param("StackName"))
	if st == nil || st.status == "DELETE_IN_PROGRESS" {
		return c.Result(struct{}{}) // deleting a missing stack succeeds, as on AWS
	}
	if strings.HasSuffix(st.status, "_IN_PROGRESS") && st.status != "REVIEW_IN_PROGRESS" {
		return errCFNValidation("Stack [%s] cannot be deleted while in status %s", st.name, st.status)
	}
	prov, err := svc.provisionerFor(c)
	if err != nil {
		return err
	}
	retain := map[string]bool{}
	for i := 1; ; i++ {
		v := c.Param("RetainResources.member." + strconv.Itoa(i))
		if v == "" {
			break
		}
		retain[v] = true
	}
	st.stackEvent("DELETE_IN_PROGRESS", "User Initiated", svc.host.Now())
	svc.wg.Go(func() { svc.destroy(prov, k, st, retain) })
	return c.Result(struct{}{})
}

func (svc *cfnService) describeStacks(c *emu.Call) error {
	k := c.Scope()
	svc.mu.Lock()
	defer svc.mu.Unlock()
	var stacks []*cfnStack
	if name := c.Param("StackName"); name != "" {
		st := svc.stack(k, name)
		if st == nil {
			return errCFNValidation("Stack with id %s does not exist", name)
		}
		stacks = append(stacks, st)
	} else {
		for _, st := range svc.stacks[k] {
			stacks = append(stacks, st)
		}
		sort.Slice(stacks, func(i, j int) bool { return stacks[i].name < stacks[j].name })
	}
	type outputXML struct {
		OutputKey, OutputValue, Description string
	}
	type stackXML struct {
		StackID           string `xml:"StackId"`
		StackName         string
		StackStatus       string
		StackStatusReason string `xml:",omitempty"`
		CreationTime      string
		LastUpdatedTime   string            `xml:",omitempty"`
		Parameters        []cfnParameterXML `xml:"Parameters>member"`
		Outputs           []outputXML       `xml:"Outputs>member"`
		Tags              []cfnTagXML       `xml:"Tags>member"`
	}
	var out []stackXML
	for _, st := range stacks {
		x := stackXML{StackID: st.id, StackName: st.name, StackStatus: st.status, StackStatusReason: st.reason,
			CreationTime: cfnTime(st.created), Parameters: paramsXML(st.params), Tags: tagsXML(st.tags)}
		if !st.updated.IsZero() {
			x.LastUpdatedTime = cfnTime(st.updated)
		}
		for _, o := range st.outputs {
			x.Outputs = append(x.Outputs, outputXML{o.key, o.value, o.description})
		}
		out = append(out, x)
	}
	return c.Result(struct {
		Stacks []stackXML `xml:"Stacks>member"`
	}{out})
}

func (svc *cfnService) describeStackEvents(c *emu.Call) error {
	k := c.Scope()
	svc.mu.Lock()
	defer svc.mu.Unlock()
	st := svc.stack(k, c.Param("StackName"))
	if st == nil {
		return errCFNValidation("Stack [%s] does not exist", c.Param("StackName"))
	}
	type eventXML struct {
		StackID              string `xml:"StackId"`
		EventID              string `xml:"EventId"`
		StackName            string
		LogicalResourceID    string `xml:"LogicalResourceId"`
		PhysicalResourceID   string `xml:"PhysicalResourceId,omitempty"`
		ResourceType         string
		Timestamp            string
		ResourceStatus       string
		ResourceStatusReason string `xml:",omitempty"`
	}
	out := make([]eventXML, 0, len(st.events))
	for i := len(st.events) - 1; i >= 0; i-- { // newest first, as on AWS
		e := st.events[i]
		out = append(out, eventXML{st.id, e.id, st.name, e.logical, e.physical, e.typ, cfnTime(e.at), e.status, e.reason})
	}
	return c.Result(struct {
		StackEvents []eventXML `xml:"StackEvents>member"`
	}{out})
}

type cfnResourceXML struct {
	StackName            string `xml:",omitempty"`
	StackID              string `xml:"StackId,omitempty"`
	LogicalResourceID    string `xml:"LogicalResourceId"`
	PhysicalResourceID   string `xml:"PhysicalResourceId,omitempty"`
	ResourceType         string
	Timestamp            string `xml:",omitempty"`
	LastUpdatedTimestamp string `xml:",omitempty"`
	ResourceStatus       string
	ResourceStatusReason string `xml:",omitempty"`
}

func (svc *cfnService) stackResources(c *emu.Call, summary bool) ([]cfnResourceXML, error) {
	k := c.Scope()
	svc.mu.Lock()
	defer svc.mu.Unlock()
	st := svc.stack(k, c.Param("StackName"))
	if st == nil {
		return nil, errCFNValidation("Stack with id %s does not exist", c.Param("StackName"))
	}
	ids := make([]string, 0, len(st.resources))
	for id := range st.resources {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var out []cfnResourceXML
	for _, id := range ids {
		r := st.resources[id]
		x := cfnResourceXML{LogicalResourceID: id, PhysicalResourceID: r.physical, ResourceType: r.typ,
			ResourceStatus: r.status, ResourceStatusReason: r.reason}
		if summary {
			x.LastUpdatedTimestamp = cfnTime(r.updated)
		} else {
			x.StackName, x.StackID, x.Timestamp = st.name, st.id, cfnTime(r.updated)
		}
		out = append(out, x)
	}
	return out, nil
}

func (svc *cfnService) describeStackResources(c *emu.Call) error {
	out, err := svc.stackResources(c, false)
	if err != nil {
		return err
	}
	return c.Result(struct {
		StackResources []cfnResourceXML `xml:"StackResources>member"`
	}{out})
}

func (svc *cfnService) listStackResources(c *emu.Call) error {
	out, err := svc.stackResources(c, true)
	if err != nil {
		return err
	}
	return c.Result(struct {
		StackResourceSummaries []cfnResourceXML `xml:"StackResourceSummaries>member"`
	}{out})
}

func (svc *cfnService) getTemplate(c *emu.Call) error {
	svc.mu.Lock()
	defer svc.mu.Unlock()
	st := svc.stack(c.Scope(), c.Param("StackName"))
	if st == nil {
		return errCFNValidation("Stack with id %s does not exist", c.Param("StackName"))
	}
	body := st.body
	if name := c.Param("ChangeSetName"); name != "" {
		cs, ok := st.changeSets[name]
		if !ok {
			return emu.NewError(http.StatusNotFound, "ChangeSetNotFound", "ChangeSet [%s] does not exist", name)
		}
		body = cs.body
	}
	return c.Result(struct {
		TemplateBody    string
		StagesAvailable []string `xml:"StagesAvailable>member"`
	}{body, []string{"Original", "Processed"}})
}
