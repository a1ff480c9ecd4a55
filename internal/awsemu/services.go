package awsemu

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/rootguard/rootguard/internal/awsemu/cloudformation"
	"github.com/rootguard/rootguard/internal/awsemu/cloudtrail"
	"github.com/rootguard/rootguard/internal/awsemu/cloudwatch"
	"github.com/rootguard/rootguard/internal/awsemu/events"
	"github.com/rootguard/rootguard/internal/awsemu/internal/directory"
	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
	"github.com/rootguard/rootguard/internal/awsemu/lambda"
	"github.com/rootguard/rootguard/internal/awsemu/logs"
	"github.com/rootguard/rootguard/internal/awsemu/regionopt"
	"github.com/rootguard/rootguard/internal/awsemu/scheduler"
	"github.com/rootguard/rootguard/internal/awsemu/securityhub"
	"github.com/rootguard/rootguard/internal/awsemu/sns"
	"github.com/rootguard/rootguard/internal/awsemu/sqsage"
	"github.com/rootguard/rootguard/internal/awsemu/sqsmove"
)

// The services in packages of their own reach the Server only through
// emu.Host and the interfaces they declare (events.Links, lambda.Links,
// cloudformation.Links, the trail links); each is registered on every
// Server at start-up, and services_seed.go seeds their models.

// host is a Server as the service packages see it.
type host struct{ s *Server }

// Handle registers handler; the front's Call travels in the request's
// context, where links that act as the caller (cfnLinks.CallerConfig) find
// its allow list.
func (h host) Handle(service, action string, handler emu.Handler) {
	h.s.handle(service, action, func(c *Call) error {
		c.Request = c.Request.WithContext(c.context())
		return handler(&c.Call)
	})
}

func (h host) HandleREST(service, pattern string, handler emu.Handler) {
	h.s.handleREST(service, pattern, func(c *Call) error { return handler(&c.Call) })
}

func (h host) Now() time.Time { return h.s.now() }

// eventLinks is a Server as EventBridge reaches beyond itself
// (events.Links): Lambda's background work, kumo's queues and asynchronous
// invocation, and the accounts' organization and roles.
type eventLinks struct{ s *Server }

func (l eventLinks) Go(f func(ctx context.Context)) {
	if svc, err := l.s.services(); err == nil && svc.lambda != nil {
		svc.lambda.Go(f)
	}
}

func (l eventLinks) SendToQueue(ctx context.Context, queue, group string, body []byte) error {
	svc, err := l.s.services()
	if err != nil {
		return err
	}
	return svc.lambda.SendToQueue(ctx, queue, group, body)
}

func (l eventLinks) InvokeAsync(ctx context.Context, s emu.Scope, fn string, payload []byte) {
	if svc, err := l.s.services(); err == nil {
		svc.lambda.InvokeAsync(ctx, s, fn, payload)
	}
}

// OrgID is the ID of the organization account belongs to, or "".
func (l eventLinks) OrgID(account string) string {
	return l.s.dir.OrgID(account)
}

func (l eventLinks) TrustPolicy(account, role string) (string, error) {
	d := l.s.dir
	d.Lock()
	defer d.Unlock()
	a := d.Accounts[account]
	if a == nil {
		return "", fmt.Errorf("account %s does not exist", account)
	}
	r := a.Roles[role]
	if r == nil {
		return "", events.ErrNoRole
	}
	return r.TrustPolicy, nil
}

// lambdaLinks is a Server as Lambda reaches beyond itself (lambda.Links):
// its endpoint, role sessions, CloudWatch Logs and EventBridge.
type lambdaLinks struct{ s *Server }

func (l lambdaLinks) Endpoint() string { return l.s.URL }

func (l lambdaLinks) Credentials(p emu.Principal, ttl time.Duration) aws.Credentials {
	return l.s.Credentials(p, ttl)
}

func (l lambdaLinks) AppendLog(s emu.Scope, group, stream string, at time.Time, lines ...string) {
	if svc, err := l.s.services(); err == nil {
		svc.logs.AppendLog(s, group, stream, at, lines...)
	}
}

func (l lambdaLinks) PutEvent(s emu.Scope, busARN, source, detailType, detail string) error {
	svc, err := l.s.services()
	if err != nil {
		return err
	}
	return svc.events.Put(s, busARN, source, detailType, detail)
}

// trailOrg is the Server's organization as CloudTrail sees it
// (cloudtrail.Org): who may make organization trails, and whom they apply
// to.
type trailOrg struct{ s *Server }

func (o trailOrg) Organization(account string) (id, management string) {
	d := o.s.dir
	d.Lock()
	defer d.Unlock()
	if d.Org == nil || !d.Org.IsMember(account) {
		return "", ""
	}
	return d.Org.ID, d.Org.Management.ID
}

func (o trailOrg) ServiceAccess(servicePrincipal string) bool {
	d := o.s.dir
	d.Lock()
	defer d.Unlock()
	if d.Org == nil {
		return false
	}
	_, ok := d.Org.ServiceAccess[servicePrincipal]
	return ok
}

func (o trailOrg) DelegatedAdmin(account, servicePrincipal string) bool {
	d := o.s.dir
	d.Lock()
	defer d.Unlock()
	return d.Org != nil && d.Org.IsDelegatedAdmin(account, servicePrincipal)
}

// trailBuckets is S3 (kumo's buckets) as CloudTrail sees it.
type trailBuckets struct{ s *Server }

func (b trailBuckets) BucketExists(name string) (bool, error) {
	svc, err := b.s.services()
	if err != nil {
		return false, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = svc.s3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(name)})
	var missing *s3types.NotFound
	switch {
	case errors.As(err, &missing):
		return false, nil
	case err != nil:
		return false, err
	}
	return true, nil
}

// cfnLinks is a Server as CloudFormation reaches beyond itself
// (cloudformation.Links): sessions to provision with, and the organization
// for StackSets.
type cfnLinks struct{ s *Server }

// CallerConfig signs as a session of the call's caller with the caller's
// allow list and identity policy, which the front keeps on its side of the
// call: CloudFormation without a service role "uses a temporary session
// that it generates from your user credentials" (CloudFormation User
// Guide, "CloudFormation service role":
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-iam-servicerole.html),
// so what it provisions is authorized as the caller, iam:PassRole included.
func (l cfnLinks) CallerConfig(c *emu.Call, ttl time.Duration) aws.Config {
	var g directory.Grant
	if fc, ok := c.Request.Context().Value(callContextKey{}).(*Call); ok {
		g = fc.grant
	}
	cfg := l.s.Config(l.s.dir.Session(c.Caller, g, ttl))
	cfg.Region = c.Region
	return cfg
}

func (l cfnLinks) Config(p emu.Principal, region string, ttl time.Duration) aws.Config {
	cfg := l.s.Config(l.s.Credentials(p, ttl))
	cfg.Region = region
	return cfg
}

func (l cfnLinks) Organization(f func(o cloudformation.Org)) {
	d := l.s.dir
	d.Lock()
	defer d.Unlock()
	if d.Org == nil {
		f(nil)
		return
	}
	f(orgView{d.Org})
}

// orgView is the organization as StackSets reads it
// (cloudformation.Org); the Server's lock is held while it is used.
type orgView struct{ o *directory.Organization }

func (v orgView) Root() string                 { return v.o.RootID }
func (v orgView) Management() string           { return v.o.Management.ID }
func (v orgView) IsMember(account string) bool { return v.o.IsMember(account) }
func (v orgView) Members() []string            { return v.o.MemberIDs() }

func (v orgView) AccountParent(account string) (string, bool) {
	p, ok := v.o.Parents[account]
	return p, ok
}

func (v orgView) OUParent(ou string) (string, bool) {
	if u := v.o.Units[ou]; u != nil {
		return u.Parent, true
	}
	return "", false
}

func (v orgView) Active(account string) bool {
	a := v.o.Dir.Accounts[account]
	return a != nil && !a.Suspended
}

func (v orgView) TrustedAccess(principal string) bool {
	_, ok := v.o.ServiceAccess[principal]
	return ok
}

func (v orgView) DelegatedAdmin(account, principal string) bool {
	return v.o.IsDelegatedAdmin(account, principal)
}

// accountMoved applies StackSets' automatic deployment after account moved
// to the root or OU to, or left the organization (""); the directory
// calls it after each move, outside its lock (directory.Directory.Moved).
func (s *Server) accountMoved(account, to string) {
	if svc, err := s.services(); err == nil {
		svc.cfn.AccountMoved(account, to)
	}
}

// services is a Server's models of the services in packages of their own
// that the rest of awsemu reaches: the seeding helpers (AddAlarm, AddTrail,
// AddLogGroup, AddMetricFilter, AddRule), LambdaRuntimeAPI, the links
// between services and EmitServiceEvent.
type services struct {
	alarms *cloudwatch.Alarms
	trails *cloudtrail.Trails
	logs   *logs.Logs
	events *events.Events
	cfn    *cloudformation.CloudFormation
	lambda *lambda.Functions // nil without kumo, when New fails
	s3     *s3.Client        // kumo's buckets; nil without kumo
	// regions is the Account Management API's Region opt-in.
	regions *regionopt.Regions
	// scheduler is EventBridge Scheduler (services_scheduler.go); nil
	// without kumo.
	scheduler *scheduler.Scheduler
}

func (s *Server) registerServices() {
	svc := &services{
		alarms: cloudwatch.Register(host{s}),
		trails: cloudtrail.Register(host{s}, trailOrg{s}, trailBuckets{s}),
		logs:   logs.Register(host{s}),
		events: events.Register(host{s}, eventLinks{s}),

		regions: regionopt.Register(host{s}, trailOrg{s}),
	}
	s.svc = svc
	sns.Register(host{s})
	securityhub.Register(host{s})
	cfnCtx, cfnStop := context.WithCancel(context.Background())
	svc.cfn = cloudformation.Register(cfnCtx, host{s}, cfnLinks{s})
	go func() {
		<-s.Done()
		cfnStop()
	}()

	// Lambda and move tasks run on kumo's functions and queues; without
	// kumo, New fails with the same error.
	kumoURL, err := KumoURL()
	if err != nil {
		return
	}
	kumo := kumoConfig(kumoURL)
	// The emulator's own consumers of kumo's queues note what they receive
	// and delete, for SQS's ApproximateAgeOfOldestMessage metric.
	ages := sqsage.New(s.now)
	consumer := kumo.Copy()
	consumer.APIOptions = append(consumer.APIOptions, ages.Middleware)
	svc.lambda = lambda.Register(host{s}, lambdaLinks{s}, consumer, kumoURL)
	svc.s3 = s3.NewFromConfig(kumo, func(o *s3.Options) { o.UsePathStyle = true })
	ctx, stop := context.WithCancel(context.Background())
	sqsmove.Register(ctx, host{s}, sqs.NewFromConfig(consumer))
	svc.scheduler = scheduler.Register(ctx, host{s}, schedulerLinks{s}, sqs.NewFromConfig(kumo))
	cloudwatch.RegisterMetrics(host{s}, s.sqs.Metrics(sqs.NewFromConfig(kumo), ages, s.now))
	go func() {
		<-s.Done()
		stop()
		svc.scheduler.Wait()
		svc.lambda.Close()
	}()
}

// services returns the Server's service models, or an error once it is
// closed.
func (s *Server) services() (*services, error) {
	select {
	case <-s.closing:
		return nil, fmt.Errorf("awsemu: server is closed")
	default:
		return s.svc, nil
	}
}

// LambdaRuntimeAPI returns the host:port of the Lambda Runtime API for the
// function fn (created in this emulator through the Lambda API). Start a
// handler built with lambda.Start with AWS_LAMBDA_RUNTIME_API set to it, and
// invocations of fn — direct, from EventBridge rules, from SQS event-source
// mappings — reach that handler, and the emulator no longer runs the
// function's own bootstrap. Close ends its long-polls.
func (s *Server) LambdaRuntimeAPI(fn string) (string, error) {
	svc, err := s.services()
	if err != nil {
		return "", err
	}
	return svc.lambda.RuntimeAPI(fn)
}
