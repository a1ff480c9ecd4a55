package redrive

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/stack"
)

// Engine redrives the pipeline's dead-letter queue in the caller's account,
// in the partition's home Region where the pipeline lives.
type Engine struct{ sqs SQSAPI }

// New builds the engine's SQS client for the caller's home Region.
func New(caller *account.Session) *Engine { return &Engine{sqs: sqs.NewFromConfig(caller.Home())} }

// Read plans the redrive of the pipeline named by names; see Read.
func (e *Engine) Read(ctx context.Context, names stack.Names) (Plan, error) {
	return Read(ctx, e.sqs, names)
}

// Run starts the planned move and follows it; see Run.
func (e *Engine) Run(ctx context.Context, p Plan, poll time.Duration, progress func(Task)) (Task, error) {
	return Run(ctx, e.sqs, p, poll, progress)
}
