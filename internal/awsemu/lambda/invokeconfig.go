package lambda

import (
	"net/http"
	"time"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

// eventInvokeConfig is PutFunctionEventInvokeConfig's model for $LATEST.
type eventInvokeConfig struct {
	FunctionArn              string
	LastModified             float64
	MaximumRetryAttempts     *int               `json:",omitempty"`
	MaximumEventAgeInSeconds *int               `json:",omitempty"`
	DestinationConfig        *destinationConfig `json:",omitempty"`
}

type destinationConfig struct {
	OnSuccess *destination `json:",omitempty"`
	OnFailure *destination `json:",omitempty"`
}

type destination struct {
	Destination string
}

func (c *eventInvokeConfig) maxRetryAttempts() int {
	if c == nil || c.MaximumRetryAttempts == nil {
		return defaultMaxRetryAttempts
	}

	return *c.MaximumRetryAttempts
}

func (c *eventInvokeConfig) maxEventAge() time.Duration {
	if c == nil || c.MaximumEventAgeInSeconds == nil {
		return defaultMaxEventAge
	}

	return time.Duration(*c.MaximumEventAgeInSeconds) * time.Second
}

func (c *eventInvokeConfig) onSuccess() string {
	if c == nil || c.DestinationConfig == nil || c.DestinationConfig.OnSuccess == nil {
		return ""
	}

	return c.DestinationConfig.OnSuccess.Destination
}

func (c *eventInvokeConfig) onFailure() string {
	if c == nil || c.DestinationConfig == nil || c.DestinationConfig.OnFailure == nil {
		return ""
	}

	return c.DestinationConfig.OnFailure.Destination
}

// invokeConfigFor returns a copy of fn's config, nil when none is set.
func (p *Functions) invokeConfigFor(k emu.Scope, fn string) *eventInvokeConfig {
	p.mu.Lock()
	defer p.mu.Unlock()

	cfg, ok := p.region(k).invokeConfigs[fn]
	if !ok {
		return nil
	}

	cp := *cfg

	return &cp
}

// putEventInvokeConfig answers both Put (replace) and Update (merge).
func (p *Functions) putEventInvokeConfig(merge bool) restAction {
	return func(c emu.Scope, r *http.Request, body []byte) (int, any, error) {
		fn := functionName(r.PathValue("fn"))
		if err := p.requireFunction(r, fn); err != nil {
			return 0, nil, err
		}

		var in eventInvokeConfig
		if err := emu.DecodeJSON(body, &in); err != nil {
			return 0, nil, err
		}

		if n := in.MaximumRetryAttempts; n != nil && (*n < 0 || *n > 2) {
			return 0, nil, emu.BadRequest("InvalidParameterValueException", "MaximumRetryAttempts must be between 0 and 2.")
		}

		if n := in.MaximumEventAgeInSeconds; n != nil && (*n < 60 || *n > 21600) {
			return 0, nil, emu.BadRequest("InvalidParameterValueException", "MaximumEventAgeInSeconds must be between 60 and 21600.")
		}

		p.mu.Lock()
		defer p.mu.Unlock()

		configs := p.region(c).invokeConfigs
		if old, ok := configs[fn]; ok && merge {
			in.MaximumRetryAttempts = cmpOr(in.MaximumRetryAttempts, old.MaximumRetryAttempts)
			in.MaximumEventAgeInSeconds = cmpOr(in.MaximumEventAgeInSeconds, old.MaximumEventAgeInSeconds)
			in.DestinationConfig = cmpOr(in.DestinationConfig, old.DestinationConfig)
		}

		in.FunctionArn = functionArn(c, fn) + ":$LATEST"
		in.LastModified = float64(time.Now().Unix())
		configs[fn] = &in

		return http.StatusOK, in, nil
	}
}

func cmpOr[T any](v, fallback *T) *T {
	if v != nil {
		return v
	}

	return fallback
}

func (p *Functions) getEventInvokeConfig(c emu.Scope, r *http.Request, _ []byte) (int, any, error) {
	fn := functionName(r.PathValue("fn"))

	cfg := p.invokeConfigFor(c, fn)
	if cfg == nil {
		return 0, nil, emu.NewError(http.StatusNotFound, "ResourceNotFoundException", "%s", "The function "+functionArn(c, fn)+" doesn't have an EventInvokeConfig")
	}

	return http.StatusOK, cfg, nil
}

func (p *Functions) deleteEventInvokeConfig(c emu.Scope, r *http.Request, _ []byte) (int, any, error) {
	fn := functionName(r.PathValue("fn"))

	p.mu.Lock()
	defer p.mu.Unlock()

	delete(p.region(c).invokeConfigs, fn)

	return http.StatusNoContent, nil, nil
}

func (p *Functions) listEventInvokeConfigs(c emu.Scope, r *http.Request, _ []byte) (int, any, error) {
	configs := []eventInvokeConfig{}
	if cfg := p.invokeConfigFor(c, functionName(r.PathValue("fn"))); cfg != nil {
		configs = append(configs, *cfg)
	}

	return http.StatusOK, map[string]any{"FunctionEventInvokeConfigs": configs}, nil
}
