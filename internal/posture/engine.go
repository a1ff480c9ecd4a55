package posture

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/awserr"
	"github.com/rootguard/rootguard/internal/drift"
	"github.com/rootguard/rootguard/internal/runstore"
	"github.com/rootguard/rootguard/internal/stack"
)

type queueURLAPI interface {
	GetQueueUrl(ctx context.Context, in *sqs.GetQueueUrlInput, optFns ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error)
}

var _ queueURLAPI = (*sqs.Client)(nil)

// Engine runs the auditor from a terminal (`rootguard posture run`) and
// reads its state (`posture status`), in the caller's hub: the bucket and
// alert queue of the pipeline named by a prefix, in the home Region.
// Invoking the deployed auditor (`posture test`) is postureops.Engine's:
// the function links this package and must not link the Lambda client.
type Engine struct {
	caller *account.Session
	s3     *s3.Client
	sqs    *sqs.Client
}

// New returns the engine for the caller's account.
func New(caller *account.Session) *Engine {
	home := caller.Home()
	return &Engine{caller: caller, s3: s3.NewFromConfig(home), sqs: sqs.NewFromConfig(home)}
}

// Bucket is the pipeline's bucket, where runs are kept.
func (e *Engine) Bucket(names stack.Names) string {
	return names.ArtifactBucket(e.caller.AccountID, e.caller.Home().Region)
}

// Run runs the auditor once, as the scheduled function does, with the
// pipeline's bucket and queue filled in.
func (e *Engine) Run(ctx context.Context, names stack.Names, opts Options) (*Result, error) {
	out, err := e.sqs.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: ptr(names.Queue())})
	if err != nil {
		return nil, fmt.Errorf("find the alert queue %s (deploy the pipeline with `rootguard alert deploy`): %w", names.Queue(), awserr.Classify(err))
	}
	opts.Bucket, opts.QueueURL = e.Bucket(names), *out.QueueUrl
	if opts.ImportRoleName == "" {
		opts.ImportRoleName = names.PostureImportRole()
	}
	return run(ctx, e.caller.Home(), e.s3, e.sqs, opts)
}

// Latest is the last published run, nil when none was.
func (e *Engine) Latest(ctx context.Context, names stack.Names, prefix string) (*drift.Run, error) {
	store := &runstore.Store{S3: e.s3, Bucket: e.Bucket(names), Prefix: prefix}
	return store.Latest(ctx)
}

func ptr(s string) *string { return &s }
