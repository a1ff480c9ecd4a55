package lambda

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
)

// runtimeEndpoint is one function's Lambda Runtime API on its own
// 127.0.0.1 port, as a real execution environment has it: a handler built
// with awslambda.Start runs unmodified with AWS_LAMBDA_RUNTIME_API=<addr>. It
// forwards to kumo's per-function runtime routes. Every request runs under
// the pipeline's context, so closing the emulator ends the handler's
// long-poll on /next instead of waiting for it.
type runtimeEndpoint struct {
	addr   string
	server *http.Server

	// polled is closed when a handler first asks for the next invocation.
	polled   chan struct{}
	pollOnce sync.Once
}

// runtimeEndpoint returns fn's Runtime API endpoint, starting it on first
// use.
func (p *Functions) runtimeEndpoint(fn string) (*runtimeEndpoint, error) {
	p.mu.Lock()
	defer p.mu.Unlock()

	if rt, ok := p.runtimes[fn]; ok {
		return rt, nil
	}

	if p.ctx.Err() != nil {
		return nil, fmt.Errorf("runtime API for %s: emulator closed", fn)
	}

	target, err := url.Parse(p.kumo)
	if err != nil {
		return nil, fmt.Errorf("runtime API for %s: %w", fn, err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("runtime API for %s: %w", fn, err)
	}

	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.URL.Path = "/_runtime/" + url.PathEscape(fn) + r.In.URL.Path
			r.Out.URL.RawPath = ""
		},
		// A canceled long-poll is the normal way a runtime stops.
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, _ error) {
			w.WriteHeader(http.StatusBadGateway)
		},
	}

	rt := &runtimeEndpoint{addr: ln.Addr().String(), polled: make(chan struct{})}

	mux := http.NewServeMux()
	mux.Handle("/2018-06-01/runtime/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/invocation/next") {
			rt.pollOnce.Do(func() { close(rt.polled) })
		}
		proxy.ServeHTTP(w, r)
	}))

	rt.server = &http.Server{
		Handler:     mux,
		BaseContext: func(net.Listener) context.Context { return p.ctx },
	}
	p.runtimes[fn] = rt

	p.wg.Go(func() { _ = rt.server.Serve(ln) })

	return rt, nil
}

// close drops the listener and every connection, including long-polls.
func (rt *runtimeEndpoint) close() {
	_ = rt.server.Close()
}
