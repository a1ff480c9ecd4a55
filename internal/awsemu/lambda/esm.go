package lambda

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/google/uuid"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

// eventSourceMapping is an SQS → Lambda event-source mapping. Its poller
// runs while the mapping exists and reads the current settings each round,
// so UpdateEventSourceMapping takes effect at once.
type eventSourceMapping struct {
	UUID                           string
	EventSourceArn                 string
	FunctionArn                    string
	BatchSize                      int
	MaximumBatchingWindowInSeconds int
	FunctionResponseTypes          []string
	State                          string
	StateTransitionReason          string
	LastModified                   float64
	LastProcessingResult           string

	stop context.CancelFunc
}

type esmInput struct {
	EventSourceArn                 string
	FunctionName                   string
	Enabled                        *bool
	BatchSize                      *int
	MaximumBatchingWindowInSeconds *int
	FunctionResponseTypes          []string
}

func errInvalidParameter(format string, args ...any) error {
	return emu.BadRequest("InvalidParameterValueException", format, args...)
}

// apply validates and applies the settings Create and Update share.
func (m *eventSourceMapping) apply(in esmInput) error {
	if in.BatchSize != nil {
		m.BatchSize = *in.BatchSize
	}

	if in.MaximumBatchingWindowInSeconds != nil {
		m.MaximumBatchingWindowInSeconds = *in.MaximumBatchingWindowInSeconds
	}

	if in.FunctionResponseTypes != nil {
		m.FunctionResponseTypes = in.FunctionResponseTypes
	}

	if in.Enabled != nil {
		m.State = map[bool]string{true: "Enabled", false: "Disabled"}[*in.Enabled]
	}

	switch {
	case m.BatchSize < 1 || m.BatchSize > 10000:
		return errInvalidParameter("BatchSize must be between 1 and 10000.")
	case m.MaximumBatchingWindowInSeconds < 0 || m.MaximumBatchingWindowInSeconds > 300:
		return errInvalidParameter("MaximumBatchingWindowInSeconds must be between 0 and 300.")
	case m.BatchSize > 10 && m.MaximumBatchingWindowInSeconds == 0:
		return errInvalidParameter("Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10")
	}

	for _, t := range m.FunctionResponseTypes {
		if t != "ReportBatchItemFailures" {
			return errInvalidParameter("FunctionResponseTypes %s is not valid.", t)
		}
	}

	m.LastModified = float64(time.Now().Unix())

	return nil
}

func (m *eventSourceMapping) reportsItemFailures() bool {
	return slices.Contains(m.FunctionResponseTypes, "ReportBatchItemFailures")
}

func (p *Functions) createEventSourceMapping(c emu.Scope, r *http.Request, body []byte) (int, any, error) {
	var in esmInput
	if err := emu.DecodeJSON(body, &in); err != nil {
		return 0, nil, err
	}

	source := emu.ParseARN(in.EventSourceArn)
	if source.Service != "sqs" {
		return 0, nil, errInvalidParameter("Only SQS event sources are emulated; got %q.", in.EventSourceArn)
	}

	if _, err := p.sqs.GetQueueUrl(r.Context(), &sqs.GetQueueUrlInput{QueueName: aws.String(source.Resource)}); err != nil {
		return 0, nil, errInvalidParameter("Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist.")
	}

	fn := functionName(in.FunctionName)
	if err := p.requireFunction(r, fn); err != nil {
		return 0, nil, err
	}

	m := &eventSourceMapping{
		UUID: uuid.NewString(), EventSourceArn: in.EventSourceArn, FunctionArn: functionArn(c, fn),
		BatchSize: 10, State: "Enabled", StateTransitionReason: "USER_INITIATED",
		FunctionResponseTypes: []string{}, LastProcessingResult: "No records processed",
	}
	if err := m.apply(in); err != nil {
		return 0, nil, err
	}

	ctx, stop := context.WithCancel(p.ctx)
	m.stop = stop

	p.mu.Lock()
	p.region(c).mappings[m.UUID] = m
	p.mu.Unlock()

	p.wg.Go(func() { p.pollQueue(ctx, c, m.UUID) })

	view := *m
	view.State = "Creating"

	return http.StatusAccepted, view, nil
}

func (p *Functions) getEventSourceMapping(c emu.Scope, r *http.Request, _ []byte) (int, any, error) {
	m, ok := p.mapping(c, r.PathValue("uuid"))
	if !ok {
		return 0, nil, errMappingNotFound(r.PathValue("uuid"))
	}

	return http.StatusOK, m, nil
}

func errMappingNotFound(id string) error {
	return emu.NewError(http.StatusNotFound, "ResourceNotFoundException", "%s", "The resource you requested does not exist. (Service: Lambda, Status Code: 404, Request ID: "+id+")")
}

// mapping returns a copy of the mapping, safe to encode without the lock.
func (p *Functions) mapping(k emu.Scope, id string) (eventSourceMapping, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()

	m, ok := p.region(k).mappings[id]
	if !ok {
		return eventSourceMapping{}, false
	}

	return *m, true
}

func (p *Functions) listEventSourceMappings(c emu.Scope, r *http.Request, _ []byte) (int, any, error) {
	fn := functionName(r.URL.Query().Get("FunctionName"))
	source := r.URL.Query().Get("EventSourceArn")

	p.mu.Lock()
	defer p.mu.Unlock()

	mappings := []eventSourceMapping{}

	for _, m := range p.region(c).mappings {
		if (fn == "" || arnFunction(emu.ParseARN(m.FunctionArn)) == fn) && (source == "" || m.EventSourceArn == source) {
			mappings = append(mappings, *m)
		}
	}

	slices.SortFunc(mappings, func(a, b eventSourceMapping) int { return strings.Compare(a.UUID, b.UUID) })

	return http.StatusOK, map[string]any{"EventSourceMappings": mappings}, nil
}

func (p *Functions) updateEventSourceMapping(c emu.Scope, r *http.Request, body []byte) (int, any, error) {
	var in esmInput
	if err := emu.DecodeJSON(body, &in); err != nil {
		return 0, nil, err
	}

	if in.FunctionName != "" {
		if err := p.requireFunction(r, functionName(in.FunctionName)); err != nil {
			return 0, nil, err
		}
	}

	p.mu.Lock()
	defer p.mu.Unlock()

	m, ok := p.region(c).mappings[r.PathValue("uuid")]
	if !ok {
		return 0, nil, errMappingNotFound(r.PathValue("uuid"))
	}

	updated := *m
	if err := updated.apply(in); err != nil {
		return 0, nil, err
	}

	if in.FunctionName != "" {
		updated.FunctionArn = functionArn(c, functionName(in.FunctionName))
	}

	*m = updated

	return http.StatusAccepted, updated, nil
}

func (p *Functions) deleteEventSourceMapping(c emu.Scope, r *http.Request, _ []byte) (int, any, error) {
	p.mu.Lock()
	defer p.mu.Unlock()

	mappings := p.region(c).mappings

	m, ok := mappings[r.PathValue("uuid")]
	if !ok {
		return 0, nil, errMappingNotFound(r.PathValue("uuid"))
	}

	m.stop()
	delete(mappings, m.UUID)

	view := *m
	view.State = "Deleting"

	return http.StatusAccepted, view, nil
}
