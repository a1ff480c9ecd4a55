package emu

import (
	"fmt"
	"net/http"

	"github.com/rootguard/rootguard/internal/awsemu/wire"
)

// Error is an error answered in the protocol's own shape (see
// wire.WriteError). Handlers return it; any other error becomes
// InternalFailure (500).
type Error = wire.Error

// NewError is an error with AWS's status, code and message.
func NewError(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// BadRequest is a client error (400) with the given AWS error code.
func BadRequest(code, format string, args ...any) *Error {
	return NewError(http.StatusBadRequest, code, format, args...)
}

// AccessDenied is AccessDenied in the shape of the request's protocol
// (JSON services call it AccessDeniedException), with AWS's message naming
// the caller and the action.
func AccessDenied(c *Call, action, why string) *Error {
	code := "AccessDenied"
	if c.Protocol == wire.JSON {
		code = "AccessDeniedException"
	}
	return NewError(http.StatusForbidden, code, "User: %s is not authorized to perform: %s %s", c.Caller.ARN(), action, why)
}
