package cloudformation

import (
	"fmt"
	"slices"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

// apply executes cs on st: resources are created or updated in dependency
// order; on the first failure the stack rolls back (created resources are
// deleted, updated ones restored) and says why.
func (svc *cfnService) apply(prov *cfnProvisioner, st *cfnStack, cs *cfnChangeSet, creating bool) {
	ctx := prov.ctx
	svc.mu.Lock()
	order, _ := cs.template.order() // validated when the change set was made
	sc := cfnScope{account: prov.account, region: prov.region, stackName: st.name, stackID: st.id, params: cs.params, resources: st.resources}
	changed := map[string]cfnChange{}
	for _, ch := range cs.changes {
		changed[ch.logical] = ch
	}
	tags := cs.tags
	if tags == nil && !creating {
		tags = st.tags
	}
	svc.mu.Unlock()

	type undo struct {
		logical string
		prev    *cfnResource // nil: the resource was added
	}
	var done []undo
	var failure string
	for _, id := range order {
		ch, ok := changed[id]
		if !ok {
			continue
		}
		def := cs.template.Resources[id]
		svc.mu.Lock()
		resolved, err := sc.resolve(any(def.Properties))
		prev := st.resources[id]
		verb := "CREATE"
		if ch.action == "Modify" {
			verb = "UPDATE"
		}
		physical := ""
		if prev != nil {
			physical = prev.physical
		}
		st.event(id, physical, def.Type, verb+"_IN_PROGRESS", "", svc.host.Now())
		svc.mu.Unlock()

		props, _ := resolved.(map[string]any)
		if props == nil {
			props = map[string]any{}
		}
		var res *cfnResource
		if err == nil {
			res, err = prov.put(ctx, st.name, id, def.Type, props, prev, tags)
		}
		svc.mu.Lock()
		if err != nil {
			failure = fmt.Sprintf("The following resource(s) failed to %s: [%s]. ", map[string]string{"CREATE": "create", "UPDATE": "update"}[verb], id)
			st.event(id, physical, def.Type, verb+"_FAILED", err.Error(), svc.host.Now())
			svc.mu.Unlock()
			break
		}
		res.def, res.sig, res.status, res.updated = def, sc.signature(def), verb+"_COMPLETE", svc.host.Now()
		st.resources[id] = res
		st.event(id, res.physical, def.Type, res.status, "", res.updated)
		svc.mu.Unlock()
		done = append(done, undo{id, prev})
	}

	if failure != "" {
		svc.mu.Lock()
		rollback := "UPDATE_ROLLBACK"
		if creating {
			rollback = "ROLLBACK"
		}
		st.stackEvent(rollback+"_IN_PROGRESS", failure+"Rollback requested by user.", svc.host.Now())
		svc.mu.Unlock()
		for _, u := range slices.Backward(done) {
			svc.mu.Lock()
			cur := st.resources[u.logical]
			svc.mu.Unlock()
			var err error
			if u.prev == nil {
				err = prov.remove(ctx, cur)
			} else {
				_, err = prov.put(ctx, st.name, u.logical, u.prev.typ, u.prev.props, cur, tags)
			}
			svc.mu.Lock()
			if u.prev == nil {
				status := "DELETE_COMPLETE"
				if err != nil {
					status = "DELETE_FAILED"
				}
				st.event(u.logical, cur.physical, cur.typ, status, errText(err), svc.host.Now())
				if err == nil {
					delete(st.resources, u.logical)
				}
			} else {
				st.resources[u.logical] = u.prev
				st.event(u.logical, u.prev.physical, u.prev.typ, "UPDATE_COMPLETE", errText(err), svc.host.Now())
			}
			svc.mu.Unlock()
		}
		svc.mu.Lock()
		st.stackEvent(rollback+"_COMPLETE", failure, svc.host.Now())
		if creating {
			st.body, st.template, st.params, st.tags = cs.body, cs.template, cs.params, cs.tags
		}
		svc.mu.Unlock()
		return
	}

	svc.mu.Lock()
	if !creating {
		st.stackEvent("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "", svc.host.Now())
	}
	var removed []*cfnResource
	for _, ch := range cs.changes {
		if ch.action == "Remove" {
			removed = append(removed, st.resources[ch.logical])
		}
	}
	svc.mu.Unlock()
	for _, r := range removed {
		err := error(nil)
		if r.def.DeletionPolicy != "Retain" {
			err = prov.remove(ctx, r)
		}
		svc.mu.Lock()
		delete(st.resources, r.logical)
		st.event(r.logical, r.physical, r.typ, deleteStatus(r, err), errText(err), svc.host.Now())
		svc.mu.Unlock()
	}

	svc.mu.Lock()
	defer svc.mu.Unlock()
	st.body, st.template, st.params, st.tags = cs.body, cs.template, cs.params, tags
	st.outputs = nil
	for key, o := range cs.template.Outputs {
		v, err := sc.resolve(o.Value)
		if err == nil {
			st.outputs = append(st.outputs, cfnOutput{key, fmt.Sprint(v), o.Description})
		}
	}
	slices.SortFunc(st.outputs, func(a, b cfnOutput) int { return compareStrings(a.key, b.key) })
	if creating {
		st.stackEvent("CREATE_COMPLETE", "", svc.host.Now())
	} else {
		st.stackEvent("UPDATE_COMPLETE", "", svc.host.Now())
	}
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func deleteStatus(r *cfnResource, err error) string {
	switch {
	case err != nil:
		return "DELETE_FAILED"
	case r.def.DeletionPolicy == "Retain":
		return "DELETE_SKIPPED"
	}
	return "DELETE_COMPLETE"
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// destroy deletes st's resources in reverse dependency order, keeping those
// with DeletionPolicy Retain or named in retain.
func (svc *cfnService) destroy(prov *cfnProvisioner, k emu.Scope, st *cfnStack, retain map[string]bool) {
	svc.mu.Lock()
	order, _ := st.template.order()
	svc.mu.Unlock()
	failed := false
	for _, id := range slices.Backward(order) {
		svc.mu.Lock()
		r := st.resources[id]
		if r == nil {
			svc.mu.Unlock()
			continue
		}
		st.event(id, r.physical, r.typ, "DELETE_IN_PROGRESS", "", svc.host.Now())
		svc.mu.Unlock()
		var err error
		keep := r.def.DeletionPolicy == "Retain" || retain[id]
		if !keep {
			err = prov.remove(prov.ctx, r)
		}
		svc.mu.Lock()
		if err != nil {
			failed = true
			r.status, r.reason = "DELETE_FAILED", err.Error()
			st.event(id, r.physical, r.typ, "DELETE_FAILED", err.Error(), svc.host.Now())
		} else {
			delete(st.resources, id)
			status := "DELETE_COMPLETE"
			if keep {
				status = "DELETE_SKIPPED"
			}
			st.event(id, r.physical, r.typ, status, "", svc.host.Now())
		}
		svc.mu.Unlock()
	}
	svc.mu.Lock()
	defer svc.mu.Unlock()
	if failed {
		st.stackEvent("DELETE_FAILED", "The following resource(s) failed to delete: see the stack events.", svc.host.Now())
		return
	}
	st.stackEvent("DELETE_COMPLETE", "", svc.host.Now())
	delete(svc.stacks[k], st.name)
}
