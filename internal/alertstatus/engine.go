package alertstatus

import (
	"context"
	"time"

	acctapi "github.com/aws/aws-sdk-go-v2/service/account"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/stack"
)

// NewClients builds the status clients of the caller's account: in the
// partition's home Region, where the pipeline lives, and in the
// forwarders' Regions.
func NewClients(caller *account.Session) Clients {
	home := caller.Home()
	return Clients{
		Partition: caller.Partition, Account: caller.AccountID,
		Events: eventbridge.NewFromConfig(home), Trails: cloudtrail.NewFromConfig(home),
		Lambda: lambda.NewFromConfig(home), Logs: cloudwatchlogs.NewFromConfig(home), SQS: sqs.NewFromConfig(home),
		Metrics: cloudwatch.NewFromConfig(home),
		IAM:     iam.NewFromConfig(home), SNS: sns.NewFromConfig(home),
		Stacks:       func(region string) StacksAPI { return cloudformation.NewFromConfig(caller.In(region)) },
		RegionEvents: func(region string) ForwardRuleAPI { return eventbridge.NewFromConfig(caller.In(region)) },
		Regions:      acctapi.NewFromConfig(home),
	}
}

// Engine reads and tests the caller's alert pipeline, and reads the
// organization's coverage: `alert status [--org]` and `alert test`.
type Engine struct {
	caller  *account.Session
	clients Clients
	put     PutAPI
}

// New builds the engine's clients for the caller's account.
func New(caller *account.Session) *Engine {
	return &Engine{caller: caller, clients: NewClients(caller), put: eventbridge.NewFromConfig(caller.Home())}
}

// Coverage reads the organization's coverage gaps with the clients
// NewCoverageClients builds for the caller; see CheckCoverage.
func (e *Engine) Coverage(ctx context.Context, o CoverageOptions) (*Coverage, error) {
	return CheckCoverage(ctx, NewCoverageClients(e.caller), o)
}

// Read reads the pipeline's state; see Read.
func (e *Engine) Read(ctx context.Context, names stack.Names, now time.Time) (Report, error) {
	return Read(ctx, e.clients, names, now)
}

// SendTest puts a test event on the home Region's default bus and follows
// it to the function's answer; see SendTest.
func (e *Engine) SendTest(ctx context.Context, names stack.Names, wait, poll time.Duration, now func() time.Time) (TestResult, error) {
	return SendTest(ctx, e.put, e.clients, names, wait, poll, now)
}
