package awsemu

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/google/uuid"

	"github.com/rootguard/rootguard/internal/awsemu/eventpattern"
)

// ebEvent is the envelope EventBridge matches and delivers.
type ebEvent struct {
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

func (p *pipeline) putEvents(c caller, body []byte) (any, error) {
	var in struct{ Entries []putEventsEntry }
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}

	if len(in.Entries) == 0 || len(in.Entries) > 10 {
		return nil, errValidation("1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and 10")
	}

	results := make([]putEventsResult, len(in.Entries))
	failed := 0

	for i, e := range in.Entries {
		// AWS reserves the aws.* sources for its services: a caller cannot
		// pose as CloudTrail (Server.EmitServiceEvent is how services put
		// their events here).
		if strings.HasPrefix(e.Source, "aws.") {
			results[i] = putEventsResult{ErrorCode: "NotAuthorizedForSourceException", ErrorMessage: "Not authorized for the source."}
			failed++

			continue
		}
		ev, err := newEvent(c, e)
		if err != nil {
			results[i] = putEventsResult{ErrorCode: "InvalidArgument", ErrorMessage: err.Error()}
			failed++

			continue
		}

		results[i] = putEventsResult{EventID: ev.ID}
		p.routeEvent(c.key(), busName(e.EventBusName), ev)
	}

	return map[string]any{"FailedEntryCount": failed, "Entries": results}, nil
}

func newEvent(c caller, e putEventsEntry) (*ebEvent, error) {
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

	return &ebEvent{
		Version: "0", ID: uuid.NewString(), DetailType: e.DetailType, Source: e.Source,
		Account: c.account, Time: at.UTC().Format(time.RFC3339), Region: c.region,
		Resources: resources, Detail: json.RawMessage(e.Detail),
	}, nil
}

// routeEvent matches ev against the enabled rules of one bus and delivers
// it to each matching rule's targets in the background.
func (p *pipeline) routeEvent(k regionKey, bus string, ev *ebEvent) {
	doc, err := json.Marshal(ev)
	if err != nil {
		return
	}

	decoded, err := eventpattern.DecodeEvent(doc)
	if err != nil {
		return
	}

	p.mu.Lock()
	defer p.mu.Unlock()

	for _, r := range p.region(k).rules {
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
			p.goDeliver(func(ctx context.Context) { p.deliverToTarget(ctx, k, ruleARN, t, ev, payload) })
		}
	}
}

// targetInput applies the target's Input, InputPath or InputTransformer.
func targetInput(t *ebTarget, doc []byte, event map[string]any) ([]byte, error) {
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
func (p *pipeline) deliverToTarget(ctx context.Context, k regionKey, ruleARN string, t *ebTarget, ev *ebEvent, payload []byte) {
	arn := parseArn(t.Arn)

	switch arn.service {
	case "sqs":
		group := ""
		if t.SqsParameters != nil {
			group = t.SqsParameters.MessageGroupID
		}

		err := retry(ctx, 3, func() error { return p.sendToQueue(ctx, arn.resource, group, payload) })
		if err != nil && t.DeadLetterConfig != nil {
			dlq := parseArn(t.DeadLetterConfig.Arn)
			err = p.sendToQueue(ctx, dlq.resource, "", payload)
		}

		if err != nil {
			slog.Warn("awsemu: event not delivered to queue", "target", t.Arn, "error", err)
		}
	case "lambda":
		p.invokeAsync(ctx, regionKey{account: arn.account, region: arn.region}, arn.function(), payload)
	case "events":
		target := regionKey{account: arn.account, region: arn.region}
		if target.region != k.region {
			if err := p.exec.s.eventsMayAssume(k.account, ruleARN, t.RoleArn); err != nil {
				slog.Warn("awsemu: event not delivered to a bus in another Region", "rule", ruleARN, "target", t.Arn, "error", err)

				return
			}
		}
		if p.busAccepts(k.account, target, busName(t.Arn)) {
			p.routeEvent(target, busName(t.Arn), ev)
		}
	default:
		slog.Warn("awsemu: target service not emulated", "target", t.Arn)
	}
}

// sendToQueue sends a message to the kumo queue with the given name.
func (p *pipeline) sendToQueue(ctx context.Context, queue, group string, body []byte) error {
	url, err := p.sqs.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(queue)})
	if err != nil {
		return fmt.Errorf("resolve queue %s: %w", queue, err)
	}

	in := &sqs.SendMessageInput{QueueUrl: url.QueueUrl, MessageBody: aws.String(string(body))}
	if group != "" {
		in.MessageGroupId = aws.String(group)
		in.MessageDeduplicationId = aws.String(uuid.NewString())
	}

	if _, err := p.sqs.SendMessage(ctx, in); err != nil {
		return fmt.Errorf("send to queue %s: %w", queue, err)
	}

	return nil
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

func (p *pipeline) testEventPattern(_ caller, body []byte) (any, error) {
	var in struct{ EventPattern, Event string }
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}

	pat, err := eventpattern.Compile(in.EventPattern)
	if err != nil {
		return nil, errCode("InvalidEventPatternException", "%v", err)
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
