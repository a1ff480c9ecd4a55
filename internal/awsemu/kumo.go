package awsemu

import (
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/sivchari/kumo"
)

// kumo registers its services at init() and keeps their state in package
// globals, so two kumo servers in one process would share state anyway. The
// front therefore starts one kumo per process, lazily, and every Server
// forwards to it; it lives until the process exits. Resources created
// through kumo (queues, functions, buckets) are visible to every Server and
// every account in the process: tests give them unique names.
var (
	kumoOnce sync.Once
	kumoURL  *url.URL
	kumoErr  error
)

func sharedKumo() (*url.URL, error) {
	kumoOnce.Do(func() {
		srv := kumo.NewServer()
		kumoURL, kumoErr = url.Parse(srv.URL)
	})
	return kumoURL, kumoErr
}

// KumoURL is the base URL of the process-wide kumo the front forwards to.
func KumoURL() (string, error) {
	u, err := sharedKumo()
	if err != nil {
		return "", err
	}
	return u.String(), nil
}

func kumoProxy() (*httputil.ReverseProxy, error) {
	target, err := sharedKumo()
	if err != nil {
		return nil, err
	}
	return &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Host = target.Host
		},
	}, nil
}

// forwardToKumo proxies the call and notes kumo's answer in the call log.
func (s *Server) forwardToKumo(c *Call) {
	rec := &statusRecorder{ResponseWriter: c.w, status: http.StatusOK}
	s.proxy.ServeHTTP(rec, c.Request)
	c.record.Status = rec.status
	if rec.status >= 400 {
		c.record.ErrorCode = rec.Header().Get("X-Amzn-Errortype")
		if c.record.ErrorCode == "" {
			c.record.ErrorCode = http.StatusText(rec.status)
		}
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

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
