package awsemu

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/rootguard/rootguard/internal/awsemu/wire"
)

// restAction is one operation of Lambda's REST-JSON API: it returns the
// HTTP status and the body to encode (nil: no body).
type restAction func(c caller, r *http.Request, body []byte) (int, any, error)

// lambdaRoutes are the Lambda operations pipeline answers itself:
// event-source mappings and event-invoke configs. Functions, invocations
// and permissions stay with kumo.
func (p *pipeline) lambdaRoutes() map[string]restAction {
	return map[string]restAction{
		"POST /2015-03-31/event-source-mappings":                  p.createEventSourceMapping,
		"GET /2015-03-31/event-source-mappings":                   p.listEventSourceMappings,
		"GET /2015-03-31/event-source-mappings/{uuid}":            p.getEventSourceMapping,
		"PUT /2015-03-31/event-source-mappings/{uuid}":            p.updateEventSourceMapping,
		"DELETE /2015-03-31/event-source-mappings/{uuid}":         p.deleteEventSourceMapping,
		"PUT /2019-09-25/functions/{fn}/event-invoke-config":      p.putEventInvokeConfig(false),
		"POST /2019-09-25/functions/{fn}/event-invoke-config":     p.putEventInvokeConfig(true),
		"GET /2019-09-25/functions/{fn}/event-invoke-config":      p.getEventInvokeConfig,
		"DELETE /2019-09-25/functions/{fn}/event-invoke-config":   p.deleteEventInvokeConfig,
		"GET /2019-09-25/functions/{fn}/event-invoke-config/list": p.listEventInvokeConfigs,
	}
}

// restHandler adapts a REST action to the front's Handler. The front
// hands over the request without the pattern's path values, so it is routed
// once more through a mux holding only pattern to fill them in.
func restHandler(pattern string, action restAction) Handler {
	paths := http.NewServeMux()
	paths.HandleFunc(pattern, func(_ http.ResponseWriter, r *http.Request) {
		if c, ok := r.Context().Value(callContextKey{}).(*Call); ok {
			c.Request = r
		}
	})

	return func(c *Call) error {
		paths.ServeHTTP(c.w, c.Request.WithContext(context.WithValue(c.Request.Context(), callContextKey{}, c)))

		status, out, err := action(callerOf(c), c.Request, c.Body)
		if err != nil {
			return err
		}

		c.written = true

		if out == nil {
			c.w.WriteHeader(status)

			return nil
		}

		return wire.WriteJSON(c.w, status, c.RequestID, out)
	}
}

// requireFunction answers ResourceNotFoundException, as Lambda does, when
// fn does not exist in kumo.
func (p *pipeline) requireFunction(r *http.Request, fn string) error {
	_, err := p.lambda.GetFunction(r.Context(), &lambda.GetFunctionInput{FunctionName: aws.String(fn)})

	var missing *types.ResourceNotFoundException
	if errors.As(err, &missing) {
		return newAPIError(http.StatusNotFound, "ResourceNotFoundException", "Function not found: %s", fn)
	}

	if err != nil {
		return fmt.Errorf("look up function %s: %w", fn, err)
	}

	return nil
}
