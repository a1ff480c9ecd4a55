package events

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/rootguard/rootguard/internal/awsemu/eventpattern"
	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

// Links is what EventBridge reaches outside itself; awsemu's Server
// implements it.
type Links interface {
	// Go runs f in the background — never inline: routing calls it with
	// the model locked; ctx is cancelled when the emulator closes, which
	// waits for f.
	Go(f func(ctx context.Context))
	// SendToQueue sends body to the SQS queue named queue (in kumo), in
	// message group group if it is not empty.
	SendToQueue(ctx context.Context, queue, group string, body []byte) error
	// InvokeAsync invokes function fn of s asynchronously, as Lambda does
	// for an event: retried, then handed to the function's destinations.
	InvokeAsync(ctx context.Context, s emu.Scope, fn string, payload []byte)
	// OrgID is the ID of the organization account belongs to, or "".
	OrgID(account string) string
	// TrustPolicy is the trust policy of the role named role in account;
	// an error if the account does not exist, ErrNoRole if the role does
	// not.
	TrustPolicy(account, role string) (string, error)
}

// envelope is the event EventBridge matches and delivers.
type envelope struct {
	Version    string          `json:"version"`
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Account    string          `json:"account"`
	Time       string          `json:"time"`
	Region     string          `json:"region"`
	Resources  []string        `json:"resources"`
	Detail     json.RawMessage `json:"detail"`
}

type putEventsEntry struct {
	Time                             *float64
	Source, DetailType, EventBusName string
	Detail                           string
	Resources                        []string
}

type putEventsResult struct {
	EventID      string `json:"EventId,omitempty"`
	ErrorCode    string `json:",omitempty"`
	ErrorMessage string `json:",omitempty"`
}

func (e *Events) putEvents(c emu.Scope, body []byte) (any, error) {
	var in struct{ Entries []putEventsEntry }
	if err := emu.DecodeJSON(body, &in); err != nil {
		return nil, err
	}

	if len(in.Entries) == 0 || len(in.Entries) > 10 {
		return nil, errValidation("1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and 10")
	}

	results := make([]putEventsResult, len(in.Entries))
	failed := 0

	for i, entry := range in.Entries {
		// AWS reserves the aws.* sources for its services: a caller cannot
		// pose as CloudTrail (Events.Emit is how services put their
		// events here).
		if strings.HasPrefix(entry.Source, "aws.") {
			results[i] = putEventsResult{ErrorCode: "NotAuthorizedForSourceException", ErrorMessage: "Not authorized for the source."}
			failed++

			continue
		}
		ev, err := newEvent(c, entry)
		if err != nil {
			results[i] = putEventsResult{ErrorCode: "InvalidArgument", ErrorMessage: err.Error()}
			failed++

			continue
		}

		results[i] = putEventsResult{EventID: ev.ID}
		e.routeEvent(c, busName(entry.EventBusName), ev)
	}

	return map[string]any{"FailedEntryCount": failed, "Entries": results}, nil
}

// Emit puts an AWS service's event on the default bus of s — what PutEvents
// refuses to callers, since aws.* sources are AWS's — and returns the
// event's ID.
func (e *Events) Emit(s emu.Scope, source, detailType string, at time.Time, detail []byte) string {
	ev := &envelope{
		Version: "0", ID: uuid.NewString(), DetailType: detailType, Source: source,
		Account: s.Account, Time: at.UTC().Format(time.RFC3339), Region: s.Region,
		Resources: []string{}, Detail: json.RawMessage(detail),
	}
	e.routeEvent(s, busName(""), ev)
	return ev.ID
}

// Put puts an event on bus (a name or ARN) of s as PutEvents does, but
// from any source: how Lambda puts its destination events. The detail must
// be a JSON object.
func (e *Events) Put(s emu.Scope, bus, source, detailType, detail string) error {
	ev, err := newEvent(s, putEventsEntry{Source: source, DetailType: detailType, Detail: detail})
	if err != nil {
		return err
	}
	e.routeEvent(s, busName(bus), ev)
	return nil
}

func newEvent(c emu.Scope, e putEventsEntry) (*envelope, error) {
	if e.Source == "" || e.DetailType == "" || e.Detail == "" {
		return nil, fmt.Errorf("parameters Source, DetailType and Detail are required")
	}

	var detail map[string]any
	if err := json.Unmarshal([]byte(e.Detail), &detail); err != nil {
		return nil, fmt.Errorf("detail is malformed")
	}

	at := time.Now()
	if e.Time != nil {
		at = time.UnixMilli(int64(*e.Time * 1000))
	}

	resources := e.Resources
	if resources == nil {
		resources = []string{}
	}

	return &envelope{
		Version: "0", ID: uuid.NewString(), DetailType: e.DetailType, Source: e.Source,
		Account: c.Account, Time: at.UTC().Format(time.RFC3339), Region: c.Region,
		Resources: resources, Detail: json.RawMessage(e.Detail),
	}, nil
}

// routeEvent matches ev against the enabled rules of one bus and delivers
// it to each matching rule's targets in the background.
func (e *Events) routeEvent(k emu.Scope, bus string, ev *envelope) {
	doc, err := json.Marshal(ev)
	if err != nil {
		return
	}

	decoded, err := eventpattern.DecodeEvent(doc)
	if err != nil {
		return
	}

	e.mu.Lock()
	defer e.mu.Unlock()

	for _, r := range e.rulesIn(k) {
		if r.EventBusName != bus || r.State == "DISABLED" || r.pattern == nil || !r.pattern.Matches(decoded) {
			continue
		}

		for _, t := range r.targets {
			payload, err := targetInput(t, doc, decoded)
			if err != nil {
				slog.Warn("awsemu: event not transformed for target", "rule", r.Arn, "target", t.ID, "error", err)

				continue
			}

			ruleARN := r.Arn
			e.links.Go(func(ctx context.Context) { e.deliverToTarget(ctx, k, ruleARN, t, ev, payload) })
		}
	}
}

// targetInput applies the target's Input, InputPath or InputTransformer.
func targetInput(t *target, doc []byte, event map[string]any) ([]byte, error) {
	switch {
	case t.Input != "":
		return []byte(t.Input), nil
	case t.InputPath != "":
		return json.Marshal(jsonPath(event, t.InputPath))
	case t.InputTransformer != nil:
		out := t.InputTransformer.InputTemplate
		for key, path := range t.InputTransformer.InputPathsMap {
			out = strings.ReplaceAll(out, "<"+key+">", templateValue(jsonPath(event, path)))
		}

		return []byte(out), nil
	default:
		return doc, nil
	}
}

// templateValue renders a value for an input template: strings without
// their quotes (the template supplies them), everything else as JSON.
func templateValue(v any) string {
	data, _ := json.Marshal(v)
	if _, ok := v.(string); ok {
		return string(data[1 : len(data)-1])
	}

	return string(data)
}

// jsonPath resolves the dotted paths EventBridge accepts ("$.detail.x").
func jsonPath(event map[string]any, path string) any {
	path = strings.TrimPrefix(strings.TrimPrefix(path, "$"), ".")
	if path == "" {
		return event
	}

	var cur any = event

	for _, part := range strings.Split(path, ".") {
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil
		}

		cur = obj[part]
	}

	return cur
}

// deliverToTarget sends one event to one target: SQS queues and Lambda
// functions in kumo, or another account's or Region's event bus. A queue
// that cannot be reached after retries gets the event in the target's
// dead-letter queue.
func (e *Events) deliverToTarget(ctx context.Context, k emu.Scope, ruleARN string, t *target, ev *envelope, payload []byte) {
	arn := emu.ParseARN(t.Arn)

	switch arn.Service {
	case "sqs":
		group := ""
		if t.SqsParameters != nil {
			group = t.SqsParameters.MessageGroupID
		}

		err := retry(ctx, 3, func() error { return e.links.SendToQueue(ctx, arn.Resource, group, payload) })
		if err != nil && t.DeadLetterConfig != nil {
			dlq := emu.ParseARN(t.DeadLetterConfig.Arn)
			err = e.links.SendToQueue(ctx, dlq.Resource, "", payload)
		}

		if err != nil {
			slog.Warn("awsemu: event not delivered to queue", "target", t.Arn, "error", err)
		}
	case "lambda":
		e.links.InvokeAsync(ctx, emu.Scope{Account: arn.Account, Region: arn.Region}, functionName(arn.Resource), payload)
	case "events":
		to := emu.Scope{Account: arn.Account, Region: arn.Region}
		if to.Region != k.Region {
			if err := e.mayAssume(k.Account, ruleARN, t.RoleArn); err != nil {
				slog.Warn("awsemu: event not delivered to a bus in another Region", "rule", ruleARN, "target", t.Arn, "error", err)

				return
			}
		}
		if e.busAccepts(k.Account, to, busName(t.Arn)) {
			e.routeEvent(to, busName(t.Arn), ev)
		}
	default:
		slog.Warn("awsemu: target service not emulated", "target", t.Arn)
	}
}

// functionName is the function name of a Lambda function ARN's resource
// ("function:name:qualifier"), without its qualifier.
func functionName(resource string) string {
	name := strings.TrimPrefix(resource, "function:")
	if i := strings.IndexByte(name, ':'); i >= 0 {
		name = name[:i]
	}

	return name
}

// retry runs f up to attempts times with a short exponential backoff.
func retry(ctx context.Context, attempts int, f func() error) error {
	backoff := 50 * time.Millisecond

	var err error

	for range attempts {
		if err = f(); err == nil {
			return nil
		}

		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}

		backoff *= 2
	}

	return err
}

func testEventPattern(_ emu.Scope, body []byte) (any, error) {
	var in struct{ EventPattern, Event string }
	if err := emu.DecodeJSON(body, &in); err != nil {
		return nil, err
	}

	pat, err := eventpattern.Compile(in.EventPattern)
	if err != nil {
		return nil, emu.BadRequest("InvalidEventPatternException", "%v", err)
	}

	event, err := eventpattern.DecodeEvent([]byte(in.Event))
	if err != nil {
		return nil, errValidation("Parameter Event is not valid.")
	}

	for _, field := range []string{"id", "account", "source", "time", "region", "resources", "detail-type"} {
		if _, ok := event[field]; !ok {
			return nil, errValidation("Parameter Event is not valid. Reason: missing mandatory field %s.", field)
		}
	}

	return map[string]bool{"Result": pat.Matches(event)}, nil
}
