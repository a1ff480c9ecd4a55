package awsemu

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"

	"github.com/rootguard/rootguard/internal/awsemu/calllog"
	"github.com/rootguard/rootguard/internal/awsemu/internal/directory"
	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
	"github.com/rootguard/rootguard/internal/awsemu/wire"
)

// Call is one API request as the front understood it: the emu.Call a
// service answers, and the front's side of it (the writer, the call log
// record, the caller's allow list).
type Call struct {
	emu.Call

	accessKeyID string
	grant       directory.Grant // what the caller may do; the zero Grant allows everything
	w           http.ResponseWriter
	server      *Server
	record      *CallRecord
	written     bool
}

type callContextKey struct{}

func (s *Server) newCall(w http.ResponseWriter, r *http.Request, req wire.Request, body []byte, global bool) *Call {
	now := s.now()
	c := &Call{
		Call: emu.Call{
			Service:        req.Service,
			Action:         req.Action,
			Region:         req.Region,
			Params:         req.Params,
			Body:           body,
			Request:        r,
			RequestID:      newRequestID(),
			Time:           now,
			Protocol:       req.Protocol,
			GlobalEndpoint: global,
		},
		accessKeyID: req.AccessKeyID,
		w:           w,
		server:      s,
	}
	c.Reply = replier{c}
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

// Result answers the call: for Query requests v is encoded as the XML
// <ActionResult> (nil: no result element); for RPC v2 CBOR as a CBOR map;
// otherwise as a JSON body.
func (c *Call) Result(v any) error {
	c.written = true
	switch c.Protocol {
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

// replier is a Call as the service packages answer it (emu.Replier): the
// Call's own Result, Note and Done, and the REST answers below.
type replier struct{ *Call }

// ResultStatus answers a REST-JSON call with status and v as the body (nil:
// no body).
func (c replier) ResultStatus(status int, v any) error {
	c.written = true
	c.record.Status = status
	if v == nil {
		c.w.WriteHeader(status)
		return nil
	}
	return wire.WriteJSON(c.w, status, c.RequestID, v)
}

// Respond answers with a raw response.
func (c replier) Respond(status int, header http.Header, body []byte) error {
	c.written = true
	c.record.Status = status
	for k, v := range header {
		c.w.Header()[k] = v
	}
	c.w.WriteHeader(status)
	_, err := c.w.Write(body)
	return err
}

// RoundTrip sends the call to kumo with body and returns kumo's answer,
// noting its status and error code in the call log.
func (c replier) RoundTrip(body []byte) (int, http.Header, []byte) {
	r := c.Request
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	r.Header.Set("Content-Length", strconv.Itoa(len(body)))
	rec := httptest.NewRecorder()
	c.server.proxy.ServeHTTP(rec, r)
	c.record.Status = rec.Code
	if rec.Code >= 400 {
		c.record.ErrorCode = rec.Header().Get("X-Amzn-Errortype")
		if c.record.ErrorCode == "" {
			c.record.ErrorCode = http.StatusText(rec.Code)
		}
	}
	return rec.Code, rec.Header(), rec.Body.Bytes()
}

// Forward hands the call to kumo and returns kumo's status.
func (c replier) Forward() int {
	c.written = true
	c.server.forwardToKumo(c.Call)
	return c.record.Status
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

func newRequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
