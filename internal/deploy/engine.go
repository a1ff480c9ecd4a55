package deploy

import (
	"context"
	"fmt"
	"slices"

	acctapi "github.com/aws/aws-sdk-go-v2/service/account"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/organizations"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/eventpath"
	"github.com/rootguard/rootguard/internal/orgscan"
)

// Engine deploys and removes the alert pipeline for one caller. It builds
// its own clients from the caller's session: the hub's in the partition's
// home Region, forwarders' in theirs, the organization's with the caller's
// credentials and a hub in another account through orgscan's role. A
// command only parses flags, calls it and prints.
type Engine struct {
	caller *account.Session
}

// NewEngine returns the engine of the caller's account or organization.
func NewEngine(caller *account.Session) *Engine { return &Engine{caller: caller} }

// Plan plans the pipeline in the caller's account. With AllRegions it
// forwards from every Region enabled in the account; then, before anything
// is planned, it asks for the webhook URL (AskWebhook) when the account
// stores none yet or UpdateWebhook is set, so one plan is made and a
// deploy without a webhook creates nothing.
func (e *Engine) Plan(ctx context.Context, o Options) (*Plan, error) {
	c := NewClients(e.caller)
	regions, err := e.forwardRegions(ctx, o)
	if err != nil {
		return nil, err
	}
	o.Stack.ForwardRegions = regions
	if o.Webhook, err = askWebhook(ctx, c, o); err != nil {
		return nil, err
	}
	return New(c, o).Plan(ctx)
}

// PlanOrg plans the organization's hub and StackSet of spokes (see the
// function PlanOrg), asking for the webhook first as Plan does — it lives
// in the hub account, which is reached before anything is planned.
func (e *Engine) PlanOrg(ctx context.Context, o OrgOptions) (*OrgPlan, error) {
	c := NewOrgClients(e.caller)
	hubAccount := o.HubAccount
	if hubAccount == "" {
		hubAccount = e.caller.AccountID
	}
	hub, err := c.Hub(ctx, hubAccount)
	if err != nil {
		return nil, fmt.Errorf("reach hub account %s: %w", hubAccount, err)
	}
	if o.Webhook, err = askWebhook(ctx, hub, o.Options); err != nil {
		return nil, err
	}
	return PlanOrg(ctx, c, o)
}

// Apply applies a plan made with Approve (Plan.Apply).
func (e *Engine) Apply(ctx context.Context, p *Plan) error { return p.Apply(ctx) }

// ApplyOrg applies an organization plan made with Approve (OrgPlan.Apply).
func (e *Engine) ApplyOrg(ctx context.Context, p *OrgPlan) ([]InstanceResult, error) {
	return p.Apply(ctx)
}

// Discard drops a plan's previewed change sets (Plan.Discard).
func (e *Engine) Discard(ctx context.Context, p *Plan) { p.Discard(ctx) }

// Remove removes the pipeline from the caller's account (Deployer.Remove).
func (e *Engine) Remove(ctx context.Context, o Options) (*Removal, error) {
	return New(NewClients(e.caller), o).Remove(ctx)
}

// RemoveOrg removes the organization's spokes, StackSet and hub (the
// function RemoveOrg).
func (e *Engine) RemoveOrg(ctx context.Context, o OrgOptions) (*Removal, error) {
	return RemoveOrg(ctx, NewOrgClients(e.caller), o)
}

// forwardRegions are the Regions forwarding to the home Region: those
// given (the home Region itself dropped, so `--regions us-east-1` forwards
// none), or with AllRegions every Region enabled in the account
// (account:ListRegions) — root activity can happen in any of them.
func (e *Engine) forwardRegions(ctx context.Context, o Options) ([]string, error) {
	regions := o.Stack.ForwardRegions
	if o.AllRegions {
		enabled, err := eventpath.EnabledRegions(ctx, acctapi.NewFromConfig(e.caller.Home()))
		if err != nil {
			return nil, fmt.Errorf("%w (or name the Regions with --regions)", err)
		}
		regions = enabled
	}
	home := e.caller.Partition.HomeRegion
	return slices.DeleteFunc(slices.Clone(regions), func(r string) bool { return r == home }), nil
}

// askWebhook is the webhook URL to store: the one given, or AskWebhook's
// answer when the account (c) stores none yet or UpdateWebhook is set;
// "" keeps the stored one.
func askWebhook(ctx context.Context, c Clients, o Options) (string, error) {
	if o.Webhook != "" || o.AskWebhook == nil {
		return o.Webhook, nil
	}
	if !o.UpdateWebhook {
		stored, err := WebhookStored(ctx, c, o.Stack.Prefix)
		if err != nil || stored {
			return "", err
		}
	}
	return o.AskWebhook()
}

// NewOrgClients reaches the organization with the caller's credentials,
// and every other account — the hub, a member's trails and Regions —
// through orgscan's (AssumeRole into OrganizationAccountAccessRole unless
// it is the caller's account).
func NewOrgClients(caller *account.Session) OrgClients {
	home := caller.Home()
	creds := &orgscan.Credentials{Base: home, Home: caller.AccountID}
	return OrgClients{
		Org:       organizations.NewFromConfig(home),
		StackSets: cloudformation.NewFromConfig(home),
		Caller:    caller.AccountID,
		Partition: caller.Partition,
		Hub: func(ctx context.Context, acct string) (Clients, error) {
			acfg, _, err := creds.For(ctx, acct)
			if err != nil {
				return Clients{}, err
			}
			return clientsIn(acfg, acct, caller.Partition), nil
		},
		Trails: func(ctx context.Context, acct string) (TrailAPI, error) {
			acfg, _, err := creds.For(ctx, acct)
			if err != nil {
				return nil, err
			}
			return cloudtrail.NewFromConfig(acfg), nil
		},
		Regions: func(ctx context.Context, acct string) ([]string, error) {
			acfg, _, err := creds.For(ctx, acct)
			if err != nil {
				return nil, err
			}
			return eventpath.EnabledRegions(ctx, acctapi.NewFromConfig(acfg))
		},
	}
}
