package fix

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/audit"
	"github.com/rootguard/rootguard/internal/orgscan"
	"github.com/rootguard/rootguard/internal/rootsession"
)

// Report is what happened in one account.
type Report struct {
	Account string
	// Changed lists what differs from the plan in what root holds now:
	// credentials gone since the plan (not deleted again) and credentials
	// that appeared (left alone: nobody approved deleting them).
	Changed  []string
	Outcomes []Outcome
	// NotDone counts failed and skipped steps and credentials that
	// appeared since the plan.
	NotDone      int
	Verification Verification
}

// Verification is the affected checks before and after the changes.
type Verification struct {
	// Skipped says why the checks were not run again, if they were not.
	Skipped string
	Rows    []VerifyRow
}

// VerifyRow is one check before and after.
type VerifyRow struct {
	Check         audit.CheckID
	Before, After audit.CheckResult
}

// Apply makes the planned changes, account by account (concurrently, each
// report in plan order), recording every outcome in rec. In each account it
// first reads again what root holds and compares it with the plan: what
// is gone is not deleted again, what appeared is shown and left alone.
func (e *Engine) Apply(ctx context.Context, p *Planned, rec *Recorder) []Report {
	accounts := make([]orgscan.Account, len(p.Targets))
	for i, t := range p.Targets {
		accounts[i] = orgscan.Account{ID: t.Plan.Account}
	}
	return orgscan.Each(ctx, accounts, e.Concurrency, orgscan.DefaultAccountTimeout,
		func(ctx context.Context, i int, _ orgscan.Account) Report {
			return e.applyTarget(ctx, p.Targets[i], rec)
		}, nil)
}

func (e *Engine) applyTarget(ctx context.Context, t *Target, rec *Recorder) Report {
	r := Report{Account: t.Plan.Account}
	if len(t.Plan.Steps) == 0 {
		return r
	}
	before := e.verify(ctx, t)
	plan, gone, err := e.replan(ctx, t, &r)
	if err != nil {
		// The account cannot be reached or read now: nothing is changed
		// blindly; every planned step is reported as not done.
		for _, s := range t.Plan.Steps {
			o := Outcome{Step: s, Result: Skipped, Reason: "not attempted: " + err.Error()}
			rec.Record(e.Now(), o)
			r.Outcomes = append(r.Outcomes, o)
			r.NotDone++
		}
		return r
	}
	for _, o := range gone {
		rec.Record(e.Now(), o)
	}
	r.Outcomes = append(gone, Apply(ctx, plan, rec, e.Now)...)
	for _, o := range r.Outcomes {
		if o.Result == Failed || o.Result == Skipped {
			r.NotDone++
		}
	}
	r.Verification = e.verification(ctx, t, before, r.Outcomes)
	return r
}

// replan opens the session that applies the plan — right now, not when
// the plan was made — reads root's credentials again and rebuilds the
// steps from what is both planned and still there.
func (e *Engine) replan(ctx context.Context, t *Target, r *Report) (*Plan, []Outcome, error) {
	plan := &Plan{Account: t.Plan.Account}
	var gone []Outcome
	if t.inventory != nil {
		cfg := e.Caller.Config()
		if t.member {
			var err error
			if cfg, err = e.rootSession(ctx, t.Plan.Account, rootsession.DeleteRootUserCredentials); err != nil {
				return nil, nil, err
			}
		}
		client := iam.NewFromConfig(cfg)
		root := e.Caller.Partition.RootARN(t.Plan.Account)
		now, err := ReadInventory(ctx, client, t.Plan.Account, t.inUseKey, t.what)
		if err != nil {
			return nil, nil, withAWSReason(err, root)
		}
		keep, changed := Reconcile(t.inventory, now)
		r.Changed = changed.Lines()
		r.NotDone += len(changed.Appeared)
		fresh := PlanRootCredentials(client, keep, e.Now(), t.member)
		for i := range fresh.Steps {
			fresh.Steps[i].principal = root // root's own credentials or a root session
		}
		plan.Steps, plan.Notes = fresh.Steps, fresh.Notes
		for _, s := range t.Plan.Steps {
			if s.isCredential() && !slices.ContainsFunc(fresh.Steps, s.same) {
				gone = append(gone, Outcome{Step: s, Result: AlreadyGone, Reason: "gone since the plan"})
			}
		}
	}
	if t.centralized {
		org := organizations.NewFromConfig(e.Caller.Config())
		fresh, err := PlanCentralizedRootAccess(ctx, org, iam.NewFromConfig(e.Caller.Config()), t.Plan.Account)
		if err != nil {
			return nil, nil, withAWSReason(err, e.Caller.CallerARN)
		}
		for _, s := range t.Plan.Steps {
			if s.isCredential() {
				continue
			}
			if i := slices.IndexFunc(fresh.Steps, s.same); i >= 0 {
				step := fresh.Steps[i]
				step.principal = e.Caller.CallerARN
				plan.Steps = append(plan.Steps, step)
			} else {
				gone = append(gone, Outcome{Step: s, Result: AlreadyGone, Reason: "in place since the plan"})
			}
		}
	}
	return plan, gone, nil
}

func (s Step) same(o Step) bool { return s.Action == o.Action && s.Target == o.Target }

// isCredential reports whether the step changes a root credential (as
// opposed to an organization setting).
func (s Step) isCredential() bool {
	switch s.Action {
	case "iam:DeleteLoginProfile", "iam:DeleteAccessKey", "iam:DeleteSigningCertificate",
		"iam:DeactivateMFADevice", "iam:DeleteVirtualMFADevice":
		return true
	}
	return false
}

// auditConfig opens what the affected checks run with: a root session
// scoped by IAMAuditRootUserCredentials in a member, the caller's own
// credentials otherwise.
func (e *Engine) auditConfig(ctx context.Context, t *Target) (aws.Config, audit.Options, error) {
	opts := audit.Options{Checks: t.Checks, Session: audit.SessionAuto}
	if !t.member {
		// The caller's own account: the audit need not ask STS again.
		opts.Caller = e.Caller
		return e.Caller.Config(), opts, nil
	}
	cfg, err := e.rootSession(ctx, t.Plan.Account, rootsession.AuditRootUserCredentials)
	if err != nil {
		return aws.Config{}, opts, err
	}
	// The session's principal is the member's root user: the audit need
	// not ask STS who it is.
	if opts.Caller, err = account.New(cfg, e.Caller.Partition.RootARN(t.Plan.Account)); err != nil {
		return aws.Config{}, opts, err
	}
	opts.Session = audit.SessionAssumeRoot
	return cfg, opts, nil
}

func (e *Engine) verify(ctx context.Context, t *Target) map[audit.CheckID]audit.CheckResult {
	if len(t.Checks) == 0 {
		return nil
	}
	cfg, opts, err := e.auditConfig(ctx, t)
	if err != nil {
		return nil
	}
	res := audit.Account(ctx, cfg, opts)
	out := map[audit.CheckID]audit.CheckResult{}
	for _, c := range res.Checks {
		out[c.ID] = c
	}
	return out
}

func (e *Engine) verification(ctx context.Context, t *Target, before map[audit.CheckID]audit.CheckResult, outcomes []Outcome) Verification {
	if len(t.Checks) == 0 {
		return Verification{Skipped: "nothing to verify"}
	}
	for _, o := range outcomes {
		if o.Step.EndsSession && o.Result == Done {
			return Verification{Skipped: "the credentials this run used were deleted, so the checks cannot run again from here.\n" +
				"  Run `rootguard audit` with another principal to confirm."}
		}
	}
	after := e.verify(ctx, t)
	if after == nil {
		return Verification{Skipped: "verification skipped: could not open a session to re-run the checks"}
	}
	v := Verification{}
	for _, id := range t.Checks {
		v.Rows = append(v.Rows, VerifyRow{Check: id, Before: before[id], After: after[id]})
	}
	return v
}

// Drift is how root's credentials changed between the plan and now.
type Drift struct {
	Gone     []string // planned, no longer there
	Appeared []string // there now, not planned
	Changed  []string // there in both, in another state
}

// Lines describes the drift for the user, one line each. What is gone
// shows as an outcome of its step ("already gone"), so it is not repeated.
func (d Drift) Lines() []string {
	var out []string
	for _, s := range d.Appeared {
		out = append(out, s+": appeared since the plan, left alone (not approved); run fix again to plan it")
	}
	return append(out, d.Changed...)
}

// Reconcile compares the planned inventory with the one read now. keep is
// what is both planned and still there, in its current state; credentials
// that appeared are in the drift only, so they are never acted on without
// a plan the user saw.
func Reconcile(planned, now *Inventory) (*Inventory, Drift) {
	keep := &Inventory{Account: planned.Account}
	var d Drift
	switch {
	case planned.LoginProfile && now.LoginProfile:
		keep.LoginProfile = true
	case planned.LoginProfile:
		d.Gone = append(d.Gone, "root password")
	case now.LoginProfile:
		d.Appeared = append(d.Appeared, "root password")
	}
	keep.AccessKeys, d = reconcileList(planned.AccessKeys, now.AccessKeys, d, func(k AccessKey) string { return k.ID }, "root access key ",
		func(p, n AccessKey) string {
			if p.Status != n.Status {
				return fmt.Sprintf("root access key %s: %s when planned, %s now (still deleted, as approved)", n.ID, p.Status, n.Status)
			}
			if !n.LastUsed.Equal(p.LastUsed) {
				return fmt.Sprintf("root access key %s: used again since the plan, on %s (still deleted, as approved)", n.ID, day(n.LastUsed))
			}
			return ""
		})
	keep.Certificates, d = reconcileList(planned.Certificates, now.Certificates, d, func(c Certificate) string { return c.ID }, "root signing certificate ",
		func(p, n Certificate) string {
			if p.Status != n.Status {
				return fmt.Sprintf("root signing certificate %s: %s when planned, %s now (still deleted, as approved)", n.ID, p.Status, n.Status)
			}
			return ""
		})
	keep.MFADevices, d = reconcileList(planned.MFADevices, now.MFADevices, d, func(m MFADevice) string { return m.Serial }, "root MFA device ",
		func(MFADevice, MFADevice) string { return "" })
	return keep, d
}

func reconcileList[T any](planned, now []T, d Drift, id func(T) string, label string, changed func(p, n T) string) ([]T, Drift) {
	var keep []T
	for _, p := range planned {
		i := slices.IndexFunc(now, func(n T) bool { return id(n) == id(p) })
		if i < 0 {
			d.Gone = append(d.Gone, label+id(p))
			continue
		}
		if c := changed(p, now[i]); c != "" {
			d.Changed = append(d.Changed, c)
		}
		keep = append(keep, now[i])
	}
	for _, n := range now {
		if !slices.ContainsFunc(planned, func(p T) bool { return id(p) == id(n) }) {
			d.Appeared = append(d.Appeared, label+id(n))
		}
	}
	return keep, d
}
