package awsemu

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"time"
)

// Scenario is the declarative form of the seeding API, read from JSON
// (scenarios/sample.json is the reference). JSON keeps the emulator free of
// new dependencies; field names match the Go API.
type Scenario struct {
	Organization *ScenarioOrganization `json:"organization,omitempty"`
	Accounts     []ScenarioAccount     `json:"accounts"`
}

type ScenarioOrganization struct {
	Management string `json:"management"`
	// OUs are created in order; Parent is "root" or an earlier OU's name.
	OUs                     []struct{ Name, Parent string } `json:"ous,omitempty"`
	CentralizedRootAccess   []string                        `json:"centralizedRootAccess,omitempty"`
	ServiceAccess           []string                        `json:"serviceAccess,omitempty"`
	DelegatedAdministrators []struct {
		Account          string `json:"account"`
		ServicePrincipal string `json:"servicePrincipal"`
	} `json:"delegatedAdministrators,omitempty"`
}

type ScenarioAccount struct {
	ID        string                    `json:"id"`
	Name      string                    `json:"name"`
	OU        string                    `json:"ou,omitempty"` // "root", an OU name, or "" for no organization
	Suspended bool                      `json:"suspended,omitempty"`
	Aliases   []string                  `json:"aliases,omitempty"`
	Root      ScenarioUser              `json:"root"`
	Users     []ScenarioUser            `json:"users,omitempty"`
	Roles     []ScenarioRole            `json:"roles,omitempty"`
	Report    *CredentialReportBehavior `json:"credentialReport,omitempty"`
}

type ScenarioUser struct {
	Name     string   `json:"name,omitempty"`
	Allow    []string `json:"allow,omitempty"`
	Password *struct {
		Created  time.Time `json:"created"`
		LastUsed time.Time `json:"lastUsed,omitzero"`
	} `json:"password,omitempty"`
	AccessKeys []AccessKey `json:"accessKeys,omitempty"`
	MFA        []struct {
		Kind MFAKind `json:"kind"`
		Name string  `json:"name"`
	} `json:"mfa,omitempty"`
	SigningCertificates []struct {
		Active bool `json:"active"`
	} `json:"signingCertificates,omitempty"`
}

type ScenarioRole struct {
	Name            string   `json:"name"`
	TrustedAccounts []string `json:"trustedAccounts"`
}

//go:embed scenarios/sample.json
var sampleScenario []byte

// SampleScenario is a small organization: a management account with an
// administrator, a member with root access keys and a virtual MFA device, a
// clean member whose root credentials were removed, a member with hardware
// MFA, and a suspended account.
func SampleScenario() []byte { return bytes.Clone(sampleScenario) }

// LoadScenario seeds the Server from a JSON scenario.
func (s *Server) LoadScenario(data []byte) error {
	var sc Scenario
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sc); err != nil {
		return fmt.Errorf("read scenario: %w", err)
	}
	for _, spec := range sc.Accounts {
		a := s.AddAccount(spec.ID, spec.Name)
		for _, alias := range spec.Aliases {
			a.AddAlias(alias)
		}
		spec.Root.seed(a.Root())
		for _, u := range spec.Users {
			u.seed(a.AddUser(u.Name, u.Allow...))
		}
		for _, r := range spec.Roles {
			a.AddRole(r.Name, r.TrustedAccounts...)
		}
		if spec.Report != nil {
			a.SetCredentialReportBehavior(*spec.Report)
		}
		if spec.Suspended {
			a.Suspend()
		}
	}
	if sc.Organization != nil {
		return s.seedOrganization(sc)
	}
	return nil
}

func (s *Server) seedOrganization(sc Scenario) error {
	spec := sc.Organization
	o := s.CreateOrganization(spec.Management)
	parents := map[string]string{"root": o.RootID()}
	for _, ou := range spec.OUs {
		parent, ok := parents[ou.Parent]
		if !ok {
			return fmt.Errorf("scenario OU %q: unknown parent %q", ou.Name, ou.Parent)
		}
		parents[ou.Name] = o.AddOU(parent, ou.Name)
	}
	for _, a := range sc.Accounts {
		if a.OU == "" || a.ID == spec.Management {
			continue
		}
		parent, ok := parents[a.OU]
		if !ok {
			return fmt.Errorf("scenario account %s: unknown OU %q", a.ID, a.OU)
		}
		o.AddAccount(s.Account(a.ID), parent)
	}
	for _, sp := range spec.ServiceAccess {
		o.EnableServiceAccess(sp)
	}
	for _, d := range spec.DelegatedAdministrators {
		o.RegisterDelegatedAdministrator(d.Account, d.ServicePrincipal)
	}
	if len(spec.CentralizedRootAccess) > 0 {
		o.EnableCentralizedRootAccess(spec.CentralizedRootAccess...)
	}
	return nil
}

func (spec ScenarioUser) seed(u *User) {
	if spec.Password != nil {
		u.SetPassword(spec.Password.Created, spec.Password.LastUsed)
	}
	for _, k := range spec.AccessKeys {
		u.AddAccessKey(k)
	}
	for _, d := range spec.MFA {
		u.AddMFADevice(d.Kind, d.Name)
	}
	for _, c := range spec.SigningCertificates {
		u.AddSigningCertificate(c.Active)
	}
}
