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

	"github.com/rootguard/rootguard/internal/stack"
)

// PostureOptions shape `posture deploy` and `posture remove`.
type PostureOptions struct {
	Stack stack.PostureOptions
	// FunctionZip is the auditor's deployment package (cmd/auditor).
	FunctionZip []byte
	// RetentionDays is how long runs stay under posture/runs/ (default
	// stack.DefaultPostureRetentionDays).
	RetentionDays int
	Approve       bool
	Progress      io.Writer
	Poll          time.Duration
	Now           func() time.Time
}

// ErrNoPipeline means the alert pipeline the auditor reports through is not
// deployed in the account.
var ErrNoPipeline = errors.New("no alert pipeline is deployed here: the posture auditor posts through it; deploy it first with `rootguard alert deploy`")

// Pipeline is what the posture stack takes from the deployed alert stack.
type Pipeline struct {
	Stack    string
	QueueURL string
	Bucket   string
}

// alertStackReady are the states of an alert stack whose queue and bucket
// are there to use.
var alertStackReady = []string{"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE"}

// FindPipeline reads the deployed alert stack: its queue URL (output
// QueueUrl) and the pipeline's bucket. ErrNoPipeline when there is none.
func FindPipeline(ctx context.Context, c Clients, names stack.Names) (Pipeline, error) {
	pl := Pipeline{Stack: names.HubStack(), Bucket: names.ArtifactBucket(c.Account, c.home())}
	st, exists, err := stackState(ctx, c.CFN(c.home()), pl.Stack)
	if err != nil {
		return pl, err
	}
	if !exists || !slices.Contains(alertStackReady, string(st.StackStatus)) {
		why := "does not exist"
		if exists {
			why = "is " + string(st.StackStatus)
		}
		return pl, fmt.Errorf("%w (stack %s in %s %s)", ErrNoPipeline, pl.Stack, c.home(), why)
	}
	for _, o := range st.Outputs {
		if aws.ToString(o.OutputKey) == "QueueUrl" {
			pl.QueueURL = aws.ToString(o.OutputValue)
		}
	}
	if pl.QueueURL == "" {
		return pl, fmt.Errorf("%w (stack %s has no QueueUrl output: deploy it again with `rootguard alert deploy`)", ErrNoPipeline, pl.Stack)
	}
	ok, err := bucketExists(ctx, c.S3, pl.Bucket)
	if err != nil {
		return pl, err
	}
	if !ok {
		return pl, fmt.Errorf("%w (its bucket %s is missing)", ErrNoPipeline, pl.Bucket)
	}
	return pl, nil
}

func (o PostureOptions) names() stack.Names {
	p := o.Stack.Prefix
	if p == "" {
		p = stack.DefaultPrefix
	}
	return stack.Names{Prefix: p}
}

func (o PostureOptions) retention() int {
	if o.RetentionDays == 0 {
		return stack.DefaultPostureRetentionDays
	}
	return o.RetentionDays
}

func (o PostureOptions) deployer(c Clients) *Deployer {
	return New(c, Options{Approve: o.Approve, Progress: o.Progress, Poll: o.Poll, Now: o.Now, FunctionZip: o.FunctionZip})
}

// PlanPosture plans the posture stack beside the deployed alert pipeline:
// the auditor's code upload, the stack's change set and the lifecycle rule
// expiring old runs. With Approve it uploads the code; the rule is put once
// the stack is applied.
func PlanPosture(ctx context.Context, c Clients, o PostureOptions) (*Plan, error) {
	if len(o.FunctionZip) == 0 {
		return nil, errors.New("no auditor package: build it with `make lambda` and pass --function-zip")
	}
	if c.Account == "" {
		return nil, errors.New("posture deploy: the clients name no account")
	}
	if o.retention() < 1 {
		return nil, fmt.Errorf("run retention %d days: want at least 1", o.RetentionDays)
	}
	names := o.names()
	pl, err := FindPipeline(ctx, c, names)
	if err != nil {
		return nil, err
	}
	so := o.Stack
	so.Partition = c.partition()
	tmpl, err := stack.Posture(so)
	if err != nil {
		return nil, err
	}
	body, err := tmpl.JSON()
	if err != nil {
		return nil, err
	}
	d := o.deployer(c)
	plan := &Plan{d: d}
	code, err := d.artifact(ctx, plan, pl.Bucket, contentKey("posture-function/", o.FunctionZip), "the posture auditor")
	if err != nil {
		return nil, err
	}
	params := []cfntypes.Parameter{
		{ParameterKey: aws.String(stack.ParamCodeBucket), ParameterValue: aws.String(code.Bucket)},
		{ParameterKey: aws.String(stack.ParamCodeKey), ParameterValue: aws.String(code.Key)},
		{ParameterKey: aws.String(stack.ParamCodeVersion), ParameterValue: aws.String(code.Version)},
		{ParameterKey: aws.String(stack.ParamAlertQueueURL), ParameterValue: aws.String(pl.QueueURL)},
	}
	rule := runsRule(names, o.retention())
	current, err := readLifecycle(ctx, c.S3, pl.Bucket)
	if err != nil {
		return nil, err
	}
	if merged, changed := withRule(current, rule); changed {
		plan.Steps = append(plan.Steps, fmt.Sprintf("put lifecycle rule %s on s3://%s: expire runs under %s after %d days (their old versions a day later)",
			aws.ToString(rule.ID), pl.Bucket, stack.PostureRunsPrefix, o.retention()))
		plan.after = append(plan.after, func(ctx context.Context) error { return putLifecycle(ctx, c.S3, pl.Bucket, merged) })
	}
	sp, err := d.stackPlan(ctx, names.PostureStack(), c.home(), string(body), params)
	if err != nil {
		return nil, err
	}
	plan.Stacks = append(plan.Stacks, sp)
	return plan, nil
}

// artifact finds key in bucket or (with Approve) uploads the function
// package there.
func (d *Deployer) artifact(ctx context.Context, plan *Plan, bucket, key, what string) (Code, error) {
	code, found, err := existingCode(ctx, d.c.S3, bucket, key)
	if err != nil || found {
		return code, err
	}
	plan.Steps = append(plan.Steps, fmt.Sprintf("upload %s (%d bytes) to s3://%s/%s", what, len(d.o.FunctionZip), bucket, key))
	if !d.o.Approve {
		return Code{Bucket: bucket, Key: key, Version: "new-upload"}, nil
	}
	return upload(ctx, d.c.S3, bucket, key, d.o.FunctionZip)
}

// RemovePosture deletes the posture stack and takes the lifecycle rule out
// of the pipeline's bucket; the runs already stored stay (they are the
// pipeline's bucket's, removed with it by `alert remove`). Without Approve
// it only reports what it would do.
func RemovePosture(ctx context.Context, c Clients, o PostureOptions) (*Removal, error) {
	names := o.names()
	r := &Removal{}
	cfn := c.CFN(c.home())
	st, exists, err := stackState(ctx, cfn, names.PostureStack())
	if err != nil {
		return nil, err
	}
	run := stackRun{cfn: cfn, name: names.PostureStack(), progress: progressOf(o.Progress), poll: pollOf(o.Poll), now: nowOf(o.Now)}
	if exists && string(st.StackStatus) != "DELETE_COMPLETE" {
		if strings.HasSuffix(string(st.StackStatus), "_IN_PROGRESS") {
			return nil, fmt.Errorf("stack %s is %s (another deploy or removal is running): run again when it settles", run.name, st.StackStatus)
		}
		res, err := stackResources(ctx, cfn, run.name)
		if err != nil {
			return nil, err
		}
		r.Delete = append(r.Delete, fmt.Sprintf("stack %s in %s (%d resources: the auditor, its schedule and roles)", run.name, c.home(), len(res)))
	} else {
		exists = false
	}
	bucket := names.ArtifactBucket(c.Account, c.home())
	var rest []lifecycleRule
	hasRule := false
	if ok, err := bucketExists(ctx, c.S3, bucket); err != nil {
		return nil, err
	} else if ok {
		current, err := readLifecycle(ctx, c.S3, bucket)
		if err != nil {
			return nil, err
		}
		rest = slices.DeleteFunc(slices.Clone(current), func(x lifecycleRule) bool { return aws.ToString(x.ID) == names.PostureLifecycleRule() })
		hasRule = len(rest) < len(current)
	}
	if hasRule {
		r.Delete = append(r.Delete, fmt.Sprintf("lifecycle rule %s of s3://%s", names.PostureLifecycleRule(), bucket))
		r.Keep = append(r.Keep, fmt.Sprintf("the runs and reports under s3://%s/posture/ (the pipeline's bucket; `alert remove` deletes it)", bucket))
	}
	if !o.Approve {
		return r, nil
	}
	if exists {
		fmt.Fprintf(run.progress, "Deleting stack %s\n", run.name)
		if err := run.remove(ctx); err != nil {
			return r, err
		}
	}
	if hasRule {
		if err := putLifecycle(ctx, c.S3, bucket, rest); err != nil {
			return r, err
		}
	}
	return r, nil
}

func progressOf(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

func pollOf(d time.Duration) time.Duration {
	if d == 0 {
		return 5 * time.Second
	}
	return d
}

func nowOf(now func() time.Time) func() time.Time {
	if now == nil {
		return time.Now
	}
	return now
}
