package deploy

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/rootguard/rootguard/internal/awserr"
	"github.com/rootguard/rootguard/internal/stack"
)

// Removal is what `alert remove` deletes and what it leaves on purpose.
type Removal struct {
	Delete []string // what goes
	Keep   []string // what stays, and why
}

// Remove deletes the posture stack, the forwarder stacks, the hub stack, the
// webhook parameter and the artifacts bucket — all rootguard-tagged; untagged resources are
// never touched. The forwarder stacks are those in the regions given and in
// every region the hub stack has a forwarding role for, so a removal without
// --regions leaves no forwarder behind. The trail bucket (DeletionPolicy Retain) keeps its logs.
// Without Approve it only reports what it would do.
func (d *Deployer) Remove(ctx context.Context) (*Removal, error) {
	names := d.names()
	if d.c.Account == "" {
		return nil, errors.New("remove: the clients name no account")
	}
	r := &Removal{}
	regions, err := d.forwardRegions(ctx, names)
	if err != nil {
		return nil, err
	}
	type target struct{ name, region string }
	// The posture auditor (`posture deploy`) reports through the pipeline
	// and keeps its runs in the artifacts bucket: it goes first, or its
	// schedule would keep running it against a bucket and queue that are
	// gone.
	targets := []target{{names.PostureStack(), d.c.home()}}
	for _, region := range regions {
		targets = append(targets, target{names.ForwarderStack(), region})
	}
	targets = append(targets, target{names.HubStack(), d.c.home()})
	var stacks []stackRun
	var trailBuckets []string
	for _, t := range targets {
		cfn := d.c.CFN(t.region)
		_, ok, err := stackState(ctx, cfn, t.name)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		res, err := stackResources(ctx, cfn, t.name)
		if err != nil {
			return nil, err
		}
		r.Delete = append(r.Delete, fmt.Sprintf("stack %s in %s (%d resources)", t.name, t.region, len(res)))
		for _, x := range res {
			if x.Type == "AWS::S3::Bucket" && x.Logical == stack.LogicalTrailBkt {
				r.Keep = append(r.Keep, fmt.Sprintf("trail bucket %s and the CloudTrail logs in it, kept on purpose as evidence (retagged %s=true)", x.Physical, stack.RetainedTagKey))
				trailBuckets = append(trailBuckets, x.Physical)
			}
		}
		stacks = append(stacks, stackRun{cfn: cfn, name: t.name, progress: d.o.Progress, poll: d.o.Poll, now: d.o.Now})
	}
	param := names.WebhookParameter()
	if _, err := d.c.SSM.GetParameter(ctx, &ssm.GetParameterInput{Name: &param}); err == nil {
		r.Delete = append(r.Delete, "SSM parameter "+param)
	} else if awserr.Code(err) != "ParameterNotFound" {
		return nil, fmt.Errorf("look for webhook parameter %s: %w", param, err)
	} else {
		param = ""
	}
	bucket := names.ArtifactBucket(d.c.Account, d.c.home())
	managed, err := d.managedBucket(ctx, bucket)
	if err != nil {
		return nil, err
	}
	if managed {
		r.Delete = append(r.Delete, "artifacts bucket "+bucket+" and every version in it")
	}
	if !d.o.Approve {
		return r, nil
	}

	for _, s := range stacks {
		fmt.Fprintf(d.o.Progress, "Deleting stack %s\n", s.name)
		if err := s.remove(ctx); err != nil {
			return r, err
		}
	}
	if param != "" {
		if _, err := d.c.SSM.DeleteParameter(ctx, &ssm.DeleteParameterInput{Name: &param}); err != nil && awserr.Code(err) != "ParameterNotFound" {
			return r, fmt.Errorf("delete webhook parameter %s: %w", param, err)
		}
	}
	if managed {
		if err := emptyAndDelete(ctx, d.c.S3, bucket); err != nil {
			return r, err
		}
	}
	for _, b := range trailBuckets {
		if err := retag(ctx, d.c.S3, b); err != nil {
			return r, err
		}
	}
	return r, nil
}

// forwardRegions are the regions given, then those the hub stack holds a
// forwarding role for, in order, once each.
func (d *Deployer) forwardRegions(ctx context.Context, names stack.Names) ([]string, error) {
	regions := slices.Clone(d.o.Stack.ForwardRegions)
	served, err := hubForwardRegions(ctx, d.c.CFN(d.c.home()), names)
	if err != nil {
		return nil, err
	}
	for _, region := range served {
		if !slices.Contains(regions, region) {
			regions = append(regions, region)
		}
	}
	return regions, nil
}

// hubForwardRegions are the regions the hub stack holds a forwarding role
// for (stack.Names.ForwardRoleRegion), sorted; none without a hub stack.
func hubForwardRegions(ctx context.Context, cfn CFNAPI, names stack.Names) ([]string, error) {
	if _, ok, err := stackState(ctx, cfn, names.HubStack()); err != nil || !ok {
		return nil, err
	}
	res, err := stackResources(ctx, cfn, names.HubStack())
	if err != nil {
		return nil, err
	}
	var regions []string
	for _, x := range res {
		if region, ok := names.ForwardRoleRegion(x.Physical); ok && x.Type == "AWS::IAM::Role" {
			regions = append(regions, region)
		}
	}
	slices.Sort(regions)
	return regions, nil
}

// retag swaps a retained bucket's managed tag for the retained one:
// DeletionPolicy Retain keeps the stack's tags, and a bucket rootguard no
// longer manages must not claim it does.
func retag(ctx context.Context, c s3API, bucket string) error {
	out, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: &bucket})
	if err != nil && awserr.Code(err) != "NoSuchTagSet" {
		return fmt.Errorf("read tags of retained bucket %s: %w", bucket, err)
	}
	tags := []s3types.Tag{{Key: aws.String(stack.RetainedTagKey), Value: aws.String("true")}}
	if out != nil {
		for _, t := range out.TagSet {
			if k := aws.ToString(t.Key); k != stack.ManagedTagKey && k != stack.RetainedTagKey {
				tags = append(tags, t)
			}
		}
	}
	if _, err := c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: &bucket, Tagging: &s3types.Tagging{TagSet: tags}}); err != nil {
		return fmt.Errorf("retag retained bucket %s: %w", bucket, err)
	}
	return nil
}

// managedBucket reports whether bucket exists and carries the managed tag.
func (d *Deployer) managedBucket(ctx context.Context, bucket string) (bool, error) {
	out, err := d.c.S3.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: &bucket})
	switch code := awserr.Code(err); {
	case code == "NoSuchBucket" || code == "NoSuchTagSet" || code == "NotFound":
		return false, nil
	case err != nil:
		return false, fmt.Errorf("read tags of bucket %s: %w", bucket, err)
	}
	for _, t := range out.TagSet {
		if aws.ToString(t.Key) == stack.ManagedTagKey && aws.ToString(t.Value) == stack.ManagedTagValue {
			return true, nil
		}
	}
	return false, nil
}

func emptyAndDelete(ctx context.Context, c s3API, bucket string) error {
	p := s3.NewListObjectVersionsPaginator(c, &s3.ListObjectVersionsInput{Bucket: &bucket})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list objects in %s: %w", bucket, err)
		}
		var ids []s3types.ObjectIdentifier
		for _, v := range page.Versions {
			ids = append(ids, s3types.ObjectIdentifier{Key: v.Key, VersionId: v.VersionId})
		}
		for _, m := range page.DeleteMarkers {
			ids = append(ids, s3types.ObjectIdentifier{Key: m.Key, VersionId: m.VersionId})
		}
		if len(ids) == 0 {
			continue
		}
		if _, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: &bucket, Delete: &s3types.Delete{Objects: ids, Quiet: aws.Bool(true)}}); err != nil {
			return fmt.Errorf("empty bucket %s: %w", bucket, err)
		}
	}
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: &bucket}); err != nil {
		return fmt.Errorf("delete bucket %s: %w", bucket, err)
	}
	return nil
}

// Resource is one resource of a deployed stack.
type Resource struct{ Logical, Physical, Type, Status string }

func stackResources(ctx context.Context, cfn CFNAPI, name string) ([]Resource, error) {
	var out []Resource
	p := cloudformation.NewListStackResourcesPaginator(cfn, &cloudformation.ListStackResourcesInput{StackName: &name})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list resources of stack %s: %w", name, err)
		}
		for _, r := range page.StackResourceSummaries {
			out = append(out, Resource{aws.ToString(r.LogicalResourceId), aws.ToString(r.PhysicalResourceId), aws.ToString(r.ResourceType), string(r.ResourceStatus)})
		}
	}
	return out, nil
}
