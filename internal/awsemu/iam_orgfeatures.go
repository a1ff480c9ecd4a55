package awsemu

import "net/http"

func (s *Server) registerOrganizationsFeatures() {
	s.handle("iam", "ListOrganizationsFeatures", s.locked(s.listOrganizationsFeatures))
	s.handle("iam", "EnableOrganizationsRootCredentialsManagement", s.locked(s.enableRootFeature(featureRootCredentialsManagement)))
	s.handle("iam", "EnableOrganizationsRootSessions", s.locked(s.enableRootFeature(featureRootSessions)))
}

// centralRootAccessOrg checks what IAM's centralized root access APIs
// require: an organization, a caller in its management account (or the IAM
// delegated administrator, when allowed) and IAM trusted access.
func (s *Server) centralRootAccessOrg(c *Call, allowDelegated bool) (*Organization, error) {
	o := s.org
	if o == nil || !o.isMember(c.Caller.Account) {
		return nil, newAPIError(http.StatusBadRequest, "OrganizationNotFoundException", "The request was rejected because no organization is associated with your account.")
	}
	isAdmin := c.Caller.Account == o.management.ID || (allowDelegated && o.isDelegatedAdmin(c.Caller.Account, iamServicePrincipal))
	if !isAdmin {
		if allowDelegated {
			return nil, newAPIError(http.StatusBadRequest, "AccountNotManagementOrDelegatedAdministratorException", "The request was rejected because the account making the request is not the management account or delegated administrator account for centralized root access.")
		}
		return nil, newAPIError(http.StatusBadRequest, "CallerIsNotManagementAccountException", "The request was rejected because the account making the request is not the management account for the organization.")
	}
	if _, ok := o.serviceAccess[iamServicePrincipal]; !ok {
		return nil, newAPIError(http.StatusBadRequest, "ServiceAccessNotEnabledException", "The request was rejected because trusted access is not enabled for IAM in AWS Organizations.")
	}
	return o, nil
}

type orgFeaturesXML struct {
	OrganizationID  string   `xml:"OrganizationId"`
	EnabledFeatures []string `xml:"EnabledFeatures>member"`
}

func (s *Server) listOrganizationsFeatures(c *Call) error {
	o, err := s.centralRootAccessOrg(c, true)
	if err != nil {
		return err
	}
	return c.Result(orgFeaturesXML{o.ID, o.enabledFeatures()})
}

func (s *Server) enableRootFeature(feature string) Handler {
	return func(c *Call) error {
		o, err := s.centralRootAccessOrg(c, false)
		if err != nil {
			return err
		}
		if o.features[feature] {
			return newAPIError(http.StatusBadRequest, "FeatureEnabled", "The feature %s is already enabled.", feature)
		}
		o.features[feature] = true
		return c.Result(orgFeaturesXML{o.ID, o.enabledFeatures()})
	}
}
