package lambda

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

// restAction is one operation of Lambda's REST-JSON API: it returns the
// HTTP status and the body to encode (nil: no body).
type restAction func(c emu.Scope, r *http.Request, body []byte) (int, any, error)

// routes are the Lambda operations Functions answers itself:
// event-source mappings and event-invoke configs. Functions, invocations
// and permissions stay with kumo.
func (p *Functions) routes() map[string]restAction {
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

// restHandler adapts a REST action to a Handler.
func restHandler(action restAction) emu.Handler {
	return func(c *emu.Call) error {
		status, out, err := action(c.Scope(), c.Request, c.Body)
		if err != nil {
			return err
		}
		return c.ResultStatus(status, out)
	}
}

// requireFunction answers ResourceNotFoundException, as Lambda does, when
// fn does not exist in kumo.
func (p *Functions) requireFunction(r *http.Request, fn string) error {
	_, err := p.lambda.GetFunction(r.Context(), &awslambda.GetFunctionInput{FunctionName: aws.String(fn)})

	var missing *types.ResourceNotFoundException
	if errors.As(err, &missing) {
		return errNotFound("Function not found: %s", fn)
	}

	if err != nil {
		return fmt.Errorf("look up function %s: %w", fn, err)
	}

	return nil
}
