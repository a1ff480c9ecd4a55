package awsemu

import (
	"fmt"
	"net/http"
)

// APIError is an error answered in the protocol's own shape: Query XML
// <ErrorResponse> for IAM/STS, "__type" JSON for JSON protocols, and the
// X-Amzn-ErrorType header for REST-JSON. Handlers return it; any other
// error becomes InternalFailure (500).
type APIError struct {
	Status  int
	Code    string
	Message string
}

func (e *APIError) Error() string { return e.Code + ": " + e.Message }

func newAPIError(status int, code, format string, args ...any) *APIError {
	return &APIError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

func errNoSuchEntity(format string, args ...any) *APIError {
	return newAPIError(http.StatusNotFound, "NoSuchEntity", format, args...)
}

func errInvalidInput(format string, args ...any) *APIError {
	return newAPIError(http.StatusBadRequest, "InvalidInput", format, args...)
}

// errAccessDenied is AccessDenied in the shape of the request's protocol
// (JSON services call it AccessDeniedException), with AWS's message naming
// the caller and the action.
func errAccessDenied(c *Call, action, why string) *APIError {
	code := "AccessDenied"
	if c.protocol == protocolJSON {
		code = "AccessDeniedException"
	}
	return newAPIError(http.StatusForbidden, code, "User: %s is not authorized to perform: %s %s", c.Caller.ARN(), action, why)
}

// errThrottled is the throttling error each protocol's services return.
func errThrottled(p protocol) *APIError {
	switch p {
	case protocolQuery:
		return newAPIError(http.StatusBadRequest, "Throttling", "Rate exceeded")
	case protocolJSON:
		return newAPIError(http.StatusBadRequest, "ThrottlingException", "Rate exceeded")
	default:
		return newAPIError(http.StatusTooManyRequests, "TooManyRequestsException", "Rate exceeded")
	}
}

func errServiceUnavailable(p protocol) *APIError {
	if p == protocolQuery {
		return newAPIError(http.StatusServiceUnavailable, "ServiceUnavailable", "Service is unavailable")
	}
	return newAPIError(http.StatusServiceUnavailable, "ServiceUnavailableException", "Service is unavailable")
}

// errUnknownAction answers an action the front owns the service of but does
// not model.
func errUnknownAction(p protocol, action string) *APIError {
	if p == protocolJSON {
		return newAPIError(http.StatusBadRequest, "UnknownOperationException", "The action %s is not valid for this web service.", action)
	}
	return newAPIError(http.StatusBadRequest, "InvalidAction", "The action %s is not valid for this web service.", action)
}
