package awsemu

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"time"

	"github.com/rootguard/rootguard/internal/awsemu/calllog"
	"github.com/rootguard/rootguard/internal/awsemu/wire"
)

// Call is one API request as the front understood it.
type Call struct {
	Service string // SigV4 signing name: "iam", "sts", "organizations", "sqs", …
	Action  string // Query Action, JSON X-Amz-Target operation, or REST pattern
	Region  string // the region the request was signed for
	// Caller is who signed the request; zero for unsigned raw-path requests.
	Caller Principal
	// Params are the Query protocol parameters (nil for JSON and REST).
	Params url.Values
	// Body is the raw request body (JSON protocols, REST).
	Body      []byte
	Request   *http.Request
	RequestID string
	Time      time.Time
	// GlobalEndpoint is true when the request reached the global STS
	// endpoint (Server.GlobalSTSURL) rather than a regional one.
	GlobalEndpoint bool

	accessKeyID string
	allow       []string // the caller's allow list; nil allows everything
	protocol    wire.Protocol
	w           http.ResponseWriter
	server      *Server
	record      *CallRecord
	written     bool
}

type callContextKey struct{}

func (s *Server) newCall(w http.ResponseWriter, r *http.Request, req wire.Request, body []byte, global bool) *Call {
	now := s.now()
	c := &Call{
		Service:        req.Service,
		Action:         req.Action,
		Region:         req.Region,
		Params:         req.Params,
		Body:           body,
		Request:        r,
		RequestID:      newRequestID(),
		Time:           now,
		GlobalEndpoint: global,
		accessKeyID:    req.AccessKeyID,
		protocol:       req.Protocol,
		w:              w,
		server:         s,
	}
	c.record = &CallRecord{
		Time:    now,
		Service: req.Service,
		Action:  req.Action,
		Region:  req.Region,
		Params:  calllog.KeyParams(req.Params, body, req.Protocol),
		Status:  http.StatusOK,
	}
	return c
}

func (c *Call) context() context.Context {
	return context.WithValue(c.Request.Context(), callContextKey{}, c)
}

// Param is a Query protocol parameter.
func (c *Call) Param(name string) string { return c.Params.Get(name) }

// DecodeJSON unmarshals the JSON request body into v.
func (c *Call) DecodeJSON(v any) error {
	if len(c.Body) == 0 {
		return nil
	}
	if err := json.Unmarshal(c.Body, v); err != nil {
		return newAPIError(http.StatusBadRequest, "SerializationException", "%v", err)
	}
	return nil
}

// Result answers the call: for Query requests v is encoded as the XML
// <ActionResult> (nil: no result element); for RPC v2 CBOR as a CBOR map;
// otherwise as a JSON body.
func (c *Call) Result(v any) error {
	c.written = true
	switch c.protocol {
	case wire.Query:
		return wire.WriteQueryResult(c.w, c.Service, c.Action, c.RequestID, v)
	case wire.CBOR:
		return wire.WriteCBOR(c.w, http.StatusOK, c.RequestID, v)
	}
	if v == nil {
		v = struct{}{}
	}
	return wire.WriteJSON(c.w, http.StatusOK, c.RequestID, v)
}

// Note adds a key parameter to the call's log record.
func (c *Call) Note(key, value string) { c.record.Params[key] = value }

// Done is closed when the client goes away or the Server closes; long polls
// and injected hangs wait on it so Close never blocks.
func (c *Call) Done() <-chan struct{} {
	ctx, cancel := context.WithCancel(c.Request.Context())
	go func() {
		select {
		case <-c.server.closing:
		case <-ctx.Done():
		}
		cancel()
	}()
	return ctx.Done()
}

// CallRecord is one call in the call log.
type CallRecord = calllog.Record

// Calls returns a copy of the call log, oldest first.
func (s *Server) Calls() []CallRecord { return s.calls.Records() }

// CallsTo returns the logged calls of one service action.
func (s *Server) CallsTo(service, action string) []CallRecord { return s.calls.To(service, action) }

// ResetCalls empties the call log.
func (s *Server) ResetCalls() { s.calls.Reset() }
