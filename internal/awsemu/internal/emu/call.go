package emu

import (
	"fmt"
	"net/http"
	"net/url"
	"time"

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
	Protocol  wire.Protocol
	// GlobalEndpoint is true when the request reached the global STS
	// endpoint rather than a regional one.
	GlobalEndpoint bool

	// Reply writes the answer; the front sets it.
	Reply Replier
}

// Replier is the front's side of a call: writing the answer in the
// request's protocol, the call log and the request's lifetime.
type Replier interface {
	// Result answers the call: for Query requests v is encoded as the XML
	// <ActionResult> (nil: no result element); for RPC v2 CBOR as a CBOR
	// map; otherwise as a JSON body.
	Result(v any) error
	// Note adds a key parameter to the call's log record.
	Note(key, value string)
	// Done is closed when the client goes away or the emulator closes; long
	// polls and injected hangs wait on it so closing never blocks.
	Done() <-chan struct{}
	// ResultStatus answers a REST-JSON call with status and v as the JSON
	// body (nil: no body).
	ResultStatus(status int, v any) error
	// Respond answers with a raw response, as a proxied one.
	Respond(status int, header http.Header, body []byte) error
	// Forward hands the call to kumo, as the front does with an action no
	// service answers, and returns kumo's status; kumo's answer is the
	// call's.
	Forward() int
	// RoundTrip sends the call to kumo with body instead of its own and
	// returns kumo's answer without answering the call; kumo's status and
	// error code are the call's in the call log.
	RoundTrip(body []byte) (status int, header http.Header, out []byte)
}

// Handler answers one API call.
type Handler func(*Call) error

// Result answers the call (see Replier).
func (c *Call) Result(v any) error { return c.Reply.Result(v) }

// Note adds a key parameter to the call's log record.
func (c *Call) Note(key, value string) { c.Reply.Note(key, value) }

// Done is closed when the client goes away or the emulator closes.
func (c *Call) Done() <-chan struct{} { return c.Reply.Done() }

// ResultStatus answers a REST-JSON call (see Replier).
func (c *Call) ResultStatus(status int, v any) error { return c.Reply.ResultStatus(status, v) }

// Respond answers with a raw response (see Replier).
func (c *Call) Respond(status int, header http.Header, body []byte) error {
	return c.Reply.Respond(status, header, body)
}

// Forward hands the call to kumo and returns its status (see Replier).
func (c *Call) Forward() int { return c.Reply.Forward() }

// RoundTrip sends the call to kumo with body and returns kumo's answer
// (see Replier).
func (c *Call) RoundTrip(body []byte) (int, http.Header, []byte) { return c.Reply.RoundTrip(body) }

// Scope is the caller's account in the region the request was signed for:
// where the resources it names live.
func (c *Call) Scope() Scope { return Scope{Account: c.Caller.Account, Region: c.Region} }

// Param is a Query protocol parameter.
func (c *Call) Param(name string) string { return c.Params.Get(name) }

// List reads a Query list of strings: Prefix.member.1, .2, … up to the
// first missing index.
func (c *Call) List(prefix string) []string {
	var out []string
	for i := 1; ; i++ {
		v, ok := c.Params[fmt.Sprintf("%s.member.%d", prefix, i)]
		if !ok {
			return out
		}
		out = append(out, v[0])
	}
}

// Members reads a Query list of structures: Prefix.member.N.Field.
func (c *Call) Members(prefix string, fields ...string) []map[string]string {
	var out []map[string]string
	for i := 1; ; i++ {
		m := map[string]string{}
		for _, f := range fields {
			if v, ok := c.Params[fmt.Sprintf("%s.member.%d.%s", prefix, i, f)]; ok {
				m[f] = v[0]
			}
		}
		if len(m) == 0 {
			return out
		}
		out = append(out, m)
	}
}

// DecodeJSON unmarshals the JSON request body into v.
func (c *Call) DecodeJSON(v any) error { return DecodeJSON(c.Body, v) }

// Scope is one account in one region.
type Scope struct {
	Account string
	Region  string
}
