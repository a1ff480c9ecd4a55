package awsemu

// SetRegions replaces the Regions that exist in the emulated partition:
// byDefault are enabled in every account, optIn start disabled. Tests use
// a smaller world than AWS's (regionopt.DefaultRegions, OptInRegions).
func (s *Server) SetRegions(byDefault, optIn []string) error {
	svc, err := s.services()
	if err != nil {
		return err
	}
	svc.regions.SetTable(byDefault, optIn)
	return nil
}

// EnableRegion opts the account into an opt-in Region, as the Account
// Management API's EnableRegion does (immediately, where AWS takes a while).
func (a *Account) EnableRegion(region string) error {
	svc, err := a.server.services()
	if err != nil {
		return err
	}
	return svc.regions.Enable(a.ID, region)
}

// EnabledRegions are the Regions enabled in the account.
func (a *Account) EnabledRegions() ([]string, error) {
	svc, err := a.server.services()
	if err != nil {
		return nil, err
	}
	return svc.regions.EnabledRegions(a.ID), nil
}
