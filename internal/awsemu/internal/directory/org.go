package directory

import (
	"sort"
	"time"
)

// Organization is the AWS Organization of the emulator (at most one per
// directory). Account IDs are those of the directory's accounts, so every
// service sees the same IDs.
type Organization struct {
	ID string

	Dir           *Directory
	Management    *Account
	RootID        string
	Created       time.Time
	Units         map[string]*OrgUnit // by OU ID
	Parents       map[string]string   // account ID → parent (root or OU) ID
	Joined        map[string]time.Time
	ServiceAccess map[string]time.Time            // service principal → enabled
	Delegated     map[string]map[string]time.Time // service principal → account → since
	Features      map[string]bool                 // RootCredentialsManagement, RootSessions
}

// OrgUnit is an organizational unit.
type OrgUnit struct {
	ID     string
	Name   string
	Parent string
}

const (
	// FeatureRootCredentialsManagement and FeatureRootSessions are IAM's
	// centralized root access features.
	FeatureRootCredentialsManagement = "RootCredentialsManagement"
	FeatureRootSessions              = "RootSessions"
	// IAMServicePrincipal is IAM's service principal, for trusted access
	// and delegated administration of centralized root access.
	IAMServicePrincipal = "iam.amazonaws.com"
)

// CreateOrganization makes managementID (added if missing) the management
// account of a new organization with all features.
func (d *Directory) CreateOrganization(managementID string) *Organization {
	mgmt := d.AddAccount(managementID, "management")
	d.mu.Lock()
	defer d.mu.Unlock()
	o := &Organization{
		ID:            "o-" + RandomString(lowerDigits, 10),
		Dir:           d,
		Management:    mgmt,
		RootID:        "r-" + RandomString(lowerDigits, 4),
		Created:       d.Now(),
		Units:         map[string]*OrgUnit{},
		Parents:       map[string]string{},
		Joined:        map[string]time.Time{},
		ServiceAccess: map[string]time.Time{},
		Delegated:     map[string]map[string]time.Time{},
		Features:      map[string]bool{},
	}
	o.Parents[mgmt.ID] = o.RootID
	o.Joined[mgmt.ID] = o.Created
	d.Org = o
	return o
}

// Organization returns the organization, or nil for standalone accounts.
func (d *Directory) Organization() *Organization {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.Org
}

// AddOU creates an organizational unit under parentID and returns its ID.
func (o *Organization) AddOU(parentID, name string) string {
	o.Dir.mu.Lock()
	defer o.Dir.mu.Unlock()
	id := "ou-" + o.RootID[2:] + "-" + RandomString(lowerDigits, 8)
	o.Units[id] = &OrgUnit{ID: id, Name: name, Parent: parentID}
	return id
}

// AddAccount makes account a member account under parentID (the root or
// an OU), then tells Dir.Moved.
func (o *Organization) AddAccount(account, parentID string) {
	o.Dir.mu.Lock()
	o.Parents[account] = parentID
	o.Joined[account] = o.Dir.Now()
	o.Dir.mu.Unlock()
	o.moved(account, parentID)
}

// RemoveAccount takes accountID out of the organization, then tells
// Dir.Moved.
func (o *Organization) RemoveAccount(accountID string) {
	o.Dir.mu.Lock()
	delete(o.Parents, accountID)
	delete(o.Joined, accountID)
	o.Dir.mu.Unlock()
	o.moved(accountID, "")
}

func (o *Organization) moved(account, to string) {
	if o.Dir.Moved != nil {
		o.Dir.Moved(account, to)
	}
}

// EnableServiceAccess enables trusted access for a service principal.
func (o *Organization) EnableServiceAccess(servicePrincipal string) {
	o.Dir.mu.Lock()
	defer o.Dir.mu.Unlock()
	o.EnableServiceAccessLocked(servicePrincipal)
}

// EnableServiceAccessLocked is EnableServiceAccess with the lock held.
func (o *Organization) EnableServiceAccessLocked(servicePrincipal string) {
	if _, ok := o.ServiceAccess[servicePrincipal]; !ok {
		o.ServiceAccess[servicePrincipal] = o.Dir.Now()
	}
}

// RegisterDelegatedAdministrator makes accountID a delegated administrator
// for servicePrincipal.
func (o *Organization) RegisterDelegatedAdministrator(accountID, servicePrincipal string) {
	o.Dir.mu.Lock()
	defer o.Dir.mu.Unlock()
	o.RegisterDelegatedAdministratorLocked(accountID, servicePrincipal)
}

// RegisterDelegatedAdministratorLocked is RegisterDelegatedAdministrator
// with the lock held.
func (o *Organization) RegisterDelegatedAdministratorLocked(accountID, servicePrincipal string) {
	if o.Delegated[servicePrincipal] == nil {
		o.Delegated[servicePrincipal] = map[string]time.Time{}
	}
	o.Delegated[servicePrincipal][accountID] = o.Dir.Now()
}

// EnableCentralizedRootAccess enables IAM trusted access and the features
// given (RootCredentialsManagement, RootSessions), as the management
// account's administrator does in the IAM console.
func (o *Organization) EnableCentralizedRootAccess(features ...string) {
	o.Dir.mu.Lock()
	defer o.Dir.mu.Unlock()
	o.EnableServiceAccessLocked(IAMServicePrincipal)
	for _, f := range features {
		o.Features[f] = true
	}
}

// IsMember reports whether accountID belongs to the organization.
func (o *Organization) IsMember(accountID string) bool {
	_, ok := o.Parents[accountID]
	return ok
}

// IsDelegatedAdmin reports whether accountID is a delegated administrator
// for servicePrincipal ("" for any service).
func (o *Organization) IsDelegatedAdmin(accountID, servicePrincipal string) bool {
	for sp, admins := range o.Delegated {
		if _, ok := admins[accountID]; ok && (servicePrincipal == "" || sp == servicePrincipal) {
			return true
		}
	}
	return false
}

// MemberIDs lists the organization's accounts in ID order, which is the
// order listings page through.
func (o *Organization) MemberIDs() []string {
	ids := make([]string, 0, len(o.Parents))
	for id := range o.Parents {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// EnabledFeatures are the centralized root access features enabled, in
// IAM's order.
func (o *Organization) EnabledFeatures() []string {
	var out []string
	for _, f := range []string{FeatureRootCredentialsManagement, FeatureRootSessions} {
		if o.Features[f] {
			out = append(out, f)
		}
	}
	return out
}
