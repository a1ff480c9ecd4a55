// Package emutest drives a service package's handlers without awsemu's
// Server: a Host that records what Register installs and a Reply that keeps
// what a handler answered.
package emutest

import (
	"net/http"
	"time"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

// Now is Host's clock: a fixed instant.
var Now = time.UnixMilli(1_700_000_000_000)

// Host records the handlers registered on it by "service:action" (REST:
// "service:pattern").
type Host map[string]emu.Handler

var _ emu.Host = Host(nil)

func (h Host) Handle(service, action string, handler emu.Handler) { h[service+":"+action] = handler }

func (h Host) HandleREST(service, pattern string, handler emu.Handler) {
	h[service+":"+pattern] = handler
}

func (Host) Now() time.Time { return Now }

// Reply keeps what a handler answered.
type Reply struct {
	Value  any
	Status int // ResultStatus's and Respond's
	Body   []byte
}

var _ emu.Replier = (*Reply)(nil)

func (r *Reply) Result(v any) error    { r.Value = v; return nil }
func (r *Reply) Note(string, string)   {}
func (r *Reply) Done() <-chan struct{} { return nil }

func (r *Reply) ResultStatus(status int, v any) error {
	r.Status, r.Value = status, v
	return nil
}

func (r *Reply) Respond(status int, _ http.Header, body []byte) error {
	r.Status, r.Body = status, body
	return nil
}

// Forward answers as kumo would for an action it does not know.
func (r *Reply) Forward() int {
	r.Status = http.StatusNotFound
	return r.Status
}

// RoundTrip answers as kumo would for an action it does not know.
func (r *Reply) RoundTrip([]byte) (int, http.Header, []byte) {
	return http.StatusNotFound, http.Header{}, nil
}
