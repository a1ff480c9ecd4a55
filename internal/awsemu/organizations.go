package awsemu

import (
	"encoding/base64"
	"net/http"
	"sort"
	"strconv"
	"time"
)

func (s *Server) registerOrganizations() {
	anyMember := func(action string, h func(*Call, *Organization) error) {
		s.handle("organizations", action, s.locked(s.inOrganization(h, false)))
	}
	administrator := func(action string, h func(*Call, *Organization) error) {
		s.handle("organizations", action, s.locked(s.inOrganization(h, true)))
	}
	anyMember("DescribeOrganization", s.describeOrganization)
	administrator("ListAccounts", s.listAccounts)
	administrator("ListAccountsForParent", s.listAccountsForParent)
	administrator("DescribeAccount", s.describeAccount)
	administrator("ListRoots", s.listRoots)
	administrator("ListOrganizationalUnitsForParent", s.listOrganizationalUnitsForParent)
	administrator("ListAWSServiceAccessForOrganization", s.listAWSServiceAccess)
	administrator("ListDelegatedAdministrators", s.listDelegatedAdministrators)
	s.handle("organizations", "EnableAWSServiceAccess", s.locked(s.inOrganization(s.managementOnly(s.enableAWSServiceAccess), false)))
	s.handle("organizations", "RegisterDelegatedAdministrator", s.locked(s.inOrganization(s.managementOnly(s.registerDelegatedAdministrator), false)))
}

// inOrganization refuses callers outside the organization
// (AWSOrganizationsNotInUseException) and, for administrator actions,
// callers that are neither the management account nor a delegated
// administrator (AccessDeniedException).
func (s *Server) inOrganization(h func(*Call, *Organization) error, administrator bool) Handler {
	return func(c *Call) error {
		o := s.org
		if o == nil || !o.isMember(c.Caller.Account) {
			return newAPIError(http.StatusBadRequest, "AWSOrganizationsNotInUseException", "Your account is not a member of an organization.")
		}
		if administrator && c.Caller.Account != o.management.ID && !o.isDelegatedAdmin(c.Caller.Account, "") {
			return errOrganizationsAccessDenied()
		}
		return h(c, o)
	}
}

func (s *Server) managementOnly(h func(*Call, *Organization) error) func(*Call, *Organization) error {
	return func(c *Call, o *Organization) error {
		if c.Caller.Account != o.management.ID {
			return errOrganizationsAccessDenied()
		}
		return h(c, o)
	}
}

func errOrganizationsAccessDenied() *APIError {
	return newAPIError(http.StatusBadRequest, "AccessDeniedException", "You don't have permissions to access this resource.")
}

// epochSeconds is the awsJson timestamp form.
func epochSeconds(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

func (o *Organization) arn(kind, id string) string {
	return "arn:aws:organizations::" + o.management.ID + ":" + kind + "/" + o.ID + "/" + id
}

func (s *Server) describeOrganization(c *Call, o *Organization) error {
	return c.Result(map[string]any{"Organization": map[string]any{
		"Id":                 o.ID,
		"Arn":                "arn:aws:organizations::" + o.management.ID + ":organization/" + o.ID,
		"FeatureSet":         "ALL",
		"MasterAccountArn":   o.arn("account", o.management.ID),
		"MasterAccountId":    o.management.ID,
		"MasterAccountEmail": o.management.Email,
		"AvailablePolicyTypes": []map[string]string{
			{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"},
		},
	}})
}

func (s *Server) accountJSON(o *Organization, id string) map[string]any {
	a := s.accounts[id]
	state, status := "ACTIVE", "ACTIVE"
	if a.suspended {
		state, status = "SUSPENDED", "SUSPENDED"
	}
	joined := "CREATED"
	if id == o.management.ID {
		joined = "INVITED"
	}
	return map[string]any{
		"Id": a.ID, "Arn": o.arn("account", a.ID), "Email": a.Email, "Name": a.Name,
		"Status": status, "State": state, "JoinedMethod": joined,
		"JoinedTimestamp": epochSeconds(o.joined[id]),
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
		return 0, 0, nil, newAPIError(http.StatusBadRequest, "InvalidInputException", "MaxResults must be between 1 and %d.", orgPageSize)
	}
	if req.NextToken != "" {
		raw, decodeErr := base64.RawURLEncoding.DecodeString(req.NextToken)
		if start, err = strconv.Atoi(string(raw)); decodeErr != nil || err != nil || start < 0 || start > n {
			return 0, 0, nil, newAPIError(http.StatusBadRequest, "InvalidInputException", "The NextToken is not valid.")
		}
	}
	end = min(start+size, n)
	if end < n {
		token := base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end)))
		next = &token
	}
	return start, end, next, nil
}

func (s *Server) pageOfAccounts(c *Call, o *Organization, ids []string, req listRequest) error {
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

func (s *Server) listAccounts(c *Call, o *Organization) error {
	var req listRequest
	if err := c.DecodeJSON(&req); err != nil {
		return err
	}
	return s.pageOfAccounts(c, o, o.memberIDs(), req)
}

func (s *Server) validParent(o *Organization, id string) bool {
	_, isOU := o.units[id]
	return id == o.rootID || isOU
}

func (s *Server) listAccountsForParent(c *Call, o *Organization) error {
	var req listRequest
	if err := c.DecodeJSON(&req); err != nil {
		return err
	}
	if !s.validParent(o, req.ParentID) {
		return newAPIError(http.StatusBadRequest, "ParentNotFoundException", "We can't find a root or OU with the ParentId that you specified.")
	}
	var ids []string
	for _, id := range o.memberIDs() {
		if o.parents[id] == req.ParentID {
			ids = append(ids, id)
		}
	}
	return s.pageOfAccounts(c, o, ids, req)
}

func (s *Server) describeAccount(c *Call, o *Organization) error {
	var req listRequest
	if err := c.DecodeJSON(&req); err != nil {
		return err
	}
	if !o.isMember(req.AccountID) {
		return newAPIError(http.StatusBadRequest, "AccountNotFoundException", "You specified an account that doesn't exist.")
	}
	return c.Result(map[string]any{"Account": s.accountJSON(o, req.AccountID)})
}

func (s *Server) listRoots(c *Call, o *Organization) error {
	return c.Result(map[string]any{"Roots": []map[string]any{{
		"Id": o.rootID, "Arn": o.arn("root", o.rootID), "Name": "Root",
		"PolicyTypes": []map[string]string{{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}},
	}}})
}

func (s *Server) listOrganizationalUnitsForParent(c *Call, o *Organization) error {
	var req listRequest
	if err := c.DecodeJSON(&req); err != nil {
		return err
	}
	if !s.validParent(o, req.ParentID) {
		return newAPIError(http.StatusBadRequest, "ParentNotFoundException", "We can't find a root or OU with the ParentId that you specified.")
	}
	var ids []string
	for id, ou := range o.units {
		if ou.parent == req.ParentID {
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
		units = append(units, map[string]any{"Id": id, "Arn": o.arn("ou", id), "Name": o.units[id].name})
	}
	return c.Result(map[string]any{"OrganizationalUnits": units, "NextToken": next})
}

func (s *Server) enableAWSServiceAccess(c *Call, o *Organization) error {
	var req listRequest
	if err := c.DecodeJSON(&req); err != nil {
		return err
	}
	if req.ServicePrincipal == "" {
		return newAPIError(http.StatusBadRequest, "InvalidInputException", "ServicePrincipal is required.")
	}
	o.enableServiceAccess(req.ServicePrincipal)
	return c.Result(nil)
}

func (s *Server) listAWSServiceAccess(c *Call, o *Organization) error {
	var req listRequest
	if err := c.DecodeJSON(&req); err != nil {
		return err
	}
	principals := make([]string, 0, len(o.serviceAccess))
	for p := range o.serviceAccess {
		principals = append(principals, p)
	}
	sort.Strings(principals)
	start, end, next, err := paginate(req, len(principals))
	if err != nil {
		return err
	}
	enabled := make([]map[string]any, 0, end-start)
	for _, p := range principals[start:end] {
		enabled = append(enabled, map[string]any{"ServicePrincipal": p, "DateEnabled": epochSeconds(o.serviceAccess[p])})
	}
	return c.Result(map[string]any{"EnabledServicePrincipals": enabled, "NextToken": next})
}

func (s *Server) registerDelegatedAdministrator(c *Call, o *Organization) error {
	var req listRequest
	if err := c.DecodeJSON(&req); err != nil {
		return err
	}
	switch {
	case !o.isMember(req.AccountID):
		return newAPIError(http.StatusBadRequest, "AccountNotFoundException", "You specified an account that doesn't exist.")
	case req.AccountID == o.management.ID:
		return newAPIError(http.StatusBadRequest, "ConstraintViolationException", "You cannot register the management account of the organization as a delegated administrator.")
	case o.isDelegatedAdmin(req.AccountID, req.ServicePrincipal):
		return newAPIError(http.StatusBadRequest, "AccountAlreadyRegisteredException", "The provided account is already a delegated administrator for your organization.")
	}
	o.registerDelegatedAdministrator(req.AccountID, req.ServicePrincipal)
	return c.Result(nil)
}

func (s *Server) listDelegatedAdministrators(c *Call, o *Organization) error {
	var req listRequest
	if err := c.DecodeJSON(&req); err != nil {
		return err
	}
	since := map[string]time.Time{}
	for sp, admins := range o.delegated {
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
