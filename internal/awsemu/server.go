package awsemu

import (
	"context"
	"net"
	"net/http"
	"net/http/httputil"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/rootguard/rootguard/internal/awsemu/calllog"
	"github.com/rootguard/rootguard/internal/awsemu/iam"
	"github.com/rootguard/rootguard/internal/awsemu/internal/directory"
	"github.com/rootguard/rootguard/internal/awsemu/organizations"
	"github.com/rootguard/rootguard/internal/awsemu/s3"
	"github.com/rootguard/rootguard/internal/awsemu/sqs"
	"github.com/rootguard/rootguard/internal/awsemu/sts"
)

// Server is one local multi-account AWS: the front on 127.0.0.1 and its
// model of accounts, identities, IAM root-user state and the organization.
type Server struct {
	// URL is the regional endpoint for every service (the SDK's BaseEndpoint).
	URL string
	// GlobalSTSURL behaves as the global STS endpoint sts.amazonaws.com:
	// AssumeRoot is refused there, as on AWS.
	GlobalSTSURL string

	// dir is the accounts, their identities and credentials, and the
	// organization: IAM's, STS's and Organizations' model.
	dir *directory.Directory
	now func() time.Time

	routes map[routeKey]Handler
	rest   map[string]*http.ServeMux
	proxy  *httputil.ReverseProxy
	svc    *services // the models of the service packages (services.go)

	faults  faultInjector
	buckets s3.Buckets
	sqs     *sqs.Front
	calls   calllog.Log
	closing chan struct{}
	once    sync.Once
	servers []*http.Server
}

// Option configures New.
type Option func(*Server)

// WithClock makes the Server read time from now (credential report ages,
// session expiry, last-used dates).
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// New starts a Server on two random 127.0.0.1 ports (regional and global
// STS). Requests the front does not answer go to the process-wide kumo.
func New(opts ...Option) (*Server, error) {
	s := &Server{
		now:     time.Now,
		routes:  map[routeKey]Handler{},
		rest:    map[string]*http.ServeMux{},
		closing: make(chan struct{}),
	}
	s.faults.rng = newFaultRNG(1)
	for _, opt := range opts {
		opt(s)
	}
	s.dir = directory.New(s.now)
	s.dir.Moved = s.accountMoved
	s.register()
	proxy, err := kumoProxy()
	if err != nil {
		return nil, err
	}
	s.proxy = proxy

	regional, err := s.listen(false)
	if err != nil {
		return nil, err
	}
	global, err := s.listen(true)
	if err != nil {
		s.Close()
		return nil, err
	}
	s.URL, s.GlobalSTSURL = regional, global
	return s, nil
}

// register installs the handlers of every service on s: IAM, STS and
// Organizations, which answer from the Server's directory, SQS's front
// (which the front hands every JSON and Query SQS call), and the other
// service packages (registerServices, services.go). A new service adds its
// registration in registerServices.
func (s *Server) register() {
	iam.Register(host{s}, s.dir)
	sts.Register(host{s}, s.dir)
	organizations.Register(host{s}, s.dir)
	s.sqs = sqs.NewFront(sqsLinks{s})
	s.registerServices()
}

// sqsLinks is the Server as the SQS front reaches it (sqs.Links).
type sqsLinks struct{ s *Server }

func (l sqsLinks) Endpoint() string         { return l.s.URL }
func (l sqsLinks) KumoURL() (string, error) { return KumoURL() }

func (s *Server) listen(global bool) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	srv := &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.serveFront(w, r, global) }),
		ReadHeaderTimeout: 10 * time.Second,
	}
	s.servers = append(s.servers, srv)
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), nil
}

// Close stops the front at once: listeners and connections are closed, and
// hanging or long-polling handlers are released. It never waits for them.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.closing)
		for _, srv := range s.servers {
			_ = srv.Close()
		}
	})
}

// Done is closed when Close is called.
func (s *Server) Done() <-chan struct{} { return s.closing }

// Config returns an SDK config for creds against the front: region
// us-east-1, static credentials, BaseEndpoint = URL, so unmodified SDK
// clients reach the emulator.
func (s *Server) Config(creds aws.Credentials) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.StaticCredentialsProvider{Value: creds},
		BaseEndpoint: aws.String(s.URL),
		HTTPClient:   &http.Client{Timeout: 30 * time.Second},
	}
}

// GlobalSTSConfig is Config pointed at the global STS endpoint.
func (s *Server) GlobalSTSConfig(creds aws.Credentials) aws.Config {
	cfg := s.Config(creds)
	cfg.BaseEndpoint = aws.String(s.GlobalSTSURL)
	return cfg
}

// Env returns the environment variables that point the SDK's default chain
// (and the AWS CLI) at the front with creds. The Region is given twice: the
// SDKs read AWS_REGION; the aws CLI's guide documents AWS_DEFAULT_REGION, and
// its older releases read nothing else (aws/aws-cli#735)
// (https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-envvars.html).
func (s *Server) Env(creds aws.Credentials) []string {
	env := []string{
		"AWS_ENDPOINT_URL=" + s.URL,
		"AWS_REGION=us-east-1",
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=" + creds.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + creds.SecretAccessKey,
	}
	if creds.SessionToken != "" {
		env = append(env, "AWS_SESSION_TOKEN="+creds.SessionToken)
	}
	return env
}

// hang blocks until the request is abandoned or the Server closes.
func (s *Server) hang(ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-s.closing:
	}
}
