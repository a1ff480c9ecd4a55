// Package lambda is the local AWS's Lambda: the control plane kumo lacks —
// event-source mappings (SQS → function, with their pollers) and
// event-invoke configs (retries, maximum event age, destinations), per
// account and region, so a 1,000-account organization sees 1,000
// independent sets of resources with ARNs in each caller's account — and
// the executor that runs functions of the OS-only runtimes on this host
// against a Runtime API of their own. kumo, single-account and
// process-global, keeps the functions themselves, invocations and
// permissions: this package forwards those calls to it (emu.Call.Forward)
// and reaches its queues and functions over kumo's HTTP API.
//
// Everything Functions starts (deliveries, retries, pollers, processes,
// Runtime API long-polls) stops on Close, which waits for it and never
// blocks on a client. The functions' extracted code is the process's,
// shared by every Functions, and outlives Close by bootstrapLinger
// (bootstraps.go).
package lambda

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/google/uuid"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

// Links is what Lambda reaches outside itself; awsemu's Server implements
// it.
type Links interface {
	// Endpoint is the front's URL, which functions' processes call.
	Endpoint() string
	// Credentials issues a session for p (a function's execution role)
	// that lasts ttl.
	Credentials(p emu.Principal, ttl time.Duration) aws.Credentials
	// AppendLog writes lines to a log stream of s (CloudWatch Logs), as a
	// function's output.
	AppendLog(s emu.Scope, group, stream string, at time.Time, lines ...string)
	// PutEvent puts a destination event on the bus busARN of s
	// (EventBridge).
	PutEvent(s emu.Scope, busARN, source, detailType, detail string) error
}

// Functions is one emulator's Lambda.
type Functions struct {
	links  Links
	sqs    *sqs.Client
	lambda *awslambda.Client
	kumo   string
	exec   *executor // runs functions' bootstraps

	ctx  context.Context
	stop context.CancelFunc
	wg   sync.WaitGroup

	mu       sync.Mutex
	regions  map[emu.Scope]*regionState
	runtimes map[string]*runtimeEndpoint
}

// regionState is everything Functions models for one account and region.
type regionState struct {
	mappings      map[string]*eventSourceMapping // by UUID
	invokeConfigs map[string]*eventInvokeConfig  // by function name
}

// Register answers Lambda's API on h. kumo is the SDK configuration of
// calls to kumo (at kumoURL), which keeps the functions and the queues.
func Register(h emu.Host, links Links, kumo aws.Config, kumoURL string) *Functions {
	ctx, stop := context.WithCancel(context.Background())
	p := &Functions{
		links:    links,
		sqs:      sqs.NewFromConfig(kumo),
		lambda:   awslambda.NewFromConfig(kumo),
		kumo:     kumoURL,
		ctx:      ctx,
		stop:     stop,
		regions:  make(map[emu.Scope]*regionState),
		runtimes: make(map[string]*runtimeEndpoint),
	}
	p.exec = newExecutor(p, kumo)

	for pattern, h2 := range map[string]emu.Handler{
		"POST /2015-03-31/functions":                   p.exec.createFunction,
		"PUT /2015-03-31/functions/{fn}/code":          p.exec.updateFunctionCode,
		"PUT /2015-03-31/functions/{fn}/configuration": p.exec.restartAfter,
		"DELETE /2015-03-31/functions/{fn}":            p.exec.deleteFunction,
		"POST /2015-03-31/functions/{fn}/invocations":  p.exec.invokeDirect,
	} {
		h.HandleREST("lambda", pattern, h2)
	}
	for pattern, a := range p.routes() {
		h.HandleREST("lambda", pattern, restHandler(a))
	}
	return p
}

// RuntimeAPI returns the host:port of the Lambda Runtime API of function
// fn and leaves fn to the caller's handler: the executor no longer runs
// its bootstrap (awsemu.Server.LambdaRuntimeAPI).
func (p *Functions) RuntimeAPI(fn string) (string, error) {
	p.exec.handOver(fn)
	rt, err := p.runtimeEndpoint(fn)
	if err != nil {
		return "", err
	}
	return rt.addr, nil
}

// Go runs f in the background until Close, which cancels ctx and waits
// for f.
func (p *Functions) Go(f func(ctx context.Context)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ctx.Err() != nil { // closed: Close may be waiting already
		return
	}
	p.wg.Go(func() { f(p.ctx) })
}

// SendToQueue sends body to the kumo queue named queue, in message group
// group if it is not empty.
func (p *Functions) SendToQueue(ctx context.Context, queue, group string, body []byte) error {
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

// InvokeAsync invokes function fn of s as Lambda does for an event
// (invokeAsync), in the background.
func (p *Functions) InvokeAsync(ctx context.Context, s emu.Scope, fn string, payload []byte) {
	_ = p.invokeAsync(ctx, s, fn, payload)
}

// ErrNoFunction is InvokeEvent's answer for a function that does not
// exist.
var ErrNoFunction = errors.New("function not found")

// InvokeEvent invokes function fn of s as Lambda does for an event and
// waits until the delivery ends: nil once the function ran without error,
// ErrNoFunction, or an error naming the function's failure after Lambda's
// retries (EventBridge Scheduler's invocations).
func (p *Functions) InvokeEvent(ctx context.Context, s emu.Scope, fn string, payload []byte) error {
	return p.invokeAsync(ctx, s, fn, payload)
}

// Close cancels every delivery, poller, process and long-poll and waits
// for them.
func (p *Functions) Close() {
	p.mu.Lock()
	p.stop()
	for _, rt := range p.runtimes {
		rt.close()
	}
	p.mu.Unlock()

	p.wg.Wait()
	p.exec.close()
}

// region returns the state for k, creating it on first use. Callers hold p.mu.
func (p *Functions) region(k emu.Scope) *regionState {
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

// arnFunction returns the function name of a Lambda function ARN, without
// its qualifier.
func arnFunction(a emu.ARN) string {
	name := strings.TrimPrefix(a.Resource, "function:")
	if i := strings.IndexByte(name, ':'); i >= 0 {
		name = name[:i]
	}

	return name
}

func functionArn(k emu.Scope, fn string) string {
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", k.Region, k.Account, fn)
}

// functionName accepts a name, a partial or a full function ARN.
func functionName(nameOrArn string) string {
	if strings.HasPrefix(nameOrArn, "arn:") {
		return arnFunction(emu.ParseARN(nameOrArn))
	}

	name, _, _ := strings.Cut(nameOrArn, ":")

	return name
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

func errNotFound(format string, args ...any) error {
	return emu.NewError(http.StatusNotFound, "ResourceNotFoundException", format, args...)
}
