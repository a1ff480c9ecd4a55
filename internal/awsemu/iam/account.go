package iam

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"

	"github.com/rootguard/rootguard/internal/awsemu/internal/directory"
	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

// accountSummaryQuotas are the fixed quota entries of GetAccountSummary.
var accountSummaryQuotas = map[string]int{
	"AccessKeysPerUserQuota": accessKeysPerUserQuota, "AssumeRolePolicySizeQuota": 2048,
	"AttachedPoliciesPerGroupQuota": 10, "AttachedPoliciesPerRoleQuota": 10,
	"AttachedPoliciesPerUserQuota": 10, "GlobalEndpointTokenVersion": 1,
	"GroupPolicySizeQuota": 5120, "GroupsPerUserQuota": 10, "GroupsQuota": 300,
	"InstanceProfilesQuota": 1000, "PoliciesQuota": 1500, "PolicySizeQuota": 6144,
	"PolicyVersionsInUseQuota": 10000, "RolePolicySizeQuota": 10240, "RolesQuota": 1000,
	"ServerCertificatesQuota": 20, "SigningCertificatesPerUserQuota": 2,
	"UserPolicySizeQuota": 2048, "UsersQuota": 5000, "VersionsPerPolicyQuota": 5,
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// getAccountSummary reports the root user's credentials the way IAM's
// dashboard reads them: AccountMFAEnabled, AccountAccessKeysPresent,
// AccountPasswordPresent, AccountSigningCertificatesPresent.
func (s *service) getAccountSummary(c *emu.Call) error {
	a := s.d.Accounts[c.Caller.Account]
	summary := map[string]int{
		"AccountMFAEnabled":                 boolInt(len(a.Root.MFA) > 0),
		"AccountAccessKeysPresent":          boolInt(len(a.Root.Keys) > 0),
		"AccountPasswordPresent":            boolInt(a.Root.Login != nil),
		"AccountSigningCertificatesPresent": boolInt(len(a.Root.Certs) > 0),
		"Users":                             len(a.Users),
		"Roles":                             len(a.Roles),
		"Groups":                            0,
		"Policies":                          0,
		"PolicyVersionsInUse":               0,
		"InstanceProfiles":                  0,
		"Providers":                         0,
		"ServerCertificates":                0,
	}
	inUse, unassigned := len(a.Root.MFA), 0
	for _, u := range a.Users {
		inUse += len(u.MFA)
	}
	for _, d := range a.VirtualMFA {
		if d.Assigned == nil {
			unassigned++
		}
	}
	summary["MFADevices"], summary["MFADevicesInUse"] = inUse+unassigned, inUse
	for k, v := range accountSummaryQuotas {
		summary[k] = v
	}
	keys := make([]string, 0, len(summary))
	for k := range summary {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	type entry struct {
		Key   string `xml:"key"`
		Value int    `xml:"value"`
	}
	entries := make([]entry, len(keys))
	for i, k := range keys {
		entries[i] = entry{k, summary[k]}
	}
	return c.Result(struct {
		SummaryMap []entry `xml:"SummaryMap>entry"`
	}{entries})
}

// getUser without UserName describes the caller; for root credentials that
// is the root user (its ARN and the account ID as UserId).
func (s *service) getUser(c *emu.Call) error {
	u, err := s.subjectUser(c)
	if err != nil {
		return err
	}
	return c.Result(struct{ User userXML }{userElement(u)})
}

func (s *service) createUser(c *emu.Call) error {
	a := s.d.Accounts[c.Caller.Account]
	name := c.Param("UserName")
	if name == "" {
		return errInvalidInput("UserName is required")
	}
	if a.Users[name] != nil {
		return errEntityAlreadyExists("User with name %s already exists.", name)
	}
	return c.Result(struct{ User userXML }{userElement(a.NewUser(name, nil))})
}

// createRole keeps the trust policy and trusts the accounts it names as AWS
// principals (account IDs, :root ARNs or IAM ARNs of that account).
func (s *service) createRole(c *emu.Call) error {
	a := s.d.Accounts[c.Caller.Account]
	name := c.Param("RoleName")
	if a.Roles[name] != nil {
		return errEntityAlreadyExists("Role with name %s already exists.", name)
	}
	document := c.Param("AssumeRolePolicyDocument")
	trusted, err := trustedAccounts(document)
	if err != nil {
		return emu.NewError(http.StatusBadRequest, "MalformedPolicyDocument", "%v", err)
	}
	r := &directory.Role{Account: a, Name: name, ID: directory.NewUniqueID("AROA"), Created: s.d.Now(), TrustPolicy: document, TrustedAccounts: trusted, Policies: map[string]string{}}
	a.Roles[name] = r
	type roleXML struct {
		Path                     string
		RoleName                 string
		RoleID                   string `xml:"RoleId"`
		Arn                      string
		CreateDate               string
		AssumeRolePolicyDocument string
	}
	return c.Result(struct{ Role roleXML }{roleXML{"/", name, r.ID, r.ARN(), iamTime(r.Created), document}})
}

// trustedAccounts reads the AWS principals allowed sts:AssumeRole by a trust
// policy.
func trustedAccounts(document string) (map[string]bool, error) {
	var policy struct {
		Statement []struct {
			Effect    string
			Principal json.RawMessage
		}
	}
	if err := json.Unmarshal([]byte(document), &policy); err != nil {
		return nil, err
	}
	trusted := map[string]bool{}
	for _, st := range policy.Statement {
		if st.Effect != "Allow" {
			continue
		}
		var principal struct{ AWS json.RawMessage }
		if json.Unmarshal(st.Principal, &principal) != nil || principal.AWS == nil {
			continue
		}
		var list []string
		if json.Unmarshal(principal.AWS, &list) != nil {
			var one string
			if err := json.Unmarshal(principal.AWS, &one); err != nil {
				return nil, err
			}
			list = []string{one}
		}
		for _, p := range list {
			if strings.HasPrefix(p, "arn:") {
				p = directory.ARNAccount(p)
			}
			trusted[p] = true
		}
	}
	return trusted, nil
}

func (s *service) listAccountAliases(c *emu.Call) error {
	a := s.d.Accounts[c.Caller.Account]
	return c.Result(struct {
		AccountAliases []string `xml:"AccountAliases>member"`
		listPage
	}{a.Aliases, listPage{}})
}
