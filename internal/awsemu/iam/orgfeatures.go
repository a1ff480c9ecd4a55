package iam

import (
	"net/http"

	"github.com/rootguard/rootguard/internal/awsemu/internal/directory"
	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

// centralRootAccessOrg checks what IAM's centralized root access APIs
// require: an organization, a caller in its management account (or the IAM
// delegated administrator, when allowed) and IAM trusted access.
func (s *service) centralRootAccessOrg(c *emu.Call, allowDelegated bool) (*directory.Organization, error) {
	o := s.d.Org
	if o == nil || !o.IsMember(c.Caller.Account) {
		return nil, emu.NewError(http.StatusBadRequest, "OrganizationNotFoundException", "The request was rejected because no organization is associated with your account.")
	}
	isAdmin := c.Caller.Account == o.Management.ID || (allowDelegated && o.IsDelegatedAdmin(c.Caller.Account, directory.IAMServicePrincipal))
	if !isAdmin {
		if allowDelegated {
			return nil, emu.NewError(http.StatusBadRequest, "AccountNotManagementOrDelegatedAdministratorException", "The request was rejected because the account making the request is not the management account or delegated administrator account for centralized root access.")
		}
		return nil, emu.NewError(http.StatusBadRequest, "CallerIsNotManagementAccountException", "The request was rejected because the account making the request is not the management account for the organization.")
	}
	if _, ok := o.ServiceAccess[directory.IAMServicePrincipal]; !ok {
		return nil, emu.NewError(http.StatusBadRequest, "ServiceAccessNotEnabledException", "The request was rejected because trusted access is not enabled for IAM in AWS Organizations.")
	}
	return o, nil
}

type orgFeaturesXML struct {
	OrganizationID  string   `xml:"OrganizationId"`
	EnabledFeatures []string `xml:"EnabledFeatures>member"`
}

func (s *service) listOrganizationsFeatures(c *emu.Call) error {
	o, err := s.centralRootAccessOrg(c, true)
	if err != nil {
		return err
	}
	return c.Result(orgFeaturesXML{o.ID, o.EnabledFeatures()})
}

func (s *service) enableRootFeature(feature string) emu.Handler {
	return func(c *emu.Call) error {
		o, err := s.centralRootAccessOrg(c, false)
		if err != nil {
			return err
		}
		if o.Features[feature] {
			return emu.NewError(http.StatusBadRequest, "FeatureEnabled", "The feature %s is already enabled.", feature)
		}
		o.Features[feature] = true
		return c.Result(orgFeaturesXML{o.ID, o.EnabledFeatures()})
	}
}
