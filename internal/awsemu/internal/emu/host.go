package emu

import "time"

// Host is what the front gives a service package at start-up.
type Host interface {
	// Handle answers action of service (the SigV4 signing name, e.g. "sns",
	// "monitoring") for Query, JSON and RPC v2 CBOR requests.
	Handle(service, action string, h Handler)
	// HandleREST answers REST requests of service that match pattern, a
	// net/http.ServeMux pattern ("METHOD /path/{name}"), whose path values
	// the handler reads with Call.Request.PathValue. The pattern is the
	// call's Action in the call log and in fault rules.
	HandleREST(service, pattern string, h Handler)
	// Now is the emulator's clock (awsemu.WithClock).
	Now() time.Time
}
