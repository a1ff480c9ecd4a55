package awsemu

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/google/uuid"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

// pipeline answers the alert pipeline's Lambda control plane (event source
// mappings and event-invoke configs) from per-account, per-region
// models, so a 1,000-account organization sees 1,000 independent sets of
// resources with ARNs in each caller's account. kumo is single-account and
// process-global, so it only serves the data plane: the queues and
// functions events are delivered to, reached by name over kumo's HTTP API.
// Everything pipeline starts (deliveries, retries, pollers, Runtime API
// long-polls) stops on close, which therefore never blocks.
type pipeline struct {
	sqs    *sqs.Client
	lambda *lambda.Client
	kumo   string
	exec   *executor // runs functions' bootstraps; set by the route setup

	ctx  context.Context
	stop context.CancelFunc
	wg   sync.WaitGroup

	mu       sync.Mutex
	regions  map[regionKey]*regionState
	runtimes map[string]*runtimeEndpoint
}

// regionKey addresses one account's resources in one region.
type regionKey struct {
	account string
	region  string
}

// regionState is everything pipeline models for one account and region.
type regionState struct {
	mappings      map[string]*eventSourceMapping // by UUID
	invokeConfigs map[string]*eventInvokeConfig  // by function name
}

// caller is who sent a request: the account its credentials belong to and
// the region it signed for.
type caller struct {
	account string
	region  string
}

func (c caller) key() regionKey { return regionKey(c) }

// kumoConfig is the SDK configuration of the emulator's own calls to kumo.
func kumoConfig(kumoURL string) aws.Config {
	return aws.Config{
		Region: "us-east-1",
		// kumo routes by the SigV4 signing name, so requests must be signed.
		Credentials:  credentials.NewStaticCredentialsProvider("awsemu", "awsemu", ""),
		BaseEndpoint: aws.String(kumoURL),
		// Delivery code retries on its own schedule; the SDK must not
		// multiply it.
		RetryMaxAttempts: 1,
	}
}

func newPipeline(kumoURL string) *pipeline {
	ctx, stop := context.WithCancel(context.Background())
	cfg := kumoConfig(kumoURL)

	return &pipeline{
		sqs:      sqs.NewFromConfig(cfg),
		lambda:   lambda.NewFromConfig(cfg),
		kumo:     kumoURL,
		ctx:      ctx,
		stop:     stop,
		regions:  make(map[regionKey]*regionState),
		runtimes: make(map[string]*runtimeEndpoint),
	}
}

// sendToQueue sends a message to the kumo queue with the given name.
func (p *pipeline) sendToQueue(ctx context.Context, queue, group string, body []byte) error {
	url, err := p.sqs.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(queue)})
	if err != nil {
		return fmt.Errorf("resolve queue %s: %w", queue, err)
	}

	in := &sqs.SendMessageInput{QueueUrl: url.QueueUrl, MessageBody: aws.String(string(body))}
	if group != "" {
		in.MessageGroupId = aws.String(group)
		in.MessageDeduplicationId = aws.String(uuid.NewString())
	}

	if _, err := p.sqs.SendMessage(ctx, in); err != nil {
		return fmt.Errorf("send to queue %s: %w", queue, err)
	}

	return nil
}

// close cancels every delivery, poller and long-poll and waits for them.
func (p *pipeline) close() {
	p.stop()

	p.mu.Lock()
	for _, rt := range p.runtimes {
		rt.close()
	}
	p.mu.Unlock()

	p.wg.Wait()
}

// region returns the state for k, creating it on first use. Callers hold p.mu.
func (p *pipeline) region(k regionKey) *regionState {
	st, ok := p.regions[k]
	if !ok {
		st = &regionState{
			mappings:      make(map[string]*eventSourceMapping),
			invokeConfigs: make(map[string]*eventInvokeConfig),
		}
		p.regions[k] = st
	}

	return st
}

// goDeliver runs f in the background until pipeline closes.
func (p *pipeline) goDeliver(f func(ctx context.Context)) {
	p.wg.Go(func() { f(p.ctx) })
}

func errValidation(format string, args ...any) error {
	return newAPIError(http.StatusBadRequest, "ValidationException", format, args...)
}

// errCode is a client error (400) with the given AWS error code.
func errCode(code, format string, args ...any) error {
	return emu.BadRequest(code, format, args...)
}

// jsonAction is one operation of a JSON-protocol service.
type jsonAction func(c caller, body []byte) (any, error)

func callerOf(c *Call) caller {
	return caller{account: c.Caller.Account, region: c.Region}
}

// jsonHandler adapts an action to the front's Handler.
func jsonHandler(action jsonAction) Handler {
	return func(c *Call) error {
		out, err := action(callerOf(c), c.Body)
		if err != nil {
			return err
		}

		return c.Result(out)
	}
}

// decodeInput unmarshals a request body, answering SerializationException
// for malformed JSON as AWS does.
func decodeInput(body []byte, v any) error {
	if len(body) == 0 {
		return nil
	}

	if err := json.Unmarshal(body, v); err != nil {
		return newAPIError(http.StatusBadRequest, "SerializationException", "%v", err)
	}

	return nil
}
