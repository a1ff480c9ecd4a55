package wire

// Error is an AWS API error, which WriteError answers in the protocol's own
// shape: Query XML <ErrorResponse> for IAM/STS, "__type" JSON for JSON
// protocols, the X-Amzn-ErrorType header for REST-JSON, and __type plus
// X-Amzn-Query-Error for RPC v2 CBOR.
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }
