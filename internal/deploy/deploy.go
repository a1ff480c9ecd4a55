package deploy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/awserr"
	"github.com/rootguard/rootguard/internal/stack"
)

// Clients are the AWS APIs the engine calls in one account; CFN gives the
// CloudFormation client for a region (the hub in the partition's home
// Region, forwarders elsewhere). Every other client is for the home Region.
type Clients struct {
	CFN   func(region string) CFNAPI
	S3    s3API
	SSM   ssmAPI
	Trail trailAPI
	// Account is the account the clients act in (from account.Session, or
	// the member account the caller reached), and Partition its partition:
	// the engine derives every ARN, name and Region from them.
	Account   string
	Partition account.Partition
	// LocalAWS: the clients talk to the local AWS (IsLocalEndpoint), where
	// a loopback stand-in webhook is allowed.
	LocalAWS bool
}

// Options shape a deploy.
type Options struct {
	Stack stack.HubOptions
	// FunctionZip is the alert function's deployment package.
	FunctionZip []byte
	// Webhook is the Slack webhook URL to store; empty keeps the stored one.
	// It is written to SSM only and never printed.
	Webhook string
	// AskWebhook, for Engine's Plan and PlanOrg when Webhook is empty,
	// gives the URL before anything is planned: called only when the
	// account stores none yet, or always with UpdateWebhook. The command
	// reads it from the user there.
	AskWebhook    func() (string, error)
	UpdateWebhook bool
	// AllRegions: Engine.Plan forwards from every Region enabled in the
	// account (account:ListRegions) instead of Stack.ForwardRegions.
	AllRegions bool
	// Approve makes changes; without it the engine only reads and previews.
	Approve bool
	// Progress receives stack events while a change runs.
	Progress io.Writer
	// Poll is how often stack state is read (default 5 s).
	Poll time.Duration
	Now  func() time.Time
}

// ErrNoWebhook means no webhook URL is stored yet and none was given.
var ErrNoWebhook = errors.New("no Slack webhook URL is stored yet: give one on stdin or at the prompt")

// Plan is what a deploy would do, and the change sets ready to do it.
type Plan struct {
	// Steps outside CloudFormation, in order (bucket, code, parameter).
	Steps []string
	// Stacks: the hub, the forwarders of the regions given, then those
	// of regions no longer given (Delete).
	Stacks []StackPlan
	// Trail is the trail decision.
	Trail TrailChoice

	d *Deployer
	// after runs once every stack is applied (the posture deploy's
	// lifecycle rule).
	after []func(context.Context) error
}

// StackPlan is one stack's part of the plan.
type StackPlan struct {
	Name, Region string
	// Status before the deploy ("" when the stack does not exist).
	Status string
	// Recreate: the stack is in ROLLBACK_COMPLETE and is deleted first.
	Recreate bool
	// Delete: the stack forwards from a region no longer given, whose role
	// leaves the hub stack; Changes lists its resources, all removed.
	Delete  bool
	Changes []Change

	run       stackRun
	changeSet string
	create    bool
}

// NoChanges reports whether the deploy would change nothing.
func (p *Plan) NoChanges() bool {
	if len(p.Steps) > 0 {
		return false
	}
	for _, s := range p.Stacks {
		if len(s.Changes) > 0 || s.Recreate || s.Delete {
			return false
		}
	}
	return true
}

// Deployer plans and applies the alert pipeline.
type Deployer struct {
	c Clients
	o Options
}

// New returns a Deployer.
func New(c Clients, o Options) *Deployer {
	if o.Poll == 0 {
		o.Poll = 5 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	return &Deployer{c, o}
}

// home is the partition's home Region, where the hub lives.
func (c Clients) home() string { return c.partition().HomeRegion }

func (c Clients) partition() account.Partition {
	if c.Partition.ID == "" {
		return account.AWS
	}
	return c.Partition
}

func (d *Deployer) names() stack.Names {
	p := d.o.Stack.Prefix
	if p == "" {
		p = stack.DefaultPrefix
	}
	return stack.Names{Prefix: p}
}

// Plan reads the account and previews every stack's change set. It reads
// and validates the webhook, the trail and the templates before anything
// is created; then, with Approve, it makes the changes the stacks depend
// on: the artifacts bucket, the code upload and the webhook parameter.
func (d *Deployer) Plan(ctx context.Context) (*Plan, error) {
	if len(d.o.FunctionZip) == 0 {
		return nil, errors.New("no function package: build it with `make lambda` and pass --function-zip")
	}
	if d.c.Account == "" {
		return nil, errors.New("deploy: the clients name no account")
	}
	names := d.names()
	home := d.c.home()
	plan := &Plan{d: d}

	hook, err := d.checkWebhook(ctx, names)
	if err != nil {
		return nil, err
	}
	plan.Trail, err = ChooseTrail(ctx, d.c.Trail, home, names, len(d.o.Stack.ForwardRegions) > 0)
	if err != nil {
		return nil, err
	}
	hubOpts := d.o.Stack
	hubOpts.Partition = d.c.partition()
	// An organization trail asked for, or rootguard's own trail already
	// one, stays one: dropping the flag would stop recording the members.
	if hubOpts.OrgID != "" && (hubOpts.OrganizationTrail || (plan.Trail.Create && plan.Trail.Organization)) {
		plan.Trail = TrailChoice{Create: true, Organization: true}
		hubOpts.OrganizationTrail = true
	}
	hubOpts.CreateTrail = plan.Trail.Create
	if plan.Trail.Existing != "" {
		hubOpts.GuardedTrails = append(hubOpts.GuardedTrails, plan.Trail.Existing)
	}
	hub, err := stack.Hub(hubOpts)
	if err != nil {
		return nil, err
	}
	body, err := hub.JSON()
	if err != nil {
		return nil, err
	}

	code, err := d.code(ctx, plan, names.ArtifactBucket(d.c.Account, home))
	if err != nil {
		return nil, err
	}
	if err := d.storeWebhook(ctx, plan, names, hook); err != nil {
		return nil, err
	}

	params := []cfntypes.Parameter{
		{ParameterKey: aws.String(stack.ParamCodeBucket), ParameterValue: aws.String(code.Bucket)},
		{ParameterKey: aws.String(stack.ParamCodeKey), ParameterValue: aws.String(code.Key)},
		{ParameterKey: aws.String(stack.ParamCodeVersion), ParameterValue: aws.String(code.Version)},
		{ParameterKey: aws.String(stack.ParamWebhookParameter), ParameterValue: aws.String(names.WebhookParameter())},
	}
	hubPlan, err := d.stackPlan(ctx, names.HubStack(), home, string(body), params)
	if err != nil {
		return nil, err
	}
	plan.Stacks = append(plan.Stacks, hubPlan)
	for _, region := range d.o.Stack.ForwardRegions {
		fwd, err := stack.Forwarder(names.Prefix, region, d.o.Stack.AllManagementEvents)
		if err != nil {
			return nil, err
		}
		fbody, err := fwd.JSON()
		if err != nil {
			return nil, err
		}
		sp, err := d.stackPlan(ctx, names.ForwarderStack(), region, string(fbody), nil)
		if err != nil {
			plan.Discard(ctx)
			return nil, fmt.Errorf("region %s: %w", region, err)
		}
		plan.Stacks = append(plan.Stacks, sp)
	}
	dropped, err := d.droppedForwarders(ctx, names)
	if err != nil {
		plan.Discard(ctx)
		return nil, err
	}
	plan.Stacks = append(plan.Stacks, dropped...)
	return plan, nil
}

// droppedForwarders plans the deletion of the forwarder stacks in regions
// the hub stack has a forwarding role for but the deploy does not name:
// the hub's new template drops the role, which would leave them forwarding
// through a role that no longer exists.
func (d *Deployer) droppedForwarders(ctx context.Context, names stack.Names) ([]StackPlan, error) {
	served, err := hubForwardRegions(ctx, d.c.CFN(d.c.home()), names)
	if err != nil {
		return nil, err
	}
	var plans []StackPlan
	for _, region := range served {
		if slices.Contains(d.o.Stack.ForwardRegions, region) {
			continue
		}
		run := stackRun{cfn: d.c.CFN(region), name: names.ForwarderStack(), progress: d.o.Progress, poll: d.o.Poll, now: d.o.Now}
		st, exists, err := stackState(ctx, run.cfn, run.name)
		status := string(st.StackStatus)
		switch {
		case err != nil:
			return nil, fmt.Errorf("region %s: %w", region, err)
		case !exists || status == "DELETE_COMPLETE":
			continue
		case strings.HasSuffix(status, "_IN_PROGRESS"):
			return nil, fmt.Errorf("stack %s in %s is %s (another deploy or removal is running): run again when it settles", run.name, region, status)
		}
		res, err := stackResources(ctx, run.cfn, run.name)
		if err != nil {
			return nil, fmt.Errorf("region %s: %w", region, err)
		}
		sp := StackPlan{Name: run.name, Region: region, Status: status, Delete: true, run: run}
		for _, r := range res {
			sp.Changes = append(sp.Changes, Change{Action: "Remove", Logical: r.Logical, Type: r.Type})
		}
		plans = append(plans, sp)
	}
	return plans, nil
}

// code finds or (with Approve) uploads the function package.
func (d *Deployer) code(ctx context.Context, plan *Plan, bucket string) (Code, error) {
	exists, err := bucketExists(ctx, d.c.S3, bucket)
	if err != nil {
		return Code{}, err
	}
	if exists {
		code, found, err := existingCode(ctx, d.c.S3, bucket, codeKey(d.o.FunctionZip))
		if err != nil || found {
			return code, err
		}
	} else {
		plan.Steps = append(plan.Steps, fmt.Sprintf("create the private, versioned artifacts bucket %s", bucket))
		if d.o.Approve {
			if err := ensureBucket(ctx, d.c.S3, bucket, d.c.home()); err != nil {
				return Code{}, err
			}
		}
	}
	plan.Steps = append(plan.Steps, fmt.Sprintf("upload the alert function (%d bytes) to s3://%s/%s", len(d.o.FunctionZip), bucket, codeKey(d.o.FunctionZip)))
	if !d.o.Approve {
		return Code{Bucket: bucket, Key: codeKey(d.o.FunctionZip), Version: "new-upload"}, nil
	}
	return upload(ctx, d.c.S3, bucket, codeKey(d.o.FunctionZip), d.o.FunctionZip)
}

// WebhookStored reports whether the webhook parameter exists in the
// clients' account: Engine's Plan and PlanOrg ask for a URL (AskWebhook),
// before they plan, only when it does not (or with UpdateWebhook).
func WebhookStored(ctx context.Context, c Clients, prefix string) (bool, error) {
	return webhookStored(ctx, c.SSM, names(prefix))
}

func webhookStored(ctx context.Context, c ssmAPI, names stack.Names) (bool, error) {
	name := names.WebhookParameter()
	_, err := c.GetParameter(ctx, &ssm.GetParameterInput{Name: &name})
	switch {
	case err == nil:
		return true, nil
	case awserr.Code(err) == "ParameterNotFound":
		return false, nil
	default:
		return false, fmt.Errorf("look for webhook parameter %s: %w", name, err)
	}
}

// webhookChoice is what the deploy does with the webhook URL.
type webhookChoice struct {
	url, step string // step is "" when the stored URL is kept
}

// checkWebhook reads the parameter and validates the URL given, before
// anything is created: a deploy refused for its webhook leaves nothing.
func (d *Deployer) checkWebhook(ctx context.Context, names stack.Names) (webhookChoice, error) {
	stored, err := webhookStored(ctx, d.c.SSM, names)
	if err != nil {
		return webhookChoice{}, err
	}
	if d.o.Webhook == "" {
		if !stored {
			return webhookChoice{}, ErrNoWebhook
		}
		return webhookChoice{}, nil
	}
	url, err := ValidateWebhook(d.o.Webhook, d.c.LocalAWS)
	if err != nil {
		return webhookChoice{}, err
	}
	verb := "store"
	if stored {
		verb = "replace"
	}
	return webhookChoice{url: url, step: fmt.Sprintf("%s the Slack webhook URL in SSM SecureString %s", verb, names.WebhookParameter())}, nil
}

// storeWebhook stores the URL checkWebhook accepted (with Approve).
func (d *Deployer) storeWebhook(ctx context.Context, plan *Plan, names stack.Names, hook webhookChoice) error {
	if hook.step == "" {
		return nil
	}
	name, url := names.WebhookParameter(), hook.url
	plan.Steps = append(plan.Steps, hook.step)
	if !d.o.Approve {
		return nil
	}
	if _, err := d.c.SSM.PutParameter(ctx, &ssm.PutParameterInput{
		Name: &name, Value: &url, Type: ssmtypes.ParameterTypeSecureString, Overwrite: aws.Bool(true),
		Description: aws.String("Slack incoming webhook for rootguard's root activity alerts"),
	}); err != nil {
		return fmt.Errorf("store webhook parameter %s: %w", name, awserr.Classify(err))
	}
	if _, err := d.c.SSM.AddTagsToResource(ctx, &ssm.AddTagsToResourceInput{
		ResourceType: ssmtypes.ResourceTypeForTaggingParameter, ResourceId: &name,
		Tags: []ssmtypes.Tag{{Key: aws.String(stack.ManagedTagKey), Value: aws.String(stack.ManagedTagValue)}},
	}); err != nil {
		return fmt.Errorf("tag webhook parameter %s: %w", name, err)
	}
	return nil
}

func (d *Deployer) stackPlan(ctx context.Context, name, region, body string, params []cfntypes.Parameter) (StackPlan, error) {
	run := stackRun{cfn: d.c.CFN(region), name: name, body: body, params: params, progress: d.o.Progress, poll: d.o.Poll, now: d.o.Now}
	sp := StackPlan{Name: name, Region: region, run: run}
	st, exists, err := stackState(ctx, run.cfn, name)
	if err != nil {
		return sp, err
	}
	status := string(st.StackStatus)
	if exists {
		sp.Status = status
	}
	switch {
	case !exists || status == "REVIEW_IN_PROGRESS":
		sp.create = true
	case status == "ROLLBACK_COMPLETE":
		// A failed first create leaves a stack that can only be deleted.
		sp.Recreate, sp.create = true, true
	case status == "DELETE_COMPLETE":
		sp.create = true
	case strings.HasSuffix(status, "_IN_PROGRESS"):
		return sp, fmt.Errorf("stack %s is %s (another deploy or removal is running): run again when it settles", name, status)
	}
	if sp.Recreate {
		// The change set cannot be previewed against a stack that must go
		// first; every resource will be added.
		tmpl, err := stack.Read([]byte(body))
		if err != nil {
			return sp, err
		}
		for _, id := range tmpl.LogicalIDs() {
			sp.Changes = append(sp.Changes, Change{Action: "Add", Logical: id, Type: tmpl.Resources[id].Type})
		}
		if d.o.Approve {
			fmt.Fprintf(d.o.Progress, "Deleting stack %s, left in ROLLBACK_COMPLETE by a failed deploy\n", name)
			if err := run.remove(ctx); err != nil {
				return sp, err
			}
		} else {
			return sp, nil
		}
	}
	cs, changes, err := run.preview(ctx, sp.create)
	if err != nil {
		return sp, err
	}
	if !sp.Recreate {
		sp.Changes = changes
	}
	sp.changeSet = cs
	return sp, nil
}

// Discard drops the previewed change sets (and stacks that exist only
// because of them): nothing was applied.
func (p *Plan) Discard(ctx context.Context) {
	for _, s := range p.Stacks {
		if s.changeSet == "" {
			continue
		}
		s.run.discard(ctx, s.changeSet)
		if s.create && s.Status == "" {
			_ = s.run.remove(ctx)
		}
	}
}

// Apply deletes the forwarders of dropped regions, then executes the change
// sets, hub first, following each stack's events. The deletions go first so
// that a failure leaves the hub's role for the region, which `alert status`
// checks, rather than a forwarder whose role is gone.
func (p *Plan) Apply(ctx context.Context) error {
	if !p.d.o.Approve {
		return errors.New("apply needs approval")
	}
	for _, s := range p.Stacks {
		if !s.Delete {
			continue
		}
		fmt.Fprintf(p.d.o.Progress, "Deleting stack %s in %s: the region is no longer forwarded\n", s.Name, s.Region)
		if err := s.run.remove(ctx); err != nil {
			p.Discard(context.WithoutCancel(ctx))
			return err
		}
	}
	for i, s := range p.Stacks {
		if s.changeSet == "" {
			continue
		}
		fmt.Fprintf(p.d.o.Progress, "Applying stack %s in %s\n", s.Name, s.Region)
		if err := s.run.execute(ctx, s.changeSet); err != nil {
			for _, later := range p.Stacks[i+1:] {
				if later.changeSet != "" {
					later.run.discard(context.WithoutCancel(ctx), later.changeSet)
				}
			}
			return err
		}
	}
	for _, f := range p.after {
		if err := f(ctx); err != nil {
			return err
		}
	}
	return nil
}
