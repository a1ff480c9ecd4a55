package awsemu

import (
	"net/http"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
	"github.com/rootguard/rootguard/internal/awsemu/wire"
)

// APIError is an error answered in the protocol's own shape (see
// wire.WriteError). Handlers return it; any other error becomes
// InternalFailure (500).
type APIError = emu.Error

func newAPIError(status int, code, format string, args ...any) *APIError {
	return emu.NewError(status, code, format, args...)
}

// errAccessDenied is AccessDenied in the shape of the request's protocol
// (JSON services call it AccessDeniedException), with AWS's message naming
// the caller and the action.
func errAccessDenied(c *Call, action, why string) *APIError {
	return emu.AccessDenied(&c.Call, action, why)
}

// errThrottled is the throttling error each protocol's services return.
func errThrottled(p wire.Protocol) *APIError {
	switch p {
	case wire.Query:
		return newAPIError(http.StatusBadRequest, "Throttling", "Rate exceeded")
	case wire.JSON:
		return newAPIError(http.StatusBadRequest, "ThrottlingException", "Rate exceeded")
	default:
		return newAPIError(http.StatusTooManyRequests, "TooManyRequestsException", "Rate exceeded")
	}
}

func errServiceUnavailable(p wire.Protocol) *APIError {
	if p == wire.Query {
		return newAPIError(http.StatusServiceUnavailable, "ServiceUnavailable", "Service is unavailable")
	}
	return newAPIError(http.StatusServiceUnavailable, "ServiceUnavailableException", "Service is unavailable")
}

// errUnknownAction answers an action the front owns the service of but does
// not model.
func errUnknownAction(p wire.Protocol, action string) *APIError {
	if p == wire.JSON {
		return newAPIError(http.StatusBadRequest, "UnknownOperationException", "The action %s is not valid for this web service.", action)
	}
	return newAPIError(http.StatusBadRequest, "InvalidAction", "The action %s is not valid for this web service.", action)
}
