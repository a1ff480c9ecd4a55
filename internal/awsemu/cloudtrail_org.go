package awsemu

// trailOrg is the Server's organization as CloudTrail sees it
// (cloudtrail.Org): who may make organization trails, and whom they apply
// to.
type trailOrg struct{ s *Server }

func (o trailOrg) Organization(account string) (id, management string) {
	s := o.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.org == nil || !s.org.isMember(account) {
		return "", ""
	}
	return s.org.ID, s.org.management.ID
}

func (o trailOrg) DelegatedAdmin(account, servicePrincipal string) bool {
	s := o.s
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.org != nil && s.org.isDelegatedAdmin(account, servicePrincipal)
}
