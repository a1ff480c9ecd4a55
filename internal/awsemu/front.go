package awsemu

// The front is the HTTP server every SDK client talks to. For each request it
//
//  1. parses the SigV4 credential scope and the action (wire.ParseRequest) and
//     resolves the access key to a Principal (unknown → InvalidClientTokenId);
//  2. records the call in the call log and applies injected faults;
//  3. enforces AssumeRoot task policies and per-principal allow lists, and
//     iam:PassRole on the roles a call passes (passrole.go);
//  4. answers from a registered Handler, or reverse-proxies to kumo.
//
// (The Lambda Runtime API, unsigned, is not served here: each function has
// its own on a port of its own, package lambda's runtime.go.)
//
// Extension point: every service is a package that registers its handlers
// through emu.Host (services.go's host), from Server.register (server.go)
// or registerServices (services.go):
//
//	host.Handle("sts", "AssumeRole", h) // Query, JSON or CBOR action
//	host.HandleREST("lambda", "GET /2015-03-31/functions/{fn}", h) // REST; c.Request.PathValue("fn")
//
// A handler gets an *emu.Call carrying the caller's Principal, the parsed
// parameters and helpers to answer (Call.Result, Call.DecodeJSON) and returns
// nil or an error (an *emu.Error keeps its code and status; anything else is
// InternalFailure). Handlers run concurrently: each guards its own state.

import (
	"bytes"
	"errors"
	"io"
	"net/http"

	"github.com/rootguard/rootguard/internal/awsemu/s3"
	"github.com/rootguard/rootguard/internal/awsemu/wire"
)

// Handler answers one API call.
type Handler func(*Call) error

type routeKey struct{ service, action string }

// handle answers action of service (the SigV4 signing name, e.g. "iam",
// "sts", "organizations", "events") for Query and JSON protocol requests.
func (s *Server) handle(service, action string, h Handler) {
	s.routes[routeKey{service, action}] = h
}

// handleREST answers REST requests of service that match pattern, a
// net/http.ServeMux pattern ("METHOD /path/{name}"); the pattern is the
// call's Action in the call log and in fault rules, and path values are read
// with c.Request.PathValue.
func (s *Server) handleREST(service, pattern string, h Handler) {
	mux := s.rest[service]
	if mux == nil {
		mux = http.NewServeMux()
		s.rest[service] = mux
	}
	mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := r.Context().Value(callContextKey{}).(*Call)
		c.Request = r
		c.finish(h(c))
	}))
}

// ownedServices are answered only by the front: an action it does not model
// is InvalidAction rather than a trip to kumo's single-account model.
var ownedServices = map[string]bool{"iam": true, "sts": true, "organizations": true, "sns": true, "securityhub": true}

func (s *Server) serveFront(w http.ResponseWriter, r *http.Request, global bool) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))

	req := wire.ParseRequest(r, body)
	c := s.newCall(w, r, req, body, global)
	defer s.calls.Add(c.record)

	restMux, pattern := s.restRoute(req, r)
	if req.Protocol == wire.REST {
		op := wire.RESTOperation(req.Service, r)
		if req.Service == "s3" {
			op = s3.Operation(r)
		}
		if op != "" {
			pattern = op
		}
	}
	if pattern != "" {
		c.Action = pattern
		c.record.Action = pattern
	}
	if err := s.admit(c); err != nil {
		c.finish(err)
		return
	}
	switch {
	case restMux != nil:
		// Through the mux, which fills in the pattern's path values.
		restMux.ServeHTTP(w, r.WithContext(c.context()))
	case s.routes[routeKey{c.Service, c.Action}] != nil:
		c.finish(s.routes[routeKey{c.Service, c.Action}](c))
	case ownedServices[c.Service]:
		c.finish(errUnknownAction(c.Protocol, c.Action))
	case c.Service == "sqs" && (c.Protocol == wire.JSON || c.Protocol == wire.Query):
		c.finish(s.sqs.Serve(&c.Call))
	default:
		s.forwardToKumo(c)
		s.buckets.Observe(&c.Call, c.record.Status)
	}
}

// restRoute finds the mux and pattern of the REST handler registered for
// the request, if any.
func (s *Server) restRoute(req wire.Request, r *http.Request) (*http.ServeMux, string) {
	if req.Protocol != wire.REST {
		return nil, ""
	}
	mux := s.rest[req.Service]
	if mux == nil {
		return nil, ""
	}
	if _, pattern := mux.Handler(r); pattern != "" {
		return mux, pattern
	}
	return nil, ""
}

// admit authenticates the caller, applies faults and authorizes the action.
func (s *Server) admit(c *Call) error {
	if err := s.authenticate(c); err != nil {
		return err
	}
	if err := s.faults.apply(c); err != nil {
		return err
	}
	return s.authorize(c)
}

// finish writes err in the protocol's shape (nil means the handler answered)
// and notes the outcome in the call log.
func (c *Call) finish(err error) {
	if err == nil {
		return
	}
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		apiErr = newAPIError(http.StatusInternalServerError, "InternalFailure", "%v", err)
	}
	c.record.ErrorCode = apiErr.Code
	c.record.Status = apiErr.Status
	if c.written {
		return
	}
	c.written = true
	if c.Service == "s3" {
		wire.WriteS3Error(c.w, c.RequestID, apiErr)
		return
	}
	wire.WriteError(c.w, c.Protocol, c.RequestID, apiErr)
}
