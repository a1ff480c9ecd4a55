package awsemu

import (
	"net/url"
	"sync"
)

// The IAM role calls a stack's AWS::IAM::Role needs beyond CreateRole:
// inline policies and deletion. Inline policies are kept beside the role
// model, keyed by role.
var rolePolicies sync.Map // *role → map[string]string (policy name → document), guarded by Server.mu

func (s *Server) registerRolePolicies() {
	s.handle("iam", "PutRolePolicy", s.locked(s.putRolePolicy))
	s.handle("iam", "GetRolePolicy", s.locked(s.getRolePolicy))
	s.handle("iam", "DeleteRolePolicy", s.locked(s.deleteRolePolicy))
	s.handle("iam", "DeleteRole", s.locked(s.deleteRole))
}

// callerRole finds RoleName in the caller's account; callers hold s.mu.
func (s *Server) callerRole(c *Call) (*role, error) {
	name := c.Param("RoleName")
	r := s.accounts[c.Caller.Account].roles[name]
	if r == nil {
		return nil, errNoSuchEntity("The role with name %s cannot be found.", name)
	}
	return r, nil
}

func policiesOf(r *role) map[string]string {
	v, _ := rolePolicies.LoadOrStore(r, map[string]string{})
	return v.(map[string]string)
}

func (s *Server) putRolePolicy(c *Call) error {
	r, err := s.callerRole(c)
	if err != nil {
		return err
	}
	policiesOf(r)[c.Param("PolicyName")] = c.Param("PolicyDocument")
	return c.Result(nil)
}

func (s *Server) getRolePolicy(c *Call) error {
	r, err := s.callerRole(c)
	if err != nil {
		return err
	}
	name := c.Param("PolicyName")
	doc, ok := policiesOf(r)[name]
	if !ok {
		return errNoSuchEntity("The role policy with name %s cannot be found.", name)
	}
	return c.Result(struct {
		RoleName, PolicyName, PolicyDocument string
	}{r.name, name, url.QueryEscape(doc)})
}

func (s *Server) deleteRolePolicy(c *Call) error {
	r, err := s.callerRole(c)
	if err != nil {
		return err
	}
	name := c.Param("PolicyName")
	if _, ok := policiesOf(r)[name]; !ok {
		return errNoSuchEntity("The role policy with name %s cannot be found.", name)
	}
	delete(policiesOf(r), name)
	return c.Result(nil)
}

func (s *Server) deleteRole(c *Call) error {
	r, err := s.callerRole(c)
	if err != nil {
		return err
	}
	if len(policiesOf(r)) > 0 {
		return newAPIError(409, "DeleteConflict", "Cannot delete entity, must delete policies first.")
	}
	delete(s.accounts[c.Caller.Account].roles, r.name)
	rolePolicies.Delete(r)
	return c.Result(nil)
}
