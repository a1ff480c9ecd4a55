// Package regionopt models the AWS Account Management API's Region opt-in
// for awsemu: which Regions each account has enabled (ListRegions,
// GetRegionOptStatus, EnableRegion, DisableRegion). Regions enabled by
// default cannot be disabled; opt-in Regions start DISABLED. Enabling is
// immediate here (AWS passes through ENABLING, for minutes to hours).
package regionopt

import (
	"slices"
	"sort"
	"sync"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

// ServicePrincipal is the Account Management service's, for trusted access
// and delegated administration.
const ServicePrincipal = "account.amazonaws.com"

// Region opt-in statuses (Account Management API Reference, Region).
const (
	Enabled          = "ENABLED"
	EnabledByDefault = "ENABLED_BY_DEFAULT"
	Disabled         = "DISABLED"
)

// DefaultRegions and OptInRegions are the aws partition's commercial
// Regions: enabled by default in every account, and opt-in (AWS Account
// Management Reference Guide, "Considerations before enabling and disabling
// Regions").
var (
	DefaultRegions = []string{"ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-southeast-1", "ap-southeast-2",
		"ca-central-1", "eu-central-1", "eu-north-1", "eu-west-1", "eu-west-2", "eu-west-3", "sa-east-1",
		"us-east-1", "us-east-2", "us-west-1", "us-west-2"}
	OptInRegions = []string{"af-south-1", "ap-east-1", "ap-east-2", "ap-south-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5",
		"ap-southeast-7", "ca-west-1", "eu-central-2", "eu-south-1", "eu-south-2", "il-central-1", "me-central-1", "me-south-1", "mx-central-1"}
)

// Org is the organization as the Account Management API sees it.
type Org interface {
	Organization(account string) (id, management string)
	DelegatedAdmin(account, servicePrincipal string) bool
}

// Regions is every account's Region opt-in.
type Regions struct {
	mu        sync.Mutex
	byDefault []string
	optIn     []string
	enabled   map[string]map[string]bool // account → opt-in Region → enabled
	org       Org
}

// Register answers the Account Management Region actions on host.
func Register(host emu.Host, org Org) *Regions {
	m := &Regions{byDefault: DefaultRegions, optIn: OptInRegions, enabled: map[string]map[string]bool{}, org: org}
	for action, a := range map[string]emu.JSONAction{
		"ListRegions":        m.listRegions,
		"GetRegionOptStatus": m.getRegionOptStatus,
		"EnableRegion":       m.setRegion(true),
		"DisableRegion":      m.setRegion(false),
	} {
		host.Handle("account", action, emu.JSONHandler(a))
	}
	return m
}

// SetTable replaces the Regions that exist: a smaller world for tests.
func (m *Regions) SetTable(byDefault, optIn []string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.byDefault, m.optIn = slices.Clone(byDefault), slices.Clone(optIn)
}

// Enable opts account into region, as EnableRegion does.
func (m *Regions) Enable(account, region string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !slices.Contains(m.optIn, region) {
		return emu.BadRequest("ValidationException", "%s is not an opt-in Region.", region)
	}
	if m.enabled[account] == nil {
		m.enabled[account] = map[string]bool{}
	}
	m.enabled[account][region] = true
	return nil
}

// EnabledRegions are the Regions enabled in account, sorted.
func (m *Regions) EnabledRegions(account string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, r := range m.all(account) {
		if r.RegionOptStatus != Disabled {
			out = append(out, r.RegionName)
		}
	}
	return out
}

type region struct {
	RegionName      string
	RegionOptStatus string
}

// all is every Region with its status in account; callers hold m.mu.
func (m *Regions) all(account string) []region {
	var out []region
	for _, r := range m.byDefault {
		out = append(out, region{r, EnabledByDefault})
	}
	for _, r := range m.optIn {
		st := Disabled
		if m.enabled[account][r] {
			st = Enabled
		}
		out = append(out, region{r, st})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].RegionName < out[j].RegionName })
	return out
}

// target is the account a call acts on: the caller's, or AccountId, which
// only the management account or the Account Management delegated
// administrator may name, for a member of its organization, and the
// management account never for itself (Account Management API Reference,
// ListRegions: AccountId).
func (m *Regions) target(s emu.Scope, accountID string) (string, error) {
	if accountID == "" {
		return s.Account, nil
	}
	org, mgmt := m.org.Organization(s.Account)
	switch {
	case accountID == s.Account && s.Account == mgmt:
		return "", emu.BadRequest("ValidationException", "The management account can't specify its own AccountId; call the operation without AccountId.")
	case accountID == s.Account:
		return s.Account, nil
	case org == "" || (s.Account != mgmt && !m.org.DelegatedAdmin(s.Account, ServicePrincipal)):
		return "", emu.NewError(403, "AccessDeniedException", "The caller is not the management account or a delegated administrator of the organization.")
	}
	if other, _ := m.org.Organization(accountID); other != org {
		return "", emu.NewError(403, "AccessDeniedException", "Account %s is not a member of the caller's organization.", accountID)
	}
	return accountID, nil
}

func (m *Regions) listRegions(s emu.Scope, body []byte) (any, error) {
	var in struct {
		AccountID               string   `json:"AccountId"`
		RegionOptStatusContains []string `json:"RegionOptStatusContains"`
	}
	if err := emu.DecodeJSON(body, &in); err != nil {
		return nil, err
	}
	acct, err := m.target(s, in.AccountID)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []region{}
	for _, r := range m.all(acct) {
		if len(in.RegionOptStatusContains) == 0 || slices.Contains(in.RegionOptStatusContains, r.RegionOptStatus) {
			out = append(out, r)
		}
	}
	return map[string]any{"Regions": out}, nil
}

func (m *Regions) getRegionOptStatus(s emu.Scope, body []byte) (any, error) {
	var in struct {
		AccountID  string `json:"AccountId"`
		RegionName string
	}
	if err := emu.DecodeJSON(body, &in); err != nil {
		return nil, err
	}
	acct, err := m.target(s, in.AccountID)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range m.all(acct) {
		if r.RegionName == in.RegionName {
			return r, nil
		}
	}
	return nil, emu.BadRequest("ValidationException", "Region %s does not exist.", in.RegionName)
}

func (m *Regions) setRegion(enable bool) emu.JSONAction {
	return func(s emu.Scope, body []byte) (any, error) {
		var in struct {
			AccountID  string `json:"AccountId"`
			RegionName string
		}
		if err := emu.DecodeJSON(body, &in); err != nil {
			return nil, err
		}
		acct, err := m.target(s, in.AccountID)
		if err != nil {
			return nil, err
		}
		if enable {
			return struct{}{}, m.Enable(acct, in.RegionName)
		}
		m.mu.Lock()
		defer m.mu.Unlock()
		if !slices.Contains(m.optIn, in.RegionName) {
			return nil, emu.BadRequest("ValidationException", "%s is not an opt-in Region.", in.RegionName)
		}
		delete(m.enabled[acct], in.RegionName)
		return struct{}{}, nil
	}
}
