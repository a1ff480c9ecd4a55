package cloudformation

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

// Service-managed StackSets: the management account (or a delegated
// administrator for stacksetsPrincipal) deploys one template to every
// account of chosen OUs and regions. Each stack instance is a real stack,
// made through the front's CloudFormation API signed as the target
// account (stackset_ops.go), and automatic deployment follows accounts
// that join or leave a targeted OU (accountMoved).

const stacksetsPrincipal = "member.org.stacksets.cloudformation.amazonaws.com"

type stackSetService struct {
	host  emu.Host
	links Links
	ctx   context.Context // ends when the emulator closes
	mu    sync.Mutex
	sets  map[emu.Scope]map[string]*stackSet // admin account and region → name
	wg    sync.WaitGroup
}

type stackSet struct {
	name, id, arn   string
	admin           emu.Scope
	status          string // ACTIVE, DELETED
	description     string
	body            string
	params          []cfnParameterXML
	capabilities    []string
	tags            []tag
	autoDeploy      bool
	retainOnRemoval bool
	targets         map[string][]string // OU (or root) ID → regions, for automatic deployment
	instances       map[instanceKey]*stackInstance
	ops             []*stackSetOp
	run             sync.Mutex // one operation at a time, as on AWS
}

type instanceKey struct{ account, region string }

type stackInstance struct {
	account, region, ou string
	stackName, stackID  string
	status              string // CURRENT, OUTDATED, INOPERABLE
	detailed            string // PENDING, RUNNING, SUCCEEDED, FAILED, CANCELLED
	reason              string
}

type stackSetOp struct {
	id, action, status string
	created, ended     time.Time
	results            []opResult
}

type opResult struct{ account, region, status, reason string }

type opPrefs struct{ maxConcurrent, failureTolerance int }

func errStackSetNotFound(name string) *emu.Error {
	return emu.NewError(http.StatusNotFound, "StackSetNotFoundException", "StackSet %s not found", name)
}

func errOperationInProgress(name string) *emu.Error {
	return emu.NewError(http.StatusConflict, "OperationInProgressException", "Another Operation on StackSet %s is in progress", name)
}

// authorizeServiceManaged follows the StackSets user guide: service-managed
// stack sets need trusted access for StackSets, and are run by the
// management account or, with CallAs DELEGATED_ADMIN, a registered
// delegated administrator.
func (svc *stackSetService) authorizeServiceManaged(c *emu.Call) error {
	var err error
	svc.links.Organization(func(o Org) {
		switch {
		case o == nil || !o.IsMember(c.Caller.Account):
			err = errCFNValidation("Account %s is not a member of an organization", c.Caller.Account)
		case !o.TrustedAccess(stacksetsPrincipal):
			err = errCFNValidation("You must enable organizations access to operate a service managed stack set")
		case c.Param("CallAs") == "DELEGATED_ADMIN":
			if !o.DelegatedAdmin(c.Caller.Account, stacksetsPrincipal) {
				err = errCFNValidation("Account used is not a delegated administrator for %s", stacksetsPrincipal)
			}
		case c.Caller.Account != o.Management():
			err = errCFNValidation("Account used is not organization's management account or delegated administrator")
		}
	})
	return err
}

// stackSet finds an active stack set; callers hold svc.mu.
func (svc *stackSetService) stackSet(c *emu.Call) (*stackSet, error) {
	name := c.Param("StackSetName")
	for _, ss := range svc.sets[c.Scope()] {
		if (ss.name == name || ss.id == name) && ss.status == "ACTIVE" {
			return ss, nil
		}
	}
	return nil, errStackSetNotFound(name)
}

func (svc *stackSetService) createStackSet(c *emu.Call) error {
	name := c.Param("StackSetName")
	if name == "" || c.Param("TemplateBody") == "" {
		return errCFNValidation("StackSetName and TemplateBody are required")
	}
	if c.Param("PermissionModel") != "SERVICE_MANAGED" {
		return errCFNValidation("the local AWS models SERVICE_MANAGED stack sets only")
	}
	if err := svc.authorizeServiceManaged(c); err != nil {
		return err
	}
	if _, err := parseCFNTemplate(c.Param("TemplateBody")); err != nil {
		return errCFNValidation("%v", err)
	}
	k := c.Scope()
	svc.mu.Lock()
	defer svc.mu.Unlock()
	if svc.sets[k] == nil {
		svc.sets[k] = map[string]*stackSet{}
	}
	if old := svc.sets[k][name]; old != nil && old.status == "ACTIVE" {
		return emu.NewError(http.StatusConflict, "NameAlreadyExistsException", "StackSet %s already exists", name)
	}
	ss := &stackSet{
		name: name, id: name + ":" + uuid.NewString(), admin: k, status: "ACTIVE",
		targets: map[string][]string{}, instances: map[instanceKey]*stackInstance{},
	}
	ss.arn = fmt.Sprintf("arn:aws:cloudformation:%s:%s:stackset/%s", k.Region, k.Account, ss.id)
	ss.configure(c)
	svc.sets[k][name] = ss
	return c.Result(struct {
		StackSetID string `xml:"StackSetId"`
	}{ss.id})
}

// configure reads the settable fields of CreateStackSet and UpdateStackSet.
func (ss *stackSet) configure(c *emu.Call) {
	if v := c.Param("TemplateBody"); v != "" {
		ss.body = v
	}
	if v := c.Param("Description"); v != "" {
		ss.description = v
	}
	if params := c.Members("Parameters", "ParameterKey", "ParameterValue"); params != nil {
		ss.params = nil
		for _, m := range params {
			ss.params = append(ss.params, cfnParameterXML{m["ParameterKey"], m["ParameterValue"]})
		}
	}
	if caps := c.List("Capabilities"); caps != nil {
		ss.capabilities = caps
	}
	if tags := c.Members("Tags", "Key", "Value"); tags != nil {
		ss.tags = nil
		for _, m := range tags {
			ss.tags = append(ss.tags, tag{m["Key"], m["Value"]})
		}
	}
	if v := c.Param("AutoDeployment.Enabled"); v != "" {
		ss.autoDeploy = v == "true"
	}
	if v := c.Param("AutoDeployment.RetainStacksOnAccountRemoval"); v != "" {
		ss.retainOnRemoval = v == "true"
	}
}

func (svc *stackSetService) describeStackSet(c *emu.Call) error {
	svc.mu.Lock()
	defer svc.mu.Unlock()
	ss, err := svc.stackSet(c)
	if err != nil {
		return err
	}
	var ous []string
	for ou := range ss.targets {
		ous = append(ous, ou)
	}
	sort.Strings(ous)
	return c.Result(struct{ StackSet stackSetXML }{StackSet: stackSetXML{ss.name, ss.id, ss.arn, ss.status, ss.description, ss.body, "SERVICE_MANAGED", ss.params, ss.capabilities,
		tagsXML(ss.tags), autoXML{ss.autoDeploy, ss.retainOnRemoval}, ous}})
}

// autoXML is a stack set's AutoDeployment element.
type autoXML struct {
	Enabled                      bool
	RetainStacksOnAccountRemoval bool
}

// stackSetXML is DescribeStackSet's StackSet element.
type stackSetXML struct {
	StackSetName          string
	StackSetID            string `xml:"StackSetId"`
	StackSetARN           string
	Status                string
	Description           string `xml:",omitempty"`
	TemplateBody          string
	PermissionModel       string
	Parameters            []cfnParameterXML `xml:"Parameters>member"`
	Capabilities          []string          `xml:"Capabilities>member"`
	Tags                  []cfnTagXML       `xml:"Tags>member"`
	AutoDeployment        autoXML
	OrganizationalUnitIds []string `xml:"OrganizationalUnitIds>member"`
}

// busy reports whether an operation is running; callers hold svc.mu.
func (ss *stackSet) busy() bool {
	return slices.ContainsFunc(ss.ops, func(op *stackSetOp) bool { return op.status == "RUNNING" })
}

// newOp records an operation; callers hold svc.mu.
func (svc *stackSetService) newOp(ss *stackSet, id, action string) *stackSetOp {
	if id == "" {
		id = uuid.NewString()
	}
	op := &stackSetOp{id: id, action: action, status: "RUNNING", created: svc.host.Now()}
	ss.ops = append(ss.ops, op)
	return op
}

func (svc *stackSetService) updateStackSet(c *emu.Call) error {
	if err := svc.authorizeServiceManaged(c); err != nil {
		return err
	}
	svc.mu.Lock()
	defer svc.mu.Unlock()
	ss, err := svc.stackSet(c)
	if err != nil {
		return err
	}
	if ss.busy() {
		return errOperationInProgress(ss.name)
	}
	if body := c.Param("TemplateBody"); body != "" {
		if _, err := parseCFNTemplate(body); err != nil {
			return errCFNValidation("%v", err)
		}
	}
	ss.configure(c)
	var targets []instanceKey
	for k, inst := range ss.instances {
		inst.status, inst.detailed = "OUTDATED", "PENDING"
		targets = append(targets, k)
	}
	op := svc.newOp(ss, c.Param("OperationId"), "UPDATE")
	svc.start(ss, op, targets, prefsOf(c), false)
	return c.Result(struct {
		OperationID string `xml:"OperationId"`
	}{op.id})
}

func (svc *stackSetService) deleteStackSet(c *emu.Call) error {
	svc.mu.Lock()
	defer svc.mu.Unlock()
	ss, err := svc.stackSet(c)
	if err != nil {
		return err
	}
	if ss.busy() {
		return errOperationInProgress(ss.name)
	}
	if len(ss.instances) > 0 {
		return emu.NewError(http.StatusBadRequest, "StackSetNotEmptyException", "StackSet %s is not empty", ss.name)
	}
	ss.status = "DELETED"
	delete(svc.sets[ss.admin], ss.name)
	return c.Result(struct{}{})
}

func prefsOf(c *emu.Call) opPrefs {
	p := opPrefs{maxConcurrent: 1}
	if n, err := strconv.Atoi(c.Param("OperationPreferences.MaxConcurrentCount")); err == nil && n > 0 {
		p.maxConcurrent = n
	}
	if n, err := strconv.Atoi(c.Param("OperationPreferences.FailureToleranceCount")); err == nil && n >= 0 {
		p.failureTolerance = n
	}
	return p
}

func (svc *stackSetService) createStackInstances(c *emu.Call) error {
	if err := svc.authorizeServiceManaged(c); err != nil {
		return err
	}
	ous := c.List("DeploymentTargets.OrganizationalUnitIds")
	regions := c.List("Regions")
	if len(ous) == 0 || len(regions) == 0 {
		return errCFNValidation("DeploymentTargets.OrganizationalUnitIds and Regions are required for service-managed stack sets")
	}
	filter, filterAccounts := c.Param("DeploymentTargets.AccountFilterType"), c.List("DeploymentTargets.Accounts")
	var accounts []struct{ id, ou string }
	var missing error
	svc.links.Organization(func(o Org) {
		if o == nil {
			missing = errCFNValidation("Account %s is not a member of an organization", c.Caller.Account)
			return
		}
		for _, ou := range ous {
			if _, ok := o.OUParent(ou); ou != o.Root() && !ok {
				missing = errCFNValidation("OrganizationalUnitId %s does not exist", ou)
				return
			}
			for _, id := range deployableUnder(o, ou) {
				in := slices.Contains(filterAccounts, id)
				if (filter == "INTERSECTION" && !in) || (filter == "DIFFERENCE" && in) {
					continue
				}
				accounts = append(accounts, struct{ id, ou string }{id, ou})
			}
		}
	})
	if missing != nil {
		return missing
	}

	svc.mu.Lock()
	defer svc.mu.Unlock()
	ss, err := svc.stackSet(c)
	if err != nil {
		return err
	}
	if ss.busy() {
		return errOperationInProgress(ss.name)
	}
	for _, ou := range ous {
		for _, r := range regions {
			if !slices.Contains(ss.targets[ou], r) {
				ss.targets[ou] = append(ss.targets[ou], r)
			}
		}
	}
	var targets []instanceKey
	for _, a := range accounts {
		for _, r := range regions {
			k := instanceKey{a.id, r}
			if ss.instances[k] == nil {
				ss.instances[k] = &stackInstance{account: a.id, region: r, ou: a.ou, status: "OUTDATED", detailed: "PENDING"}
			}
			targets = append(targets, k)
		}
	}
	op := svc.newOp(ss, c.Param("OperationId"), "CREATE")
	svc.start(ss, op, targets, prefsOf(c), false)
	return c.Result(struct {
		OperationID string `xml:"OperationId"`
	}{op.id})
}

// deployableUnder lists the ACTIVE accounts in parent and its descendant
// OUs, without the management account: service-managed stack sets never
// deploy there.
func deployableUnder(o Org, parent string) []string {
	var out []string
	for _, id := range o.Members() {
		if id != o.Management() && under(o, id, parent) && o.Active(id) {
			out = append(out, id)
		}
	}
	return out
}

// under reports whether account sits in parent or below it.
func under(o Org, account, parent string) bool {
	p, ok := o.AccountParent(account)
	return ok && within(o, p, parent)
}

// within reports whether the root or OU p is parent or below it.
func within(o Org, p, parent string) bool {
	for p != "" {
		if p == parent {
			return true
		}
		up, ok := o.OUParent(p)
		if !ok {
			return false
		}
		p = up
	}
	return false
}

func (svc *stackSetService) deleteStackInstances(c *emu.Call) error {
	if err := svc.authorizeServiceManaged(c); err != nil {
		return err
	}
	ous := c.List("DeploymentTargets.OrganizationalUnitIds")
	regions := c.List("Regions")
	retain := c.Param("RetainStacks") == "true"
	var op *stackSetOp
	var err error
	// The organization is read under the model's lock, taken before svc.mu
	// as accountMoved does.
	svc.links.Organization(func(o Org) {
		svc.mu.Lock()
		defer svc.mu.Unlock()
		var ss *stackSet
		ss, err = svc.stackSet(c)
		if err != nil {
			return
		}
		var targets []instanceKey
		for k, inst := range ss.instances {
			inScope := o != nil && slices.ContainsFunc(ous, func(ou string) bool { return under(o, k.account, ou) })
			if slices.Contains(regions, k.region) && (inScope || slices.Contains(ous, inst.ou)) {
				targets = append(targets, k)
			}
		}
		if ss.busy() {
			err = errOperationInProgress(ss.name)
			return
		}
		for _, ou := range ous {
			ss.targets[ou] = slices.DeleteFunc(ss.targets[ou], func(r string) bool { return slices.Contains(regions, r) })
			if len(ss.targets[ou]) == 0 {
				delete(ss.targets, ou)
			}
		}
		op = svc.newOp(ss, c.Param("OperationId"), "DELETE")
		svc.start(ss, op, targets, prefsOf(c), retain)
	})
	if err != nil {
		return err
	}
	return c.Result(struct {
		OperationID string `xml:"OperationId"`
	}{op.id})
}

func (svc *stackSetService) listStackInstances(c *emu.Call) error {
	svc.mu.Lock()
	defer svc.mu.Unlock()
	ss, err := svc.stackSet(c)
	if err != nil {
		return err
	}
	type detailXML struct {
		DetailedStatus string
	}
	type summaryXML struct {
		StackSetID           string `xml:"StackSetId"`
		Region               string
		Account              string
		StackID              string `xml:"StackId,omitempty"`
		Status               string
		StatusReason         string `xml:",omitempty"`
		StackInstanceStatus  detailXML
		OrganizationalUnitID string `xml:"OrganizationalUnitId,omitempty"`
		LastOperationID      string `xml:"LastOperationId,omitempty"`
		DriftStatus          string
	}
	var out []summaryXML
	for _, inst := range ss.instances {
		out = append(out, summaryXML{StackSetID: ss.id, Region: inst.region, Account: inst.account, StackID: inst.stackID,
			Status: inst.status, StatusReason: inst.reason, StackInstanceStatus: detailXML{inst.detailed},
			OrganizationalUnitID: inst.ou, DriftStatus: "NOT_CHECKED"})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Account != out[j].Account {
			return out[i].Account < out[j].Account
		}
		return out[i].Region < out[j].Region
	})
	return c.Result(struct {
		Summaries []summaryXML `xml:"Summaries>member"`
	}{out})
}

func (svc *stackSetService) operation(c *emu.Call) (*stackSet, *stackSetOp, error) {
	ss, err := svc.stackSet(c)
	if err != nil {
		return nil, nil, err
	}
	for _, op := range ss.ops {
		if op.id == c.Param("OperationId") {
			return ss, op, nil
		}
	}
	return nil, nil, emu.NewError(http.StatusNotFound, "OperationNotFoundException", "Operation %s not found", c.Param("OperationId"))
}

type opXML struct {
	OperationID       string `xml:"OperationId"`
	StackSetID        string `xml:"StackSetId,omitempty"`
	Action            string
	Status            string
	CreationTimestamp string
	EndTimestamp      string `xml:",omitempty"`
}

func (svc *stackSetService) opXML(ss *stackSet, op *stackSetOp) opXML {
	x := opXML{OperationID: op.id, StackSetID: ss.id, Action: op.action, Status: op.status, CreationTimestamp: cfnTime(op.created)}
	if !op.ended.IsZero() {
		x.EndTimestamp = cfnTime(op.ended)
	}
	return x
}

func (svc *stackSetService) describeStackSetOperation(c *emu.Call) error {
	svc.mu.Lock()
	defer svc.mu.Unlock()
	ss, op, err := svc.operation(c)
	if err != nil {
		return err
	}
	return c.Result(struct {
		StackSetOperation opXML
	}{svc.opXML(ss, op)})
}

func (svc *stackSetService) listStackSetOperations(c *emu.Call) error {
	svc.mu.Lock()
	defer svc.mu.Unlock()
	ss, err := svc.stackSet(c)
	if err != nil {
		return err
	}
	var out []opXML
	for _, op := range slices.Backward(ss.ops) { // newest first, as on AWS
		x := svc.opXML(ss, op)
		x.StackSetID = ""
		out = append(out, x)
	}
	return c.Result(struct {
		Summaries []opXML `xml:"Summaries>member"`
	}{out})
}
