package roottask

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/rootguard/rootguard/internal/awserr"
	"github.com/rootguard/rootguard/internal/fix"
	"github.com/rootguard/rootguard/internal/rootsession"
)

type iamAPI interface {
	GetLoginProfile(ctx context.Context, in *iam.GetLoginProfileInput, optFns ...func(*iam.Options)) (*iam.GetLoginProfileOutput, error)
	CreateLoginProfile(ctx context.Context, in *iam.CreateLoginProfileInput, optFns ...func(*iam.Options)) (*iam.CreateLoginProfileOutput, error)
}

var _ iamAPI = (*iam.Client)(nil)

type s3API interface {
	GetBucketPolicy(ctx context.Context, in *s3.GetBucketPolicyInput, optFns ...func(*s3.Options)) (*s3.GetBucketPolicyOutput, error)
	DeleteBucketPolicy(ctx context.Context, in *s3.DeleteBucketPolicyInput, optFns ...func(*s3.Options)) (*s3.DeleteBucketPolicyOutput, error)
}

var _ s3API = (*s3.Client)(nil)

type sqsAPI interface {
	GetQueueAttributes(ctx context.Context, in *sqs.GetQueueAttributesInput, optFns ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error)
	SetQueueAttributes(ctx context.Context, in *sqs.SetQueueAttributesInput, optFns ...func(*sqs.Options)) (*sqs.SetQueueAttributesOutput, error)
}

var _ sqsAPI = (*sqs.Client)(nil)

type clients struct {
	iam iamAPI
	s3  s3API
	sqs sqsAPI
}

func newClients(cfg aws.Config) clients {
	return clients{
		iam: iam.NewFromConfig(cfg),
		// A custom endpoint (AWS_ENDPOINT_URL, the local AWS) serves
		// buckets by path; AWS itself by virtual host.
		s3:  s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = cfg.BaseEndpoint != nil }),
		sqs: sqs.NewFromConfig(cfg),
	}
}

// passwordRecovery allows root password recovery in a member whose root
// credentials were removed: in an IAMCreateRootUserPassword session,
// iam:CreateLoginProfile with no user name and no password (the IAM API
// reference: the password "must be omitted when you make the request with
// an AssumeRoot session"). The owner of the root e-mail address can then
// set a password with "Forgot password" (IAM User Guide, "Perform a
// privileged task": Allow password recovery).
type passwordRecovery struct{}

const loginProfile = "login profile"

func (passwordRecovery) policy() rootsession.TaskPolicy { return rootsession.CreateRootUserPassword }

func (passwordRecovery) state(ctx context.Context, c clients) (string, error) {
	_, err := c.iam.GetLoginProfile(ctx, &iam.GetLoginProfileInput{})
	switch {
	case err == nil:
		return "", nil
	case awserr.Code(err) == "NoSuchEntity":
		return "no " + loginProfile, nil
	}
	return "", fmt.Errorf("read the root login profile: %w", err)
}

func (passwordRecovery) step(acct, _ string) fix.Step {
	return fix.Step{Account: acct, Action: "iam:CreateLoginProfile", Target: "root password recovery", Irreversible: true,
		Description: "allow root password recovery in " + acct + ": whoever reads the root user's e-mail can then set a password and sign in as root"}
}

func (passwordRecovery) change(ctx context.Context, c clients) error {
	_, err := c.iam.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{})
	return err
}

func (passwordRecovery) nothing() string {
	return "root already has a login profile: password recovery is already possible"
}

func (passwordRecovery) describe(state string) string {
	if state == "" {
		return "login profile present (password recovery possible)"
	}
	return "no login profile (password recovery impossible)"
}

// bucketPolicy removes a bucket policy in an S3UnlockBucketPolicy session.
type bucketPolicy struct{ bucket string }

func (bucketPolicy) policy() rootsession.TaskPolicy { return rootsession.UnlockBucketPolicy }

func (b bucketPolicy) state(ctx context.Context, c clients) (string, error) {
	out, err := c.s3.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(b.bucket)})
	switch {
	case err == nil:
		return aws.ToString(out.Policy), nil
	case awserr.Code(err) == "NoSuchBucketPolicy":
		return "", nil
	}
	return "", fmt.Errorf("read the policy of bucket %s: %w", b.bucket, err)
}

func (b bucketPolicy) step(acct, current string) fix.Step {
	return fix.Step{Account: acct, Action: "s3:DeleteBucketPolicy", Target: b.bucket, Irreversible: true,
		Description: fmt.Sprintf("delete the policy of bucket %s (%s)", b.bucket, statements(current))}
}

func (b bucketPolicy) change(ctx context.Context, c clients) error {
	_, err := c.s3.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: aws.String(b.bucket)})
	return err
}

func (b bucketPolicy) nothing() string { return "bucket " + b.bucket + " has no bucket policy" }

func (bucketPolicy) describe(state string) string { return policyState(state) }

// queuePolicy removes a queue policy in an SQSUnlockQueuePolicy session:
// SetQueueAttributes with an empty Policy removes it.
type queuePolicy struct{ url, in string }

func (q queuePolicy) region() string { return q.in }

func (queuePolicy) policy() rootsession.TaskPolicy { return rootsession.UnlockQueuePolicy }

func (q queuePolicy) state(ctx context.Context, c clients) (string, error) {
	out, err := c.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(q.url), AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNamePolicy}})
	if err != nil {
		return "", fmt.Errorf("read the policy of queue %s: %w", q.url, err)
	}
	return out.Attributes[string(sqstypes.QueueAttributeNamePolicy)], nil
}

func (q queuePolicy) step(acct, current string) fix.Step {
	return fix.Step{Account: acct, Action: "sqs:SetQueueAttributes", Target: q.url, Irreversible: true,
		Description: fmt.Sprintf("remove the policy of queue %s (%s)", q.url, statements(current))}
}

func (q queuePolicy) change(ctx context.Context, c clients) error {
	_, err := c.sqs.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{
		QueueUrl: aws.String(q.url), Attributes: map[string]string{string(sqstypes.QueueAttributeNamePolicy): ""}})
	return err
}

func (q queuePolicy) nothing() string { return "queue " + q.url + " has no queue policy" }

func (queuePolicy) describe(state string) string { return policyState(state) }

func policyState(doc string) string {
	if doc == "" {
		return "no policy"
	}
	return "policy present (" + statements(doc) + ")"
}

// statements summarises a policy: how many statements, and whether one
// denies every principal — the lock-out the task exists for.
func statements(doc string) string {
	p, err := parsePolicy(doc)
	if err != nil {
		return "not valid JSON: " + err.Error()
	}
	s := fmt.Sprintf("%d statement", len(p))
	if len(p) != 1 {
		s += "s"
	}
	for _, st := range p {
		if strings.EqualFold(st.Effect, "Deny") && st.everyone() {
			return s + ", one denies every principal"
		}
	}
	return s
}
