package awsemu

import (
	"sort"
	"time"
)

// Organization is the AWS Organization of the emulator (at most one per
// Server). Account IDs are those of the Server's accounts, so every service
// sees the same IDs.
type Organization struct {
	ID string

	server        *Server
	management    *Account
	rootID        string
	created       time.Time
	units         map[string]*orgUnit // by OU ID
	parents       map[string]string   // account ID → parent (root or OU) ID
	joined        map[string]time.Time
	serviceAccess map[string]time.Time            // service principal → enabled
	delegated     map[string]map[string]time.Time // service principal → account → since
	features      map[string]bool                 // RootCredentialsManagement, RootSessions
}

type orgUnit struct {
	id     string
	name   string
	parent string
}

const (
	featureRootCredentialsManagement = "RootCredentialsManagement"
	featureRootSessions              = "RootSessions"
	iamServicePrincipal              = "iam.amazonaws.com"
)

// CreateOrganization makes managementID (added if missing) the management
// account of a new organization with all features.
func (s *Server) CreateOrganization(managementID string) *Organization {
	mgmt := s.AddAccount(managementID, "management")
	s.mu.Lock()
	defer s.mu.Unlock()
	orgID := "o-" + randomString(lowerDigits, 10)
	o := &Organization{
		ID:            orgID,
		server:        s,
		management:    mgmt,
		rootID:        "r-" + randomString(lowerDigits, 4),
		created:       s.now(),
		units:         map[string]*orgUnit{},
		parents:       map[string]string{},
		joined:        map[string]time.Time{},
		serviceAccess: map[string]time.Time{},
		delegated:     map[string]map[string]time.Time{},
		features:      map[string]bool{},
	}
	o.parents[mgmt.ID] = o.rootID
	o.joined[mgmt.ID] = o.created
	s.org = o
	return o
}

// Organization returns the organization, or nil for standalone accounts.
func (s *Server) Organization() *Organization {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.org
}

// RootID is the ID of the organization's root (r-…).
func (o *Organization) RootID() string { return o.rootID }

// ManagementAccountID is the management account's ID.
func (o *Organization) ManagementAccountID() string { return o.management.ID }

// AddOU creates an organizational unit under parentID and returns its ID.
func (o *Organization) AddOU(parentID, name string) string {
	o.server.mu.Lock()
	defer o.server.mu.Unlock()
	id := "ou-" + o.rootID[2:] + "-" + randomString(lowerDigits, 8)
	o.units[id] = &orgUnit{id: id, name: name, parent: parentID}
	return id
}

// AddAccount makes a a member account under parentID (the root or an OU).
// Moving an account to another parent deploys or removes the stack
// instances of service-managed StackSets with automatic deployment.
func (o *Organization) AddAccount(a *Account, parentID string) {
	o.server.mu.Lock()
	o.parents[a.ID] = parentID
	o.joined[a.ID] = o.server.now()
	o.server.mu.Unlock()
	o.server.accountMoved(a.ID, parentID)
}

// RemoveAccount takes accountID out of the organization.
func (o *Organization) RemoveAccount(accountID string) {
	o.server.mu.Lock()
	delete(o.parents, accountID)
	delete(o.joined, accountID)
	o.server.mu.Unlock()
	o.server.accountMoved(accountID, "")
}

// EnableServiceAccess enables trusted access for a service principal.
func (o *Organization) EnableServiceAccess(servicePrincipal string) {
	o.server.mu.Lock()
	defer o.server.mu.Unlock()
	o.enableServiceAccess(servicePrincipal)
}

func (o *Organization) enableServiceAccess(servicePrincipal string) {
	if _, ok := o.serviceAccess[servicePrincipal]; !ok {
		o.serviceAccess[servicePrincipal] = o.server.now()
	}
}

// RegisterDelegatedAdministrator makes accountID a delegated administrator
// for servicePrincipal.
func (o *Organization) RegisterDelegatedAdministrator(accountID, servicePrincipal string) {
	o.server.mu.Lock()
	defer o.server.mu.Unlock()
	o.registerDelegatedAdministrator(accountID, servicePrincipal)
}

func (o *Organization) registerDelegatedAdministrator(accountID, servicePrincipal string) {
	if o.delegated[servicePrincipal] == nil {
		o.delegated[servicePrincipal] = map[string]time.Time{}
	}
	o.delegated[servicePrincipal][accountID] = o.server.now()
}

// EnableCentralizedRootAccess enables IAM trusted access and the features
// given (RootCredentialsManagement, RootSessions), as the management
// account's administrator does in the IAM console.
func (o *Organization) EnableCentralizedRootAccess(features ...string) {
	o.server.mu.Lock()
	defer o.server.mu.Unlock()
	o.enableServiceAccess(iamServicePrincipal)
	for _, f := range features {
		o.features[f] = true
	}
}

// isMember reports whether accountID belongs to the organization.
func (o *Organization) isMember(accountID string) bool {
	_, ok := o.parents[accountID]
	return ok
}

// isDelegatedAdmin reports whether accountID is a delegated administrator for
// servicePrincipal ("" for any service).
func (o *Organization) isDelegatedAdmin(accountID, servicePrincipal string) bool {
	for sp, admins := range o.delegated {
		if _, ok := admins[accountID]; ok && (servicePrincipal == "" || sp == servicePrincipal) {
			return true
		}
	}
	return false
}

// memberIDs lists the organization's accounts in ID order, which is the
// order listings page through.
func (o *Organization) memberIDs() []string {
	ids := make([]string, 0, len(o.parents))
	for id := range o.parents {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

func (o *Organization) enabledFeatures() []string {
	var out []string
	for _, f := range []string{featureRootCredentialsManagement, featureRootSessions} {
		if o.features[f] {
			out = append(out, f)
		}
	}
	return out
}
