package emu

import (
	"encoding/json"
	"net/http"
)

// JSONAction is one operation of a JSON-protocol service: the caller's
// account and region and the request body in, the result out.
type JSONAction func(s Scope, body []byte) (any, error)

// JSONHandler adapts a JSONAction to a Handler.
func JSONHandler(a JSONAction) Handler {
	return func(c *Call) error {
		out, err := a(c.Scope(), c.Body)
		if err != nil {
			return err
		}
		return c.Result(out)
	}
}

// DecodeJSON unmarshals a JSON request body into v, answering
// SerializationException for malformed JSON as AWS does. An empty body
// leaves v as it is.
func DecodeJSON(body []byte, v any) error {
	if len(body) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		return NewError(http.StatusBadRequest, "SerializationException", "%v", err)
	}
	return nil
}
