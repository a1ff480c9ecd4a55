// Package organizations answers AWS Organizations from awsemu's directory
// of accounts: the organization, its accounts, roots and OUs, trusted
// access for services and delegated administrators — what rootguard reads
// to reach every account, and what its StackSets and centralized root
// access need. Listing actions answer the management account and delegated
// administrators only, as AWS does.
package organizations

import (
	"encoding/base64"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/rootguard/rootguard/internal/awsemu/internal/directory"
	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

// service answers Organizations from the directory.
type service struct{ d *directory.Directory }

// Register answers the Organizations actions modelled on host, from d.
func Register(host emu.Host, d *directory.Directory) {
	s := &service{d}
	anyMember := func(h func(*emu.Call, *directory.Organization) error) emu.Handler {
		return s.inOrganization(h, false)
	}
	administrator := func(h func(*emu.Call, *directory.Organization) error) emu.Handler {
		return s.inOrganization(h, true)
	}
	for action, h := range map[string]emu.Handler{
		"DescribeOrganization":                anyMember(s.describeOrganization),
		"ListAccounts":                        administrator(s.listAccounts),
		"ListAccountsForParent":               administrator(s.listAccountsForParent),
		"DescribeAccount":                     administrator(s.describeAccount),
		"ListRoots":                           administrator(s.listRoots),
		"ListOrganizationalUnitsForParent":    administrator(s.listOrganizationalUnitsForParent),
		"ListAWSServiceAccessForOrganization": administrator(s.listAWSServiceAccess),
		"ListDelegatedAdministrators":         administrator(s.listDelegatedAdministrators),
		"EnableAWSServiceAccess":              anyMember(managementOnly(s.enableAWSServiceAccess)),
		"RegisterDelegatedAdministrator":      anyMember(managementOnly(s.registerDelegatedAdministrator)),
	} {
		host.Handle("organizations", action, d.Locked(h))
	}
}

// inOrganization refuses callers outside the organization
// (AWSOrganizationsNotInUseException) and, for administrator actions,
// callers that are neither the management account nor a delegated
// administrator (AccessDeniedException).
func (s *service) inOrganization(h func(*emu.Call, *directory.Organization) error, administrator bool) emu.Handler {
	return func(c *emu.Call) error {
		o := s.d.Org
		if o == nil || !o.IsMember(c.Caller.Account) {
			return emu.NewError(http.StatusBadRequest, "AWSOrganizationsNotInUseException", "Your account is not a member of an organization.")
		}
		if administrator && c.Caller.Account != o.Management.ID && !o.IsDelegatedAdmin(c.Caller.Account, "") {
			return errOrganizationsAccessDenied()
		}
		return h(c, o)
	}
}

func managementOnly(h func(*emu.Call, *directory.Organization) error) func(*emu.Call, *directory.Organization) error {
	return func(c *emu.Call, o *directory.Organization) error {
		if c.Caller.Account != o.Management.ID {
			return errOrganizationsAccessDenied()
		}
		return h(c, o)
	}
}

func errOrganizationsAccessDenied() *emu.Error {
	return emu.NewError(http.StatusBadRequest, "AccessDeniedException", "You don't have permissions to access this resource.")
}

// epochSeconds is the awsJson timestamp form.
func epochSeconds(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

func orgARN(o *directory.Organization, kind, id string) string {
	return "arn:aws:organizations::" + o.Management.ID + ":" + kind + "/" + o.ID + "/" + id
}

func (s *service) describeOrganization(c *emu.Call, o *directory.Organization) error {
	return c.Result(map[string]any{"Organization": map[string]any{
		"Id":                 o.ID,
		"Arn":                "arn:aws:organizations::" + o.Management.ID + ":organization/" + o.ID,
		"FeatureSet":         "ALL",
		"MasterAccountArn":   orgARN(o, "account", o.Management.ID),
		"MasterAccountId":    o.Management.ID,
		"MasterAccountEmail": o.Management.Email,
		"AvailablePolicyTypes": []map[string]string{
			{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"},
		},
	}})
}

func (s *service) accountJSON(o *directory.Organization, id string) map[string]any {
	a := s.d.Accounts[id]
	state, status := "ACTIVE", "ACTIVE"
	if a.Suspended {
		state, status = "SUSPENDED", "SUSPENDED"
	}
	joined := "CREATED"
	if id == o.Management.ID {
		joined = "INVITED"
	}
	return map[string]any{
		"Id": a.ID, "Arn": orgARN(o, "account", a.ID), "Email": a.Email, "Name": a.Name,
		"Status": status, "State": state, "JoinedMethod": joined,
		"JoinedTimestamp": epochSeconds(o.Joined[id]),
	}
}

// listRequest is the paging input every Organizations listing takes.
type listRequest struct {
	NextToken        string
	MaxResults       int
	ParentID         string `json:"ParentId"`
	AccountID        string `json:"AccountId"`
	ServicePrincipal string
}

// orgPageSize is the page size when MaxResults is absent; Organizations
// accepts 1–20.
const orgPageSize = 20

// paginate selects one page of n items and the token for the next.
func paginate(req listRequest, n int) (start, end int, next *string, err error) {
	size := req.MaxResults
	if size == 0 {
		size = orgPageSize
	}
	if size < 1 || size > orgPageSize {
		return 0, 0, nil, emu.NewError(http.StatusBadRequest, "InvalidInputException", "MaxResults must be between 1 and %d.", orgPageSize)
	}
	if req.NextToken != "" {
		raw, decodeErr := base64.RawURLEncoding.DecodeString(req.NextToken)
		if start, err = strconv.Atoi(string(raw)); decodeErr != nil || err != nil || start < 0 || start > n {
			return 0, 0, nil, emu.NewError(http.StatusBadRequest, "InvalidInputException", "The NextToken is not valid.")
		}
	}
	end = min(start+size, n)
	if end < n {
		token := base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end)))
		next = &token
	}
	return start, end, next, nil
}

func (s *service) pageOfAccounts(c *emu.Call, o *directory.Organization, ids []string, req listRequest) error {
	start, end, next, err := paginate(req, len(ids))
	if err != nil {
		return err
	}
	accounts := make([]map[string]any, 0, end-start)
	for _, id := range ids[start:end] {
		accounts = append(accounts, s.accountJSON(o, id))
	}
	return c.Result(map[string]any{"Accounts": accounts, "NextToken": next})
}

func (s *service) listAccounts(c *emu.Call, o *directory.Organization) error {
	var req listRequest
	if err := c.DecodeJSON(&req); err != nil {
		return err
	}
	return s.pageOfAccounts(c, o, o.MemberIDs(), req)
}

func (s *service) validParent(o *directory.Organization, id string) bool {
	_, isOU := o.Units[id]
	return id == o.RootID || isOU
}

func (s *service) listAccountsForParent(c *emu.Call, o *directory.Organization) error {
	var req listRequest
	if err := c.DecodeJSON(&req); err != nil {
		return err
	}
	if !s.validParent(o, req.ParentID) {
		return emu.NewError(http.StatusBadRequest, "ParentNotFoundException", "We can't find a root or OU with the ParentId that you specified.")
	}
	var ids []string
	for _, id := range o.MemberIDs() {
		if o.Parents[id] == req.ParentID {
			ids = append(ids, id)
		}
	}
	return s.pageOfAccounts(c, o, ids, req)
}

func (s *service) describeAccount(c *emu.Call, o *directory.Organization) error {
	var req listRequest
	if err := c.DecodeJSON(&req); err != nil {
		return err
	}
	if !o.IsMember(req.AccountID) {
		return emu.NewError(http.StatusBadRequest, "AccountNotFoundException", "You specified an account that doesn't exist.")
	}
	return c.Result(map[string]any{"Account": s.accountJSON(o, req.AccountID)})
}

func (s *service) listRoots(c *emu.Call, o *directory.Organization) error {
	return c.Result(map[string]any{"Roots": []map[string]any{{
		"Id": o.RootID, "Arn": orgARN(o, "root", o.RootID), "Name": "Root",
		"PolicyTypes": []map[string]string{{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}},
	}}})
}

func (s *service) listOrganizationalUnitsForParent(c *emu.Call, o *directory.Organization) error {
	var req listRequest
	if err := c.DecodeJSON(&req); err != nil {
		return err
	}
	if !s.validParent(o, req.ParentID) {
		return emu.NewError(http.StatusBadRequest, "ParentNotFoundException", "We can't find a root or OU with the ParentId that you specified.")
	}
	var ids []string
	for id, ou := range o.Units {
		if ou.Parent == req.ParentID {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	start, end, next, err := paginate(req, len(ids))
	if err != nil {
		return err
	}
	units := make([]map[string]any, 0, end-start)
	for _, id := range ids[start:end] {
		units = append(units, map[string]any{"Id": id, "Arn": orgARN(o, "ou", id), "Name": o.Units[id].Name})
	}
	return c.Result(map[string]any{"OrganizationalUnits": units, "NextToken": next})
}

func (s *service) enableAWSServiceAccess(c *emu.Call, o *directory.Organization) error {
	var req listRequest
	if err := c.DecodeJSON(&req); err != nil {
		return err
	}
	if req.ServicePrincipal == "" {
		return emu.NewError(http.StatusBadRequest, "InvalidInputException", "ServicePrincipal is required.")
	}
	o.EnableServiceAccessLocked(req.ServicePrincipal)
	return c.Result(nil)
}

func (s *service) listAWSServiceAccess(c *emu.Call, o *directory.Organization) error {
	var req listRequest
	if err := c.DecodeJSON(&req); err != nil {
		return err
	}
	principals := make([]string, 0, len(o.ServiceAccess))
	for p := range o.ServiceAccess {
		principals = append(principals, p)
	}
	sort.Strings(principals)
	start, end, next, err := paginate(req, len(principals))
	if err != nil {
		return err
	}
	enabled := make([]map[string]any, 0, end-start)
	for _, p := range principals[start:end] {
		enabled = append(enabled, map[string]any{"ServicePrincipal": p, "DateEnabled": epochSeconds(o.ServiceAccess[p])})
	}
	return c.Result(map[string]any{"EnabledServicePrincipals": enabled, "NextToken": next})
}

func (s *service) registerDelegatedAdministrator(c *emu.Call, o *directory.Organization) error {
	var req listRequest
	if err := c.DecodeJSON(&req); err != nil {
		return err
	}
	switch {
	case !o.IsMember(req.AccountID):
		return emu.NewError(http.StatusBadRequest, "AccountNotFoundException", "You specified an account that doesn't exist.")
	case req.AccountID == o.Management.ID:
		return emu.NewError(http.StatusBadRequest, "ConstraintViolationException", "You cannot register the management account of the organization as a delegated administrator.")
	case o.IsDelegatedAdmin(req.AccountID, req.ServicePrincipal):
		return emu.NewError(http.StatusBadRequest, "AccountAlreadyRegisteredException", "The provided account is already a delegated administrator for your organization.")
	}
	o.RegisterDelegatedAdministratorLocked(req.AccountID, req.ServicePrincipal)
	return c.Result(nil)
}

func (s *service) listDelegatedAdministrators(c *emu.Call, o *directory.Organization) error {
	var req listRequest
	if err := c.DecodeJSON(&req); err != nil {
		return err
	}
	since := map[string]time.Time{}
	for sp, admins := range o.Delegated {
		if req.ServicePrincipal != "" && sp != req.ServicePrincipal {
			continue
		}
		for id, t := range admins {
			if first, ok := since[id]; !ok || t.Before(first) {
				since[id] = t
			}
		}
	}
	ids := make([]string, 0, len(since))
	for id := range since {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	start, end, next, err := paginate(req, len(ids))
	if err != nil {
		return err
	}
	admins := make([]map[string]any, 0, end-start)
	for _, id := range ids[start:end] {
		a := s.accountJSON(o, id)
		a["DelegationEnabledDate"] = epochSeconds(since[id])
		admins = append(admins, a)
	}
	return c.Result(map[string]any{"DelegatedAdministrators": admins, "NextToken": next})
}
