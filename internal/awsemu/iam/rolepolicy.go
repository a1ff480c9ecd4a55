package iam

import (
	"net/url"

	"github.com/rootguard/rootguard/internal/awsemu/internal/directory"
	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

// callerRole finds RoleName in the caller's account; callers hold the lock.
func (s *service) callerRole(c *emu.Call) (*directory.Role, error) {
	name := c.Param("RoleName")
	r := s.d.Accounts[c.Caller.Account].Roles[name]
	if r == nil {
		return nil, errNoSuchEntity("The role with name %s cannot be found.", name)
	}
	return r, nil
}

func (s *service) putRolePolicy(c *emu.Call) error {
	r, err := s.callerRole(c)
	if err != nil {
		return err
	}
	if r.Policies == nil {
		r.Policies = map[string]string{}
	}
	r.Policies[c.Param("PolicyName")] = c.Param("PolicyDocument")
	return c.Result(nil)
}

func (s *service) getRolePolicy(c *emu.Call) error {
	r, err := s.callerRole(c)
	if err != nil {
		return err
	}
	name := c.Param("PolicyName")
	doc, ok := r.Policies[name]
	if !ok {
		return errNoSuchEntity("The role policy with name %s cannot be found.", name)
	}
	return c.Result(struct {
		RoleName, PolicyName, PolicyDocument string
	}{r.Name, name, url.QueryEscape(doc)})
}

func (s *service) deleteRolePolicy(c *emu.Call) error {
	r, err := s.callerRole(c)
	if err != nil {
		return err
	}
	name := c.Param("PolicyName")
	if _, ok := r.Policies[name]; !ok {
		return errNoSuchEntity("The role policy with name %s cannot be found.", name)
	}
	delete(r.Policies, name)
	return c.Result(nil)
}

func (s *service) deleteRole(c *emu.Call) error {
	r, err := s.callerRole(c)
	if err != nil {
		return err
	}
	if len(r.Policies) > 0 {
		return emu.NewError(409, "DeleteConflict", "Cannot delete entity, must delete policies first.")
	}
	delete(s.d.Accounts[c.Caller.Account].Roles, r.Name)
	return c.Result(nil)
}
